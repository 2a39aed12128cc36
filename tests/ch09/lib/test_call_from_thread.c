/* Chapter 9: calls from other threads (reactor_threads.h) and their waker. Twisted's callFromThread is
 * the specification (twisted/test/test_threads.py): any thread, any time; each call once, in each
 * thread's order, on the reactor's thread; calls before run wait for it; calls during shutdown still
 * run; after run has returned they are refused. Wake-ups are coalesced, which the waker's counters
 * show (never a timing). The stress tests are bounded by Check's timeout, never by a clock. */
#include "check_main.h"
#include "reactor_internal.h"
#include "reactor_threads.h"
#include "test_helpers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static struct reactor *reactor;
static pthread_t reactor_thread; /* the thread that runs the reactor: the test's own */
static void reset_state(void);

static void setup(void) {
    reset_state(); /* each test starts afresh, forked or not (valgrind runs them with CK_FORK=no) */
    reactor_thread = pthread_self();
    reactor = reactor_new();
    ck_assert_ptr_nonnull(reactor);
}

static void teardown(void) {
    reactor_free(reactor);
    reactor = NULL;
}

static int stop_now(void *arg) {
    reactor_stop(arg);
    return 0;
}

/* A safety stop: a test whose calls never arrive fails its assertions instead of hanging. */
static void safety_stop(double seconds) {
    ck_assert_int_eq(reactor_call_later(reactor, seconds, stop_now, reactor, NULL), 0);
}

/* What ran, in order, as text: "a b c ". Touched on the reactor's thread only. */
static char events[4096];

static void note(const char *what) {
    ck_assert_msg(pthread_equal(pthread_self(), reactor_thread), "%s ran off the reactor's thread", what);
    size_t used = strlen(events);
    snprintf(events + used, sizeof events - used, "%s ", what);
}

static void note_call(void *what) {
    note(what);
}

static int note_running(void *what) {
    note(what);
    return 0;
}

static void stop_call(void *arg) {
    (void)arg;
    note("stop");
    reactor_stop(reactor);
}

/* ---- the rules ---- */

START_TEST(a_call_runs_on_the_reactors_thread_once) {
    ck_assert_int_eq(reactor_call_from_thread(reactor, note_call, "a"), 0);
    ck_assert_int_eq(reactor_call_from_thread(reactor, stop_call, NULL), 0);
    ck_assert_str_eq(events, ""); /* nothing runs before reactor_run */
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "a stop ");
}
END_TEST

START_TEST(a_null_function_is_refused) {
    ck_assert_int_eq(reactor_call_from_thread(reactor, NULL, NULL), -EINVAL);
}
END_TEST

/* Made before run from another thread: they wait, and run after the call_when_running callbacks (as
 * Twisted's thread queue runs on the first iteration, after the startup triggers). */
static void *call_a_and_b(void *arg) {
    (void)arg;
    ck_assert_int_eq(reactor_call_from_thread(reactor, note_call, "a"), 0);
    ck_assert_int_eq(reactor_call_from_thread(reactor, note_call, "b"), 0);
    ck_assert_int_eq(reactor_call_from_thread(reactor, stop_call, NULL), 0);
    return NULL;
}

START_TEST(calls_made_before_run_wait_for_run) {
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, call_a_and_b, NULL), 0);
    ck_assert_int_eq(pthread_join(thread, NULL), 0);
    ck_assert_int_eq(reactor_call_when_running(reactor, note_running, "running"), 0);
    ck_assert_str_eq(events, "");
    safety_stop(30);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "running a b stop ");
}
END_TEST

/* From the reactor's own thread, inside a callback: the call waits for a later turn, not now. */
static int call_from_inside(void *arg) {
    (void)arg;
    ck_assert_int_eq(reactor_call_from_thread(reactor, note_call, "later"), 0);
    ck_assert_int_eq(reactor_call_from_thread(reactor, stop_call, NULL), 0);
    note("inside");
    return 0;
}

START_TEST(a_call_from_the_reactors_own_thread_runs_on_a_later_turn) {
    ck_assert_int_eq(reactor_call_later(reactor, 0, call_from_inside, NULL, NULL), 0);
    safety_stop(30);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "inside later stop ");
}
END_TEST

