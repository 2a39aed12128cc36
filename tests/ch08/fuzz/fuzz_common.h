/* fuzz_common.h: what the chapter 8 fuzz targets share: cutting the input into reads, and failing
 * loudly. Each target's input is two control bytes, then the stream: byte 0 says how the stream is cut
 * into reads (0: one read; otherwise pseudo-random pieces of 1..(byte 0 % 64 + 1) bytes, from a
 * generator seeded with it), byte 1 is the target's own setting. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* An oracle check: on failure, say which, and abort (libFuzzer saves the input). */
#define FUZZ_CHECK(cond)                                                                                     \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);                   \
            abort();                                                                                         \
        }                                                                                                    \
    } while (0)

/* The pieces: call next_piece until it returns 0. */
struct pieces {
    uint32_t state, most;
    size_t left;
};

static inline void pieces_init(struct pieces *p, uint8_t control, size_t len) {
    p->state = control;
    p->most = control == 0 ? 0 : (uint32_t)(control % 64) + 1;
    p->left = len;
}

static inline size_t next_piece(struct pieces *p) {
    size_t n = p->left;
    if (p->most > 0) {
        p->state = p->state * 1103515245u + 12345u;
        size_t want = 1 + (p->state >> 16) % p->most;
        n = want < n ? want : n;
    }
    p->left -= n;
    return n;
}

#endif
