/* expiring_cache.c: one poem, kept for a while. See expiring_cache.h for the contract, which is the
 * specification: read it first.
 *
 * As given, it keeps a poem forever. Make it forget the poem on time. */
#include "expiring_cache.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

struct expiring_cache {
    struct scheduler *scheduler;
    double seconds;
    struct poem *poem; /* the kept copy, or NULL */
    /* TODO: what else does the cache need to know to forget the poem on time? */
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

int expiring_cache_put(struct expiring_cache *c, const struct poem *poem) {
    poem_free(c->poem);
    c->poem = poem_copy(poem);
    if (c->poem == NULL)
        return -ENOMEM;
    /* TODO: the poem is kept for c->seconds from now, and not a moment longer. */
    return 0;
}

struct poem *expiring_cache_get(struct expiring_cache *c) {
    /* TODO: a poem whose time has come is not there, even if nothing has freed it yet. */
    return c->poem != NULL ? poem_copy(c->poem) : NULL;
}

int expiring_cache_holds(const struct expiring_cache *c) {
    return c->poem != NULL;
}

void expiring_cache_free(struct expiring_cache *c) {
    if (c == NULL)
        return;
    poem_free(c->poem);
    free(c);
}
