/* task_clock.h: a clock that only moves when you move it — the reactor's time, made injectable.
 *
 * A test gives code a task_clock's scheduler where the program would give the reactor's; then, instead
 * of sleeping, it calls task_clock_advance and checks what ran. Twisted's counterpart: task.Clock. */
#ifndef TASK_CLOCK_H
#define TASK_CLOCK_H

#include "scheduler.h"

struct task_clock; /* opaque */

/* Makes a clock that reads 0 seconds. Returns NULL when out of memory. Free it with task_clock_free. */
struct task_clock *task_clock_new(void);

/* Frees the clock and its scheduler (pending calls are cancelled, not run). NULL is allowed. */
void task_clock_free(struct task_clock *clock);

/* The scheduler to hand to the code under test. Owned by the clock. */
struct scheduler *task_clock_scheduler(struct task_clock *clock);

/* The clock's current time, in seconds. */
double task_clock_seconds(const struct task_clock *clock);

/* Moves the time forward by seconds (>= 0), then runs the calls that are now due, as one turn of a
 * reactor would. Calls they schedule for "now" wait for the next advance (advance by 0 runs them).
 * Returns how many calls ran, or -EINVAL for a negative or NaN amount. */
long task_clock_advance(struct task_clock *clock, double seconds);

/* Advances the clock by each amount in turn (Twisted's Clock.pump). Returns the total calls run. */
long task_clock_pump(struct task_clock *clock, const double *amounts, size_t count);

#endif
