/* limited.c: n pieces of blocking work with at most `limit` at a time. As given, it puts them on the
 * reactor's own pool, which runs up to ten at once whatever the limit. See README.md. */
#include "limited.h"
#include "thread_pool.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* What every call shares: how many are still to come back, and the Deferred to fire then. */
struct batch {
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

/* On the reactor's thread, as each call's Deferred fires. */
static struct deferred_result one_done(struct deferred_result result, void *arg) {
    struct call *call = arg;
    struct batch *batch = call->batch;
    free(call);
    if (--batch->remaining == 0) {
        deferred_callback(batch->all_done, NULL, NULL);
        deferred_unref(batch->all_done);
        free(batch);
    }
    return result;
}

int run_limited(struct reactor *reactor, size_t limit, int n, void (*work)(int i), struct deferred **out) {
    (void)limit;
    *out = NULL;
    /* TODO: make a pool of your own (thread_pool_new with at most `limit` threads; start it), run the
     * calls on it with thread_pool_defer_in, and stop and free it once the last call is back. */
    struct batch *batch = malloc(sizeof *batch);
    struct deferred *d = deferred_new();
    if (batch == NULL || d == NULL || n <= 0) {
        free(batch);
        deferred_unref(d);
        return n <= 0 ? -EINVAL : -ENOMEM;
    }
    *batch = (struct batch){.all_done = deferred_ref(d), .remaining = n, .work = work};
    for (int i = 0; i < n; i++) {
        struct call *call = malloc(sizeof *call);
        struct deferred *one;
        if (call == NULL)
            abort(); /* kept short: a real program would unwind the calls made so far */
        *call = (struct call){batch, i};
        if (thread_pool_defer(reactor, run_one, call, &one) != 0)
            abort();
        deferred_add_callback(one, one_done, call);
        deferred_unref(one);
    }
    *out = d;
    return 0;
}
