/* limited.h: the exercise's interface (do not edit: the test's driver calls it). */
#ifndef LIMITED_H
#define LIMITED_H

#include "deferred.h"
#include "reactor.h"

#include <stddef.h>

/* Runs work(0), work(1), ..., work(n - 1), each once, on worker threads, never more than `limit` of
 * them at the same time (limit >= 1), on a pool of its own: the reactor's pool is left alone. Stores in
 * *out a Deferred (the caller's reference) that fires on the reactor's thread, with an empty value, once
 * every call has returned; by then the pool is stopped and freed. Call it on the reactor's thread, while
 * the reactor runs. Returns 0, or a negative code (and *out NULL). */
int run_limited(struct reactor *reactor, size_t limit, int n, void (*work)(int i), struct deferred **out);

#endif
