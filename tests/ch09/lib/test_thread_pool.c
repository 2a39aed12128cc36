/* Chapter 9: the thread pool and defer-to-thread (thread_pool.h). Twisted's ThreadPool and
 * deferToThread are the specification (twisted/test/test_threadpool.py, test_threads.py): min threads
 * at start and more only as work needs them, up to max; work in FIFO order; stop finishes the queued
 * work and joins every thread; a deferred-to-thread result fires its Deferred on the reactor's thread,
 * callback or errback. Threads are counted through thread_pool_statistics and /proc, never timed. */
#include "check_main.h"
#include "reactor_threads.h"
#include "test_helpers.h"
#include "thread_pool.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static struct reactor *reactor;
static pthread_t reactor_thread;
static void reset_state(void);

static void setup(void) {
    reset_state(); /* each test starts afresh, forked or not (valgrind runs them with CK_FORK=no) */
    reactor_thread = pthread_self();
    reactor = reactor_new();
    ck_assert_ptr_nonnull(reactor);
}

static void teardown(void) {
    reactor_free(reactor);
}

static int stop_now(void *arg) {
    reactor_stop(arg);
    return 0;
}

/* ---- a gate that work waits at, opened by the test ---- */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_changed = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static int waiting_at_gate;

static void wait_at_gate(void) {
    pthread_mutex_lock(&gate_lock);
    waiting_at_gate++;
    pthread_cond_broadcast(&gate_changed);
    while (!gate_open)
        pthread_cond_wait(&gate_changed, &gate_lock);
    waiting_at_gate--;
    pthread_mutex_unlock(&gate_lock);
}

/* Waits (bounded by Check's timeout) until n pieces of work wait at the gate. */
static void wait_for_waiters(int n) {
    pthread_mutex_lock(&gate_lock);
    while (waiting_at_gate < n)
        pthread_cond_wait(&gate_changed, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
}

static void open_gate(void) {
    pthread_mutex_lock(&gate_lock);
    gate_open = true;
    pthread_cond_broadcast(&gate_changed);
    pthread_mutex_unlock(&gate_lock);
}

static void gated(void *arg) {
    (void)arg;
    wait_at_gate();
}

/* Polls the pool until its running threads number n (threads leave on their own time). */
static void wait_for_threads(struct thread_pool *pool, size_t n) {
    struct thread_pool_stats stats;
    for (;;) {
        thread_pool_statistics(pool, &stats);
        if (stats.threads == n)
            return;
        sleep_seconds(0.001);
    }
}

static void *nothing(void *arg) {
    return arg;
}

/* The threads of this process, from /proc (Linux); -1 where there is no /proc. */
static int process_threads(void) {
    DIR *dir = opendir("/proc/self/task");
    if (dir == NULL)
        return -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL)
        if (entry->d_name[0] != '.')
            count++;
    closedir(dir);
    return count;
}

/* The same, to compare with later: first a thread is started and joined, so that whatever starts its
 * own thread with the first pthread_create (ThreadSanitizer does) has done so. */
static int threads_before(void) {
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, nothing, NULL), 0);
    ck_assert_int_eq(pthread_join(thread, NULL), 0);
    return process_threads();
}

/* ---- the pool on its own ---- */

START_TEST(bad_sizes_are_refused) {
    struct thread_pool *pool = (struct thread_pool *)1;
    ck_assert_int_eq(thread_pool_new(3, 2, &pool), THREAD_POOL_ERR_SIZE);
    ck_assert_ptr_null(pool);
    ck_assert_int_eq(thread_pool_new(0, 0, &pool), THREAD_POOL_ERR_SIZE);
    ck_assert_int_eq(thread_pool_new(1, 2, &pool), 0);
    ck_assert_int_eq(thread_pool_adjust(pool, 2, 1), THREAD_POOL_ERR_SIZE);
    ck_assert_int_eq(thread_pool_call_in_thread(pool, NULL, NULL), -EINVAL);
    thread_pool_free(pool);
}
END_TEST

