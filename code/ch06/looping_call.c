/* looping_call.c: a function called every N seconds. See looping_call.h for the contracts. */
#include "looping_call.h"

#include "deferred.h"

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
    /* Chapter 6: the Deferred-returning start, and functions that return a Deferred. */
    looping_call_deferred_fn deferred_fn; /* instead of fn, for looping_call_new_deferred */
    struct deferred *started;             /* looping_call_start_deferred's Deferred (the loop's reference) */
    struct deferred *waiting;             /* the function's Deferred the next call waits for */
    struct wait_link *link;               /* the waiting Deferred's way back to this loop */
    struct failure *failure;              /* why the loop ends, when the function failed with a failure */
    bool in_call;                         /* inside the function (and call_deferred_fn's handling of it) */
};

/* What the pair added to the function's Deferred points at, so that it can outlive the loop. */
struct wait_link {
    struct looping_call *loop; /* NULL once the loop is freed */
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

/* Ends the loop and tells whoever listens. */
static void finish(struct looping_call *loop, int status) {
    loop->running = false;
    drop_next(loop);
    if (loop->started != NULL) { /* chapter 6: started with a Deferred */
        if (loop->waiting == NULL && !loop->in_call) /* else once the function has returned, or its */
            fire_started(loop, status);              /* Deferred has fired (as in Twisted) */
        return;
    }
    failure_free(loop->failure);
    loop->failure = NULL;
    if (loop->done != NULL)
        loop->done(loop->done_arg, status);
    else if (status < 0)
        fprintf(stderr, "looping_call: %s failed: %s\n", loop->name, looping_call_strerror(status));
}

static int tick(void *arg);
static int call_deferred_fn(struct looping_call *loop, long intervals);

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
        loop->in_call = true; /* chapter 6: a stop from inside fires the start's Deferred after the call */
        result = loop->deferred_fn ? call_deferred_fn(loop, intervals) : loop->fn(loop->arg, intervals);
        loop->in_call = false;
    }
    if (!loop->running) { /* the function stopped the loop */
        if (loop->started != NULL && loop->waiting == NULL) { /* chapter 6: now that it has returned */
            fire_started(loop, result < 0 ? result : 0);
        } else if (loop->waiting == NULL) { /* a failure nobody waits for (the done callback was told) */
            failure_free(loop->failure);
            loop->failure = NULL;
        }
        return;
    }
    if (result < 0) {
        finish(loop, result);
        return;
    }
    if (loop->waiting != NULL)
        return; /* chapter 6: the next call is scheduled when the function's Deferred fires */
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
    if (loop->running || loop->waiting != NULL) /* (chapter 6: or waiting on the last call's Deferred) */
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

/* >> deferred-start */
/* Fires the start's Deferred, once the loop has ended: with an empty value after a stop, else with the
 * function's failure (or one made from the code). */
static void fire_started(struct looping_call *loop, int status) {
    struct deferred *d = loop->started;
    struct failure *failure = loop->failure;
    loop->started = NULL; /* first: its callbacks may start the loop again */
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
    loop->started = deferred_ref(d);
    int err = looping_call_start(loop, interval, now);
    if (err != 0) {
        deferred_unref(loop->started);
        loop->started = NULL;
        deferred_unref(d);
        *out = NULL;
    }
    return err;
}

struct looping_call *looping_call_new_deferred_named(struct scheduler *scheduler, const char *name,
                                                     looping_call_deferred_fn fn, void *arg) {
    struct looping_call *loop = looping_call_new_named(scheduler, name, NULL, arg);
    if (loop != NULL)
        loop->deferred_fn = fn;
    return loop;
}

/* The function's Deferred has fired: take note of a failure, then (unless the function is still
 * running, in which case call_deferred_fn goes on) schedule the next call or end the loop. */
static struct deferred_result function_done(struct deferred_result result, void *arg) {
    struct wait_link *link = arg;
    struct looping_call *loop = link->loop;
    free(link);
    if (loop == NULL) /* the loop is gone: the result is the Deferred's other holders' business */
        return result;
    struct deferred *waited = loop->waiting;
    loop->waiting = NULL;
    loop->link = NULL;
    if (result.kind == DEFERRED_FAILURE)
        loop->failure = result.failure;
    else
        deferred_result_free(result);
    if (!loop->in_call) {
        int status = loop->failure != NULL ? failure_code(loop->failure) : 0;
        if (loop->running && status == 0)
            status = schedule_from(loop, scheduler_seconds(loop->scheduler));
        if (loop->running && status != 0)
            finish(loop, status < 0 ? status : -EIO);
        else if (!loop->running && loop->started != NULL) /* stopped while we waited */
            fire_started(loop, status < 0 ? status : 0);
    }
    deferred_unref(waited); /* safe: its chain holds it while this runs */
    return deferred_none();
}

/* Calls a function of the chapter-6 kind. A value: go on. A failure: end the loop with it. A Deferred:
 * wait for it (run_once sees loop->waiting and schedules nothing). Returns 0 or a negative code. */
static int call_deferred_fn(struct looping_call *loop, long intervals) {
    struct deferred_result result = loop->deferred_fn(loop->arg, intervals);
    if (result.kind == DEFERRED_WAIT) {
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
        loop->failure = result.failure;
    } else {
        deferred_result_free(result);
    }
    if (loop->failure != NULL)
        return failure_code(loop->failure) < 0 ? failure_code(loop->failure) : -EIO;
    return 0;
}
/* << deferred-start */

const char *looping_call_strerror(int code) {
    switch (code) {
    case LOOPING_CALL_ERR_RUNNING:
        return "the looping call is already running";
    case LOOPING_CALL_ERR_NOT_RUNNING:
        return "the looping call is not running";
    default:
        return scheduler_strerror(code);
    }
}
