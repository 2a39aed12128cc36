/* looping_call.c: a function called every N seconds. See looping_call.h for the contracts. */
#include "looping_call.h"

#include "deferred.h"

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
    /* Chapter 6: the Deferred-returning start, and functions that return a Deferred. */
    looping_call_deferred_fn deferred_fn; /* instead of fn, for looping_call_new_deferred */
    struct deferred *started;             /* looping_call_start_deferred's Deferred (the loop's reference) */
    struct deferred *waiting;             /* the function's Deferred the next call waits for */
    struct wait_link *link;               /* the waiting Deferred's way back to this loop */
    struct failure *failure;              /* why the loop ends, when the function failed with a failure */
};

/* What the pair added to the function's Deferred points at, so that it can outlive the loop. */
struct wait_link {
    struct looping_call *loop; /* NULL once the loop is freed */
};

/* Makes either kind: fn or deferred_fn is NULL. */
static struct looping_call *new_loop(struct scheduler *scheduler, const char *name, looping_call_fn fn,
                                     looping_call_deferred_fn deferred_fn, void *arg) {
    if (fn == NULL && deferred_fn == NULL) {
        errno = EINVAL;
        return NULL;
    }
    struct looping_call *loop = calloc(1, sizeof *loop);
    if (loop == NULL)
        return NULL;
    loop->scheduler = scheduler;
    loop->name = name;
    loop->fn = fn;
    loop->deferred_fn = deferred_fn;
    loop->arg = arg;
    return loop;
}

struct looping_call *looping_call_new_named(struct scheduler *scheduler, const char *name, looping_call_fn fn,
                                            void *arg) {
    return new_loop(scheduler, name, fn, NULL, arg);
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
    if (loop->link != NULL)
        loop->link->loop = NULL; /* the function's Deferred may still fire: it must not find us */
    deferred_unref(loop->waiting);
    deferred_unref(loop->started);
    failure_free(loop->failure);
    free(loop);
}

void looping_call_on_done(struct looping_call *loop, looping_call_done_fn done, void *arg) {
    loop->done = done;
    loop->done_arg = arg;
}

bool looping_call_running(const struct looping_call *loop) {
    return loop->running;
}

static void fire_started(struct looping_call *loop, int status);

/* >> finish */
/* Tells whoever listens that the loop ended. The done callback may free the loop, so this is the last
 * thing that touches it. */
static void tell_done(struct looping_call *loop, int status) {
    if (loop->started != NULL) { /* chapter 6: started with a Deferred, which is told instead */
        fire_started(loop, status);
        return;
    }
    failure_free(loop->failure); /* chapter 6: a function's failure nobody waits for */
    loop->failure = NULL;
    if (loop->done != NULL)
        loop->done(loop->done_arg, status);
    else if (status < 0)
        fprintf(stderr, "looping_call: %s failed: %s\n", loop->name, looping_call_strerror(status));
}

/* Ends the run. Outside the function, done is told at once; inside it, once the function returns (so
 * that a done callback freeing the loop cannot pull it from under the running function). Chapter 6:
 * while the loop waits on the function's Deferred, once that has fired (as in Twisted). */
static void finish(struct looping_call *loop, int status) {
    loop->running = false;
    drop_next(loop);
    if (loop->calling > 0 || loop->waiting != NULL) {
        loop->done_pending = true;
        loop->done_status = status;
        return;
    }
    tell_done(loop, status);
}
/* << finish */

static int tick(void *arg);
static int call_deferred_fn(struct looping_call *loop, long intervals);

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

/* Schedules the call after the last one: the first interval still in the future by the clock now (the
 * intervals the function outlasted are skipped, and counted when the call runs). */