/* A sleeping reactor (nothing registered, nothing scheduled: it would wait forever) is woken. */
static void *call_then_stop(void *arg) {
    (void)arg;
    sleep_seconds(0.05); /* most likely asleep by now; correct either way */
    ck_assert_int_eq(reactor_call_from_thread(reactor, note_call, "woken"), 0);
    ck_assert_int_eq(reactor_stop_from_thread(reactor), 0);
    return NULL;
}

START_TEST(a_call_wakes_a_reactor_that_waits_forever_and_stop_from_thread_stops_it) {
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, call_then_stop, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0); /* no safety stop: a lost wake-up is a Check timeout */
    ck_assert_int_eq(pthread_join(thread, NULL), 0);
    ck_assert_str_eq(events, "woken ");
}
END_TEST

START_TEST(stop_from_thread_before_run_stops_on_the_first_turn) {
    ck_assert_int_eq(reactor_stop_from_thread(reactor), 0);
    ck_assert_int_eq(reactor_call_from_thread(reactor, note_call, "after-stop"), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "after-stop "); /* the turn's calls all run, then the loop ends */
}
END_TEST

START_TEST(after_run_has_returned_a_call_is_refused) {
    ck_assert_int_eq(reactor_call_from_thread(reactor, stop_call, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(reactor_call_from_thread(reactor, note_call, "never"), REACTOR_THREADS_ERR_STOPPED);
    ck_assert_int_eq(reactor_stop_from_thread(reactor), REACTOR_THREADS_ERR_STOPPED);
    ck_assert_str_eq(reactor_strerror(REACTOR_THREADS_ERR_STOPPED),
                     "the reactor has stopped: a call from a thread would never run");
    ck_assert_str_eq(events, "stop ");
}
END_TEST

/* A reactor freed without having run drops its calls: fn is never called (and nothing leaks). */
START_TEST(a_reactor_freed_without_running_drops_its_calls) {
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(reactor_call_from_thread(reactor, note_call, "never"), 0);
    reactor_free(reactor);
    reactor = NULL;
    ck_assert_str_eq(events, "");
}
END_TEST

/* ---- during shutdown ---- */

/* A descriptor whose connection_lost (at shutdown) calls from its own thread and from another one. */
static int idle_read(struct descriptor *d) {
    (void)d;
    return 0;
}

static void *call_during_shutdown(void *arg) {
    ck_assert_int_eq(reactor_call_from_thread(reactor, note_call, arg), 0);
    return NULL;
}

static void lost_and_call(struct descriptor *d, int reason) {
    (void)d;
    ck_assert_int_eq(reason, REACTOR_ERR_CONNECTION_LOST);
    note("lost");
    ck_assert_int_eq(reactor_call_from_thread(reactor, note_call, "from-lost"), 0);
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, call_during_shutdown, "from-thread"), 0);
    ck_assert_int_eq(pthread_join(thread, NULL), 0);
    note("lost-done");
}

static const struct descriptor_ops lost_ops = {.do_read = idle_read, .connection_lost = lost_and_call};

