/* reactor_threads.h: threads talking to the reactor (chapter 9). The reactor and everything it holds —
 * descriptors, delayed calls, Deferreds — belong to one thread, the one inside reactor_run, and only
 * that thread may touch them. Every other thread hands the reactor work with reactor_call_from_thread:
 * the call goes into a locked queue, and a waker (waker.h: an eventfd, or the self-pipe) that the loop
 * watches wakes the loop, which runs the call on its own thread on its next turn. Wake-ups are
 * coalesced: a burst of calls made while the loop is busy costs one write to the waker and one read.
 *
 * Every reactor opens its waker when it is made (one eventfd, or a pipe's two fds), so from chapter 9
 * on reactor_new_on can also fail with -EMFILE, or with REACTOR_ERR_FD_RANGE on select when the waker's
 * fd would be at or above FD_SETSIZE.
 *
 * Blocking work goes the other way, to a pool of threads: thread_pool.h.
 *
 * Twisted's counterparts: reactor.callFromThread (base.py's threadCallQueue and its waker). */
#ifndef REACTOR_THREADS_H
#define REACTOR_THREADS_H

#include "reactor.h"

/* >> threads-codes */
/* Result codes, in the threads range of the one code space (result.h). */
enum {
    REACTOR_THREADS_ERR_STOPPED = -10701, /* call from a thread after reactor_run has returned: never runs */
};
/* << threads-codes */

/* >> call-from-thread-api */
/* Twisted's callFromThread: from ANY thread (the reactor's own included), at any time, asks the reactor
 * to call fn(arg) on its thread. Calls run in the order each thread made them, each exactly once: on
 * the loop's next turn if it runs; when reactor_run starts (after the call_when_running callbacks) if
 * it has not yet; after shutdown (once every descriptor has been told it is lost) if it is shutting
 * down. Returns 0, -EINVAL if fn is NULL, -ENOMEM, or REACTOR_THREADS_ERR_STOPPED once reactor_run has
 * returned (fn would never run). arg stays the caller's. A reactor freed without having run drops the
 * calls it holds (fn is not called).
 * Calling into a reactor that has been freed, or is being freed, is undefined: a thread must be done
 * with its reactor_call_from_thread calls before the reactor's owner calls reactor_free. */
int reactor_call_from_thread(struct reactor *reactor, void (*fn)(void *arg), void *arg);

/* Stops the reactor from another thread: a call from thread of reactor_stop, the documented way (the
 * reactor's state is only ever touched by its own thread). Returns what reactor_call_from_thread
 * returns; the stop itself does nothing if the reactor is not running or is already stopping. */
int reactor_stop_from_thread(struct reactor *reactor);
/* << call-from-thread-api */

/* For tests and the benchmark: what the waker has done so far. */
struct reactor_waker_stats {
    const char *kind;     /* waker_kind(): "eventfd" or "pipe" */
    unsigned long writes; /* wakes written, by all threads */
    unsigned long reads;  /* read() calls the loop made to drain it */
    unsigned long calls;  /* calls from threads run so far */
};

/* Fills *stats; callable from any thread. */
void reactor_waker_stats(struct reactor *reactor, struct reactor_waker_stats *stats);

#endif
