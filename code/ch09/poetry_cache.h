/* poetry_cache.h: one fetch, many waiters — the caching poetry proxy's memory (the Twisted
 * Introduction's part 14).
 *
 * A cache stands in front of one slow source of a poem. The first caller of poetry_cache_get starts a
 * fetch; callers that arrive while it is in flight wait for that same fetch; once it succeeds, later
 * callers get the kept poem at once, in a Deferred that has already fired (Twisted's succeed), until
 * it expires on the scheduler's clock. A failed fetch is not kept: every waiter hears the failure, and
 * the next caller starts a fetch again. The fetch itself is injected (a function that returns a
 * Deferred), so the cache runs the same on a socket client (poetry_client_get) and on a test's fake,
 * and its time is the scheduler's, so a task_clock drives it in tests.
 *
 * OWNERSHIP:
 *   - Each caller gets a Deferred of its own (one reference, the caller's) that fires with a struct poem
 *     of its own: a copy (poem_copy), to free with poem_free — or with the failure. The cache keeps
 *     one more copy, the one the fetch delivered, and frees it when it expires or with the cache.
 *   - A waiter may leave early: deferred_cancel on its Deferred takes it off the list (it errbacks with
 *     DEFERRED_ERR_CANCELLED, as any cancelled Deferred), and deferred_unref without a cancel is fine
 *     too. Neither stops the fetch: the others still get the poem, and it is kept for later callers.
 *   - The cache holds a reference to the fetch's Deferred until it fires, and one to each waiter's
 *     until it is fired or cancelled.
 * Not thread-safe; every call from the reactor's thread. Don't free the cache from inside one of its
 * waiters' callbacks. */
#ifndef POETRY_CACHE_H
#define POETRY_CACHE_H

#include "deferred.h"
#include "poem.h"
#include "scheduler.h"

#include <math.h>
#include <stddef.h>

/* >> codes */
/* Result codes, -10661..-10669 in chapter 8's range of result.h; result_strerror names them. */
enum {
    POETRY_CACHE_ERR_FREED = -10661,   /* the cache was freed while this waiter still waited */
    POETRY_CACHE_ERR_NO_POEM = -10662, /* the fetch fired with no poem (a NULL value) */
};
/* << codes */

/* How long poetry_cache_new's expire may be: forever (never expires; the Introduction's proxy). */
#define POETRY_CACHE_FOREVER INFINITY

/* >> fetch-type */
/* The fetch: starts getting the poem and stores in *out a Deferred (the caller's reference, which the
 * cache takes) that fires with a struct poem * (freed by poem_free) or a failure. Returns 0, or a
 * negative code when it could not start (then *out is not used, and the waiters fail with that code).
 * Cancelling its Deferred should stop the work: the cache does it when it is freed mid-fetch. */
typedef int (*poetry_cache_fetch_fn)(void *ctx, struct deferred **out);
/* << fetch-type */

struct poetry_cache; /* opaque */

/* >> api */
/* Makes a cache that fetches with fetch(ctx) and keeps a fetched poem `expire` seconds on scheduler's
 * clock (0: not at all, only the callers waiting share the fetch; POETRY_CACHE_FOREVER: until the
 * cache is freed). The scheduler (the reactor's, or a task_clock's) and ctx must outlive the cache.
 * Stores it in *out; returns 0, -EINVAL (no fetch, no scheduler, or expire negative or not a number)
 * or -ENOMEM. */
int poetry_cache_new(struct scheduler *scheduler, double expire, poetry_cache_fetch_fn fetch, void *ctx,
                     struct poetry_cache **out);

/* Asks for the poem. Stores in *out a new Deferred, the caller's: already fired with a copy of the kept
 * poem if there is one that has not expired (a poem kept at time T expires at T + expire exactly);
 * else waiting for the fetch in flight, starting one if there is none. A fetch that cannot start fails
 * this Deferred (and any other waiting), it is not an error of this call. Returns 0, or -ENOMEM
 * (nothing started, *out is NULL). */
int poetry_cache_get(struct poetry_cache *cache, struct deferred **out);

/* Forgets the kept poem at once (the next get fetches). A fetch in flight goes on. */
void poetry_cache_expire(struct poetry_cache *cache);

/* Frees the cache: the kept poem, its expiry timer, and a fetch in flight, which is cancelled; every
 * waiter still waiting errbacks with POETRY_CACHE_ERR_FREED (its Deferred stays its caller's). NULL is
 * allowed. */
void poetry_cache_free(struct poetry_cache *cache);
/* << api */

/* >> stats */
/* What the cache has done, for logs and tests. */
struct poetry_cache_stats {
    unsigned long fetches; /* fetches started (the fetch function called) */
    unsigned long hits;    /* gets answered from the kept poem */
    unsigned long joined;  /* gets that joined a fetch already in flight */
    size_t waiting;        /* waiters waiting now (not yet fired nor cancelled) */
    int kept;              /* 1 while a poem is kept */
};
struct poetry_cache_stats poetry_cache_stats(const struct poetry_cache *cache);
/* << stats */

#endif
