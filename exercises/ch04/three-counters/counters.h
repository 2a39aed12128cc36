/* counters.h: several countdowns on one scheduler, each at its own pace, and one call when all are done.
 *
 * The counting is written against a scheduler, not a reactor: the program hands it the reactor's
 * (reactor_scheduler), a test hands it a task_clock's and moves the time by hand. This file is given:
 * do not change it. */
#ifndef COUNTERS_H
#define COUNTERS_H

#include "scheduler.h"

#include <stddef.h>
#include <stdio.h>

/* The most counters one struct counters runs. */
#define COUNTERS_MAX 8

/* One counter: counts down from `count` (>= 0), one number every `interval` seconds (>= 0). */
struct counter_spec {
    long count;
    double interval;
};

struct counters; /* opaque: only counters.c sees inside */

/* Told once, when the last counter has finished. */
typedef void (*counters_done_fn)(void *arg);

/* Starts n counters (1 <= n <= COUNTERS_MAX) on scheduler. Counter K (numbered from 1, in the order of
 * specs) with count N and interval I writes one line to out (flushed at once) at each of its ticks:
 *     at 0, I, 2I, ... (N-1)I:   "counter K: N...", "counter K: N-1...", ... "counter K: 1..."
 *     at N*I:                    "counter K: done"
 * (with a count of 0, only "counter K: done", at 0). Times are counted from the call of counters_start;
 * the first ticks run on the scheduler's next pass (a delay of 0), never inside counters_start, in the
 * order of the counters. After the last counter's "done" line, done(done_arg) is told, once; nothing is
 * scheduled after that. Returns the counters, which the caller frees with counters_free, or NULL (n out
 * of range, a bad spec, or out of memory). */
struct counters *counters_start(struct scheduler *scheduler, const struct counter_spec *specs, size_t n,
                                FILE *out, counters_done_fn done, void *done_arg);

/* Cancels the ticks still pending (nothing more is written, done is not told) and frees the counters.
 * May be called from inside done. NULL is allowed. */
void counters_free(struct counters *counters);

#endif
