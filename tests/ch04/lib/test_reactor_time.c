/* Chapter 4's reactor with time: reactor_call_later on the real, monotonic clock. Small delays and
 * generous bounds: these tests assert order, and that the loop sleeps rather than spins, never a tight
 * time. They run against every later snapshot too, so they use only the API of the headers. */
#include "check_main.h"
#include "looping_call.h"
#include "reactor.h"
#include "test_helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* What happened, in order: "a b c ". */
static char events[1024];
static struct reactor *reactor;

static void note(const char *event) {
    size_t used = strlen(events);
    snprintf(events + used, sizeof events - used, "%s ", event);
}

static void setup(void) {
    events[0] = '\0';
    unsetenv("REACTOR_TRACE");
    reactor = reactor_new();
    ck_assert_ptr_nonnull(reactor);
}

static void teardown(void) {
    reactor_free(reactor);
    reactor = NULL;
}

/* Runs the reactor and returns how long it took, in seconds; fails the test if run fails. */
static double timed_run(void) {
    double start = wall_seconds();
    ck_assert_int_eq(reactor_run(reactor), 0);
    return wall_seconds() - start;
}

/* ---- the delayed calls the tests schedule ---- */

static int record(void *arg) {
    note(arg);
    return 0;
}

static int stop_reactor(void *arg) {
    (void)arg;
    note("stop");
    return reactor_stop(reactor);
}

static int never(void *arg) {
    (void)arg;
    note("never");
    return 0;
}

/* ---- order ---- */

START_TEST(calls_run_in_time_order) {
    /* Gaps of 0.1 s: each deadline is taken when its call is scheduled, so the gaps must dwarf the
     * time the schedules themselves take, even under valgrind on a loaded machine. */
    ck_assert_int_eq(reactor_call_later(reactor, 0.3, record, "c", NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0.1, record, "a", NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0.2, record, "b", NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0.4, stop_reactor, NULL, NULL), 0);
    ck_assert_str_eq(events, ""); /* nothing runs before reactor_run */
    timed_run();
    ck_assert_str_eq(events, "a b c stop ");
}
END_TEST

START_TEST(equal_delays_run_in_the_order_scheduled) {
    static const char *names[] = {"1", "2", "3", "4", "5", "6", "7", "8"};
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(reactor_call_later(reactor, 0.01, record, (void *)names[i], NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0.01, stop_reactor, NULL, NULL), 0);
    timed_run();
    ck_assert_str_eq(events, "1 2 3 4 5 6 7 8 stop ");
}
END_TEST

START_TEST(a_zero_delay_call_made_before_run_waits_for_run) {
    ck_assert_int_eq(reactor_call_later(reactor, 0, record, "a", NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0, stop_reactor, NULL, NULL), 0);
    sleep_seconds(0.02);
    ck_assert_str_eq(events, "");
    timed_run();
    ck_assert_str_eq(events, "a stop ");
}
END_TEST

static int schedule_from_when_running(void *arg) {
    (void)arg;
    note("running");
    ck_assert_int_eq(reactor_call_later(reactor, 0.01, record, "later", NULL), 0);
    return reactor_call_later(reactor, 0.02, stop_reactor, NULL, NULL);
}

START_TEST(call_when_running_may_schedule_calls) {
    ck_assert_int_eq(reactor_call_when_running(reactor, schedule_from_when_running, NULL), 0);
    timed_run();
    ck_assert_str_eq(events, "running later stop ");
}
END_TEST

/* A descriptor that is always ready to read (its pipe is never drained) and notes each read, so that
 * "io" in the events marks the dispatch of one turn. */
struct ready_reader {
    struct descriptor base;
    int fds[2];
    int reads;
    int stop_on_read; /* stop the reactor on this read; 0: never */
};

static int ready_read(struct descriptor *d) {
    struct ready_reader *r = (struct ready_reader *)d;
    r->reads++;
    if (r->reads <= 3)
        note("io");
    if (r->reads == r->stop_on_read)
        reactor_stop(reactor);
    return 0;
}

static void ready_lost(struct descriptor *d, int reason) {
    (void)d;
    (void)reason;
}

static const struct descriptor_ops ready_ops = {.do_read = ready_read, .connection_lost = ready_lost};

static void ready_reader_init(struct ready_reader *r) {
    memset(r, 0, sizeof *r);
    make_pipe(r->fds);
    ck_assert_int_eq(write(r->fds[1], "x", 1), 1);
    r->base.fd = r->fds[0];
    r->base.ops = &ready_ops;
    ck_assert_int_eq(reactor_add_reader(reactor, &r->base), 0);
}

