/* reactor.h: the reactor — one loop that waits on many file descriptors and calls the code that
 * registered them when they are ready. Chapter 3 builds it on select(); later chapters add time
 * (chapter 4), transports (5: transport.h, tcp.h) and other ways to wait (7: backend.h — select, poll,
 * epoll, chosen when the reactor is made) without changing what is here.
 *
 * Twisted's counterparts: reactor.addReader/addWriter/removeReader/removeWriter/removeAll, run, stop,
 * callWhenRunning; the descriptor is Twisted's IReadDescriptor/IWriteDescriptor. */
#ifndef REACTOR_H
#define REACTOR_H

#include "result.h"
#include "scheduler.h"

#include <stddef.h>

struct reactor;    /* opaque: only reactor.c sees inside */
struct descriptor; /* below */

/* >> codes */
/* Result codes. Functions that can fail return 0 or a negative code: either -errno (a system error,
 * e.g. -ECONNREFUSED) or a library code, such as the REACTOR_ERR_* codes below (the reactor's range of
 * the one code space in result.h). reactor_strerror, like result_strerror, names any of them. */
enum {
    /* Not an error: the reason a descriptor reports when its peer closed cleanly (Twisted's
     * CONNECTION_DONE). Positive, so that it can never be mistaken for -errno. */
    REACTOR_CONNECTION_DONE = 1,

    REACTOR_ERR_NOT_RUNNING = -10001,     /* stop on a reactor that is not running (or already stopping) */
    REACTOR_ERR_ALREADY_RUNNING = -10002, /* run on a reactor that is running */
    REACTOR_ERR_NOT_RESTARTABLE = -10003, /* run on a reactor that has run and stopped */
    REACTOR_ERR_CONNECTION_LOST = -10004, /* the reason given to every descriptor at shutdown */
    REACTOR_ERR_FD_RANGE = -10005,        /* the descriptor is negative, or too large for select() */

    /* Chapter 5: transports, connectors and listening ports (transport.h, tcp.h). */
    REACTOR_ERR_CONNECTION_ABORTED = -10006, /* the reason connection_lost gets after transport_abort_connection */
    REACTOR_ERR_DISCONNECTING = -10007,      /* transport_write after lose/abort, or after the connection failed */
    REACTOR_ERR_CONNECT_CANCELLED = -10008,  /* the reason a connect stopped by connector_stop fails with */
    REACTOR_ERR_NOT_CONNECTING = -10009,     /* connector_stop on a connector that is already connected */
    REACTOR_ERR_NO_PROTOCOL = -10010,        /* the factory's build_protocol returned NULL */
    REACTOR_ERR_SHUTTING_DOWN = -10011,      /* the reactor is shutting down, or has stopped: it no longer runs */
};
/* << codes */

/* >> descriptor */
/* What the reactor calls on a descriptor. The code that owns a descriptor fills one of these in
 * (usually a static const table shared by all descriptors of a kind). */
struct descriptor_ops {
    /* The descriptor's fd is readable (or at end of file). Returns 0 to stay registered, or the reason
     * it is finished — REACTOR_CONNECTION_DONE or a negative code — after which the reactor removes it
     * (as reader and writer) and calls connection_lost with that reason. NULL if never a reader. */
    int (*do_read)(struct descriptor *self);
    /* The fd is writable. Same return convention as do_read. NULL if never a writer. */
    int (*do_write)(struct descriptor *self);
    /* The descriptor is finished: do_read or do_write returned a reason, or the reactor shut down
     * (reason REACTOR_ERR_CONNECTION_LOST). Called once; the reactor has already removed the descriptor
     * and never touches it again, so this is where the owner closes the fd and may free the memory. */
    void (*connection_lost)(struct descriptor *self, int reason);
    /* A short name for messages and traces ("task 2", "poetry client"). NULL means "fd N". */
    const char *(*log_prefix)(struct descriptor *self);
};

