/* resolver_cache.c: the exercise. See resolver_cache.h for what each function must do.
 *
 * As given, the cache keeps nothing: every lookup goes to the inner resolver, and nothing is counted.
 * Make it remember. */
#include "resolver_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct resolver_cache {
    resolver_fn inner;
    void *inner_context;
    /* TODO: what else must the cache keep? Its limits, its clock, its entries, a lock, its counts. */
};

struct resolver_cache *resolver_cache_new(resolver_fn inner, void *inner_context, double max_age,
                                          size_t max_entries, double (*now)(void *now_arg), void *now_arg) {
    (void)max_age, (void)max_entries, (void)now, (void)now_arg; /* TODO: check them, keep them */
    struct resolver_cache *cache = calloc(1, sizeof *cache);
    if (cache == NULL)
        return NULL;
    cache->inner = inner;
    cache->inner_context = inner_context;
    return cache;
}

void resolver_cache_free(struct resolver_cache *cache) {
    free(cache); /* TODO: and what it keeps */
}

int resolver_cache_resolve(void *context, const char *host, unsigned short port,
                           struct resolver_addresses **out) {
    struct resolver_cache *cache = context;
    /* TODO: look for a fresh answer first; keep a successful one */
    return cache->inner(cache->inner_context, host, port, out);
}

void resolver_cache_counts(struct resolver_cache *cache, size_t *hits, size_t *misses) {
    (void)cache; /* TODO */
    *hits = 0;
    *misses = 0;
}
