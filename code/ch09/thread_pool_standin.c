/* thread_pool_standin.c: a STAND-IN for thread_pool_defer (see thread_pool_standin.h): the work runs on
 * the reactor's thread, a turn later. Not a thread pool. Its Deferred has no canceller, as a pool's job
 * that has started cannot be stopped: a cancelled one still runs its work, and the result is dropped. */
#include "thread_pool_standin.h"

#include <errno.h>
#include <stdlib.h>

struct standin_job {
    struct deferred *d; /* the job's reference */
    struct deferred_result (*work)(void *arg);
    void *arg;
};

static int run_job(void *arg) {
    struct standin_job *job = arg;
    deferred_fire(job->d, job->work(job->arg));
    deferred_unref(job->d);
    free(job);
    return 0;
}

int thread_pool_defer(struct reactor *r, struct deferred_result (*work)(void *arg), void *arg, struct deferred **out) {
    struct standin_job *job = malloc(sizeof *job);
    struct deferred *d = deferred_new();
    int err = job == NULL || d == NULL ? -ENOMEM : reactor_call_later(r, 0, run_job, job, NULL);
    if (err != 0) {
        free(job);
        deferred_unref(d);
        return err;
    }
    *job = (struct standin_job){.d = deferred_ref(d), .work = work, .arg = arg};
    *out = d;
    return 0;
}