static int schedule_next(struct looping_call *loop) {
    if (loop->next != NULL) /* chapter 6: a run restarted inside the function has its call already */
        return 0;
    double now = scheduler_seconds(loop->scheduler);
    int64_t next = loop->last_index + 1;
    if (loop->interval > 0 && interval_at(loop, now) >= next)
        next = interval_at(loop, now) + 1; /* the function outlasted intervals: skip them */
    return schedule(loop, next, now);
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
    int result = loop->deferred_fn != NULL ? call_deferred_fn(loop, intervals) : loop->fn(loop->arg, intervals);

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
    } else if (loop->waiting == NULL) { /* chapter 6: else once the function's Deferred has fired */
        int err = schedule_next(loop);
        if (err != 0)
            finish(loop, err);
    }
    if (--loop->calling == 0 && loop->done_pending && loop->waiting == NULL) {
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

/* Starts a run; `started` (borrowed, or NULL) is the Deferred that tells its end instead of done. */
static int start_run(struct looping_call *loop, double interval, bool now, struct deferred *started) {
    if (loop->running || loop->waiting != NULL) /* (chapter 6: or waiting on the last call's Deferred) */
        return LOOPING_CALL_ERR_RUNNING;
    if (isnan(interval) || interval < 0)
        return -EINVAL;
    loop->interval = interval;
    loop->start_time = scheduler_seconds(loop->scheduler);
    loop->last_index = now ? -1 : 0; /* the first call, at once or after one interval, counts 1 */
    loop->runs++;
    loop->done_pending = false; /* a run stopped inside the function and started again: not told */
    deferred_unref(loop->started); /* chapter 6: nor its Deferred fired (as in Twisted, start replaces it) */
    loop->started = started != NULL ? deferred_ref(started) : NULL;
    failure_free(loop->failure);
    loop->failure = NULL;
    if (now) {
        loop->running = true;
        run_once(loop, 0); /* at once, before start returns, as Twisted does; it may free the loop */
        return 0;
    }
    int err = schedule(loop, 1, loop->start_time);
    if (err != 0) {
        deferred_unref(loop->started);
        loop->started = NULL;
        return err;
    }
    loop->running = true;
    return 0;
}

int looping_call_start(struct looping_call *loop, double interval, bool now) {
    return start_run(loop, interval, now, NULL);
}

int looping_call_stop(struct looping_call *loop) {
    if (!loop->running)
        return LOOPING_CALL_ERR_NOT_RUNNING;
    finish(loop, 0); /* may free the loop */
    return 0;
}

/* >> deferred-start */
/* Fires the start's Deferred, once the loop has ended: with an empty value after a stop, else with the
 * function's failure (or one made from the code). */
static void fire_started(struct looping_call *loop, int status) {
    struct deferred *d = loop->started;
    struct failure *failure = loop->failure;
    loop->started = NULL; /* first: its callbacks may start the loop again, or free it */
    loop->failure = NULL;
    if (status < 0)
        deferred_errback(d, failure != NULL ? failure : failure_from_code(status));
    else {
        failure_free(failure);
        deferred_callback(d, NULL, NULL);
    }
    deferred_unref(d);
}

int looping_call_start_deferred(struct looping_call *loop, double interval, bool now, struct deferred **out) {
    *out = NULL;
    if (loop->running || loop->waiting != NULL)
        return LOOPING_CALL_ERR_RUNNING;
    if (isnan(interval) || interval < 0)
        return -EINVAL;
    struct deferred *d = deferred_new();
    if (d == NULL)
        return -ENOMEM;
    *out = d; /* before the start: with now, the first call may already end the loop */
    int err = start_run(loop, interval, now, d);
    if (err != 0) {
        deferred_unref(d);
        *out = NULL;
    }
    return err;
}

struct looping_call *looping_call_new_deferred_named(struct scheduler *scheduler, const char *name,
                                                     looping_call_deferred_fn fn, void *arg) {
    return new_loop(scheduler, name, NULL, fn, arg);
}

/* The code a failure ends the loop with: its own, or -EIO if it has none. */
static int failure_status(const struct failure *failure) {
    return failure_code(failure) < 0 ? failure_code(failure) : -EIO;
}

/* The function's Deferred has fired: take note of a failure, then (unless the function is still
 * running, in which case run_once goes on) schedule the next call, or end the loop, or tell the end of
 * a run that was stopped while it waited. */
static struct deferred_result function_done(struct deferred_result result, void *arg) {
    struct wait_link *link = arg;
    struct looping_call *loop = link->loop;
    free(link);
    if (loop == NULL) /* the loop is gone: the result is the Deferred's other holders' business */
        return result;
    struct deferred *waited = loop->waiting;
    loop->waiting = NULL;
    loop->link = NULL;
    if (result.kind == DEFERRED_FAILURE) {
        failure_free(loop->failure);
        loop->failure = result.failure;
    } else {
        deferred_result_free(result);
    }
    deferred_unref(waited); /* safe: its chain holds it while this runs */
    if (loop->calling > 0)
        return deferred_none();
    int status = loop->failure != NULL ? failure_status(loop->failure) : 0;
    if (loop->running) {
        if (status == 0)
            status = schedule_next(loop);
        if (status != 0)
            finish(loop, status); /* may free the loop */
    } else if (loop->done_pending) { /* stopped while we waited (or from inside the function) */
        loop->done_pending = false;
        tell_done(loop, status != 0 ? status : loop->done_status); /* may free the loop */
    }
    return deferred_none();
}

/* Calls a function of the chapter-6 kind. A value: go on. A failure: end the loop with it. A Deferred:
 * wait for it (run_once sees loop->waiting and schedules nothing). Returns 0 or a negative code. */
static int call_deferred_fn(struct looping_call *loop, long intervals) {
    struct deferred_result result = loop->deferred_fn(loop->arg, intervals);
    if (result.kind == DEFERRED_WAIT) {
        if (loop->waiting != NULL) { /* a restarted run's nested call waits already: do not wait twice */
            deferred_unref(result.wait);
            return 0;
        }
        struct wait_link *link = malloc(sizeof *link);
        if (link == NULL) {
            deferred_unref(result.wait);
            return -ENOMEM;
        }
        link->loop = loop;
        loop->link = link;
        loop->waiting = result.wait; /* the reference the function gave */
        if (deferred_add_both(result.wait, function_done, link) != 0) {
            loop->link = NULL;
            loop->waiting = NULL;
            free(link);
            deferred_unref(result.wait);
            return -ENOMEM;
        } /* if it had fired, function_done has run already, and loop->waiting is NULL again */
    } else if (result.kind == DEFERRED_FAILURE) {
        failure_free(loop->failure);
        loop->failure = result.failure;
    } else {
        deferred_result_free(result);
    }
    return loop->failure != NULL ? failure_status(loop->failure) : 0;
}
/* << deferred-start */

const char *looping_call_strerror(int code) {
    return result_strerror(code);
}
