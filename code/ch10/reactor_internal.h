/* reactor_internal.h: what the reactor's own modules share and its users never call. reactor.c owns
 * the loop; reactor_threads.c (chapter 9) keeps the queue of calls from threads and the waker, and the
 * reactor's thread pool (thread_pool.c) hangs off it. */
#ifndef REACTOR_INTERNAL_H
#define REACTOR_INTERNAL_H

#include "reactor.h"

#include <stddef.h>

/* >> shutdown-hook */
/* The smallest shutdown hook: fn(arg) is called once, on the reactor's thread, after shutdown has told
 * every descriptor it is lost and before the calls from threads are drained — or, for a reactor that
 * never shut down, from reactor_free, first thing. Hooks run in the order added. Returns 0, -ENOMEM, or
 * REACTOR_ERR_SHUTTING_DOWN once shutdown has begun. (Chapter 13 builds system-event triggers on it.) */
int reactor_add_shutdown_hook(struct reactor *reactor, void (*fn)(void *arg), void *arg);
/* << shutdown-hook */

/* The reactor's half of call-from-thread (reactor_threads.c); reactor.c calls these. */
struct reactor_threads;
struct thread_pool;

/* Makes the queue and the waker. Returns 0, -ENOMEM or -errno (-EMFILE). */
int reactor_threads_new(struct reactor_threads **out);
/* Frees them, dropping calls never run. NULL is allowed. */
void reactor_threads_free(struct reactor_threads *threads);
/* The fd the loop watches for reading. */
int reactor_threads_waker_fd(const struct reactor_threads *threads);
/* The waker is readable: empties it. */
void reactor_threads_drain(struct reactor_threads *threads);
/* Runs the calls queued so far (not those they queue: those wait for the next turn). Returns how many. */
size_t reactor_threads_run_queued(struct reactor_threads *threads);
/* After shutdown: runs queued calls until none is left, then refuses new ones. */
void reactor_threads_finish(struct reactor_threads *threads);

/* The reactor's threads part, and the slot that holds its thread pool (thread_pool_of): NULL until the
 * pool is made, and again once shutdown has stopped it (a new one is refused then: see the hook). */
struct reactor_threads *reactor_threads_of(struct reactor *reactor);
struct thread_pool **reactor_threads_pool_slot(struct reactor_threads *threads);

#endif
