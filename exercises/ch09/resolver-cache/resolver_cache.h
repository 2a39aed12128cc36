/* resolver_cache.h: a resolver (resolver.h) that remembers what another resolver answered, so that the
 * same name, asked again soon, costs no lookup at all. The specification of the exercise: do not change
 * it.
 *
 * It is a resolver_fn itself, installed with its cache as the context:
 *
 *     struct resolver_cache *cache = resolver_cache_new(resolver_getaddrinfo, NULL, 60, 100, NULL, NULL);
 *     resolver_install(resolver_cache_resolve, cache);
 *
 * Like every resolver, it runs on the threads of the pool, several at once. */
#ifndef RESOLVER_CACHE_H
#define RESOLVER_CACHE_H

#include "resolver.h"

#include <stddef.h>

struct resolver_cache; /* opaque: yours to define in resolver_cache.c */

/* Makes a cache in front of inner (called with inner_context). An answer is kept for max_age seconds
 * (0: answers are never reused) as told by now(now_arg), a clock in seconds that never goes back (NULL:
 * CLOCK_MONOTONIC); at most max_entries names are kept, and when a new one needs room, the one stored
 * longest ago goes. Returns NULL if out of memory, or if max_age is negative or not a number, or
 * max_entries is 0. */
struct resolver_cache *resolver_cache_new(resolver_fn inner, void *inner_context, double max_age,
                                          size_t max_entries, double (*now)(void *now_arg), void *now_arg);

/* Frees the cache and every answer it keeps. No lookup may be running in it. NULL is allowed. */
void resolver_cache_free(struct resolver_cache *cache);

/* A resolver_fn (context: the cache). If the cache keeps an answer for host (names compare without
 * regard to case: "Poetry.Test" is "poetry.test") that is younger than max_age, stores a copy of it in
 * *out, every address with port, and returns 0 without calling inner: a hit. Otherwise calls inner (a
 * miss), keeps a copy of a successful answer (the time of the answer starts its age), and returns what
 * inner returned; a failure is never kept, so the next lookup asks again. The caller owns *out (free).
 * Thread-safe: lookups may run on several threads at once, and the cache's lock is never held while
 * inner runs (inner may block for seconds). Returns 0, inner's code, or -ENOMEM. */
int resolver_cache_resolve(void *context, const char *host, unsigned short port,
                           struct resolver_addresses **out);

/* How many lookups the cache answered itself (hits) and passed to inner (misses), so far. Thread-safe. */
void resolver_cache_counts(struct resolver_cache *cache, size_t *hits, size_t *misses);

#endif
