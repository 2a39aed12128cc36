/* thread_pool.c: worker threads, their queue, and defer-to-thread. See thread_pool.h for the contracts.
 *
 * One lock guards the whole pool: the queue, the counts and the flags. Workers wait on one condition
 * variable for work; thread_pool_stop waits for them with pthread_join. */
#include "thread_pool.h"
#include "reactor_internal.h"
#include "reactor_threads.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* >> pool-state */
/* One piece of work in the queue: run(job) does it and frees the job; drop(job) frees it undone (a
 * pool stopped before it ever started). */
struct pool_job {
    struct pool_job *next;
    void (*run)(struct pool_job *job);
    void (*drop)(struct pool_job *job);
};

struct thread_pool {
    pthread_mutex_t lock;
    pthread_cond_t work_ready;      /* signalled for each piece of work, broadcast on stop and adjust */
    struct pool_job *head, *tail;   /* the queue, oldest first */
    size_t queued;
    size_t min, max;
    size_t threads, idle, started, done;
    pthread_t *ids;                 /* every thread started and not yet joined */
    size_t id_count, id_capacity;
    bool running;                   /* started, not stopping */
    bool stopping;                  /* thread_pool_stop has begun: no new work; threads leave when idle */
    struct defer_job *undelivered;  /* results the reactor refused: stop fires them (thread_pool_defer_in) */
};
/* << pool-state */

int thread_pool_new(size_t min_threads, size_t max_threads, struct thread_pool **out) {
    *out = NULL;
    if (max_threads == 0 || min_threads > max_threads)
        return THREAD_POOL_ERR_SIZE;
    struct thread_pool *pool = calloc(1, sizeof *pool);
    if (pool == NULL)
        return -ENOMEM;
    if (pthread_mutex_init(&pool->lock, NULL) != 0) {
        free(pool);
        return -ENOMEM;
    }
    if (pthread_cond_init(&pool->work_ready, NULL) != 0) {
        pthread_mutex_destroy(&pool->lock);
        free(pool);
        return -ENOMEM;
    }
    pool->min = min_threads;
    pool->max = max_threads;
    *out = pool;
    return 0;
}

/* >> worker */
/* A worker: takes the oldest work, does it outside the lock, and goes round; leaves when the pool stops
 * and the queue is empty, or when it is idle and the pool has more threads than max. A thread counts as
 * idle from the moment it is started until it takes work, so that work arriving meanwhile does not
 * start another. */
static void *worker(void *arg) {
    struct thread_pool *pool = arg;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        if (pool->head != NULL) {
            struct pool_job *job = pool->head;
            pool->head = job->next;
            if (pool->head == NULL)
                pool->tail = NULL;
            pool->queued--;
            pool->idle--;
            pthread_mutex_unlock(&pool->lock);
            job->run(job);
            pthread_mutex_lock(&pool->lock);
            pool->idle++;
            pool->done++;
            continue;
        }
        if (pool->stopping || pool->threads > pool->max)
            break;
        pthread_cond_wait(&pool->work_ready, &pool->lock);
    }
    pool->idle--;
    pool->threads--;
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

/* Starts one worker; the lock is held. Returns 0 or -errno. Its signals are all blocked, so that a
 * signal is delivered to the reactor's thread. */
static int start_thread(struct thread_pool *pool) {
    if (pool->id_count == pool->id_capacity) {
        size_t capacity = pool->id_capacity ? pool->id_capacity * 2 : 8;
        pthread_t *bigger = realloc(pool->ids, capacity * sizeof *bigger);
        if (bigger == NULL)
            return -ENOMEM;
        pool->ids = bigger;
        pool->id_capacity = capacity;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int err = pthread_create(&pool->ids[pool->id_count], NULL, worker, pool);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err != 0)
        return -err;
    pool->id_count++;
    pool->threads++;
    pool->idle++;
    pool->started++;
    return 0;
}

/* Starts threads while there are fewer than min, or more queued work than idle threads (and fewer than
 * max); wakes an idle one for the rest. The lock is held. Returns 0, or the error of a thread that
 * could not start when none runs at all. */
static int staff(struct thread_pool *pool) {
    int err = 0;
    while (pool->threads < pool->max && (pool->threads < pool->min || pool->queued > pool->idle)) {
        err = start_thread(pool);
        if (err != 0)
            break;
    }
    if (pool->queued > 0)
        pthread_cond_broadcast(&pool->work_ready);
    return pool->threads > 0 ? 0 : err;
}
/* << worker */

int thread_pool_start(struct thread_pool *pool) {
    pthread_mutex_lock(&pool->lock);
    int err = 0;
    if (pool->stopping)
        err = THREAD_POOL_ERR_STOPPED;
    else if (!pool->running) {
        pool->running = true;
        err = staff(pool);
    }
    pthread_mutex_unlock(&pool->lock);
    return err;
}

