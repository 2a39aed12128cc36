/* poetry_cache.c: one fetch, many waiters. See poetry_cache.h for the contracts.
 *
 * The cache is in one of three states: empty, fetching (a struct fetch with its list of waiters) or
 * holding a poem (until its expiry). A fetch is a record of its own, apart from the cache, because its
 * Deferred may fire after the cache is gone: the record then finds no cache and only cleans up. */
#include "poetry_cache.h"

#include "failure.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

struct fetch;

/* >> waiter */
/* One caller waiting for a fetch: its Deferred (the cache's reference; the caller has its own) on the
 * fetch's list, which is a doubly linked list so that a waiter that leaves is unlinked in O(1). */
struct waiter {
    struct waiter *prev, *next;
    struct deferred *d;
    struct fetch *fetch;
};

/* One fetch in flight and the callers waiting for it. */
struct fetch {
    struct poetry_cache *cache; /* NULL once the cache has been freed: the fetch only cleans up */
    struct deferred *d;         /* the fetch's Deferred (our reference) */
    struct waiter *waiters;     /* the first waiter; the list is in arrival order */
    struct waiter *last;
};
/* << waiter */

struct poetry_cache {
    struct scheduler *scheduler;
    double expire;
    poetry_cache_fetch_fn fetch_fn;
    void *ctx;
    struct fetch *in_flight;     /* NULL when no fetch is running */
    struct poem *poem;           /* the kept poem, or NULL */
    void (*poem_free)(void *);   /* what frees it: the fetch's own free function */
    double expires_at;           /* when the kept poem stops counting, on the scheduler's clock */
    struct delayed_call *expiry; /* the timer that frees it then (NULL if it never expires) */
    struct poetry_cache_stats stats;
};

int poetry_cache_new(struct scheduler *scheduler, double expire, poetry_cache_fetch_fn fetch, void *ctx,
                     struct poetry_cache **out) {
    *out = NULL;
    if (scheduler == NULL || fetch == NULL || isnan(expire) || expire < 0)
        return -EINVAL;
    struct poetry_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -ENOMEM;
    c->scheduler = scheduler;
    c->expire = expire;
    c->fetch_fn = fetch;
    c->ctx = ctx;
    *out = c;
    return 0;
}

void poetry_cache_expire(struct poetry_cache *c) {
    if (c->expiry != NULL) {
        delayed_call_cancel(c->expiry); /* refused harmlessly when it is the call running now */
        delayed_call_release(c->expiry);
        c->expiry = NULL;
    }
    if (c->poem != NULL && c->poem_free != NULL)
        c->poem_free(c->poem);
    c->poem = NULL;
    c->stats.kept = 0;
}

static int expiry_due(void *arg) {
    poetry_cache_expire(arg);
    return 0;
}

/* Takes w off its fetch's list. */
static void unlink_waiter(struct waiter *w) {
    struct fetch *f = w->fetch;
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        f->waiters = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    else
        f->last = w->prev;
    w->prev = w->next = NULL;
    if (f->cache != NULL)
        f->cache->stats.waiting--;
}

/* Removes the first waiter of f and returns its Deferred (the cache's reference), or NULL if none. */
static struct deferred *pop_waiter(struct fetch *f) {
    struct waiter *w = f->waiters;
    if (w == NULL)
        return NULL;
    unlink_waiter(w);
    struct deferred *d = w->d;
    free(w);
    return d;
}

/* >> leave */
/* A waiter's Deferred was cancelled: that caller leaves, the fetch goes on for the others (deferred_cancel
 * then errbacks this Deferred with DEFERRED_ERR_CANCELLED). */
static void waiter_cancelled(struct deferred *d, void *arg) {
    struct waiter *w = arg;
    unlink_waiter(w);
    free(w);
    deferred_unref(d); /* the cache's reference; the caller, who cancels, holds another */
}
/* << leave */

/* Fails every waiter of f with its own copy of failure, which stays the caller's. */
static void fail_waiters(struct fetch *f, const struct failure *failure) {
    struct deferred *d;
    while ((d = pop_waiter(f)) != NULL) {
        deferred_errback(d, failure_new(failure_code(failure), "%s", failure_message(failure)));
        deferred_unref(d);
    }
}

/* >> deliver */
/* The fetch has its poem: keep it (unless expire is 0), then give every waiter a copy of its own. A
 * waiter's callback may call poetry_cache_get (it finds the poem kept) or cancel another waiter (which
 * leaves the list), so waiters are taken off the list one at a time. */
