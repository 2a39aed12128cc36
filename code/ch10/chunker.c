/* chunker.c: seeded random splits. See chunker.h. */
#include "chunker.h"

#include <stdlib.h>

void chunker_init(struct chunker *c, uint64_t seed) {
    c->seed = seed;
    c->state = seed;
}

/* SplitMix64 (Steele, Lea and Flood): small, fast, and every seed gives a good sequence. */
uint64_t chunker_random(struct chunker *c) {
    uint64_t z = (c->state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* >> next */
size_t chunker_next(struct chunker *c, size_t remaining) {
    if (remaining <= 1)
        return remaining;
    uint64_t r = chunker_random(c);
    switch (r & 3) {
    case 0:
        return 1; /* the split a parser forgets most often: one byte at a time */
    case 1:
        return 1 + (size_t)((r >> 2) % (remaining < 8 ? remaining : 8));
    case 2:
        return 1 + (size_t)((r >> 2) % remaining);
    default:
        return remaining;
    }
}
/* << next */

int chunker_split(struct chunker *c, const char *bytes, size_t len,
                  int (*deliver)(void *arg, const char *piece, size_t n), void *arg) {
    while (len > 0) {
        size_t n = chunker_next(c, len);
        int err = deliver(arg, bytes, n);
        if (err != 0)
            return err;
        bytes += n;
        len -= n;
    }
    return 0;
}

size_t chunker_seeds(uint64_t *first, size_t count) {
    const char *replay = getenv("CHUNKER_SEED");
    if (replay != NULL && replay[0] != '\0') {
        char *end;
        unsigned long long seed = strtoull(replay, &end, 10);
        if (*end == '\0') {
            *first = seed;
            return 1;
        }
    }
    *first = 1;
    return count;
}
