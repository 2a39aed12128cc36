/* limited.c: n pieces of blocking work with at most `limit` at a time, on a pool of its own whose
 * maximum is the limit. The pool is stopped and freed once the last call has come back. */
#include "limited.h"
#include "thread_pool.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* What every call shares: the pool, how many are still to come back, and the Deferred to fire then. */
struct batch {
    struct thread_pool *pool;
    struct deferred *all_done;
    int remaining;
    void (*work)(int i);
};

struct call {
    struct batch *batch;
    int i;
};

/* On a worker. */
static struct deferred_result run_one(void *arg) {
    struct call *call = arg;
    call->batch->work(call->i);
    return deferred_none();
}

/* On the reactor's thread, as each call's Deferred fires. The last one stops the pool (every worker is
 * idle by then, so the stop only joins them) and frees it, then fires the batch's Deferred. */
static struct deferred_result one_done(struct deferred_result result, void *arg) {
    struct call *call = arg;
    struct batch *batch = call->batch;
    free(call);
    if (--batch->remaining == 0) {
        thread_pool_free(batch->pool);
        deferred_callback(batch->all_done, NULL, NULL);
        deferred_unref(batch->all_done);
        free(batch);
    }
    return result;
}

int run_limited(struct reactor *reactor, size_t limit, int n, void (*work)(int i), struct deferred **out) {
    *out = NULL;
    if (n <= 0 || limit == 0)
        return -EINVAL;
    struct batch *batch = malloc(sizeof *batch);
    if (batch == NULL)
        return -ENOMEM;
    *batch = (struct batch){.remaining = n, .work = work};
    int err = thread_pool_new(0, limit, &batch->pool);
    if (err == 0)
        err = thread_pool_start(batch->pool);
    struct deferred *d = err == 0 ? deferred_new() : NULL;
    if (d == NULL) {
        thread_pool_free(batch->pool);
        free(batch);
        return err != 0 ? err : -ENOMEM;
    }
    batch->all_done = deferred_ref(d);
    for (int i = 0; i < n; i++) {
        struct call *call = malloc(sizeof *call);
        struct deferred *one;
        if (call == NULL)
            abort(); /* kept short: a real program would unwind the calls made so far */
        *call = (struct call){batch, i};
        if (thread_pool_defer_in(reactor, batch->pool, run_one, call, &one) != 0)
            abort();
        deferred_add_callback(one, one_done, call);
        deferred_unref(one);
    }
    *out = d;
    return 0;
}