static void ready_reader_close(struct ready_reader *r) {
    close_pipe(r->fds);
}

static int schedule_inner(void *arg) {
    (void)arg;
    note("outer");
    ck_assert_int_eq(reactor_call_later(reactor, 0, record, "inner", NULL), 0);
    return reactor_call_later(reactor, 0, stop_reactor, NULL, NULL);
}

START_TEST(a_call_scheduled_by_a_running_call_runs_on_a_later_turn) {
    struct ready_reader r;
    ready_reader_init(&r);
    ck_assert_int_eq(reactor_call_later(reactor, 0, schedule_inner, NULL, NULL), 0);
    timed_run();
    /* The inner call, though due at once, waits for the next turn: the turn's I/O comes first. */
    ck_assert_str_eq(events, "outer io inner stop ");
    ready_reader_close(&r);
}
END_TEST

static int again_and_again(void *arg) {
    (void)arg;
    return reactor_call_later(reactor, 0, again_and_again, NULL, NULL);
}

START_TEST(a_call_that_reschedules_itself_at_once_does_not_starve_io) {
    struct ready_reader r;
    ready_reader_init(&r);
    r.stop_on_read = 5;
    ck_assert_int_eq(reactor_call_later(reactor, 0, again_and_again, NULL, NULL), 0);
    timed_run();
    ck_assert_int_eq(r.reads, 5);
    ready_reader_close(&r);
}
END_TEST

START_TEST(busy_io_does_not_starve_a_due_call) {
    struct ready_reader r;
    ready_reader_init(&r);
    ck_assert_int_eq(reactor_call_later(reactor, 0.05, stop_reactor, NULL, NULL), 0);
    double took = timed_run();
    ck_assert_int_ge(r.reads, 1);
    size_t len = strlen(events);
    ck_assert_msg(len >= 5 && strcmp(events + len - 5, "stop ") == 0, "events: %s", events);
    ck_assert_msg(took < 5, "took %.3fs", took);
    ready_reader_close(&r);
}
END_TEST

/* ---- cancel, reset, delay ---- */

START_TEST(cancel_prevents_a_call) {
    struct delayed_call *call;
    ck_assert_int_eq(reactor_call_later(reactor, 0.01, never, NULL, &call), 0);
    ck_assert(delayed_call_active(call));
    ck_assert_int_eq(delayed_call_cancel(call), 0);
    ck_assert(!delayed_call_active(call));
    ck_assert_int_eq(delayed_call_cancel(call), DELAYED_CALL_ERR_ALREADY_CANCELLED);
    ck_assert_int_eq(reactor_call_later(reactor, 0.03, stop_reactor, NULL, NULL), 0);
    timed_run();
    ck_assert_str_eq(events, "stop ");
    delayed_call_release(call);
}
END_TEST

static struct delayed_call *victim;

static int cancel_victim(void *arg) {
    (void)arg;
    note("canceller");
    return delayed_call_cancel(victim);
}

START_TEST(a_running_call_can_cancel_one_due_in_the_same_turn) {
    ck_assert_int_eq(reactor_call_later(reactor, 0.01, cancel_victim, NULL, NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0.01, never, NULL, &victim), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0.02, stop_reactor, NULL, NULL), 0);
    sleep_seconds(0.03); /* both are overdue when the first turn starts */
    timed_run();
    ck_assert_str_eq(events, "canceller stop ");
    ck_assert_int_eq(delayed_call_cancel(victim), DELAYED_CALL_ERR_ALREADY_CANCELLED);
    delayed_call_release(victim);
}
END_TEST

START_TEST(reset_and_delay_move_calls_on_the_real_clock) {
    struct delayed_call *a, *b;
    ck_assert_int_eq(reactor_call_later(reactor, 0.01, record, "a", &a), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 3600, record, "b", &b), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0.03, record, "c", NULL), 0);
    double now = reactor_seconds(reactor);
    ck_assert_int_eq(delayed_call_reset(a, 0.05), 0); /* a: now after c */
    ck_assert(delayed_call_get_time(a) >= now + 0.05 && delayed_call_get_time(a) < now + 1);
    ck_assert_int_eq(delayed_call_delay(b, -7200), 0); /* b: overdue, so it runs first */
    ck_assert(delayed_call_get_time(b) < now);
    ck_assert_int_eq(reactor_call_later(reactor, 0.08, stop_reactor, NULL, NULL), 0);
    timed_run();
    ck_assert_str_eq(events, "b c a stop ");
    ck_assert_int_eq(delayed_call_reset(a, 1), DELAYED_CALL_ERR_ALREADY_CALLED);
    delayed_call_release(a);
    delayed_call_release(b);
}
END_TEST

