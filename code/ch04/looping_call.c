/* looping_call.c: a function called every N seconds. See looping_call.h for the contracts. */
#include "looping_call.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct looping_call {
    struct scheduler *scheduler;
    const char *name;
    looping_call_fn fn;
    void *arg;
    looping_call_done_fn done;
    void *done_arg;
    bool running;
    double interval;
    double start_time;
    double last_time;          /* when the function last ran (or the start, less one interval) */
    struct delayed_call *next; /* the pending call to tick, while running */
};

struct looping_call *looping_call_new_named(struct scheduler *scheduler, const char *name, looping_call_fn fn,
                                            void *arg) {
    struct looping_call *loop = calloc(1, sizeof *loop);
    if (loop == NULL)
        return NULL;
    loop->scheduler = scheduler;
    loop->name = name;
    loop->fn = fn;
    loop->arg = arg;
    return loop;
}

/* Cancels and gives back the pending call, if any. */
static void drop_next(struct looping_call *loop) {
    if (loop->next != NULL) {
        delayed_call_cancel(loop->next); /* fails harmlessly if it is the call running now */
        delayed_call_release(loop->next);
        loop->next = NULL;
    }
}

void looping_call_free(struct looping_call *loop) {
    if (loop == NULL)
        return;
    drop_next(loop);
    free(loop);
}

void looping_call_on_done(struct looping_call *loop, looping_call_done_fn done, void *arg) {
    loop->done = done;
    loop->done_arg = arg;
}

bool looping_call_running(const struct looping_call *loop) {
    return loop->running;
}

/* Ends the loop and tells whoever listens. */
static void finish(struct looping_call *loop, int status) {
    loop->running = false;
    drop_next(loop);
    if (loop->done != NULL)
        loop->done(loop->done_arg, status);
    else if (status < 0)
        fprintf(stderr, "looping_call: %s failed: %s\n", loop->name, looping_call_strerror(status));
}

static int tick(void *arg);

/* >> schedule-aligned */
/* Schedules the next call at the first multiple of the interval, counted from the start, after `now`. */
static int schedule_from(struct looping_call *loop, double now) {
    double delay = 0;
    if (loop->interval > 0) {
        double running_for = now - loop->start_time;
        delay = loop->interval - fmod(running_for, loop->interval);
        if (now + delay == now) /* a delay too small to change a large time: take a whole interval */
            delay = loop->interval;
    }
    return scheduler_call_later_named(loop->scheduler, delay, loop->name, tick, loop, &loop->next);
}

/* Which interval, counted from the start, the time t falls in. */
static long interval_of(const struct looping_call *loop, double t) {
    return (long)floor((t - loop->start_time) / loop->interval);
}
/* << schedule-aligned */

/* >> tick */
/* Runs the function once, told how many intervals went by, then schedules the next call. */
static void run_once(struct looping_call *loop) {
    double now = scheduler_seconds(loop->scheduler);
    long intervals = 1;
    if (loop->interval > 0)
        intervals = interval_of(loop, now) - interval_of(loop, loop->last_time);
    int result = 0;
    if (intervals > 0) {
        loop->last_time = now;
        result = loop->fn(loop->arg, intervals);
    }
    if (!loop->running)
        return; /* the function stopped the loop */
    if (result < 0) {
        finish(loop, result);
        return;
    }
    int err = schedule_from(loop, now);
    if (err != 0)
        finish(loop, err);
}

/* The scheduled call. */
static int tick(void *arg) {
    struct looping_call *loop = arg;
    delayed_call_release(loop->next); /* this call is running: nothing left to cancel */
    loop->next = NULL;
    run_once(loop);
    return 0;
}
/* << tick */

int looping_call_start(struct looping_call *loop, double interval, bool now) {
    if (loop->running)
        return LOOPING_CALL_ERR_RUNNING;
    if (isnan(interval) || interval < 0)
        return -EINVAL;
    loop->interval = interval;
    loop->start_time = scheduler_seconds(loop->scheduler);
    loop->last_time = now ? loop->start_time - interval : loop->start_time;
    if (now) {
        loop->running = true;
        run_once(loop); /* at once, before start returns, as Twisted does */
        return 0;
    }
    int err = schedule_from(loop, loop->start_time);
    if (err != 0)
        return err;
    loop->running = true;
    return 0;
}

int looping_call_stop(struct looping_call *loop) {
    if (!loop->running)
        return LOOPING_CALL_ERR_NOT_RUNNING;
    finish(loop, 0);
    return 0;
}

const char *looping_call_strerror(int code) {
    return result_strerror(code);
}