/* A file descriptor the reactor can watch. Embed it in your own struct (as its first member, or
 * reach your struct from it with offsetof) — the reactor only ever sees this part. */
struct descriptor {
    int fd;
    const struct descriptor_ops *ops;
};
/* << descriptor */

/* >> callback-type */
/* A callback for call_when_running: returns 0, or a negative code that the reactor reports on stderr
 * (naming the callback) before it goes on with the next one. */
typedef int (*reactor_callback)(void *arg);
/* << callback-type */

/* >> new-api */
/* Makes a reactor that is not yet running, on the backend named `backend` ("epoll", "poll", "select":
 * backend_names() lists this build's), or if that is NULL on the one the environment variable
 * REACTOR_BACKEND names, or else the best this build has. Stores it in *out (NULL on error) for the
 * caller to free with reactor_free. Returns 0, BACKEND_ERR_UNKNOWN (no backend of that name here),
 * -ENOMEM, or the -errno of the backend's failed system call (-EMFILE). REACTOR_TRACE=1 turns on the
 * trace (see below), which names the backend. */
int reactor_new_on(const char *backend, struct reactor **out);

/* The same on a backend of the caller's own (backend.h), which must outlive the reactor: a wrapper of
 * another backend, a new one being written. Same returns, but for BACKEND_ERR_UNKNOWN. */
struct backend_ops;
int reactor_new_with(const struct backend_ops *backend, struct reactor **out);

/* Chapter 10: the same, on a scheduler of the caller's (a task_clock's, task_clock.h) instead of the
 * monotonic clock's, so that reactor_scheduler returns it and code that calls reactor_call_later runs
 * on time a test moves by hand. The caller frees the scheduler, after the reactor. Same returns. */
struct scheduler;
int reactor_new_with_scheduler(const struct backend_ops *backend, struct scheduler *scheduler,
                               struct reactor **out);

/* reactor_new_on(NULL, ...): returns the reactor, or NULL. NULL means out of memory, unless it has
 * written why not on stderr ("reactor: REACTOR_BACKEND=kqueue: no such backend in this build ..."). */
struct reactor *reactor_new(void);

/* The name of the backend the reactor waits with ("epoll"). Static. */
const char *reactor_backend(const struct reactor *reactor);
/* << new-api */

/* Frees the reactor and everything it still holds (queued callbacks, pending delayed calls, which are
 * cancelled). It must not be running.
 * Descriptors still registered are NOT told: they belong to their owners. NULL is allowed. */
void reactor_free(struct reactor *reactor);

/* Watches d->fd for reading / writing. Adding a descriptor that is already added is not an error and
 * changes nothing. The reactor keeps the pointer, not a copy: d must stay valid, and d->fd unchanged,
 * until it is removed or lost; remove it before closing its fd (select and poll lose a descriptor whose fd
 * was closed under it with -EBADF; epoll no longer sees it). One fd has at most one reader and one
 * writer: adding another descriptor with the same fd replaces the first. Removing a descriptor and
 * adding it back within one turn costs no system call on any backend; a struct reused for a new file
 * under the same fd number must therefore be lost (connection_lost), or another struct used, for the
 * backend to learn the file is new. Returns 0, REACTOR_ERR_FD_RANGE if the fd is negative or the
 * backend cannot watch it (select: >= FD_SETSIZE; poll and epoll take any fd), -EINVAL if d's ops lack
 * do_read / do_write, REACTOR_ERR_SHUTTING_DOWN during shutdown (shutdown would never tell it it is
 * lost), or -ENOMEM. */
int reactor_add_reader(struct reactor *reactor, struct descriptor *d);
int reactor_add_writer(struct reactor *reactor, struct descriptor *d);

/* Stops watching d for reading / writing. Removing one that is not added changes nothing. Safe to call
 * from inside any callback, for any descriptor, including the one being called. */