/* ---- stop, failure, sleep ---- */

START_TEST(a_call_that_stops_the_reactor_stops_it_before_any_sleep) {
    ck_assert_int_eq(reactor_call_later(reactor, 0.01, stop_reactor, NULL, NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 3600, never, NULL, NULL), 0);
    double took = timed_run();
    ck_assert_str_eq(events, "stop ");
    ck_assert_msg(took < 2, "run took %.3fs: it slept towards the far call after the stop", took);
}
END_TEST

static int fail_with_eio(void *arg) {
    (void)arg;
    note("fail");
    return -EIO;
}

START_TEST(a_failing_call_is_reported_and_the_loop_goes_on) {
    ck_assert_int_eq(reactor_call_later(reactor, 0.01, fail_with_eio, NULL, NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0.02, record, "after", NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0.03, stop_reactor, NULL, NULL), 0);
    struct capture c;
    capture_begin(&c);
    int result = reactor_run(reactor);
    char *err = capture_end(&c);
    ck_assert_int_eq(result, 0);
    ck_assert_str_eq(events, "fail after stop ");
    char expected[128];
    snprintf(expected, sizeof expected, "reactor: fail_with_eio failed: %s\n", strerror(EIO));
    ck_assert_str_eq(err, expected);
    free(err);
}
END_TEST

START_TEST(the_reactor_sleeps_until_the_next_call_without_using_the_cpu) {
    /* The clock starts before the call is scheduled: its deadline is 0.3 s after that. */
    double start = wall_seconds();
    ck_assert_int_eq(reactor_call_later(reactor, 0.3, stop_reactor, NULL, NULL), 0);
    double cpu = cpu_seconds();
    timed_run();
    double wall = wall_seconds() - start;
    cpu = cpu_seconds() - cpu;
    ck_assert_msg(wall >= 0.3 - 1e-3, "run returned after %.3fs, before the call was due", wall);
    /* A busy loop would burn about 0.3 s of CPU here; a sleeping one close to none. */
    ck_assert_msg(cpu < 0.1, "run used %.3fs of CPU in %.3fs of waiting", cpu, wall);
}
END_TEST

/* A reader that is never ready: the reactor must still wake for a delayed call. */
START_TEST(an_idle_descriptor_does_not_hide_a_due_call) {
    int fds[2];
    make_pipe(fds);
    struct ready_reader r = {.base = {.fd = fds[0], .ops = &ready_ops}};
    ck_assert_int_eq(reactor_add_reader(reactor, &r.base), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0.05, stop_reactor, NULL, NULL), 0);
    double took = timed_run();
    ck_assert_str_eq(events, "stop ");
    ck_assert_msg(took < 5, "took %.3fs", took);
    close_pipe(fds);
}
END_TEST

START_TEST(far_deadlines_do_not_break_the_loop) {
    ck_assert_int_eq(reactor_call_later(reactor, ldexp(1.0, 128), never, NULL, NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, INFINITY, never, NULL, NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 1e300, never, NULL, NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0.01, stop_reactor, NULL, NULL), 0);
    double took = timed_run();
    ck_assert_str_eq(events, "stop ");
    ck_assert_msg(took < 2, "took %.3fs", took);
    ck_assert_uint_eq(scheduler_pending(reactor_scheduler(reactor)), 3);
}
END_TEST

/* Only a far call and a reader that a delayed call makes ready: after the poke, the loop waits with the
 * longest timeout (it does not fail on the huge deadline) and wakes for the reader. */
static int stop_on_read(struct descriptor *d) {
    (void)d;
    note("read");
    reactor_stop(reactor);
    return 0;
}

static const struct descriptor_ops stop_on_read_ops = {.do_read = stop_on_read, .connection_lost = ready_lost};

static int poke(void *arg) {
    note("poke");
    return write(*(int *)arg, "x", 1) == 1 ? 0 : -errno;
}

