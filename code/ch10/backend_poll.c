/* backend_poll.c: the backend on poll(). See backend.h.
 *
 * poll() takes an array of the fds watched, any number of them and any fd the process may open, but
 * like select() the kernel walks the whole array on every call: a wait costs O(fds watched). The array
 * is kept here between waits, with an index from fd to its slot so that a change is O(1). */
#include "backend.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

struct poll_state {
    struct pollfd *fds; /* what poll() gets: the watched fds, in no particular order */
    size_t count, capacity;
    int *slot;          /* slot[fd]: fd's index in fds, or -1 */
    int slots;          /* the length of slot */
    struct backend_event *ready; /* capacity entries */
};

static int poll_create(void **state) {
    struct poll_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -ENOMEM;
    *state = s;
    return 0;
}

static void poll_destroy(void *state) {
    struct poll_state *s = state;
    free(s->fds);
    free(s->slot);
    free(s->ready);
    free(s);
}

static short poll_events(unsigned events) {
    return (short)((events & BACKEND_READABLE ? POLLIN : 0) | (events & BACKEND_WRITABLE ? POLLOUT : 0));
}

/* Makes room for slot[fd] and one more entry in fds. Returns 0 or -ENOMEM. */
static int poll_grow(struct poll_state *s, int fd) {
    if (fd >= s->slots) {
        int slots = s->slots ? s->slots : 64;
        while (slots <= fd)
            slots = slots <= INT_MAX / 2 ? slots * 2 : INT_MAX;
        int *bigger = realloc(s->slot, (size_t)slots * sizeof *bigger);
        if (bigger == NULL)
            return -ENOMEM;
        for (int i = s->slots; i < slots; i++)
            bigger[i] = -1;
        s->slot = bigger;
        s->slots = slots;
    }
    if (s->count == s->capacity) {
        size_t capacity = s->capacity ? s->capacity * 2 : 64;
        struct pollfd *fds = realloc(s->fds, capacity * sizeof *fds);
        if (fds == NULL)
            return -ENOMEM;
        s->fds = fds;
        struct backend_event *ready = realloc(s->ready, capacity * sizeof *ready);
        if (ready == NULL)
            return -ENOMEM;
        s->ready = ready;
        s->capacity = capacity;
    }
    return 0;
}

static int poll_watch(void *state, int fd, unsigned old, unsigned events, bool fresh) {
    struct poll_state *s = state;
    (void)old, (void)fresh; /* poll() asks afresh on every wait */
    int index = fd < s->slots ? s->slot[fd] : -1;
    if (events == 0) {
        if (index >= 0) { /* the last entry fills the hole */
            s->fds[index] = s->fds[--s->count];
            s->slot[s->fds[index].fd] = index;
            s->slot[fd] = -1;
        }
        return 0;
    }
    if (index < 0) {
        int err = poll_grow(s, fd);
        if (err != 0)
            return err;
        index = (int)s->count++;
        s->slot[fd] = index;
        s->fds[index].fd = fd;
    }
    s->fds[index].events = poll_events(events);
    return 0;
}

static int poll_wait(void *state, double timeout, const struct backend_event **events) {
    struct poll_state *s = state;
    *events = s->ready;
    int n = poll(s->fds, (nfds_t)s->count, backend_timeout_ms(timeout));
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    int count = 0;
    for (size_t i = 0; i < s->count && count < n; i++) {
        short got = s->fds[i].revents;
        if (got == 0)
            continue;
        struct backend_event *e = &s->ready[count++];
        *e = (struct backend_event){.fd = s->fds[i].fd};
        if (got & POLLNVAL) /* not an open fd: closed without being removed */
            e->error = -EBADF;
        e->events = (got & POLLIN ? BACKEND_READABLE : 0u) | (got & POLLOUT ? BACKEND_WRITABLE : 0u) |
                    (got & POLLHUP ? BACKEND_HANGUP : 0u) | (got & POLLERR ? BACKEND_ERROR : 0u);
    }
    return count;
}

const struct backend_ops backend_poll = {
    .name = "poll",
    .fd_limit = INT_MAX,
    .create = poll_create,
    .destroy = poll_destroy,
    .watch = poll_watch,
    .wait = poll_wait,
};
