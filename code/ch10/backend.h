/* backend.h: how the reactor waits. A backend answers one question — "which of these fds are ready?" —
 * through the same handful of operations, whatever the system call behind them (select, poll, epoll).
 * One file per backend (backend_select.c, backend_poll.c, backend_epoll.c), each filling one
 * struct backend_ops; its state hangs off one pointer. The reactor never knows which one runs.
 *
 * The shape follows Redis's ae (aeApiCreate, aeApiAddEvent, aeApiDelEvent, aeApiPoll, aeApiName). */
#ifndef BACKEND_H
#define BACKEND_H

#include "result.h"

#include <stdbool.h>

/* >> backend-codes */
/* Result codes, in the backend range of the one code space (result.h). */
enum {
    BACKEND_ERR_UNKNOWN = -10501, /* no backend of that name in this build (REACTOR_BACKEND, reactor_new_on) */
};
/* << backend-codes */

/* The backends this build has, best first, as text (for messages). */
#if HAVE_EPOLL
#define BACKEND_NAMES_TEXT "epoll, poll, select"
#else
#define BACKEND_NAMES_TEXT "poll, select"
#endif

/* >> backend-ops */
/* What an fd waits for (watch) and what it got (wait): a mix of these bits. */
enum {
    BACKEND_READABLE = 1u, /* watch and report: input is ready, or end of file */
    BACKEND_WRITABLE = 2u, /* watch and report: there is room to write */
    BACKEND_HANGUP = 4u,   /* report only: the peer hung up (poll's POLLHUP, epoll's EPOLLHUP/EPOLLRDHUP) */
    BACKEND_ERROR = 8u,    /* report only: an error is pending on the fd (POLLERR, EPOLLERR) */
};

/* One ready fd, as wait reports it. */
struct backend_event {
    int fd;
    unsigned events; /* BACKEND_* bits */
    int error;       /* 0, or -errno: the fd cannot be watched (-EBADF: it was closed without being removed) */
};

struct backend_ops {
    const char *name; /* "select", "poll", "epoll" */
    int fd_limit;     /* fds at or above this cannot be watched (select: FD_SETSIZE); INT_MAX for none */

    /* Makes the backend's state in *state. Returns 0, -ENOMEM, or -errno of a failed system call. Any fd
     * it opens is close-on-exec. */
    int (*create)(void **state);

    /* Frees the state (and closes its fds). */
    void (*destroy)(void *state);

    /* fd now waits for `events` (0: for nothing, stop watching it); it waited for `old`. `fresh` says
     * that a new descriptor took the fd since the last call, so the file behind the number may be new
     * (what the backend remembers of the kernel's view may be stale). A backend may only note the change
     * and make it on the next wait. Returns 0 or -ENOMEM. */
    int (*watch)(void *state, int fd, unsigned old, unsigned events, bool fresh);

    /* Waits at most `timeout` seconds (< 0: until something is ready) and stores in *events an array,
     * owned by the backend and valid until its next call, of the fds that are ready. Returns how many
     * (0 on timeout, or when a signal interrupted the wait: the caller just goes round again), or -errno
     * (-EBADF from select: some watched fd was closed; the caller finds which). */
    int (*wait)(void *state, double timeout, const struct backend_event **events);
};
/* << backend-ops */

/* The backends. backend_epoll exists only where the system has epoll (HAVE_EPOLL, decided at build
 * time: `make NO_EPOLL=1` leaves it out). */
extern const struct backend_ops backend_select;
extern const struct backend_ops backend_poll;
#if HAVE_EPOLL
extern const struct backend_ops backend_epoll;
#endif

/* The backend named `name` in this build, or NULL if there is none by that name. */
const struct backend_ops *backend_find(const char *name);

/* The best backend this build has: epoll where there is one, else poll. */
const struct backend_ops *backend_best(void);

/* The names of this build's backends, best first, ending with NULL (static). */
const char *const *backend_names(void);

/* Turns a timeout in seconds (< 0: none) into whole milliseconds for poll and epoll_wait: -1 for none,
 * rounded UP (rounded down, a timer 0.4 ms away would give 0 and the loop would spin until it was due),
 * and never more than INT_MAX. */
int backend_timeout_ms(double seconds);

#endif
