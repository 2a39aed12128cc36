/* task_clock.c: a hand-moved clock. See task_clock.h for the contracts. */
#include "task_clock.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

struct task_clock {
    double now;
    struct scheduler *scheduler;
};

static double read_clock(void *arg) {
    return ((struct task_clock *)arg)->now;
}

struct task_clock *task_clock_new(void) {
    struct task_clock *clock = malloc(sizeof *clock);
    if (clock == NULL)
        return NULL;
    clock->now = 0;
    clock->scheduler = scheduler_new(read_clock, clock, "task_clock");
    if (clock->scheduler == NULL) {
        free(clock);
        return NULL;
    }
    return clock;
}

void task_clock_free(struct task_clock *clock) {
    if (clock == NULL)
        return;
    scheduler_free(clock->scheduler);
    free(clock);
}

struct scheduler *task_clock_scheduler(struct task_clock *clock) {
    return clock->scheduler;
}

double task_clock_seconds(const struct task_clock *clock) {
    return clock->now;
}

/* >> advance */
long task_clock_advance(struct task_clock *clock, double seconds) {
    if (isnan(seconds) || seconds < 0)
        return -EINVAL;
    clock->now += seconds;
    return (long)scheduler_run_due(clock->scheduler);
}
/* << advance */

long task_clock_pump(struct task_clock *clock, const double *amounts, size_t count) {
    long ran = 0;
    for (size_t i = 0; i < count; i++) {
        long n = task_clock_advance(clock, amounts[i]);
        if (n < 0)
            return n;
        ran += n;
    }
    return ran;
}
