/* countdown_loop.h: chapter 4's countdown, on a looping call.
 *
 * The countdown takes a scheduler: the program hands it the reactor's, a test a task_clock's. This
 * file is given: do not change it. */
#ifndef COUNTDOWN_LOOP_H
#define COUNTDOWN_LOOP_H

#include "scheduler.h"

#include <stdio.h>

struct countdown; /* opaque: only countdown-loop.c sees inside */

/* Told once, when the countdown's loop has ended: status 0 after "Stop!", or the error that ended the
 * loop. */
typedef void (*countdown_done_fn)(void *arg, int status);

/* Makes a countdown from `from` (>= 1) on scheduler, writing to out, that tells done(done_arg) when it
 * ends. It does not run until started. Returns NULL for a bad count or when out of memory. */
struct countdown *countdown_new(struct scheduler *scheduler, long from, FILE *out, countdown_done_fn done,
                                void *done_arg);

/* Starts the countdown on a looping call with `interval` seconds (>= 0) between ticks, started with
 * now = true. With from = N and interval = I, it writes (each line flushed at once)
 *     "N..." before countdown_start returns,
 *     "N-1...", ... "1..." at I, 2I, ... (N-1)I, aligned to the start as a looping call's ticks are,
 *     "Stop!" at N*I,
 * and then the loop is stopped from inside its own function, which tells done(done_arg, 0), once.
 * Returns 0, or the error of looping_call_start. */
int countdown_start(struct countdown *countdown, double interval);

/* Stops the countdown if it still runs (without telling done) and frees it. Must not be called from
 * inside done. NULL is allowed. */
void countdown_free(struct countdown *countdown);

#endif
