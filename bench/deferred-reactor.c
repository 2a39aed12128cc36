/* deferred-reactor: what a Deferred costs, in time and in memory (chapter 6's library).
 *
 * Two workloads, the same as deferred-twisted.py runs on Twisted:
 *   fire:  N Deferreds (--count, 1,000,000), each with three callback pairs, fired and freed;
 *   chain: one chain of M Deferreds (--chain, 100,000), each one's callback returning the next, still
 *          unfired; then each is fired in turn, and the last wakes all the others.
 * Memory is counted, not guessed: the program is linked with --wrap=malloc (and calloc, realloc, free),
 * so every byte the library asks for is added up, and malloc_usable_size says what malloc really gave.
 * Prints rows of bench/results/latest.tsv: workload params loop metric value unit. */
#define _GNU_SOURCE /* malloc_usable_size */
#include "bench.h"
#include "deferred.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- Counting allocations ---- */
void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);

static bool counting;            /* only while measuring one Deferred: the timed loops pay nothing extra */
static size_t requested, usable; /* bytes, while counting */
static long allocations;

void *__wrap_malloc(size_t size) {
    void *p = __real_malloc(size);
    if (counting && p != NULL) {
        requested += size;
        usable += malloc_usable_size(p);
        allocations++;
    }
    return p;
}
void *__wrap_calloc(size_t n, size_t size) {
    void *p = __real_calloc(n, size);
    if (counting && p != NULL) {
        requested += n * size;
        usable += malloc_usable_size(p);
        allocations++;
    }
    return p;
}
void *__wrap_realloc(void *old, size_t size) {
    size_t before = counting && old != NULL ? malloc_usable_size(old) : 0;
    void *p = __real_realloc(old, size);
    if (counting && p != NULL) { /* counted as what it grew by */
        requested += size;
        usable += malloc_usable_size(p) - before;
        allocations++;
    }
    return p;
}
void __wrap_free(void *p) {
    __real_free(p);
}

/* ---- The workloads ---- */
static long callbacks_run;

static struct deferred_result add_one(struct deferred_result r, void *arg) {
    (void)arg;
    callbacks_run++;
    return r;
}

static struct deferred **chain;
static long chain_length;

static struct deferred_result next_link(struct deferred_result r, void *arg) {
    long i = (long)(intptr_t)arg;
    callbacks_run++;
    if (i == chain_length - 1)
        return r;
    return deferred_wait_for(deferred_ref(chain[i + 1]));
}

int main(int argc, char **argv) {
    long count = bench_opt(argc, argv, "count", 1000000);
    chain_length = bench_opt(argc, argv, "chain", 100000);
    if (count < 1 || chain_length < 2) {
        fprintf(stderr, "deferred-reactor: --count >= 1 and --chain >= 2\n");
        return 2;
    }

    /* Memory of one Deferred with three pairs, fired: what it asks for while alive. */
    counting = true;
    struct deferred *d = deferred_new();
    for (int k = 0; k < 3; k++)
        deferred_add_callbacks(d, add_one, NULL, add_one, NULL);
    deferred_callback(d, NULL, NULL);
    size_t one_requested = requested, one_usable = usable;
    long one_allocations = allocations;
    counting = false;
    deferred_unref(d);

    /* fire */
    callbacks_run = 0;
    double start = bench_now();
    for (long i = 0; i < count; i++) {
        d = deferred_new();
        deferred_add_callback(d, add_one, NULL);
        deferred_add_callback(d, add_one, NULL);
        deferred_add_callback(d, add_one, NULL);
        deferred_callback(d, NULL, NULL);
        deferred_unref(d);
    }
    double fire_s = bench_now() - start;
    if (callbacks_run != 3 * count) {
        fprintf(stderr, "deferred-reactor: ran %ld callbacks, expected %ld\n", callbacks_run, 3 * count);
        return 1;
    }

    /* chain */
    chain = malloc((size_t)chain_length * sizeof *chain);
    callbacks_run = 0;
    start = bench_now();
    for (long i = 0; i < chain_length; i++) {
        chain[i] = deferred_new();
        deferred_add_callback(chain[i], next_link, (void *)(intptr_t)i);
    }
    for (long i = 0; i < chain_length; i++)
        deferred_callback(chain[i], NULL, NULL);
    for (long i = 0; i < chain_length; i++)
        deferred_unref(chain[i]);
    double chain_s = bench_now() - start;
    free(chain);
    if (callbacks_run != chain_length) {
        fprintf(stderr, "deferred-reactor: the chain ran %ld callbacks, expected %ld\n", callbacks_run,
                chain_length);
        return 1;
    }

    printf("deferred\tfire,n=%ld,pairs=3\treactor\tns_per_callback\t%.1f\tns\n", count,
           fire_s * 1e9 / (3.0 * count));
    printf("deferred\tfire,n=%ld,pairs=3\treactor\tbytes_per_deferred\t%zu\tbytes\n", count, one_requested);
    printf("deferred\tfire,n=%ld,pairs=3\treactor\tusable_bytes_per_deferred\t%zu\tbytes\n", count,
           one_usable);
    printf("deferred\tfire,n=%ld,pairs=3\treactor\tallocations_per_deferred\t%ld\tcount\n", count,
           one_allocations);
    printf("deferred\tchain,n=%ld\treactor\tns_per_callback\t%.1f\tns\n", chain_length,
           chain_s * 1e9 / (double)chain_length);
    return 0;
}