static void deliver(struct poetry_cache *c, struct fetch *f, struct poem *poem, void (*free_poem)(void *)) {
    if (c->expire > 0) {
        poetry_cache_expire(c); /* nothing is kept while a fetch runs; never leak a poem or a timer */
        c->poem = poem;
        c->poem_free = free_poem;
        c->stats.kept = 1;
        c->expires_at = scheduler_seconds(c->scheduler) + c->expire;
        if (isfinite(c->expire) &&
            scheduler_call_later(c->scheduler, c->expire, expiry_due, c, &c->expiry) != 0)
            c->expiry = NULL; /* no timer: the next get still sees the poem has expired, by its time */
    }
    struct deferred *d;
    while ((d = pop_waiter(f)) != NULL) {
        struct poem *copy = poem_copy(poem);
        if (copy != NULL)
            deferred_callback(d, copy, poem_free);
        else
            deferred_errback(d, failure_from_code(-ENOMEM));
        deferred_unref(d);
    }
    if (c->expire == 0 && free_poem != NULL)
        free_poem(poem);
}
/* << deliver */

/* The fetch's callback and errback: hands the result to the waiters, then lets go of the fetch. */
static struct deferred_result fetch_done(struct deferred_result result, void *arg) {
    struct fetch *f = arg;
    struct poetry_cache *c = f->cache;
    struct deferred *fetch_d = f->d;
    if (c == NULL) { /* the cache was freed first and has already told the waiters */
        deferred_result_free(result);
    } else {
        c->in_flight = NULL; /* from here on, a get starts a new fetch or finds the poem kept */
        if (result.kind == DEFERRED_VALUE && result.value != NULL) {
            deliver(c, f, result.value, result.free);
        } else {
            struct failure *failure;
            if (result.kind == DEFERRED_FAILURE) {
                failure = result.failure;
            } else { /* a value, but no poem */
                deferred_result_free(result);
                failure = failure_from_code(POETRY_CACHE_ERR_NO_POEM);
            }
            fail_waiters(f, failure); /* nothing is kept: the next get fetches again */
            failure_free(failure);
        }
    }
    free(f);
    deferred_unref(fetch_d); /* the chain that runs this holds its own reference */
    return deferred_none();
}

/* Adds a waiter to f; stores the caller's reference to its Deferred in *out. */
static int add_waiter(struct poetry_cache *c, struct fetch *f, struct deferred **out) {
    struct waiter *w = calloc(1, sizeof *w);
    if (w == NULL)
        return -ENOMEM;
    w->d = deferred_new_cancellable(waiter_cancelled, w);
    if (w->d == NULL) {
        free(w);
        return -ENOMEM;
    }
    w->fetch = f;
    w->prev = f->last;
    if (f->last != NULL)
        f->last->next = w;
    else
        f->waiters = w;
    f->last = w;
    c->stats.waiting++;
    *out = deferred_ref(w->d);
    return 0;
}

/* >> get */
int poetry_cache_get(struct poetry_cache *c, struct deferred **out) {
    *out = NULL;
    if (c->poem != NULL && scheduler_seconds(c->scheduler) >= c->expires_at)
        poetry_cache_expire(c); /* its time has come, whether or not the timer has run yet */
    if (c->poem != NULL) {      /* a hit: a Deferred that has already fired, with a copy of its own */
        struct poem *copy = poem_copy(c->poem);
        if (copy == NULL || (*out = deferred_succeed(copy, poem_free)) == NULL)
            return -ENOMEM;
        c->stats.hits++;
        return 0;
    }
    if (c->in_flight != NULL) { /* a fetch is on its way: wait for it with the others */
        int err = add_waiter(c, c->in_flight, out);
        if (err == 0)
            c->stats.joined++;
        return err;
    }
    struct fetch *f = calloc(1, sizeof *f); /* the first caller: start the fetch */
    if (f == NULL)
        return -ENOMEM;
    f->cache = c;
    int err = add_waiter(c, f, out);
    if (err != 0) {
        free(f);
        return err;
    }
    c->in_flight = f;
    c->stats.fetches++;
    err = c->fetch_fn(c->ctx, &f->d);
    if (err == 0 && deferred_add_both(f->d, fetch_done, f) == 0)
        return 0;   /* the fetch may have fired already, inside these calls: *out has fired too */
    if (err == 0) { /* no room for our callbacks: stop the fetch, it has nobody to tell */
        deferred_cancel(f->d);
        deferred_unref(f->d);
        err = -ENOMEM;
    }
    c->in_flight = NULL;
    struct failure *failure = failure_from_code(err);
    fail_waiters(f, failure);
    failure_free(failure);
    free(f);
    return 0;
}
/* << get */

void poetry_cache_free(struct poetry_cache *c) {
    if (c == NULL)
        return;
    struct fetch *f = c->in_flight;
    if (f != NULL) {
        c->in_flight = NULL;
        struct failure *failure = failure_from_code(POETRY_CACHE_ERR_FREED);
        fail_waiters(f, failure);
        failure_free(failure);
        f->cache = NULL; /* the fetch's callback, when it runs, frees the record and lets go */
        struct deferred *fetch_d = deferred_ref(f->d);
        deferred_cancel(fetch_d); /* stop the work: it fires now, and runs that callback */
        deferred_unref(fetch_d);
    }
    poetry_cache_expire(c);
    free(c);
}

struct poetry_cache_stats poetry_cache_stats(const struct poetry_cache *c) {
    return c->stats;
}
