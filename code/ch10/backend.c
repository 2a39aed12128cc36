/* backend.c: the list of backends this build has, and what they share. See backend.h. */
#include "backend.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

/* >> backend-table */
/* Best first: epoll's cost follows the fds that are ready, poll's and select's the fds that are watched. */
static const struct backend_ops *const backends[] = {
#if HAVE_EPOLL
    &backend_epoll,
#endif
    &backend_poll,
    &backend_select,
};
/* << backend-table */

#define BACKEND_COUNT (sizeof backends / sizeof backends[0])

const struct backend_ops *backend_find(const char *name) {
    for (size_t i = 0; i < BACKEND_COUNT; i++)
        if (strcmp(backends[i]->name, name) == 0)
            return backends[i];
    return NULL;
}

const struct backend_ops *backend_best(void) {
    return backends[0];
}

const char *const *backend_names(void) {
    static const char *names[BACKEND_COUNT + 1];
    if (names[0] == NULL) /* filled once; every call writes the same values */
        for (size_t i = 0; i < BACKEND_COUNT; i++)
            names[i] = backends[i]->name;
    return names;
}

int backend_timeout_ms(double seconds) {
    if (seconds < 0)
        return -1;
    double ms = ceil(seconds * 1e3);
    return ms < (double)INT_MAX ? (int)ms : INT_MAX;
}