START_TEST(calls_made_during_shutdown_run_after_it) {
    int fds[2];
    make_pipe(fds);
    struct descriptor d = {.fd = fds[0], .ops = &lost_ops};
    ck_assert_int_eq(reactor_add_reader(reactor, &d), 0);
    ck_assert_int_eq(reactor_call_from_thread(reactor, stop_call, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "stop lost lost-done from-lost from-thread ");
    close_pipe(fds);
}
END_TEST

/* A call drained after shutdown may make another: it runs too, before reactor_run returns. */
static void call_again(void *arg) {
    note("drained");
    if (arg != NULL)
        ck_assert_int_eq(reactor_call_from_thread(reactor, call_again, NULL), 0);
}

static void stop_and_call(void *arg) {
    (void)arg;
    reactor_stop(reactor);
    ck_assert_int_eq(reactor_call_from_thread(reactor, call_again, "again"), 0);
}

START_TEST(a_call_made_by_a_drained_call_runs_too) {
    ck_assert_int_eq(reactor_call_from_thread(reactor, stop_and_call, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "drained drained ");
}
END_TEST

/* ---- the waker is the reactor's own ---- */

START_TEST(remove_all_neither_removes_nor_counts_the_waker) {
    ck_assert_uint_eq(reactor_remove_all(reactor), 0);
    ck_assert_int_eq(reactor_call_from_thread(reactor, stop_call, NULL), 0);
    ck_assert_uint_eq(reactor_remove_all(reactor), 0);
    safety_stop(30);
    ck_assert_int_eq(reactor_run(reactor), 0); /* still woken: remove_all did not remove the waker */
    ck_assert_str_eq(events, "stop ");
}
END_TEST

static void remove_all_then_stop(void *arg) {
    (void)arg;
    ck_assert_uint_eq(reactor_remove_all(reactor), 0);
    note("stop");
    reactor_stop(reactor);
}

static void *call_remove_all_later(void *arg) {
    (void)arg;
    sleep_seconds(0.02); /* most likely asleep by now; correct either way */
    ck_assert_int_eq(reactor_call_from_thread(reactor, remove_all_then_stop, NULL), 0);
    return NULL;
}

static int remove_all_and_start_caller(void *arg) {
    ck_assert_uint_eq(reactor_remove_all(reactor), 0);
    ck_assert_int_eq(pthread_create(arg, NULL, call_remove_all_later, NULL), 0);
    return 0;
}

/* remove_all inside the loop, then a wake from a thread: it still arrives (no safety stop: a waker
 * removed would leave the loop asleep, a Check timeout). */
START_TEST(the_waker_survives_remove_all_inside_the_loop) {
    pthread_t thread;
    ck_assert_int_eq(reactor_call_when_running(reactor, remove_all_and_start_caller, &thread), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(pthread_join(thread, NULL), 0);
    ck_assert_str_eq(events, "stop ");
}
END_TEST

/* With the trace on, shutdown names no descriptor lost: the waker is not one. */
START_TEST(shutdown_does_not_report_the_waker) {
    reactor_free(reactor);
    setenv("REACTOR_TRACE", "1", 1);
    reactor = reactor_new();
    unsetenv("REACTOR_TRACE");
    ck_assert_ptr_nonnull(reactor);
    ck_assert_int_eq(reactor_call_from_thread(reactor, stop_call, NULL), 0);
    struct capture capture;
    capture_begin(&capture);
    ck_assert_int_eq(reactor_run(reactor), 0);
    char *text = capture_end(&capture);
    ck_assert_msg(strstr(text, "shutting down") != NULL, "no trace: %s", text);
    ck_assert_msg(strstr(text, "lost") == NULL, "shutdown reported a descriptor lost:\n%s", text);
    free(text);
}
END_TEST

/* ---- coalescing, counted ---- */

enum { BURST = 1000 };
static atomic_int burst_ran;

static void count_call(void *arg) {
    (void)arg;
    atomic_fetch_add(&burst_ran, 1);
    ck_assert(pthread_equal(pthread_self(), reactor_thread));
}

static void *make_a_burst(void *arg) {
    (void)arg;
    for (int i = 0; i < BURST; i++)
        ck_assert_int_eq(reactor_call_from_thread(reactor, count_call, NULL), 0);
    return NULL;
}

static void check_burst(void *arg) {
    struct reactor_waker_stats *before = arg;
    struct reactor_waker_stats now;
    reactor_waker_stats(reactor, &now);
    ck_assert_int_eq(atomic_load(&burst_ran), BURST);
    ck_assert_uint_eq(now.writes - before->writes, 1);
    ck_assert_uint_eq(now.reads - before->reads, 1);
    reactor_stop(reactor);
}

static void *make_a_burst_then_check(void *arg) {
    make_a_burst(NULL);
    ck_assert_int_eq(reactor_call_from_thread(reactor, check_burst, arg), 0);
    return NULL;
}

/* The loop is busy (this callback joins the thread) while a thread makes BURST calls and then one
 * more that checks the counters: they cost one write to the waker, and the loop one read. */
static int burst_then_check_while_busy(void *arg) {
    struct reactor_waker_stats *before = arg;
    reactor_waker_stats(reactor, before);
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, make_a_burst_then_check, arg), 0);
    ck_assert_int_eq(pthread_join(thread, NULL), 0);
    return 0;
}

START_TEST(a_burst_of_calls_costs_one_write_and_one_read) {
    struct reactor_waker_stats before;
    ck_assert_int_eq(reactor_call_later(reactor, 0.001, burst_then_check_while_busy, &before, NULL), 0);
    safety_stop(30);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(atomic_load(&burst_ran), BURST);
    struct reactor_waker_stats after;
    reactor_waker_stats(reactor, &after);
    ck_assert_uint_eq(after.calls, BURST + 1);
}
END_TEST

/* The waker this build has: an eventfd on Linux unless the build forced the pipe (WAKER=pipe, whose
 * test run says so in EXPECT_WAKER). */
START_TEST(the_waker_is_the_one_the_build_chose) {
    struct reactor_waker_stats stats;
    reactor_waker_stats(reactor, &stats);
    const char *expected = getenv("EXPECT_WAKER");
#ifdef __linux__
    if (expected == NULL)
        expected = "eventfd";
#endif
    if (expected != NULL)
        ck_assert_str_eq(stats.kind, expected);
    else
        ck_assert(strcmp(stats.kind, "pipe") == 0 || strcmp(stats.kind, "eventfd") == 0);
}
END_TEST

/* ---- stress ---- */

enum { STRESS_THREADS = 4, STRESS_CALLS = 100000 };
static long next_expected[STRESS_THREADS]; /* reactor's thread only */
static long out_of_order;
static int threads_done;

/* The argument carries the thread and its call's number: (thread << 32) | number. */
static void in_order(void *arg) {
    uintptr_t packed = (uintptr_t)arg;
    int thread = (int)(packed >> 32);
    long number = (long)(packed & 0xffffffffu);
    if (number != next_expected[thread])
        out_of_order++;
    next_expected[thread] = number + 1;
}

static void thread_done(void *arg) {
    (void)arg;
    if (++threads_done == STRESS_THREADS)
        reactor_stop(reactor);
}

static void *many_calls(void *arg) {
    uintptr_t thread = (uintptr_t)arg;
    for (uintptr_t i = 0; i < STRESS_CALLS; i++) {
        int err;
        while ((err = reactor_call_from_thread(reactor, in_order, (void *)(thread << 32 | i))) == -ENOMEM)
            sleep_seconds(0.001);
        ck_assert_int_eq(err, 0);
    }
    ck_assert_int_eq(reactor_call_from_thread(reactor, thread_done, NULL), 0);
    return NULL;
}

static int start_threads(void *arg) {
    pthread_t *threads = arg;
    for (uintptr_t t = 0; t < STRESS_THREADS; t++)
        ck_assert_int_eq(pthread_create(&threads[t], NULL, many_calls, (void *)t), 0);
    return 0;
}

START_TEST(four_threads_times_100000_calls_each_run_once_in_order) {
    ck_assert(sizeof(uintptr_t) >= 8);
    pthread_t threads[STRESS_THREADS];
    ck_assert_int_eq(reactor_call_when_running(reactor, start_threads, threads), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    for (int t = 0; t < STRESS_THREADS; t++)
        ck_assert_int_eq(pthread_join(threads[t], NULL), 0);
    ck_assert_int_eq(out_of_order, 0);
    for (int t = 0; t < STRESS_THREADS; t++)
        ck_assert_int_eq(next_expected[t], STRESS_CALLS);
    struct reactor_waker_stats stats;
    reactor_waker_stats(reactor, &stats);
    ck_assert_uint_eq(stats.calls, STRESS_THREADS * (STRESS_CALLS + 1));
    ck_assert_uint_le(stats.writes, stats.calls);
    fprintf(stderr, "# %lu calls, %lu wakes written, %lu reads\n", stats.calls, stats.writes, stats.reads);
}
END_TEST

/* The race: the loop's callback lets a thread go, and the thread calls just as the loop goes back to
 * sleep (after a short spin of a varying length). A lost wake-up leaves the loop asleep for good:
 * with nothing else to wake it, the test would hang (a Check timeout). */
enum { RACES = 10000 };
static pthread_mutex_t race_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t race_go = PTHREAD_COND_INITIALIZER;
static int race_turn; /* under race_lock: the round the thread may call for */
static int races_run; /* reactor's thread only */

static void race_arrived(void *arg) {
    (void)arg;
    races_run++;
    if (races_run == RACES) {
        reactor_stop(reactor);
        return;
    }
    pthread_mutex_lock(&race_lock);
    race_turn = races_run;
    pthread_cond_signal(&race_go);
    pthread_mutex_unlock(&race_lock);
}

static void *racer(void *arg) {
    (void)arg;
    uint64_t seed = 0x9e3779b97f4a7c15u;
    for (int round = 0; round < RACES; round++) {
        pthread_mutex_lock(&race_lock);
        while (race_turn < round)
            pthread_cond_wait(&race_go, &race_lock);
        pthread_mutex_unlock(&race_lock);
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        for (volatile unsigned spin = (unsigned)(seed % 2000); spin > 0; spin--)
            continue;
        ck_assert_int_eq(reactor_call_from_thread(reactor, race_arrived, NULL), 0);
    }
    return NULL;
}

START_TEST(a_call_made_as_the_loop_goes_to_sleep_is_never_lost) {
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, racer, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0); /* no safety stop: only the calls can end it */
    ck_assert_int_eq(pthread_join(thread, NULL), 0);
    ck_assert_int_eq(races_run, RACES);
}
END_TEST

/* ---- the shutdown hook (internal) ---- */

static void hook(void *what) {
    note(what);
}

static void lost_note(struct descriptor *d, int reason) {
    (void)d;
    (void)reason;
    note("lost");
    ck_assert_int_eq(reactor_add_shutdown_hook(reactor, hook, "late"), REACTOR_ERR_SHUTTING_DOWN);
}

static const struct descriptor_ops lost_note_ops = {.do_read = idle_read, .connection_lost = lost_note};

START_TEST(shutdown_hooks_run_once_in_order_between_the_losses_and_the_drain) {
    int fds[2];
    make_pipe(fds);
    struct descriptor d = {.fd = fds[0], .ops = &lost_note_ops};
    ck_assert_int_eq(reactor_add_reader(reactor, &d), 0);
    ck_assert_int_eq(reactor_add_shutdown_hook(reactor, hook, "hook1"), 0);
    ck_assert_int_eq(reactor_add_shutdown_hook(reactor, hook, "hook2"), 0);
    ck_assert_int_eq(reactor_call_from_thread(reactor, stop_and_call, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "lost hook1 hook2 drained drained ");
    reactor_free(reactor); /* the hooks are not called again */
    reactor = NULL;
    ck_assert_str_eq(events, "lost hook1 hook2 drained drained ");
    close_pipe(fds);
}
END_TEST

START_TEST(a_reactor_that_never_ran_calls_its_hooks_when_freed) {
    ck_assert_int_eq(reactor_add_shutdown_hook(reactor, hook, "freed"), 0);
    reactor_free(reactor);
    reactor = NULL;
    ck_assert_str_eq(events, "freed ");
}
END_TEST

static void reset_state(void) {
    events[0] = '\0';
    atomic_store(&burst_ran, 0);
    memset(next_expected, 0, sizeof next_expected);
    out_of_order = 0;
    threads_done = 0;
    race_turn = 0;
    races_run = 0;
}

int main(void) {
    Suite *suite = suite_create("call_from_thread");
    TCase *rules = tcase_create("rules");
    TCase *stress = tcase_create("stress");
    TCase *cases[] = {rules, stress};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tcase_add_checked_fixture(cases[i], setup, teardown);
        tcase_set_timeout(cases[i], i == 0 ? 20 : 120);
        suite_add_tcase(suite, cases[i]);
    }
    tcase_add_test(rules, a_call_runs_on_the_reactors_thread_once);
    tcase_add_test(rules, a_null_function_is_refused);
    tcase_add_test(rules, calls_made_before_run_wait_for_run);
    tcase_add_test(rules, a_call_from_the_reactors_own_thread_runs_on_a_later_turn);
    tcase_add_test(rules, a_call_wakes_a_reactor_that_waits_forever_and_stop_from_thread_stops_it);
    tcase_add_test(rules, stop_from_thread_before_run_stops_on_the_first_turn);
    tcase_add_test(rules, after_run_has_returned_a_call_is_refused);
    tcase_add_test(rules, a_reactor_freed_without_running_drops_its_calls);
    tcase_add_test(rules, calls_made_during_shutdown_run_after_it);
    tcase_add_test(rules, a_call_made_by_a_drained_call_runs_too);
    tcase_add_test(rules, remove_all_neither_removes_nor_counts_the_waker);
    tcase_add_test(rules, the_waker_survives_remove_all_inside_the_loop);
    tcase_add_test(rules, shutdown_does_not_report_the_waker);
    tcase_add_test(rules, a_burst_of_calls_costs_one_write_and_one_read);
    tcase_add_test(rules, the_waker_is_the_one_the_build_chose);
    tcase_add_test(rules, shutdown_hooks_run_once_in_order_between_the_losses_and_the_drain);
    tcase_add_test(rules, a_reactor_that_never_ran_calls_its_hooks_when_freed);
    tcase_add_test(stress, four_threads_times_100000_calls_each_run_once_in_order);
    tcase_add_test(stress, a_call_made_as_the_loop_goes_to_sleep_is_never_lost);
    return run_suite_as_tap(suite);
}