void reactor_remove_reader(struct reactor *reactor, struct descriptor *d);
void reactor_remove_writer(struct reactor *reactor, struct descriptor *d);

/* Removes every reader and writer without telling them; returns how many descriptors were removed. */
size_t reactor_remove_all(struct reactor *reactor);

/* >> call-when-running-api */
/* Calls fn(arg) once the reactor runs, in the order of these calls (FIFO); if it is already running,
 * calls it right now. Stringifies fn, so that traces and error reports can name it. Returns 0, -EINVAL
 * if fn is NULL, REACTOR_ERR_SHUTTING_DOWN during shutdown or once reactor_run has returned (the reactor
 * no longer runs, as Twisted's `running` is false by then: fn would never be called), or -ENOMEM. */
#define reactor_call_when_running(reactor, fn, arg) reactor_call_when_running_named((reactor), #fn, (fn), (arg))
int reactor_call_when_running_named(struct reactor *reactor, const char *name, reactor_callback fn, void *arg);
/* << call-when-running-api */

/* >> time-api */
/* The reactor's scheduler (see scheduler.h): its clock is the monotonic clock, and its due calls run at
 * the start of every turn of the loop. Owned by the reactor. Hand it to code that takes a scheduler —
 * a looping call, a timeout — so that a test can hand the same code a task_clock's instead. */
struct scheduler *reactor_scheduler(struct reactor *reactor);

/* Seconds on the reactor's clock: CLOCK_MONOTONIC, which never jumps when the time of day is set. */
double reactor_seconds(struct reactor *reactor);

/* Twisted's callLater: schedules fn(arg) on the reactor's scheduler, `delay` seconds from now. The
 * rules, errors and the handle in *out (NULL for none) are those of scheduler_call_later. */
#define reactor_call_later(reactor, delay, fn, arg, out)                                                  \
    scheduler_call_later_named(reactor_scheduler(reactor), (delay), #fn, (fn), (arg), (out))
/* << time-api */

/* Runs the loop until reactor_stop: first the call-when-running callbacks, then turn after turn of
 * running the delayed calls that are due, waiting (without using the CPU) until the next one is due or a
 * descriptor is ready, and dispatching. When stopped, it finishes the current turn (a stop
 * from a call-when-running callback means no turn at all), runs the delayed calls that are due by then
 * once more, as Twisted's loop does on the turn that fires shutdown (so a call_later(0, ...) made just
 * before the stop is not dropped; a stop from a delayed call has had that pass, and calls that pass
 * schedules never run), then shuts down: in fd order, each
 * descriptor still registered when its turn comes is removed and gets connection_lost with
 * REACTOR_ERR_CONNECTION_LOST. One that an earlier connection_lost removed is not told: Twisted removes
 * all, then tells each, but in C its owner may already have freed it. During shutdown the reactor no
 * longer runs: registrations and call_when_running are refused (REACTOR_ERR_SHUTTING_DOWN).
 * Returns 0 after a stop, REACTOR_ERR_ALREADY_RUNNING if called from inside the loop, or
 * REACTOR_ERR_NOT_RESTARTABLE during shutdown or on a reactor that has already run (as in Twisted:
 * shutdown has told every descriptor it is lost, so there is nothing to go on with — make a new
 * reactor). If waiting itself fails (other than by a signal, after which it just waits again), it
 * reports that on stderr, shuts down as for a stop and returns -errno. */
int reactor_run(struct reactor *reactor);

/* Asks the running reactor to stop at the end of the current turn. Returns 0, or
 * REACTOR_ERR_NOT_RUNNING if it is not running or a stop is already pending. */
int reactor_stop(struct reactor *reactor);

/* Names any code these functions return: -errno, REACTOR_ERR_*, BACKEND_ERR_*, DELAYED_CALL_ERR_*,
 * LOOPING_CALL_ERR_* or REACTOR_CONNECTION_DONE (a wrapper of result_strerror, which names every library code). */
const char *reactor_strerror(int code);

#endif