START_TEST(work_waits_for_start_and_start_brings_min_threads) {
    struct thread_pool *pool;
    ck_assert_int_eq(thread_pool_new(2, 4, &pool), 0);
    struct thread_pool_stats stats;
    thread_pool_statistics(pool, &stats);
    ck_assert_uint_eq(stats.threads, 0);
    ck_assert_int_eq(thread_pool_call_in_thread(pool, gated, NULL), 0);
    thread_pool_statistics(pool, &stats);
    ck_assert_uint_eq(stats.threads, 0); /* not started: the work waits */
    ck_assert_uint_eq(stats.queued, 1);
    ck_assert_int_eq(thread_pool_start(pool), 0);
    thread_pool_statistics(pool, &stats);
    ck_assert_uint_eq(stats.started, 2); /* min, and the one queued piece of work needs no more */
    wait_for_waiters(1);
    open_gate();
    thread_pool_stop(pool);
    thread_pool_statistics(pool, &stats);
    ck_assert_uint_eq(stats.threads, 0);
    ck_assert_uint_eq(stats.done, 1);
    thread_pool_free(pool);
}
END_TEST

START_TEST(threads_start_lazily_up_to_max) {
    struct thread_pool *pool;
    ck_assert_int_eq(thread_pool_new(0, 3, &pool), 0);
    ck_assert_int_eq(thread_pool_start(pool), 0);
    struct thread_pool_stats stats;
    thread_pool_statistics(pool, &stats);
    ck_assert_uint_eq(stats.started, 0); /* min 0: no work, no thread */
    ck_assert_int_eq(thread_pool_call_in_thread(pool, gated, NULL), 0);
    wait_for_waiters(1);
    thread_pool_statistics(pool, &stats);
    ck_assert_uint_eq(stats.started, 1);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(thread_pool_call_in_thread(pool, gated, NULL), 0);
    wait_for_waiters(3);
    thread_pool_statistics(pool, &stats);
    ck_assert_uint_eq(stats.started, 3); /* max */
    ck_assert_uint_eq(stats.threads, 3);
    ck_assert_uint_eq(stats.queued, 3);
    open_gate();
    thread_pool_stop(pool);
    thread_pool_statistics(pool, &stats);
    ck_assert_uint_eq(stats.done, 6); /* the queued work was finished, not dropped */
    ck_assert_uint_eq(stats.started, 3);
    thread_pool_free(pool);
}
END_TEST

/* An idle thread takes new work: a pool that has one needs no second. */
static atomic_int done_count;
static void count_done(void *arg) {
    (void)arg;
    atomic_fetch_add(&done_count, 1);
}

START_TEST(an_idle_thread_takes_the_next_work) {
    struct thread_pool *pool;
    ck_assert_int_eq(thread_pool_new(0, 8, &pool), 0);
    ck_assert_int_eq(thread_pool_start(pool), 0);
    struct thread_pool_stats stats;
    for (int i = 0; i < 20; i++) {
        ck_assert_int_eq(thread_pool_call_in_thread(pool, count_done, NULL), 0);
        do { /* wait until it is done and its thread idle again */
            thread_pool_statistics(pool, &stats);
        } while (stats.done != (size_t)i + 1 || stats.idle != stats.threads);
    }
    ck_assert_uint_eq(stats.started, 1);
    thread_pool_free(pool);
    ck_assert_int_eq(atomic_load(&done_count), 20);
}
END_TEST

/* One thread: the work runs in the order given. */
static int order[100];
static int order_count; /* one worker only: no race, and stop's join publishes it */
static void record(void *arg) {
    order[order_count++] = (int)(intptr_t)arg;
}

START_TEST(work_runs_in_the_order_given) {
    struct thread_pool *pool;
    ck_assert_int_eq(thread_pool_new(1, 1, &pool), 0);
    for (intptr_t i = 0; i < 100; i++)
        ck_assert_int_eq(thread_pool_call_in_thread(pool, record, (void *)i), 0);
    ck_assert_int_eq(thread_pool_start(pool), 0);
    thread_pool_stop(pool);
    ck_assert_int_eq(order_count, 100);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(order[i], i);
    thread_pool_free(pool);
}
END_TEST

