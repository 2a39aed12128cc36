/* waker.c: the self-pipe, or an eventfd where the system has one. See waker.h for the contracts. */
#include "waker.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#if HAVE_EVENTFD
#include <stdint.h>
#include <sys/eventfd.h>
#endif

#if HAVE_EVENTFD
/* >> waker-eventfd */
/* An eventfd is a counter in the kernel: a write adds to it, a read returns it and sets it to 0, and
 * it is readable while it is not 0. One descriptor, and a burst of wakes is one number. */
int waker_open(struct waker *waker) {
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        *waker = (struct waker){-1, -1};
        return -errno;
    }
    *waker = (struct waker){fd, fd};
    return 0;
}

int waker_wake(const struct waker *waker) {
    uint64_t one = 1;
    for (;;) {
        if (write(waker->write_fd, &one, sizeof one) == (ssize_t)sizeof one)
            return 0;
        if (errno == EAGAIN)
            return 0; /* the counter is at its maximum: it is readable already */
        if (errno != EINTR)
            return -errno;
    }
}

int waker_drain(const struct waker *waker) {
    uint64_t count;
    while (read(waker->read_fd, &count, sizeof count) < 0 && errno == EINTR)
        continue;
    return 1; /* one read empties the counter, however many wakes it holds */
}

const char *waker_kind(void) {
    return "eventfd";
}
/* << waker-eventfd */
#else
/* >> waker-pipe */
/* Sets O_NONBLOCK and FD_CLOEXEC on fd (pipe2, which does it in one call, is not in POSIX.1-2008). */
static int set_flags(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -errno;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        return -errno;
    return 0;
}

/* The self-pipe: readable while it holds a byte. Non-blocking on both ends: a thread never blocks
 * writing into a full pipe (it is readable then anyway), and the loop never blocks draining it. */
int waker_open(struct waker *waker) {
    int fds[2];
    *waker = (struct waker){-1, -1};
    if (pipe(fds) < 0)
        return -errno;
    int err = set_flags(fds[0]);
    if (err == 0)
        err = set_flags(fds[1]);
    if (err != 0) {
        close(fds[0]);
        close(fds[1]);
        return err;
    }
    *waker = (struct waker){fds[0], fds[1]};
    return 0;
}

int waker_wake(const struct waker *waker) {
    for (;;) {
        if (write(waker->write_fd, "x", 1) == 1)
            return 0;
        if (errno == EAGAIN)
            return 0; /* full: the loop has plenty to read already */
        if (errno != EINTR)
            return -errno;
    }
}

int waker_drain(const struct waker *waker) {
    char buf[256];
    int reads = 0;
    for (;;) {
        ssize_t got = read(waker->read_fd, buf, sizeof buf);
        reads++;
        if (got < 0 && errno == EINTR)
            continue;
        if (got < (ssize_t)sizeof buf)
            return reads; /* emptied (or EAGAIN: someone else emptied it) */
    }
}

const char *waker_kind(void) {
    return "pipe";
}
/* << waker-pipe */
#endif

void waker_close(struct waker *waker) {
    if (waker->read_fd >= 0)
        close(waker->read_fd);
    if (waker->write_fd >= 0 && waker->write_fd != waker->read_fd)
        close(waker->write_fd);
    *waker = (struct waker){-1, -1};
}
