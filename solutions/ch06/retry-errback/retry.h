/* retry.h: an errback that tries again. The specification of the exercise: do not change it. */
#ifndef RETRY_H
#define RETRY_H

#include "deferred.h"
#include "scheduler.h"

/* One attempt at the work (a download, say): returns a Deferred (the caller's reference) for it. */
typedef struct deferred *(*attempt_fn)(void *arg);

/* How to try again. The caller owns it; it must outlive the chain it is added to. */
struct retry {
    struct scheduler *scheduler;
    double delay; /* seconds to wait before the second attempt, >= 0 */
    attempt_fn attempt;
    void *arg;
};

/* Adds to d an errback that, when d fails, frees that failure, waits retry->delay seconds on
 * retry->scheduler, then calls retry->attempt(retry->arg) once and lets the chain go on with the result
 * of the Deferred it returns: its value, or its failure. A value passes by untouched, and the attempt
 * is not made. Returns 0 or what deferred_add_callbacks returns. */
int add_retry(struct deferred *d, const struct retry *retry);

#endif
