/* backend_epoll.c: the backend on Linux's epoll. See backend.h.
 *
 * epoll keeps the set of watched fds in the kernel: a wait costs O(fds ready), not O(fds watched).
 * The price is that the kernel's set must be kept in step by a system call per change (epoll_ctl),
 * and that the kernel remembers files, not numbers. Three things follow, all handled here:
 *
 * - Changes are batched (as libev does): watch only notes what an fd wants, and the next wait makes
 *   the calls, comparing with what the kernel has. An fd removed and re-added within one turn costs
 *   no system call at all.
 * - A file closed without being removed vanishes from the kernel's set by itself. If its number comes
 *   back as a new file, the kernel has nothing for it: a `fresh` watch re-registers (MOD, and ADD if
 *   the kernel says ENOENT).
 * - A file that is still open elsewhere (dup, fork) stays in the kernel's set after its number is
 *   closed here, and nothing can take it out again. Its events carry an old generation (the upper 32
 *   bits of the event data, bumped on every epoll_ctl), or come for an fd that waits for nothing: then
 *   the whole kernel set is rebuilt from what every fd wants.
 *
 * Regular files cannot be watched by epoll (EPERM); select and poll report them always ready, and so
 * does this backend. */
#include "backend.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

struct epoll_fd {
    unsigned want;       /* what the reactor asked for (BACKEND_READABLE | BACKEND_WRITABLE) */
    unsigned kernel;     /* what the kernel's set has for this fd: 0 for nothing */
    uint32_t generation; /* stored with the kernel's entry; an event with another one is stale */
    bool changed;        /* listed in changes, to be made on the next wait */
    bool fresh;          /* a new descriptor took the fd: the kernel's entry may belong to an old file */
    bool always;         /* epoll refused it (EPERM: a regular file), so it is always ready */
};

struct epoll_state {
    int epfd;
    struct epoll_fd *fds; /* by fd */
    int size;             /* the length of fds */
    int *changes;         /* fds whose want changed since the last wait */
    size_t change_count, change_capacity;
    struct epoll_event *kernel_events;
    int kernel_capacity;
    struct backend_event *ready;
    size_t ready_capacity;
    int always_count; /* fds with .always and something wanted */
};

static int epoll_create_state(void **state) {
    struct epoll_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -ENOMEM;
    s->kernel_capacity = 64;
    s->kernel_events = malloc((size_t)s->kernel_capacity * sizeof *s->kernel_events);
    s->epfd = epoll_create1(EPOLL_CLOEXEC); /* close-on-exec: a child program never inherits it */
    if (s->kernel_events == NULL || s->epfd < 0) {
        int err = s->epfd < 0 ? -errno : -ENOMEM;
        if (s->epfd >= 0)
            close(s->epfd);
        free(s->kernel_events);
        free(s);
        return err;
    }
    *state = s;
    return 0;
}

static void epoll_destroy(void *state) {
    struct epoll_state *s = state;
    close(s->epfd);
    free(s->fds);
    free(s->changes);
    free(s->kernel_events);
    free(s->ready);
    free(s);
}

/* Lists fd as changed. Returns 0 or -ENOMEM. */
static int note_change(struct epoll_state *s, int fd) {
    if (s->fds[fd].changed)
        return 0;
    if (s->change_count == s->change_capacity) {
        size_t capacity = s->change_capacity ? s->change_capacity * 2 : 64;
        int *bigger = realloc(s->changes, capacity * sizeof *bigger);
        if (bigger == NULL)
            return -ENOMEM;
        s->changes = bigger;
        s->change_capacity = capacity;
    }
    s->changes[s->change_count++] = fd;
    s->fds[fd].changed = true;
    return 0;
}

/* >> epoll-watch */
static int epoll_watch(void *state, int fd, unsigned old, unsigned events, bool fresh) {
    struct epoll_state *s = state;
    (void)old; /* what counts is what the kernel has, kept here */
    if (fd >= s->size) {
        int size = s->size ? s->size : 64;
        while (size <= fd)
            size = size <= INT_MAX / 2 ? size * 2 : INT_MAX;
        struct epoll_fd *bigger = realloc(s->fds, (size_t)size * sizeof *bigger);
        if (bigger == NULL)
            return -ENOMEM;
        for (int i = s->size; i < size; i++)
            bigger[i] = (struct epoll_fd){0};
        s->fds = bigger;
        s->size = size;
    }
    int err = note_change(s, fd);
    if (err != 0)
        return err;
    s->fds[fd].want = events; /* made in the kernel on the next wait, if it still differs then */
    s->fds[fd].fresh |= fresh;
    return 0;
}
/* << epoll-watch */

static uint32_t kernel_mask(unsigned want) {
    /* EPOLLRDHUP: a peer's half-close is reported as such, not only as readable. */
    return (want & BACKEND_READABLE ? EPOLLIN | EPOLLRDHUP : 0u) | (want & BACKEND_WRITABLE ? EPOLLOUT : 0u);
}

/* One epoll_ctl that writes want into the kernel's entry for fd, with a new generation. */
static int control(struct epoll_state *s, int op, int fd, unsigned want) {
    struct epoll_fd *f = &s->fds[fd];
    struct epoll_event ev = {.events = kernel_mask(want)};
    ev.data.u64 = (uint64_t)(uint32_t)fd | (uint64_t)(f->generation + 1) << 32;
    if (epoll_ctl(s->epfd, op, fd, &ev) != 0)
        return -errno;
    f->generation++;
    return 0;
}

/* >> epoll-apply */
/* Makes the kernel's entry for fd match what it wants. An fd removed and added back since the last
 * wait has want == kernel and costs nothing, unless a new descriptor took it (fresh). Returns 0, or the
 * -errno that keeps it from being watched. */
