/* retry.c: exponential backoff on a scheduler. See retry.h for the contracts. */
#include "retry.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

struct retry {
    struct scheduler *scheduler;
    struct retry_options options;
    retry_attempt_fn attempt;
    void *attempt_arg;
    retry_done_fn done;
    void *done_arg;
    long attempts;             /* attempts made so far */
    double delay;              /* the wait after the next failure, before the jitter */
    bool finished;             /* succeeded, gave up or was cancelled */
    struct delayed_call *next; /* the pending attempt, while one is scheduled */
};

/* Cancels and gives back the pending call, if any. */
static void drop_next(struct retry *retry) {
    if (retry->next != NULL) {
        delayed_call_cancel(retry->next); /* fails harmlessly if it is the call running now */
        delayed_call_release(retry->next);
        retry->next = NULL;
    }
}

/* Ends the retry and tells done. Nothing may touch retry afterwards: done may free it. */
static void finish(struct retry *retry, int status) {
    retry->finished = true;
    drop_next(retry);
    if (retry->done != NULL)
        retry->done(retry->done_arg, status);
}

static int try_once(void *arg);

/* Schedules the next attempt after the current wait (jittered), then grows the wait for the one after. */
static int schedule_next(struct retry *retry) {
    double wait = retry->delay;
    const struct retry_options *options = &retry->options;
    if (options->jitter > 0)
        wait *= 1 + options->jitter * (2 * options->random(options->random_arg) - 1);
    if (isnan(wait) || wait < 0)
        wait = 0;
    retry->delay = fmin(retry->delay * options->factor, options->max_delay);
    return scheduler_call_later(retry->scheduler, wait, try_once, retry, &retry->next);
}

/* The scheduled call: one attempt, then success, another wait, or giving up. */
static int try_once(void *arg) {
    struct retry *retry = arg;
    delayed_call_release(retry->next); /* this call is running: nothing left to cancel */
    retry->next = NULL;
    retry->attempts++;
    int result = retry->attempt(retry->attempt_arg);
    if (retry->finished)
        return 0; /* cancelled from inside the attempt */
    if (result == 0 || retry->attempts >= retry->options.max_attempts) {
        finish(retry, result);
        return 0;
    }
    int err = schedule_next(retry);
    if (err != 0)
        finish(retry, err);
    return 0;
}

static bool valid(const struct retry_options *o) {
    /* Written so that NaN fails every comparison and so every check. */
    return o->initial_delay >= 0 && o->factor >= 1 && o->max_delay >= 0 && o->max_attempts >= 1 &&
           o->jitter >= 0 && o->jitter <= 1 && (o->jitter == 0 || o->random != NULL);
}

int retry_start(struct scheduler *scheduler, const struct retry_options *options, retry_attempt_fn attempt,
                void *attempt_arg, retry_done_fn done, void *done_arg, struct retry **out) {
    *out = NULL;
    if (scheduler == NULL || options == NULL || attempt == NULL || !valid(options))
        return -EINVAL;
    struct retry *retry = calloc(1, sizeof *retry);
    if (retry == NULL)
        return -ENOMEM;
    retry->scheduler = scheduler;
    retry->options = *options;
    retry->attempt = attempt;
    retry->attempt_arg = attempt_arg;
    retry->done = done;
    retry->done_arg = done_arg;
    retry->delay = fmin(options->initial_delay, options->max_delay);
    int err = scheduler_call_later(scheduler, 0, try_once, retry, &retry->next);
    if (err != 0) {
        free(retry);
        return err;
    }
    *out = retry;
    return 0;
}

int retry_cancel(struct retry *retry) {
    if (retry->finished)
        return RETRY_ERR_FINISHED;
    retry->finished = true;
    drop_next(retry);
    return 0;
}

long retry_attempts(const struct retry *retry) {
    return retry->attempts;
}

void retry_free(struct retry *retry) {
    if (retry == NULL)
        return;
    drop_next(retry);
    free(retry);
}

const char *retry_strerror(int code) {
    if (code == RETRY_ERR_FINISHED)
        return "the retry has already finished or been cancelled";
    return scheduler_strerror(code);
}
