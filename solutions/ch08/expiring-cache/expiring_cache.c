/* expiring_cache.c: one poem, kept for a while. See expiring_cache.h for the contract, which is the
 * specification: read it first. */
#include "expiring_cache.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

struct expiring_cache {
    struct scheduler *scheduler;
    double seconds;
    struct poem *poem;           /* the kept copy, or NULL */
    double expires_at;           /* when it stops counting, on the scheduler's clock */
    struct delayed_call *expiry; /* the call that frees it then, while one is pending */
};

struct expiring_cache *expiring_cache_new(struct scheduler *scheduler, double seconds) {
    if (!(seconds > 0) || !isfinite(seconds))
        return NULL;
    struct expiring_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->scheduler = scheduler;
    c->seconds = seconds;
    return c;
}

/* Forgets the poem and stops its timer (which may be the call running now: its cancel is refused, and
 * the handle is given back all the same). */
static void forget(struct expiring_cache *c) {
    if (c->expiry != NULL) {
        delayed_call_cancel(c->expiry);
        delayed_call_release(c->expiry);
        c->expiry = NULL;
    }
    poem_free(c->poem);
    c->poem = NULL;
}

static int expiry_due(void *arg) {
    forget(arg);
    return 0;
}

int expiring_cache_put(struct expiring_cache *c, const struct poem *poem) {
    forget(c);
    c->poem = poem_copy(poem);
    if (c->poem == NULL)
        return -ENOMEM;
    c->expires_at = scheduler_seconds(c->scheduler) + c->seconds;
    int err = scheduler_call_later(c->scheduler, c->seconds, expiry_due, c, &c->expiry);
    if (err != 0) {
        forget(c);
        return err;
    }
    return 0;
}

struct poem *expiring_cache_get(struct expiring_cache *c) {
    if (c->poem != NULL && scheduler_seconds(c->scheduler) >= c->expires_at)
        forget(c); /* due, though the timer may not have run yet */
    return c->poem != NULL ? poem_copy(c->poem) : NULL;
}

int expiring_cache_holds(const struct expiring_cache *c) {
    return c->poem != NULL;
}

void expiring_cache_free(struct expiring_cache *c) {
    if (c == NULL)
        return;
    forget(c);
    free(c);
}
