/* pick_backend.c: the --backend option. Exercise ch07/backend-option: see README.md. */
#include "pick_backend.h"

#include "backend.h"

#include <stdio.h>
#include <string.h>

int pick_backend(int argc, char **argv, struct reactor **out) {
    (void)argc, (void)argv;
    /* TODO: find --backend NAME (or --backend=NAME) in argv and make the reactor on that backend; a bad
     * name is a command-line error (status 2) with the one-line message of pick_backend.h. */
    int err = reactor_new_on(NULL, out);
    if (err != 0) {
        fprintf(stderr, "%s: cannot make a reactor: %s\n", argv[0], reactor_strerror(err));
        return 1;
    }
    return 0;
}
