/* reactor_threads.c: calls from other threads, and the waker that tells the loop about them. See
 * reactor_threads.h for the contracts, reactor_internal.h for what reactor.c calls.
 *
 * One lock guards the queue and two flags; nothing else here is shared between threads, but for the
 * waker's counters, which are atomic so that any thread may read them. */
#include "reactor_threads.h"
#include "reactor_internal.h"
#include "waker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* >> threads-state */
/* One call from a thread. */
struct thread_call {
    void (*fn)(void *arg);
    void *arg;
};

/* An array of calls, in the order they were made; it only ever grows. */
struct call_queue {
    struct thread_call *items;
    size_t count, capacity;
};

struct reactor_threads {
    pthread_mutex_t lock;
    struct call_queue queue; /* under lock: calls not yet taken by the loop */
    bool wake_pending;       /* under lock: the waker was written since the loop last took the queue */
    bool closed;             /* under lock: reactor_run has returned; calls are refused */
    struct call_queue taken; /* the loop's own: the calls it is running (swapped with queue) */
    struct waker waker;
    atomic_ulong writes, reads, calls; /* for reactor_waker_stats */
    struct thread_pool *pool;          /* the reactor's thread pool (thread_pool.c), loop thread only */
};
/* << threads-state */

int reactor_threads_new(struct reactor_threads **out) {
    *out = NULL;
    struct reactor_threads *threads = calloc(1, sizeof *threads);
    if (threads == NULL)
        return -ENOMEM;
    int err = pthread_mutex_init(&threads->lock, NULL);
    if (err != 0) {
        free(threads);
        return -err;
    }
    err = waker_open(&threads->waker);
    if (err != 0) {
        pthread_mutex_destroy(&threads->lock);
        free(threads);
        return err;
    }
    atomic_init(&threads->writes, 0);
    atomic_init(&threads->reads, 0);
    atomic_init(&threads->calls, 0);
    *out = threads;
    return 0;
}

void reactor_threads_free(struct reactor_threads *threads) {
    if (threads == NULL)
        return;
    waker_close(&threads->waker);
    pthread_mutex_destroy(&threads->lock);
    free(threads->queue.items);
    free(threads->taken.items);
    free(threads);
}

int reactor_threads_waker_fd(const struct reactor_threads *threads) {
    return threads->waker.read_fd;
}

struct thread_pool **reactor_threads_pool_slot(struct reactor_threads *threads) {
    return &threads->pool;
}

/* Makes room for one more call. Returns 0 or -ENOMEM (the queue is unchanged). */
static int make_room(struct call_queue *queue) {
    if (queue->count < queue->capacity)
        return 0;
    size_t capacity = queue->capacity ? queue->capacity * 2 : 64;
    if (capacity > SIZE_MAX / sizeof *queue->items)
        return -ENOMEM;
    struct thread_call *bigger = realloc(queue->items, capacity * sizeof *bigger);
    if (bigger == NULL)
        return -ENOMEM;
    queue->items = bigger;
    queue->capacity = capacity;
    return 0;
}

/* >> call-from-thread */
int reactor_call_from_thread(struct reactor *reactor, void (*fn)(void *arg), void *arg) {
    if (fn == NULL)
        return -EINVAL;
    struct reactor_threads *threads = reactor_threads_of(reactor);
    pthread_mutex_lock(&threads->lock);
    int err = threads->closed ? REACTOR_THREADS_ERR_STOPPED : make_room(&threads->queue);
    if (err == 0) {
        threads->queue.items[threads->queue.count++] = (struct thread_call){fn, arg};
        /* Coalescing: only the first call since the loop last took the queue writes the waker; the
         * others find it written already. The write is made under the lock, so that a thread that has
         * let go of the lock never touches the reactor again: its owner may free it as soon as the
         * call has run. */
        if (!threads->wake_pending) {
            threads->wake_pending = waker_wake(&threads->waker) == 0;
            if (threads->wake_pending)
                atomic_fetch_add_explicit(&threads->writes, 1, memory_order_relaxed);
        }
    }
    pthread_mutex_unlock(&threads->lock);
    return err;
}
/* << call-from-thread */

static void stop_reactor(void *reactor) {
    reactor_stop(reactor); /* not running, or stopping already: nothing to do, and nobody to tell */
}

int reactor_stop_from_thread(struct reactor *reactor) {
    return reactor_call_from_thread(reactor, stop_reactor, reactor);
}

/* >> run-queued */
void reactor_threads_drain(struct reactor_threads *threads) {
    int reads = waker_drain(&threads->waker);
    atomic_fetch_add_explicit(&threads->reads, (unsigned long)reads, memory_order_relaxed);
}

/* Takes every call queued so far (swapping the two arrays, so the lock is held for a moment whatever
 * the count) and runs them, outside the lock: a call may call reactor_call_from_thread itself. The
 * waker was drained before this (it is drained when the wait reports it, and this runs at the start of
 * the next turn), so a call queued after the swap finds wake_pending false and writes it again: no call
 * is left in the queue with the loop asleep. */
size_t reactor_threads_run_queued(struct reactor_threads *threads) {
    pthread_mutex_lock(&threads->lock);
    struct call_queue taken = threads->queue;
    threads->queue = threads->taken;
    threads->wake_pending = false;
    pthread_mutex_unlock(&threads->lock);
    for (size_t i = 0; i < taken.count; i++)
        taken.items[i].fn(taken.items[i].arg);
    atomic_fetch_add_explicit(&threads->calls, taken.count, memory_order_relaxed);
    size_t ran = taken.count;
    taken.count = 0;
    threads->taken = taken;
    return ran;
}
/* << run-queued */

/* >> finish */
/* After shutdown: calls that came while the reactor shut down (or that those calls make) still run;
 * the queue is closed in the same locked moment that finds it empty, so that no call is accepted and
 * then never run. */
void reactor_threads_finish(struct reactor_threads *threads) {
    for (;;) {
        pthread_mutex_lock(&threads->lock);
        bool empty = threads->queue.count == 0;
        if (empty)
            threads->closed = true;
        pthread_mutex_unlock(&threads->lock);
        if (empty)
            break;
        reactor_threads_run_queued(threads);
    }
    waker_drain(&threads->waker); /* a wake written since is of no use to anyone now */
}
/* << finish */

void reactor_waker_stats(struct reactor *reactor, struct reactor_waker_stats *stats) {
    struct reactor_threads *threads = reactor_threads_of(reactor);
    stats->kind = waker_kind();
    stats->writes = atomic_load(&threads->writes);
    stats->reads = atomic_load(&threads->reads);
    stats->calls = atomic_load(&threads->calls);
}
