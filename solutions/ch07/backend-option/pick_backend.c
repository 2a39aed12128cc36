/* pick_backend.c: the --backend option. Exercise ch07/backend-option: see README.md. */
#include "pick_backend.h"

#include "backend.h"

#include <stdio.h>
#include <string.h>

int pick_backend(int argc, char **argv, struct reactor **out) {
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--backend") == 0) {
            if (i + 1 == argc) {
                fprintf(stderr, "%s: --backend needs a name\n", argv[0]);
                return 2;
            }
            name = argv[++i];
        } else if (strncmp(argv[i], "--backend=", 10) == 0) {
            name = argv[i] + 10;
        }
    }
    int err = reactor_new_on(name, out);
    if (err == BACKEND_ERR_UNKNOWN) {
        char list[128] = "";
        for (const char *const *b = backend_names(); *b != NULL; b++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", b == backend_names() ? "" : ", ", *b);
        fprintf(stderr, "%s: --backend '%s': no such backend (this build has: %s)\n", argv[0], name, list);
        return 2;
    }
    if (err != 0) {
        fprintf(stderr, "%s: cannot make a reactor: %s\n", argv[0], reactor_strerror(err));
        return 1;
    }
    return 0;
}
