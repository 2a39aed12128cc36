/* retry.c: exponential backoff on a scheduler. See retry.h for the contracts, which are the
 * specification: read them first.
 *
 * Everything below is a stub that compiles and does nothing useful. Replace the stubs. */
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
    /* TODO: what else must a retry remember between two attempts? */
};

int retry_start(struct scheduler *scheduler, const struct retry_options *options, retry_attempt_fn attempt,
                void *attempt_arg, retry_done_fn done, void *done_arg, struct retry **out) {
    /* TODO: check the options, make the retry, schedule the first attempt. */
    (void)scheduler;
    (void)options;
    (void)attempt;
    (void)attempt_arg;
    (void)done;
    (void)done_arg;
    *out = NULL;
    return -ENOSYS;
}

int retry_cancel(struct retry *retry) {
    /* TODO */
    (void)retry;
    return RETRY_ERR_FINISHED;
}

long retry_attempts(const struct retry *retry) {
    /* TODO */
    (void)retry;
    return 0;
}

void retry_free(struct retry *retry) {
    /* TODO */
    (void)retry;
}

const char *retry_strerror(int code) {
    if (code == RETRY_ERR_FINISHED)
        return "the retry has already finished or been cancelled";
    return scheduler_strerror(code);
}