static int apply(struct epoll_state *s, int fd) {
    struct epoll_fd *f = &s->fds[fd];
    f->changed = false;
    bool fresh = f->fresh;
    f->fresh = false;
    if (f->always) { /* a regular file: nothing in the kernel; want decides whether it is reported */
        if (f->want != 0 && !fresh)
            return 0;
        f->always = false;
        s->always_count--;
    }
    if (f->want == f->kernel && !fresh)
        return 0;
    if (f->want == 0) {
        /* May fail: the fd was closed first (EBADF), or its number is already another file's (ENOENT).
         * Either way the kernel lets the entry go with its file; a copy kept open elsewhere is caught
         * by the generation check in wait. */
        epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, &(struct epoll_event){0});
        f->kernel = 0;
        return 0;
    }
    int err = control(s, f->kernel != 0 ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, f->want);
    if (err == -ENOENT) /* the file we registered was closed: this is a new one */
        err = control(s, EPOLL_CTL_ADD, fd, f->want);
    else if (err == -EEXIST) /* the kernel has it already (a remove we did not make in time) */
        err = control(s, EPOLL_CTL_MOD, fd, f->want);
    if (err == -EPERM) { /* epoll cannot watch a regular file; it never blocks: always ready */
        f->kernel = 0;
        f->always = true;
        s->always_count++;
        return 0;
    }
    f->kernel = err == 0 ? f->want : 0;
    return err;
}
/* << epoll-apply */

/* Adds one event to the ready list. Returns 0 or -ENOMEM. */
static int add_ready(struct epoll_state *s, size_t *count, struct backend_event event) {
    if (*count == s->ready_capacity) {
        size_t capacity = s->ready_capacity ? s->ready_capacity * 2 : 64;
        struct backend_event *bigger = realloc(s->ready, capacity * sizeof *bigger);
        if (bigger == NULL)
            return -ENOMEM;
        s->ready = bigger;
        s->ready_capacity = capacity;
    }
    s->ready[(*count)++] = event;
    return 0;
}

/* The kernel's set has an entry we cannot reach (a file open elsewhere): start a new set, and register
 * every fd that wants something on the next wait. */
static int rebuild(struct epoll_state *s) {
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        return -errno;
    close(s->epfd);
    s->epfd = epfd;
    for (int fd = 0; fd < s->size; fd++) {
        struct epoll_fd *f = &s->fds[fd];
        f->kernel = 0;
        if (f->want != 0 && !f->always && note_change(s, fd) != 0)
            return -ENOMEM;
    }
    return 0;
}

/* >> epoll-wait */
static int epoll_wait_ready(void *state, double timeout, const struct backend_event **events) {
    struct epoll_state *s = state;
    size_t count = 0;
    /* First the batched changes. An fd that cannot be watched is reported with its error. */
    for (size_t i = 0; i < s->change_count; i++) {
        int fd = s->changes[i];
        int err = apply(s, fd);
        if (err != 0 && add_ready(s, &count, (struct backend_event){.fd = fd, .error = err}) != 0)
            return -ENOMEM;
    }
    s->change_count = 0;

    int ms = count > 0 || s->always_count > 0 ? 0 : backend_timeout_ms(timeout);
    int n = epoll_wait(s->epfd, s->kernel_events, s->kernel_capacity, ms);
    if (n < 0) {
        if (errno != EINTR)
            return -errno;
        n = 0; /* a signal: report what we have, and the caller goes round again */
    }
    bool stale = false;
    for (int i = 0; i < n; i++) {
        uint64_t data = s->kernel_events[i].data.u64;
        int fd = (int)(uint32_t)data;
        uint32_t got = s->kernel_events[i].events;
        if (fd >= s->size || s->fds[fd].generation != (uint32_t)(data >> 32) || s->fds[fd].want == 0) {
            stale = true; /* an entry for a file that is no longer ours */
            continue;
        }
        unsigned want = s->fds[fd].want;
        struct backend_event e = {.fd = fd};
        e.events = (got & EPOLLIN && want & BACKEND_READABLE ? BACKEND_READABLE : 0u) |
                   (got & EPOLLOUT && want & BACKEND_WRITABLE ? BACKEND_WRITABLE : 0u) |
                   (got & (EPOLLHUP | EPOLLRDHUP) ? BACKEND_HANGUP : 0u) | (got & EPOLLERR ? BACKEND_ERROR : 0u);
        if (e.events != 0 && add_ready(s, &count, e) != 0)
            return -ENOMEM;
    }
    if (n == s->kernel_capacity && s->kernel_capacity <= INT_MAX / 2) {
        /* A full array: there may be more ready than it holds. Next time, ask for twice as many. */
        struct epoll_event *bigger = realloc(s->kernel_events, 2 * (size_t)n * sizeof *bigger);
        if (bigger != NULL) {
            s->kernel_events = bigger;
            s->kernel_capacity = 2 * n;
        }
    }
    if (s->always_count > 0)
        for (int fd = 0; fd < s->size; fd++)
            if (s->fds[fd].always && s->fds[fd].want != 0 &&
                add_ready(s, &count, (struct backend_event){.fd = fd, .events = s->fds[fd].want}) != 0)
                return -ENOMEM;
    if (stale) {
        int err = rebuild(s);
        if (err != 0)
            return err;
    }
    *events = s->ready;
    return (int)count;
}
/* << epoll-wait */

const struct backend_ops backend_epoll = {
    .name = "epoll",
    .fd_limit = INT_MAX,
    .create = epoll_create_state,
    .destroy = epoll_destroy,
    .watch = epoll_watch,
    .wait = epoll_wait_ready,
};
