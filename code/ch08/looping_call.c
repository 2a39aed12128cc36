/* looping_call.c: a function called every N seconds. See looping_call.h for the contracts. */
#include "looping_call.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
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
    int64_t last_index;        /* the interval, counted from the start, of the last call (0 before any) */
    int64_t next_index;        /* the interval the pending call is for */
    struct delayed_call *next; /* the pending call to tick, while running */
    unsigned long runs;        /* how many times the loop has been started */
    int calling;               /* how deep inside run_once we are (a start with now may nest) */
    bool done_pending;         /* a run ended inside the function: tell done once it returns */
    int done_status;           /* ... with this status */
};

struct looping_call *looping_call_new_named(struct scheduler *scheduler, const char *name, looping_call_fn fn,
                                            void *arg) {
    if (fn == NULL) {
        errno = EINVAL;
        return NULL;
    }
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

/* >> finish */
/* Tells whoever listens that the loop ended. The done callback may free the loop, so this is the last
 * thing that touches it. */
static void tell_done(struct looping_call *loop, int status) {
    if (loop->done != NULL)
        loop->done(loop->done_arg, status);
    else if (status < 0)
        fprintf(stderr, "looping_call: %s failed: %s\n", loop->name, looping_call_strerror(status));
}

/* Ends the run. Outside the function, done is told at once; inside it, once the function returns (so
 * that a done callback freeing the loop cannot pull it from under the running function). */
static void finish(struct looping_call *loop, int status) {
    loop->running = false;
    drop_next(loop);
    if (loop->calling > 0) {
        loop->done_pending = true;
        loop->done_status = status;
        return;
    }
    tell_done(loop, status);
}
/* << finish */

static int tick(void *arg);

/* >> schedule-aligned */
/* The interval, counted from the start, that the time t falls in: a whole number of intervals, clamped
 * so that a far time cannot overflow it. Only used to skip missed intervals; the counts themselves come
 * from the integer indexes, never from a floating-point difference. */
static int64_t interval_at(const struct looping_call *loop, double t) {
    double intervals = floor((t - loop->start_time) / loop->interval);
    if (!(intervals > 0)) /* also NaN */
        return 0;
    return intervals < 1e15 ? (int64_t)intervals : (int64_t)1e15;
}

/* Schedules the call for interval `index`: at start + index * interval, or on the next pass if that
 * time has come already. */
static int schedule(struct looping_call *loop, int64_t index, double now) {
    double delay = 0;
    if (loop->interval > 0) {
        delay = loop->start_time + (double)index * loop->interval - now;
        if (!(delay > 0))
            delay = 0;
    }
    loop->next_index = index;
    return scheduler_call_later_named(loop->scheduler, delay, loop->name, tick, loop, &loop->next);
}
/* << schedule-aligned */

/* >> tick */
/* Runs the function for interval `index` (or a later one, if the call came late), told how many
 * intervals went by since the last call; then, unless it ended or restarted the loop, schedules the next
 * call: the first interval still in the future by the clock read after the function returned. */
static void run_once(struct looping_call *loop, int64_t index) {
    if (loop->interval > 0) {
        int64_t late = interval_at(loop, scheduler_seconds(loop->scheduler));
        if (late > index)
            index = late;
    }
    long intervals = (long)(index - loop->last_index); /* >= 1: index is always past the last */
    loop->last_index = index;
    unsigned long run = loop->runs;
    loop->calling++; /* until the end: any run ending from here on tells done below, not at once */
    int result = loop->fn(loop->arg, intervals);

    if (loop->runs != run) {
        /* The function stopped the loop and started it again: the new run has its own calls, and done
         * is not told for this one. A failure now ends the new run, as in Twisted. */
        if (result < 0 && loop->running)
            finish(loop, result);
    } else if (!loop->running) {
        /* The function stopped the loop: done is told below, with its failure if it also failed. */
        if (result < 0)
            loop->done_status = result;
    } else if (result < 0) {
        finish(loop, result);
    } else {
        double now = scheduler_seconds(loop->scheduler);
        int64_t next = index + 1;
        if (loop->interval > 0 && interval_at(loop, now) >= next)
            next = interval_at(loop, now) + 1; /* the function outlasted intervals: skip them */
        int err = schedule(loop, next, now);
        if (err != 0)
            finish(loop, err);
    }
    if (--loop->calling == 0 && loop->done_pending) {
        loop->done_pending = false;
        tell_done(loop, loop->done_status); /* the last thing that touches the loop */
    }
}

/* The scheduled call. */
static int tick(void *arg) {
    struct looping_call *loop = arg;
    delayed_call_release(loop->next); /* this call is running: nothing left to cancel */
    loop->next = NULL;
    run_once(loop, loop->next_index);
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
    loop->last_index = now ? -1 : 0; /* the first call, at once or after one interval, counts 1 */
    loop->runs++;
    loop->done_pending = false; /* a run stopped inside the function and started again: not told */
    if (now) {
        loop->running = true;
        run_once(loop, 0); /* at once, before start returns, as Twisted does; it may free the loop */
        return 0;
    }
    int err = schedule(loop, 1, loop->start_time);
    if (err != 0)
        return err;
    loop->running = true;
    return 0;
}

int looping_call_stop(struct looping_call *loop) {
    if (!loop->running)
        return LOOPING_CALL_ERR_NOT_RUNNING;
    finish(loop, 0); /* may free the loop */
    return 0;
}

const char *looping_call_strerror(int code) {
    return result_strerror(code);
}