/* >> call-in-thread */
/* Queues a job. Returns 0, THREAD_POOL_ERR_STOPPED, or the -errno of a pool with no thread that cannot
 * start one (the job is not queued then). */
static int submit(struct thread_pool *pool, struct pool_job *job) {
    job->next = NULL;
    pthread_mutex_lock(&pool->lock);
    int err = 0;
    if (pool->stopping) {
        err = THREAD_POOL_ERR_STOPPED;
    } else {
        if (pool->tail != NULL)
            pool->tail->next = job;
        else
            pool->head = job;
        pool->tail = job;
        pool->queued++;
        if (pool->running && pool->idle > 0 && pool->queued <= pool->idle)
            pthread_cond_signal(&pool->work_ready); /* an idle thread takes it */
        else if (pool->running)
            err = staff(pool);
        if (err != 0) { /* no thread at all, and none could start: take the job back */
            pool->queued--;
            struct pool_job **p = &pool->head;
            while (*p != job)
                p = &(*p)->next;
            *p = NULL;
            pool->tail = NULL;
            for (struct pool_job *j = pool->head; j != NULL; j = j->next)
                pool->tail = j;
        }
    }
    pthread_mutex_unlock(&pool->lock);
    return err;
}

/* thread_pool_call_in_thread's job: a function and its argument. */
struct call_job {
    struct pool_job job; /* first: a struct pool_job * is a struct call_job * */
    void (*fn)(void *arg);
    void *arg;
};

static void run_call(struct pool_job *job) {
    struct call_job *call = (struct call_job *)job;
    call->fn(call->arg);
    free(call);
}

static void drop_call(struct pool_job *job) {
    free(job);
}

int thread_pool_call_in_thread(struct thread_pool *pool, void (*fn)(void *arg), void *arg) {
    if (fn == NULL)
        return -EINVAL;
    struct call_job *call = malloc(sizeof *call);
    if (call == NULL)
        return -ENOMEM;
    *call = (struct call_job){.job = {.run = run_call, .drop = drop_call}, .fn = fn, .arg = arg};
    int err = submit(pool, &call->job);
    if (err != 0)
        free(call);
    return err;
}
/* << call-in-thread */

int thread_pool_adjust(struct thread_pool *pool, size_t min_threads, size_t max_threads) {
    if (max_threads == 0 || min_threads > max_threads)
        return THREAD_POOL_ERR_SIZE;
    pthread_mutex_lock(&pool->lock);
    pool->min = min_threads;
    pool->max = max_threads;
    if (pool->running)
        staff(pool);
    pthread_cond_broadcast(&pool->work_ready); /* threads above the new max leave when idle */
    pthread_mutex_unlock(&pool->lock);
    return 0;
}

void thread_pool_statistics(struct thread_pool *pool, struct thread_pool_stats *stats) {
    pthread_mutex_lock(&pool->lock);
    *stats = (struct thread_pool_stats){
        .threads = pool->threads, .idle = pool->idle, .queued = pool->queued, .started = pool->started,
        .done = pool->done};
    pthread_mutex_unlock(&pool->lock);
}

static void fire_undelivered(struct thread_pool *pool);

/* >> stop */
void thread_pool_stop(struct thread_pool *pool) {
    pthread_mutex_lock(&pool->lock);
    pool->stopping = true;
    pool->running = false;
    pthread_cond_broadcast(&pool->work_ready);
    /* Work nobody will do (a pool never started, or whose threads all failed to start) is dropped. */
    struct pool_job *dropped = pool->threads == 0 ? pool->head : NULL;
    if (dropped != NULL) {
        pool->head = pool->tail = NULL;
        pool->queued = 0;
    }
    size_t count = pool->id_count;
    pthread_mutex_unlock(&pool->lock);
    /* Every thread started is joined: each finishes the queue with the others, then leaves. No thread
     * starts meanwhile (stopping refuses new work), so the ids are stable; those of threads that left
     * earlier (above a lowered max) are joined too. */
    for (size_t i = 0; i < count; i++)
        pthread_join(pool->ids[i], NULL);
    pthread_mutex_lock(&pool->lock);
    pool->id_count = 0;
    pthread_mutex_unlock(&pool->lock);
    while (dropped != NULL) {
        struct pool_job *next = dropped->next;
        dropped->drop(dropped);
        dropped = next;
    }
    fire_undelivered(pool);
}
/* << stop */

void thread_pool_free(struct thread_pool *pool) {
    if (pool == NULL)
        return;
    thread_pool_stop(pool);
    pthread_cond_destroy(&pool->work_ready);
    pthread_mutex_destroy(&pool->lock);
    free(pool->ids);
    free(pool);
}

/* >> defer-to-thread */
/* One defer-to-thread: the work, and the way back to the reactor's thread. */
struct defer_job {
    struct pool_job job; /* first */
    thread_pool_work_fn work;
    void *arg;
    struct reactor *reactor;
    struct deferred *deferred; /* the job's own reference: the Deferred lives until it has fired */
    struct deferred_result result;
    struct thread_pool *pool;
    struct defer_job *next_undelivered;
};