START_TEST(a_far_deadline_still_lets_io_wake_the_loop) {
    int fds[2];
    make_pipe(fds);
    struct descriptor d = {.fd = fds[0], .ops = &stop_on_read_ops};
    ck_assert_int_eq(reactor_add_reader(reactor, &d), 0);
    ck_assert_int_eq(reactor_call_later(reactor, INFINITY, never, NULL, NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0.05, poke, &fds[1], NULL), 0);
    double took = timed_run();
    ck_assert_str_eq(events, "poke read ");
    ck_assert_msg(took < 2, "took %.3fs", took);
    close_pipe(fds);
}
END_TEST

/* ---- a looping call on the reactor ---- */

static struct looping_call *loop;
static int ticks;
static long intervals_seen;
static int done_count, done_status;

static int count_tick(void *arg, long intervals) {
    (void)arg;
    ticks++;
    intervals_seen += intervals;
    return 0;
}

static void loop_done(void *arg, int status) {
    (void)arg;
    done_count++;
    done_status = status;
}

static int stop_loop_and_reactor(void *arg) {
    (void)arg;
    ck_assert_int_eq(looping_call_stop(loop), 0);
    return reactor_stop(reactor);
}

static int start_loop(void *arg) {
    (void)arg;
    ck_assert_int_eq(looping_call_start(loop, 0.01, true), 0);
    return reactor_call_later(reactor, 0.1, stop_loop_and_reactor, NULL, NULL);
}

START_TEST(a_looping_call_runs_on_the_reactor_and_a_delayed_call_stops_it) {
    ticks = 0;
    intervals_seen = 0;
    done_count = 0;
    loop = looping_call_new(reactor_scheduler(reactor), count_tick, NULL);
    ck_assert_ptr_nonnull(loop);
    looping_call_on_done(loop, loop_done, NULL);
    ck_assert_int_eq(reactor_call_when_running(reactor, start_loop, NULL), 0);
    double took = timed_run();
    ck_assert_int_ge(ticks, 2);
    /* The ticks run at 0, 0.01, 0.02 ... after the start; those the process was too slow for are
     * counted in `intervals`. The last tick before the stop at 0.1 runs at 0.09 or later. */
    ck_assert_msg(intervals_seen >= 9, "%d ticks saw only %ld intervals in %.3fs", ticks, intervals_seen, took);
    ck_assert_int_eq(done_count, 1);
    ck_assert_int_eq(done_status, 0);
    ck_assert(!looping_call_running(loop));
    ck_assert_uint_eq(scheduler_pending(reactor_scheduler(reactor)), 0); /* its next tick was cancelled */
    looping_call_free(loop);
}
END_TEST

/* ---- the clock ---- */

START_TEST(reactor_seconds_is_monotonic_and_advances) {
    double first = reactor_seconds(reactor);
    double last = first;
    for (int i = 0; i < 10000; i++) {
        double now = reactor_seconds(reactor);
        ck_assert_msg(now >= last, "the clock went back from %.9f to %.9f", last, now);
        last = now;
    }
    sleep_seconds(0.05);
    double moved = reactor_seconds(reactor) - first;
    ck_assert_msg(moved >= 0.04 && moved < 5, "50 ms of sleep moved the clock by %.6fs", moved);
    double s = scheduler_seconds(reactor_scheduler(reactor)) - reactor_seconds(reactor);
    ck_assert_msg(fabs(s) < 1, "the scheduler's clock and the reactor's differ by %.6fs", s);
}
END_TEST

START_TEST(a_calls_time_is_on_the_reactors_clock) {
    struct delayed_call *call;
    double before = reactor_seconds(reactor);
    ck_assert_int_eq(reactor_call_later(reactor, 10, never, NULL, &call), 0);
    double after = reactor_seconds(reactor);
    ck_assert(delayed_call_get_time(call) >= before + 10);
    ck_assert(delayed_call_get_time(call) <= after + 10);
    delayed_call_release(call);
}
END_TEST

START_TEST(bad_delays_are_refused) {
    ck_assert_int_eq(reactor_call_later(reactor, -1, never, NULL, NULL), -EINVAL);
    ck_assert_int_eq(reactor_call_later(reactor, NAN, never, NULL, NULL), -EINVAL);
    ck_assert_uint_eq(scheduler_pending(reactor_scheduler(reactor)), 0);
}
END_TEST

