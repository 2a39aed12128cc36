/* backend_select.c: the backend on select(), chapter 3's way of waiting. See backend.h.
 *
 * select() takes bit sets of at most FD_SETSIZE fds (1024 here) and scans every one up to the highest
 * fd watched on every call, so a wait costs O(highest fd) even when one fd is ready. The sets are kept
 * here between waits and copied for each call (select overwrites its arguments). */
#include "backend.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <sys/select.h>

struct select_state {
    fd_set readers, writers;    /* what each fd waits for */
    int highest;                /* the highest fd watched, or -1 */
    struct backend_event ready[FD_SETSIZE];
};

static int select_create(void **state) {
    struct select_state *s = malloc(sizeof *s);
    if (s == NULL)
        return -ENOMEM;
    FD_ZERO(&s->readers);
    FD_ZERO(&s->writers);
    s->highest = -1;
    *state = s;
    return 0;
}

static void select_destroy(void *state) {
    free(state);
}

static int select_watch(void *state, int fd, unsigned old, unsigned events, bool fresh) {
    struct select_state *s = state;
    (void)old, (void)fresh; /* select() asks afresh on every wait: nothing in here can go stale */
    if (events & BACKEND_READABLE)
        FD_SET(fd, &s->readers);
    else
        FD_CLR(fd, &s->readers);
    if (events & BACKEND_WRITABLE)
        FD_SET(fd, &s->writers);
    else
        FD_CLR(fd, &s->writers);
    if (events != 0 && fd > s->highest)
        s->highest = fd;
    while (s->highest >= 0 && !FD_ISSET(s->highest, &s->readers) && !FD_ISSET(s->highest, &s->writers))
        s->highest--;
    return 0;
}

static int select_wait(void *state, double timeout, const struct backend_event **events) {
    struct select_state *s = state;
    fd_set readable = s->readers, writable = s->writers;
    struct timeval tv, *wait_for = NULL;
    if (timeout >= 0) {
        /* Rounded UP to a whole microsecond, as chapter 4 explains. */
        double micros = ceil(timeout * 1e6);
        tv.tv_sec = (time_t)(micros / 1e6);
        tv.tv_usec = (suseconds_t)(micros - (double)tv.tv_sec * 1e6);
        wait_for = &tv;
    }
    *events = s->ready;
    if (select(s->highest + 1, &readable, &writable, NULL, wait_for) < 0)
        return errno == EINTR ? 0 : -errno;
    int count = 0;
    for (int fd = 0; fd <= s->highest; fd++) {
        unsigned got = (FD_ISSET(fd, &readable) ? BACKEND_READABLE : 0u) |
                       (FD_ISSET(fd, &writable) ? BACKEND_WRITABLE : 0u);
        if (got != 0)
            s->ready[count++] = (struct backend_event){.fd = fd, .events = got};
    }
    return count;
}

const struct backend_ops backend_select = {
    .name = "select",
    .fd_limit = FD_SETSIZE,
    .create = select_create,
    .destroy = select_destroy,
    .watch = select_watch,
    .wait = select_wait,
};
