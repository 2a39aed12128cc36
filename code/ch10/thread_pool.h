/* thread_pool.h: a pool of threads for work that blocks (chapter 9). The reactor's thread must never
 * block — a getaddrinfo, a disk read or a long computation on it stalls every connection — so such work
 * goes to a worker thread, and its result comes back to the reactor's thread as a Deferred.
 *
 * A pool has between min and max threads. It starts min threads when it starts and more only when
 * work arrives that no idle thread can take, up to max (lazily); the work waits in one FIFO queue. A
 * thread, once started, stays until the pool stops (or thread_pool_adjust lowers max). Workers block
 * every signal, so that signals go to the reactor's thread (chapter 13 handles them there).
 *
 * Every reactor has a pool of its own (thread_pool_of: 0 to 10 threads, as Twisted's), made on first
 * use, started when the reactor runs and stopped at its shutdown.
 *
 * Twisted's counterparts: twisted.python.threadpool.ThreadPool (start, stop, callInThread,
 * adjustPoolsize), reactor.getThreadPool, reactor.callInThread, reactor.suggestThreadPoolSize,
 * twisted.internet.threads.deferToThread and deferToThreadPool. */
#ifndef THREAD_POOL_H
#define THREAD_POOL_H

#include "deferred.h"
#include "reactor.h"

#include <stddef.h>

/* >> pool-codes */
/* Result codes, in the threads range of the one code space (result.h). */
enum {
    THREAD_POOL_ERR_STOPPED = -10711, /* work for a pool that has stopped (or whose reactor shut down) */
    THREAD_POOL_ERR_SIZE = -10712,    /* min > max, or max is 0 */
};
/* << pool-codes */

struct thread_pool; /* opaque */

/* >> pool-api */
/* Makes a pool of min_threads to max_threads threads that is not yet started: work given to it waits
 * until thread_pool_start. Stores it in *out (NULL on error). Returns 0, THREAD_POOL_ERR_SIZE or
 * -ENOMEM. */
int thread_pool_new(size_t min_threads, size_t max_threads, struct thread_pool **out);

/* Starts min threads, and as many more (up to max) as the work already queued needs. Starting a started
 * pool does nothing. Returns 0, THREAD_POOL_ERR_STOPPED, or -errno of pthread_create (-EAGAIN) if not
 * even one thread could start (work then stays queued for the next start or thread_pool_call_in_thread). */
int thread_pool_start(struct thread_pool *pool);

/* Twisted's callInThread: runs fn(arg) on one of the pool's threads, in the order given (a thread takes
 * the oldest work first; with more than one thread, later work may finish first). Callable from any
 * thread. fn must not wait for the reactor's thread, which waits for it at shutdown. Returns 0,
 * -EINVAL (fn NULL), -ENOMEM, THREAD_POOL_ERR_STOPPED, or -errno of pthread_create when the pool has no
 * thread at all and cannot start one (the work is not queued). arg stays the caller's. */
int thread_pool_call_in_thread(struct thread_pool *pool, void (*fn)(void *arg), void *arg);

/* Twisted's adjustPoolsize: new bounds. A running pool starts threads up to the new min at once; threads
 * above a lowered max leave when they are idle. Returns 0 or THREAD_POOL_ERR_SIZE. Any thread. */
int thread_pool_adjust(struct thread_pool *pool, size_t min_threads, size_t max_threads);

/* Stops the pool: refuses new work, lets the threads FINISH the work already queued (as Twisted's
 * does), then joins every thread. Blocks until then: a worker stuck in slow work (a getaddrinfo waiting
 * for a DNS server that does not answer: up to timeout x attempts of resolv.conf, 5 s x 2 by default)
 * holds up the stop, and so the reactor's shutdown, until that call returns. There is no safe way to
 * interrupt it (pthread_cancel in the middle of getaddrinfo leaks its memory and locks): a program that
 * must not wait exits with exit(), which ends every thread. Stopping a stopped pool does nothing. A
 * pool that was never started drops its queued work: fn is never called. Not from one of its own
 * threads. */
void thread_pool_stop(struct thread_pool *pool);

/* Stops the pool (see thread_pool_stop) and frees it. NULL is allowed. */
void thread_pool_free(struct thread_pool *pool);

/* For tests and experiments: the pool's threads and work right now. */
struct thread_pool_stats {
    size_t threads; /* threads running */
    size_t idle;    /* of those, not doing work */
    size_t queued;  /* work waiting for a thread */
    size_t started; /* threads ever started */
    size_t done;    /* work finished */
};
void thread_pool_statistics(struct thread_pool *pool, struct thread_pool_stats *stats);
/* << pool-api */

/* >> reactor-pool-api */
/* The reactor's own pool in *out: made on first use (0 to 10 threads), started when the reactor runs
 * (at once if it is running), stopped and freed at its shutdown — after every descriptor has been told
 * it is lost, and before the calls from threads are drained, so the Deferreds of work it finishes then
 * still fire. Owned by the reactor: never free it. Reactor's thread only. Returns 0, -ENOMEM, or
 * THREAD_POOL_ERR_STOPPED once the reactor has begun shutting down. Resize it with thread_pool_adjust
 * (Twisted's suggestThreadPoolSize). */
int thread_pool_of(struct reactor *reactor, struct thread_pool **out);

/* What a worker computes: a value (deferred_value) or a failure (deferred_error) — never a Deferred,
 * which belongs to the reactor's thread (one returned becomes an -EINVAL failure). */
typedef struct deferred_result (*thread_pool_work_fn)(void *arg);

/* Twisted's deferToThread: runs work(arg) on the reactor's pool and stores in *out a Deferred (the
 * caller's reference) that fires on the reactor's thread with what work returned: its callbacks run
 * if it is a value, its errbacks if it is a failure. Call it on the reactor's thread. arg stays the
 * caller's, and must live until the Deferred fires. If the reactor shuts down first, the work still
 * runs and the Deferred still fires (after shutdown, see thread_pool_stop); if it is freed without
 * having run, the work never runs and the Deferred never fires. Returns 0 (and *out), -ENOMEM,
 * THREAD_POOL_ERR_STOPPED, or pthread_create's -errno; on error *out is NULL. */
int thread_pool_defer(struct reactor *reactor, thread_pool_work_fn work, void *arg, struct deferred **out);

/* Twisted's deferToThreadPool: the same on a pool of the caller's, started or not. Results come back
 * through reactor_call_from_thread; one that the reactor refuses (it has stopped) is kept by the pool,
 * and thread_pool_stop fires its Deferred on the thread that calls it — so stop your pool on the
 * reactor's thread, and before freeing the reactor. */
int thread_pool_defer_in(struct reactor *reactor, struct thread_pool *pool, thread_pool_work_fn work,
                         void *arg, struct deferred **out);
/* << reactor-pool-api */

#endif