START_TEST(reactor_strerror_names_delayed_call_errors) {
    const char *called = reactor_strerror(DELAYED_CALL_ERR_ALREADY_CALLED);
    const char *cancelled = reactor_strerror(DELAYED_CALL_ERR_ALREADY_CANCELLED);
    const char *unknown = reactor_strerror(-99999);
    ck_assert_ptr_nonnull(strstr(called, "called"));
    ck_assert_ptr_nonnull(strstr(cancelled, "cancelled"));
    ck_assert_str_ne(called, cancelled);
    ck_assert_str_ne(called, unknown);
    ck_assert_str_ne(cancelled, unknown);
    ck_assert_str_ne(called, reactor_strerror(REACTOR_ERR_NOT_RUNNING));
}
END_TEST

/* ---- freeing ---- */

START_TEST(freeing_a_reactor_with_pending_calls_cancels_them) {
    struct delayed_call *held;
    ck_assert_int_eq(reactor_call_later(reactor, 1, never, NULL, &held), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 2, never, NULL, NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, INFINITY, never, NULL, NULL), 0);
    reactor_free(reactor);
    reactor = NULL;
    /* The handle outlives the reactor, cancelled, until it is released. */
    ck_assert(!delayed_call_active(held));
    ck_assert_int_eq(delayed_call_cancel(held), DELAYED_CALL_ERR_ALREADY_CANCELLED);
    delayed_call_release(held);
    ck_assert_str_eq(events, "");
}
END_TEST

START_TEST(freeing_a_stopped_reactor_with_pending_calls) {
    struct delayed_call *held;
    ck_assert_int_eq(reactor_call_later(reactor, 3600, never, NULL, &held), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 7200, never, NULL, NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0, stop_reactor, NULL, NULL), 0);
    timed_run();
    ck_assert(delayed_call_active(held)); /* stopping does not cancel; freeing does */
    reactor_free(reactor);
    reactor = NULL;
    ck_assert(!delayed_call_active(held));
    delayed_call_release(held);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("reactor_time");
    struct {
        const char *name;
        TCase *tc;
    } cases[] = {{"order", NULL}, {"cancel", NULL}, {"stop-and-sleep", NULL}, {"looping", NULL},
                 {"clock", NULL}, {"free", NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cases[i].tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(cases[i].tc, setup, teardown);
        tcase_set_timeout(cases[i].tc, 10);
        suite_add_tcase(suite, cases[i].tc);
    }
    tcase_add_test(cases[0].tc, calls_run_in_time_order);
    tcase_add_test(cases[0].tc, equal_delays_run_in_the_order_scheduled);
    tcase_add_test(cases[0].tc, a_zero_delay_call_made_before_run_waits_for_run);
    tcase_add_test(cases[0].tc, call_when_running_may_schedule_calls);
    tcase_add_test(cases[0].tc, a_call_scheduled_by_a_running_call_runs_on_a_later_turn);
    tcase_add_test(cases[0].tc, a_call_that_reschedules_itself_at_once_does_not_starve_io);
    tcase_add_test(cases[0].tc, busy_io_does_not_starve_a_due_call);
    tcase_add_test(cases[1].tc, cancel_prevents_a_call);
    tcase_add_test(cases[1].tc, a_running_call_can_cancel_one_due_in_the_same_turn);
    tcase_add_test(cases[1].tc, reset_and_delay_move_calls_on_the_real_clock);
    tcase_add_test(cases[2].tc, a_call_that_stops_the_reactor_stops_it_before_any_sleep);
    tcase_add_test(cases[2].tc, a_failing_call_is_reported_and_the_loop_goes_on);
    tcase_add_test(cases[2].tc, the_reactor_sleeps_until_the_next_call_without_using_the_cpu);
    tcase_add_test(cases[2].tc, an_idle_descriptor_does_not_hide_a_due_call);
    tcase_add_test(cases[2].tc, far_deadlines_do_not_break_the_loop);
    tcase_add_test(cases[2].tc, a_far_deadline_still_lets_io_wake_the_loop);
    tcase_add_test(cases[3].tc, a_looping_call_runs_on_the_reactor_and_a_delayed_call_stops_it);
    tcase_add_test(cases[4].tc, reactor_seconds_is_monotonic_and_advances);
    tcase_add_test(cases[4].tc, a_calls_time_is_on_the_reactors_clock);
    tcase_add_test(cases[4].tc, bad_delays_are_refused);
    tcase_add_test(cases[4].tc, reactor_strerror_names_delayed_call_errors);
    tcase_add_test(cases[5].tc, freeing_a_reactor_with_pending_calls_cancels_them);
    tcase_add_test(cases[5].tc, freeing_a_stopped_reactor_with_pending_calls);
    return run_suite_as_tap(suite);
}
