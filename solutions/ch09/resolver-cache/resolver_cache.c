/* resolver_cache.c: a resolver that remembers answers. See resolver_cache.h for the contracts.
 *
 * A fixed table of max_entries slots, searched from one end to the other: the cache of one program's
 * few names, where a hash table would be more code than it saves. One mutex guards the table and the
 * counts; the inner resolver always runs without it, so that a slow lookup of one name never holds up
 * the hits of another. */
#include "resolver_cache.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct entry {
    char *host;                           /* NULL: a free slot */
    struct resolver_addresses *addresses; /* the answer (ports as it came) */
    double stored_at;                     /* when the answer came, on the cache's clock */
};

struct resolver_cache {
    resolver_fn inner;
    void *inner_context;
    double max_age;
    size_t max_entries;
    double (*now)(void *now_arg);
    void *now_arg;
    pthread_mutex_t lock; /* guards what follows */
    struct entry *entries;
    size_t hits, misses;
};

static double monotonic_now(void *unused) {
    (void)unused;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct resolver_cache *resolver_cache_new(resolver_fn inner, void *inner_context, double max_age,
                                          size_t max_entries, double (*now)(void *now_arg), void *now_arg) {
    if (inner == NULL || !(max_age >= 0) || max_entries == 0) /* !(>=) catches NaN too */
        return NULL;
    struct resolver_cache *cache = calloc(1, sizeof *cache);
    if (cache == NULL)
        return NULL;
    cache->entries = calloc(max_entries, sizeof cache->entries[0]);
    if (cache->entries == NULL || pthread_mutex_init(&cache->lock, NULL) != 0) {
        free(cache->entries);
        free(cache);
        return NULL;
    }
    cache->inner = inner;
    cache->inner_context = inner_context;
    cache->max_age = max_age;
    cache->max_entries = max_entries;
    cache->now = now != NULL ? now : monotonic_now;
    cache->now_arg = now_arg;
    return cache;
}

void resolver_cache_free(struct resolver_cache *cache) {
    if (cache == NULL)
        return;
    for (size_t i = 0; i < cache->max_entries; i++) {
        free(cache->entries[i].host);
        free(cache->entries[i].addresses);
    }
    free(cache->entries);
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

/* A copy of addresses, each with port; NULL when out of memory. */
static struct resolver_addresses *copy_with_port(const struct resolver_addresses *addresses,
                                                 unsigned short port) {
    struct resolver_addresses *copy = resolver_addresses_new(addresses->count);
    if (copy == NULL)
        return NULL;
    for (size_t i = 0; i < addresses->count; i++) {
        copy->addresses[i] = addresses->addresses[i];
        address_any_set_port(&copy->addresses[i], port);
    }
    return copy;
}

static struct entry *find(struct resolver_cache *cache, const char *host) {
    for (size_t i = 0; i < cache->max_entries; i++)
        if (cache->entries[i].host != NULL && strcasecmp(cache->entries[i].host, host) == 0)
            return &cache->entries[i];
    return NULL;
}

/* The slot a new answer for host goes into: host's own, a free one, or the one stored longest ago. */
static struct entry *slot_for(struct resolver_cache *cache, const char *host) {
    struct entry *own = find(cache, host);
    if (own != NULL)
        return own;
    struct entry *oldest = &cache->entries[0];
    for (size_t i = 0; i < cache->max_entries; i++) {
        if (cache->entries[i].host == NULL)
            return &cache->entries[i];
        if (cache->entries[i].stored_at < oldest->stored_at)
            oldest = &cache->entries[i];
    }
    return oldest;
}

/* Keeps a copy of a successful answer. Out of memory, it keeps nothing: the cache is only a cache. */
static void keep(struct resolver_cache *cache, const char *host, const struct resolver_addresses *addresses,
                 double stored_at) {
    struct resolver_addresses *copy = copy_with_port(addresses, 0);
    char *name = strdup(host);
    if (copy == NULL || name == NULL) {
        free(copy);
        free(name);
        return;
    }
    pthread_mutex_lock(&cache->lock);
    struct entry *slot = slot_for(cache, host);
    free(slot->host);
    free(slot->addresses);
    *slot = (struct entry){.host = name, .addresses = copy, .stored_at = stored_at};
    pthread_mutex_unlock(&cache->lock);
}

int resolver_cache_resolve(void *context, const char *host, unsigned short port,
                           struct resolver_addresses **out) {
    struct resolver_cache *cache = context;
    pthread_mutex_lock(&cache->lock);
    double now = cache->now(cache->now_arg);
    struct entry *entry = find(cache, host);
    if (entry != NULL && now - entry->stored_at < cache->max_age) {
        struct resolver_addresses *copy = copy_with_port(entry->addresses, port);
        if (copy != NULL)
            cache->hits++;
        pthread_mutex_unlock(&cache->lock);
        if (copy == NULL)
            return -ENOMEM;
        *out = copy;
        return 0;
    }
    cache->misses++;
    pthread_mutex_unlock(&cache->lock);

    struct resolver_addresses *answer = NULL;
    int err = cache->inner(cache->inner_context, host, port, &answer); /* without the lock: it may block */
    if (err == 0 && answer != NULL && answer->count > 0)
        keep(cache, host, answer, cache->now(cache->now_arg));
    if (err == 0)
        *out = answer;
    return err;
}

void resolver_cache_counts(struct resolver_cache *cache, size_t *hits, size_t *misses) {
    pthread_mutex_lock(&cache->lock);
    *hits = cache->hits;
    *misses = cache->misses;
    pthread_mutex_unlock(&cache->lock);
}
