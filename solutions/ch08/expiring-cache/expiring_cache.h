/* expiring_cache.h: a poem kept for a while. The specification of the exercise: do not change it.
 *
 * The expiry half of chapter 8's poetry cache, alone: one poem, kept for `seconds` on a scheduler's
 * clock (the reactor's, or a task_clock's in the tests), then forgotten. */
#ifndef EXPIRING_CACHE_H
#define EXPIRING_CACHE_H

#include "poem.h"
#include "scheduler.h"

struct expiring_cache; /* opaque */

/* Makes an empty cache whose poems are kept `seconds` (> 0 and finite) on scheduler's clock; the
 * scheduler must outlive the cache. Returns NULL when out of memory, or when seconds is not > 0 and
 * finite. */
struct expiring_cache *expiring_cache_new(struct scheduler *scheduler, double seconds);

/* Keeps a copy of poem (the caller keeps its own) from now until now + seconds: a poem put at time T is
 * gone from T + seconds on, exactly, and is freed then by a delayed call on the scheduler, whether or
 * not anyone asks for it. A poem kept before is replaced (and freed), and the time starts again: at
 * most one delayed call is ever pending. Returns 0, or -ENOMEM (then the cache is empty). */
int expiring_cache_put(struct expiring_cache *cache, const struct poem *poem);

/* A copy of the kept poem, the caller's (poem_free), or NULL: nothing kept (never, or no longer — at
 * T + seconds it is gone even if the delayed call has not run yet), or out of memory. */
struct poem *expiring_cache_get(struct expiring_cache *cache);

/* 1 while the cache holds a poem in memory, else 0. */
int expiring_cache_holds(const struct expiring_cache *cache);

/* Frees the cache and its poem, and cancels its delayed call: nothing is left pending on the
 * scheduler. NULL is allowed. */
void expiring_cache_free(struct expiring_cache *cache);

#endif
