/* retry.c: add_retry. See retry.h for the contract. */
#include "retry.h"

#include "failure.h"

#include <errno.h>

/* deferred_later's function, after the delay: the second attempt; the later Deferred waits for it. */
static struct deferred_result second_attempt(void *arg) {
    const struct retry *retry = arg;
    struct deferred *d = retry->attempt(retry->arg);
    if (d == NULL)
        return deferred_error(-ENOMEM);
    return deferred_wait_for(d); /* the attempt's reference goes to the chain */
}

/* The errback: the first attempt failed. Forget why, and wait for the second. */
static struct deferred_result try_again(struct deferred_result failure, void *arg) {
    const struct retry *retry = arg;
    deferred_result_free(failure);
    struct deferred *later;
    int err = deferred_later(retry->scheduler, retry->delay, second_attempt, (void *)retry, &later);
    if (err != 0)
        return deferred_error(err);
    return deferred_wait_for(later); /* the chain pauses until the second attempt's result */
}

int add_retry(struct deferred *d, const struct retry *retry) {
    return deferred_add_errback(d, try_again, (void *)retry);
}
