/* chunker.h: seeded random splits of a byte stream (chapter 10, beyond Twisted).
 *
 * TCP may hand a protocol its peer's bytes in pieces of any size: a message split anywhere, many in
 * one read. Over loopback the pieces are nearly always whole, so a parser that assumes whole messages
 * passes every test and fails in production. A chunker splits each delivery into random pieces — a
 * single byte, a few, or the rest — from a seed: the same seed gives the same pieces, so a failure
 * found with one seed is replayed with it (CHUNKER_SEED=N). connected_pair.h delivers through one. */
#ifndef CHUNKER_H
#define CHUNKER_H

#include <stddef.h>
#include <stdint.h>

/* >> chunker */
/* A chunker: its state is its own, but it is a plain struct, so a test keeps it on the stack. */
struct chunker {
    uint64_t seed;  /* as given */
    uint64_t state; /* the generator's (SplitMix64) */
};

/* Readies c to split as seed says. */
void chunker_init(struct chunker *c, uint64_t seed);

/* The size of the next piece of a delivery that has `remaining` bytes left (> 0): from 1 to remaining,
 * a single byte a quarter of the time, up to 8 bytes a quarter, any size a quarter, all of it a quarter. */
size_t chunker_next(struct chunker *c, size_t remaining);

/* Calls deliver(arg, piece, n) for each piece of bytes[0..len), in order, until all are delivered or
 * deliver returns non-zero (which is returned). */
int chunker_split(struct chunker *c, const char *bytes, size_t len,
                  int (*deliver)(void *arg, const char *piece, size_t n), void *arg);
/* << chunker */

/* The seeds a test should try: 1 to `count`, or the one seed that CHUNKER_SEED names (to replay a
 * failure), in which case *first is that seed and the result 1. Stores the first seed in *first and
 * returns how many consecutive seeds to run. */
size_t chunker_seeds(uint64_t *first, size_t count);

/* A number from the chunker's generator, uniform over 64 bits (for tests that need more randomness
 * drawn from the same seed: where to drop a connection, say). */
uint64_t chunker_random(struct chunker *c);

#endif
