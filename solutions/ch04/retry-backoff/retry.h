/* retry.h: try something until it works, waiting longer after each failure (exponential backoff).
 *
 * A retry calls an attempt function; when it fails, the retry waits and calls it again. The waits
 * grow by a factor each time, up to a cap: with an initial delay of 1 s and a factor of 2, the
 * attempts run at 0, 1, 3, 7, 15 ... s. After max_attempts failed attempts the retry gives up and says
 * so through its done function. Optional jitter spreads the waits, so that many clients that failed
 * together do not all come back at the same moment. The waits are delayed calls on a scheduler: the
 * reactor's in a program, a task_clock's in a test.
 *
 * Twisted's counterpart: the delays of ReconnectingClientFactory (initialDelay, factor, maxDelay,
 * maxRetries, jitter, stopTrying). This file is given: do not change it. */
#ifndef RETRY_H
#define RETRY_H

#include "scheduler.h"

struct retry; /* opaque: only retry.c sees inside */

/* Result codes, negative like -errno; retry_strerror names them. Outside the library's ranges
 * (-10001 to -10999, result.h), so that no library code means the same. */
enum {
    RETRY_ERR_FINISHED = -20001, /* retry_cancel on a retry that has already finished or been cancelled */
};

/* One attempt: returns 0 on success, or a negative code (such as -ECONNREFUSED) on failure. */
typedef int (*retry_attempt_fn)(void *arg);

/* Told once, when the retry finishes: status 0 when an attempt succeeded, or the negative code the
 * last attempt returned when max_attempts attempts have all failed. Not told after retry_cancel. */
typedef void (*retry_done_fn)(void *arg, int status);

/* A source of random numbers for the jitter: returns a number from 0 to 1 (both included). */
typedef double (*retry_random_fn)(void *arg);

struct retry_options {
    double initial_delay;    /* the wait after the first failure, in seconds (>= 0) */
    double factor;           /* each wait is the one before times factor (>= 1) */
    double max_delay;        /* no wait is longer than this (>= 0); the cap applies before the jitter */
    long max_attempts;       /* how many attempts in all, the first one included (>= 1) */
    double jitter;           /* 0 for none; else (0 < jitter <= 1) each wait d becomes
                                d * (1 + jitter * (2 * u - 1)), u = random(random_arg) */
    retry_random_fn random;  /* needed when jitter > 0; called once per wait */
    void *random_arg;
};

/* Starts retrying attempt(attempt_arg) on scheduler. The first attempt runs on the scheduler's next
 * pass (a delay of 0), never inside retry_start. After failed attempt number k (k < max_attempts) the
 * next one runs after min(initial_delay * factor^(k-1), max_delay) seconds, with the jitter applied to
 * that wait; the waits do not compound the jitter. When an attempt succeeds, done(done_arg, 0) is told
 * and no attempt follows; when attempt number max_attempts fails, done(done_arg, code) is told at once.
 * options is copied. On success *out receives the retry, which the caller owns and frees with
 * retry_free. Returns 0, -EINVAL (a NULL scheduler, attempt or options, an option out of its range or
 * not a number, or jitter > 0 without random) or -ENOMEM; on failure nothing is scheduled and *out is
 * set to NULL. */
int retry_start(struct scheduler *scheduler, const struct retry_options *options, retry_attempt_fn attempt,
                void *attempt_arg, retry_done_fn done, void *done_arg, struct retry **out);

/* Stops retrying: the pending attempt is cancelled (it leaves the scheduler) and no other attempt
 * runs; done is not told. May be called from inside the attempt function (the attempt's result is
 * then ignored). Returns 0, or RETRY_ERR_FINISHED if the retry has already finished or been cancelled. */
int retry_cancel(struct retry *retry);

/* How many attempts have been made so far (started, including one that is running now). */
long retry_attempts(const struct retry *retry);

/* Cancels the retry if it is still going (without telling done) and frees it. May be called from
 * inside done, which is the last thing a retry does; must not be called from inside the attempt
 * function (cancel there, and free afterwards). NULL is allowed. */
void retry_free(struct retry *retry);

/* Names RETRY_ERR_FINISHED, and any code scheduler_strerror names. */
const char *retry_strerror(int code);

#endif