/* On the reactor's thread: fires the Deferred with what the work returned. */
static void deliver(void *arg) {
    struct defer_job *job = arg;
    struct deferred_result result = job->result;
    if (result.kind == DEFERRED_WAIT) { /* a Deferred made on a worker thread: refuse it */
        deferred_result_free(result);
        result = deferred_error(-EINVAL);
    }
    deferred_fire(job->deferred, result);
    deferred_unref(job->deferred);
    free(job);
}

/* On a worker: does the work, then hands the result to the reactor's thread. Out of memory for the
 * reactor's queue, it tries again a millisecond later (the result must not be lost); refused by a
 * reactor that has stopped, the job waits in the pool for thread_pool_stop. */
static void run_defer(struct pool_job *base) {
    struct defer_job *job = (struct defer_job *)base;
    job->result = job->work(job->arg);
    int err;
    while ((err = reactor_call_from_thread(job->reactor, deliver, job)) == -ENOMEM)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    if (err != 0) {
        struct thread_pool *pool = job->pool;
        pthread_mutex_lock(&pool->lock);
        job->next_undelivered = pool->undelivered;
        pool->undelivered = job;
        pthread_mutex_unlock(&pool->lock);
    }
}

/* Never run (the pool was stopped before it started): the Deferred never fires. */
static void drop_defer(struct pool_job *base) {
    struct defer_job *job = (struct defer_job *)base;
    deferred_unref(job->deferred);
    free(job);
}

/* In thread_pool_stop, after the join: the results the reactor refused fire here, on the caller's
 * thread (the reactor's, as thread_pool.h asks). */
static void fire_undelivered(struct thread_pool *pool) {
    pthread_mutex_lock(&pool->lock);
    struct defer_job *job = pool->undelivered;
    pool->undelivered = NULL;
    pthread_mutex_unlock(&pool->lock);
    while (job != NULL) {
        struct defer_job *next = job->next_undelivered;
        deliver(job);
        job = next;
    }
}

int thread_pool_defer_in(struct reactor *reactor, struct thread_pool *pool, thread_pool_work_fn work,
                         void *arg, struct deferred **out) {
    *out = NULL;
    if (work == NULL)
        return -EINVAL;
    struct defer_job *job = malloc(sizeof *job);
    struct deferred *d = deferred_new();
    if (job == NULL || d == NULL) {
        free(job);
        deferred_unref(d);
        return -ENOMEM;
    }
    *job = (struct defer_job){.job = {.run = run_defer, .drop = drop_defer},
                              .work = work, .arg = arg, .reactor = reactor,
                              .deferred = deferred_ref(d), .pool = pool};
    int err = submit(pool, &job->job);
    if (err != 0) {
        deferred_unref(d);
        deferred_unref(d);
        free(job);
        return err;
    }
    *out = d;
    return 0;
}

int thread_pool_defer(struct reactor *reactor, thread_pool_work_fn work, void *arg, struct deferred **out) {
    *out = NULL;
    struct thread_pool *pool;
    int err = thread_pool_of(reactor, &pool);
    return err != 0 ? err : thread_pool_defer_in(reactor, pool, work, arg, out);
}
/* << defer-to-thread */

/* >> reactor-pool */
/* The shutdown hook of the reactor's pool: stop it (its threads finish their work, whose results queue
 * up as calls from threads, drained right after) and free it. */
static void stop_reactor_pool(void *reactor) {
    struct thread_pool **slot = reactor_threads_pool_slot(reactor_threads_of(reactor));
    thread_pool_free(*slot);
    *slot = NULL;
}

static int start_reactor_pool(void *pool) {
    return thread_pool_start(pool);
}

int thread_pool_of(struct reactor *reactor, struct thread_pool **out) {
    struct thread_pool **slot = reactor_threads_pool_slot(reactor_threads_of(reactor));
    *out = *slot;
    if (*slot != NULL)
        return 0;
    struct thread_pool *pool;
    int err = thread_pool_new(0, 10, &pool);
    if (err != 0)
        return err;
    err = reactor_add_shutdown_hook(reactor, stop_reactor_pool, reactor);
    if (err == 0) {
        *slot = pool; /* before call_when_running, which calls at once if the reactor is running */
        err = reactor_call_when_running(reactor, start_reactor_pool, pool);
        if (err != 0)
            *slot = NULL; /* cannot happen: shutdown would have refused the hook; the hook frees NULL */
    }
    if (err != 0) {
        thread_pool_free(pool);
        return err == REACTOR_ERR_SHUTTING_DOWN ? THREAD_POOL_ERR_STOPPED : err;
    }
    *out = pool;
    return 0;
}
/* << reactor-pool */