START_TEST(a_stopped_pool_refuses_work_and_a_never_started_one_drops_it) {
    struct thread_pool *pool;
    ck_assert_int_eq(thread_pool_new(0, 2, &pool), 0);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(thread_pool_call_in_thread(pool, count_done, NULL), 0);
    thread_pool_stop(pool); /* never started: dropped */
    ck_assert_int_eq(atomic_load(&done_count), 0);
    ck_assert_int_eq(thread_pool_call_in_thread(pool, count_done, NULL), THREAD_POOL_ERR_STOPPED);
    ck_assert_int_eq(thread_pool_start(pool), THREAD_POOL_ERR_STOPPED);
    thread_pool_stop(pool); /* twice: nothing */
    thread_pool_free(pool);
    ck_assert_int_eq(atomic_load(&done_count), 0);
}
END_TEST

START_TEST(a_lowered_max_sends_idle_threads_away_and_stop_joins_them_all) {
    int before = threads_before();
    struct thread_pool *pool;
    ck_assert_int_eq(thread_pool_new(0, 4, &pool), 0);
    ck_assert_int_eq(thread_pool_start(pool), 0);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(thread_pool_call_in_thread(pool, gated, NULL), 0);
    wait_for_waiters(4);
    if (before > 0)
        ck_assert_int_eq(process_threads(), before + 4);
    ck_assert_int_eq(thread_pool_adjust(pool, 0, 1), 0);
    open_gate();
    wait_for_threads(pool, 1);
    ck_assert_int_eq(thread_pool_adjust(pool, 2, 4), 0); /* a raised min starts threads at once */
    struct thread_pool_stats stats;
    thread_pool_statistics(pool, &stats);
    ck_assert_uint_eq(stats.threads, 2);
    thread_pool_stop(pool);
    if (before > 0)
        ck_assert_int_eq(process_threads(), before); /* every thread joined, those that left early too */
    thread_pool_free(pool);
}
END_TEST

/* ---- defer-to-thread ---- */

static struct deferred_result square_in_thread(void *arg) {
    ck_assert(!pthread_equal(pthread_self(), reactor_thread));
    long *n = malloc(sizeof *n);
    ck_assert_ptr_nonnull(n);
    *n = (long)(intptr_t)arg * (long)(intptr_t)arg;
    return deferred_value(n, free);
}

static struct deferred_result fail_in_thread(void *arg) {
    (void)arg;
    ck_assert(!pthread_equal(pthread_self(), reactor_thread));
    return deferred_error(-EIO);
}

static long got_value;
static int got_code, callbacks_run;

static struct deferred_result take_value(struct deferred_result result, void *arg) {
    (void)arg;
    ck_assert(pthread_equal(pthread_self(), reactor_thread));
    ck_assert_int_eq(result.kind, DEFERRED_VALUE);
    got_value = *(long *)result.value;
    callbacks_run++;
    return result;
}

static struct deferred_result take_failure(struct deferred_result result, void *arg) {
    (void)arg;
    ck_assert(pthread_equal(pthread_self(), reactor_thread));
    ck_assert_int_eq(result.kind, DEFERRED_FAILURE);
    got_code = failure_code(result.failure);
    callbacks_run++;
    deferred_result_free(result);
    return deferred_none();
}

static struct deferred_result stop_after(struct deferred_result result, void *arg) {
    (void)arg;
    reactor_stop(reactor);
    return result;
}

