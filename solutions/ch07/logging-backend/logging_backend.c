/* logging_backend.c: a backend that wraps another one and logs every call the reactor makes to it.
 * Exercise ch07/logging-backend: see README.md. */
#include "logging_backend.h"

#include <stdio.h>
#include <stdlib.h>

/* The wrapped backend, and the operations this file hands the reactor. */
static const struct backend_ops *inner;
static struct backend_ops logging;

static int logging_create(void **state) {
    return inner->create(state);
}

static void logging_destroy(void *state) {
    inner->destroy(state);
}

static int logging_watch(void *state, int fd, unsigned old, unsigned events, bool fresh) {
    static const char *const what[] = {"nothing", "read", "write", "read+write"};
    fprintf(stderr, "backend: watch fd %d: %s\n", fd, what[events & (BACKEND_READABLE | BACKEND_WRITABLE)]);
    return inner->watch(state, fd, old, events, fresh);
}

static int logging_wait(void *state, double timeout, const struct backend_event **events) {
    int count = inner->wait(state, timeout, events);
    if (count >= 0)
        fprintf(stderr, "backend: wait: %d ready\n", count);
    return count;
}

const struct backend_ops *logging_backend(const struct backend_ops *wrapped) {
    inner = wrapped;
    logging = (struct backend_ops){
        .name = "logging",
        .fd_limit = wrapped->fd_limit,
        .create = logging_create,
        .destroy = logging_destroy,
        .watch = logging_watch,
        .wait = logging_wait,
    };
    return &logging;
}
