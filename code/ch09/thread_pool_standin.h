/* thread_pool_standin.h: A STAND-IN for chapter 9's thread pool (thread_pool.h, built on another
 * branch), with its signature, so that the resolver can be written and tested before the pool exists.
 * It runs the work on the reactor's own thread, from a reactor_call_later(0): NOT off the loop, which is
 * the whole point of the real one. Delete this file and thread_pool_standin.c when thread_pool.h comes. */
#ifndef THREAD_POOL_STANDIN_H
#define THREAD_POOL_STANDIN_H

#include "deferred.h"
#include "reactor.h"

/* Runs work(arg) and fires *out with what it returned (a value or a failure) — here, on a later turn
 * of the reactor, on the reactor's thread. Returns 0, or -ENOMEM (then work never runs). */
int thread_pool_defer(struct reactor *r, struct deferred_result (*work)(void *arg), void *arg, struct deferred **out);

#endif
