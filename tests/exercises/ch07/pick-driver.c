/* The driver of the ch07/backend-option test: prints the backend pick_backend chose, or exits with its
 * status. */
#include "pick_backend.h"

#include <stdio.h>

int main(int argc, char **argv) {
    struct reactor *reactor = NULL;
    int status = pick_backend(argc, argv, &reactor);
    if (status != 0)
        return status;
    printf("%s\n", reactor_backend(reactor));
    reactor_free(reactor);
    return 0;
}