START_TEST(defer_to_thread_fires_the_callback_on_the_reactors_thread) {
    struct deferred *d;
    ck_assert_int_eq(thread_pool_defer(reactor, square_in_thread, (void *)(intptr_t)12, &d), 0);
    ck_assert_int_eq(deferred_add_callbacks(d, take_value, NULL, take_failure, NULL), 0);
    ck_assert_int_eq(deferred_add_both(d, stop_after, NULL), 0);
    ck_assert(!deferred_called(d));
    ck_assert_int_eq(reactor_call_later(reactor, 30, stop_now, reactor, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(callbacks_run, 1);
    ck_assert_int_eq(got_value, 144);
    deferred_unref(d);
}
END_TEST

START_TEST(defer_to_thread_fires_the_errback_on_the_reactors_thread) {
    struct deferred *d;
    ck_assert_int_eq(thread_pool_defer(reactor, fail_in_thread, NULL, &d), 0);
    ck_assert_int_eq(deferred_add_callbacks(d, take_value, NULL, take_failure, NULL), 0);
    ck_assert_int_eq(deferred_add_both(d, stop_after, NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 30, stop_now, reactor, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(callbacks_run, 1);
    ck_assert_int_eq(got_code, -EIO);
    deferred_unref(d);
}
END_TEST

START_TEST(the_reactors_pool_starts_when_it_runs_and_has_twisteds_size) {
    struct thread_pool *pool, *again;
    ck_assert_int_eq(thread_pool_of(reactor, &pool), 0);
    ck_assert_int_eq(thread_pool_of(reactor, &again), 0);
    ck_assert_ptr_eq(pool, again);
    struct deferred *d;
    ck_assert_int_eq(thread_pool_defer(reactor, square_in_thread, (void *)(intptr_t)3, &d), 0);
    struct thread_pool_stats stats;
    thread_pool_statistics(pool, &stats);
    ck_assert_uint_eq(stats.started, 0); /* not running yet: the work waits */
    ck_assert_uint_eq(stats.queued, 1);
    ck_assert_int_eq(deferred_add_callback(d, take_value, NULL), 0);
    ck_assert_int_eq(deferred_add_callback(d, stop_after, NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 30, stop_now, reactor, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(callbacks_run, 1);
    ck_assert_int_eq(got_value, 9);
    deferred_unref(d);
}
END_TEST

/* Opens the gate from another thread once ten wait (the reactor's thread is joining the pool by
 * then, or about to), noting what the pool had then. */
static struct thread_pool_stats at_ten;

static void *open_when_ten_wait(void *pool) {
    wait_for_waiters(10);
    thread_pool_statistics(pool, &at_ten);
    open_gate();
    return NULL;
}

START_TEST(the_reactors_pool_has_at_most_ten_threads_and_shutdown_joins_them) {
    int before = threads_before();
    struct thread_pool *pool;
    ck_assert_int_eq(thread_pool_of(reactor, &pool), 0);
    for (int i = 0; i < 12; i++)
        ck_assert_int_eq(thread_pool_call_in_thread(pool, gated, NULL), 0);
    pthread_t opener;
    ck_assert_int_eq(pthread_create(&opener, NULL, open_when_ten_wait, pool), 0);
    ck_assert_int_eq(reactor_call_when_running(reactor, stop_now, reactor), 0);
    ck_assert_int_eq(reactor_run(reactor), 0); /* shutdown waits for the twelve */
    ck_assert_int_eq(pthread_join(opener, NULL), 0);
    ck_assert_uint_eq(at_ten.started, 10); /* Twisted's reactor pool: at most 10 */
    ck_assert_uint_eq(at_ten.queued, 2);
    if (before > 0)
        ck_assert_int_eq(process_threads(), before); /* every worker joined */
    ck_assert_int_eq(thread_pool_of(reactor, &pool), THREAD_POOL_ERR_STOPPED);
    struct deferred *d = (struct deferred *)1;
    ck_assert_int_eq(thread_pool_defer(reactor, square_in_thread, NULL, &d), THREAD_POOL_ERR_STOPPED);
    ck_assert_ptr_null(d);
}
END_TEST

/* Slow work still running when the reactor stops: shutdown waits for it, and its Deferred fires
 * (after shutdown, on the reactor's thread) before reactor_run returns. */
static struct deferred_result slow_square(void *arg) {
    wait_at_gate();
    return square_in_thread(arg);
}

static void *open_when_one_waits(void *arg) {
    (void)arg;
    wait_for_waiters(1);
    sleep_seconds(0.02); /* the reactor is most likely in shutdown by now; correct either way */
    open_gate();
    return NULL;
}

START_TEST(shutdown_waits_for_work_in_progress_and_its_deferred_still_fires) {
    struct deferred *d;
    ck_assert_int_eq(thread_pool_defer(reactor, slow_square, (void *)(intptr_t)5, &d), 0);
    ck_assert_int_eq(deferred_add_callback(d, take_value, NULL), 0);
    pthread_t opener;
    ck_assert_int_eq(pthread_create(&opener, NULL, open_when_one_waits, NULL), 0);
    ck_assert_int_eq(reactor_call_when_running(reactor, stop_now, reactor), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(pthread_join(opener, NULL), 0);
    ck_assert_int_eq(callbacks_run, 1);
    ck_assert_int_eq(got_value, 25);
    deferred_unref(d);
}
END_TEST

/* Freed without having run: the work never runs, the Deferred never fires, nothing leaks. */
START_TEST(a_reactor_freed_without_running_drops_its_deferred_work) {
    struct deferred *d;
    ck_assert_int_eq(thread_pool_defer(reactor, square_in_thread, (void *)(intptr_t)2, &d), 0);
    ck_assert_int_eq(deferred_add_callback(d, take_value, NULL), 0);
    reactor_free(reactor);
    reactor = NULL;
    ck_assert(!deferred_called(d));
    ck_assert_int_eq(callbacks_run, 0);
    deferred_unref(d);
}
END_TEST

/* A pool of the caller's, stopped after the reactor: the result the reactor could no longer take
 * fires in thread_pool_stop, on the thread that calls it. */
START_TEST(a_result_the_stopped_reactor_refuses_fires_when_its_pool_stops) {
    struct thread_pool *pool;
    ck_assert_int_eq(thread_pool_new(1, 1, &pool), 0);
    ck_assert_int_eq(thread_pool_start(pool), 0);
    struct deferred *d;
    ck_assert_int_eq(thread_pool_defer_in(reactor, pool, slow_square, (void *)(intptr_t)7, &d), 0);
    ck_assert_int_eq(deferred_add_callback(d, take_value, NULL), 0);
    ck_assert_int_eq(reactor_call_when_running(reactor, stop_now, reactor), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert(!deferred_called(d));
    open_gate();
    thread_pool_stop(pool);
    ck_assert_int_eq(callbacks_run, 1);
    ck_assert_int_eq(got_value, 49);
    thread_pool_free(pool);
    deferred_unref(d);
}
END_TEST

/* A worker that returns a Deferred (which belongs to the reactor's thread) gets an -EINVAL failure. */
static struct deferred_result return_a_deferred(void *arg) {
    (void)arg;
    return deferred_wait_for(deferred_new());
}

START_TEST(work_that_returns_a_deferred_fails_with_einval) {
    struct deferred *d;
    ck_assert_int_eq(thread_pool_defer(reactor, return_a_deferred, NULL, &d), 0);
    ck_assert_int_eq(deferred_add_errback(d, take_failure, NULL), 0);
    ck_assert_int_eq(deferred_add_both(d, stop_after, NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 30, stop_now, reactor, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(got_code, -EINVAL);
    deferred_unref(d);
}
END_TEST

/* ---- stress: 1,000 jobs on a pool of 4 ---- */

enum { JOBS = 1000, POOL = 4 };
static int fired[JOBS]; /* reactor's thread only */
static int fired_total, fired_off_thread;

static struct deferred_result identity(void *arg) {
    intptr_t *n = malloc(sizeof *n);
    ck_assert_ptr_nonnull(n);
    *n = (intptr_t)arg;
    return deferred_value(n, free);
}

static struct deferred_result mark_fired(struct deferred_result result, void *arg) {
    (void)arg;
    if (!pthread_equal(pthread_self(), reactor_thread))
        fired_off_thread++;
    ck_assert_int_eq(result.kind, DEFERRED_VALUE);
    fired[*(intptr_t *)result.value]++;
    if (++fired_total == JOBS)
        reactor_stop(reactor);
    return result;
}

START_TEST(a_thousand_deferred_jobs_on_a_pool_of_four_each_fire_once_on_the_reactors_thread) {
    struct thread_pool *pool;
    ck_assert_int_eq(thread_pool_of(reactor, &pool), 0);
    ck_assert_int_eq(thread_pool_adjust(pool, 0, POOL), 0);
    struct deferred **ds = calloc(JOBS, sizeof *ds);
    ck_assert_ptr_nonnull(ds);
    for (intptr_t i = 0; i < JOBS; i++) {
        ck_assert_int_eq(thread_pool_defer(reactor, identity, (void *)i, &ds[i]), 0);
        ck_assert_int_eq(deferred_add_callback(ds[i], mark_fired, NULL), 0);
    }
    ck_assert_int_eq(reactor_run(reactor), 0); /* no safety stop: the last one stops it */
    ck_assert_int_eq(fired_total, JOBS);
    ck_assert_int_eq(fired_off_thread, 0);
    for (int i = 0; i < JOBS; i++) {
        ck_assert_int_eq(fired[i], 1);
        deferred_unref(ds[i]);
    }
    free(ds);
}
END_TEST

static void reset_state(void) {
    gate_open = false;
    waiting_at_gate = 0;
    atomic_store(&done_count, 0);
    order_count = 0;
    got_value = 0;
    got_code = 0;
    callbacks_run = 0;
    memset(fired, 0, sizeof fired);
    fired_total = 0;
    fired_off_thread = 0;
    memset(&at_ten, 0, sizeof at_ten);
}

int main(void) {
    Suite *suite = suite_create("thread_pool");
    TCase *pool = tcase_create("pool");
    TCase *defer = tcase_create("defer");
    TCase *stress = tcase_create("stress");
    TCase *cases[] = {pool, defer, stress};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tcase_add_checked_fixture(cases[i], setup, teardown);
        tcase_set_timeout(cases[i], i < 2 ? 20 : 120);
        suite_add_tcase(suite, cases[i]);
    }
    tcase_add_test(pool, bad_sizes_are_refused);
    tcase_add_test(pool, work_waits_for_start_and_start_brings_min_threads);
    tcase_add_test(pool, threads_start_lazily_up_to_max);
    tcase_add_test(pool, an_idle_thread_takes_the_next_work);
    tcase_add_test(pool, work_runs_in_the_order_given);
    tcase_add_test(pool, a_stopped_pool_refuses_work_and_a_never_started_one_drops_it);
    tcase_add_test(pool, a_lowered_max_sends_idle_threads_away_and_stop_joins_them_all);
    tcase_add_test(defer, defer_to_thread_fires_the_callback_on_the_reactors_thread);
    tcase_add_test(defer, defer_to_thread_fires_the_errback_on_the_reactors_thread);
    tcase_add_test(defer, the_reactors_pool_starts_when_it_runs_and_has_twisteds_size);
    tcase_add_test(defer, the_reactors_pool_has_at_most_ten_threads_and_shutdown_joins_them);
    tcase_add_test(defer, shutdown_waits_for_work_in_progress_and_its_deferred_still_fires);
    tcase_add_test(defer, a_reactor_freed_without_running_drops_its_deferred_work);
    tcase_add_test(defer, a_result_the_stopped_reactor_refuses_fires_when_its_pool_stops);
    tcase_add_test(defer, work_that_returns_a_deferred_fails_with_einval);
    tcase_add_test(stress, a_thousand_deferred_jobs_on_a_pool_of_four_each_fire_once_on_the_reactors_thread);
    return run_suite_as_tap(suite);
}
