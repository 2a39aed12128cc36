/* waker.h: a file descriptor that another thread can make readable, so that a reactor asleep in its
 * backend's wait wakes up. The self-pipe trick: the loop watches the read end of a pipe; a thread that
 * wants it awake writes a byte into the write end. Where the system has eventfd (Linux), one eventfd
 * does both jobs with one descriptor and an 8-byte counter instead of a pipe's buffer. Which one a
 * build gets is decided at build time (HAVE_EVENTFD; `make WAKER=pipe` forces the pipe).
 *
 * Twisted's counterpart: twisted.internet.posixbase._UnixWaker (a pipe) and _SocketWaker (Windows). */
#ifndef WAKER_H
#define WAKER_H

/* >> waker */
struct waker {
    int read_fd;  /* what the loop watches for reading */
    int write_fd; /* what wake writes to: the same fd as read_fd for an eventfd */
};

/* Opens a waker: both fds non-blocking and close-on-exec. Returns 0 or -errno (-EMFILE); on error
 * *waker holds no open fd. */
int waker_open(struct waker *waker);

/* Makes read_fd readable, from any thread. A waker that is already readable stays so (a full pipe is
 * not an error: it is as awake as it gets). Returns 0 or -errno of a failed write. */
int waker_wake(const struct waker *waker);

/* Called by the loop when read_fd is readable: empties it, so that the next wait sleeps again.
 * Returns how many read() calls that took (1 unless the pipe held more than one buffer's worth). */
int waker_drain(const struct waker *waker);

/* Closes the fds. The waker must not be used after. */
void waker_close(struct waker *waker);

/* "eventfd" or "pipe": what this build's wakers are made of. Static. */
const char *waker_kind(void);
/* << waker */

#endif
