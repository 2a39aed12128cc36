/* Chapter 4's timers, looping calls and reactor stop, checked against what Twisted does in the same
 * scenarios (issue 6; most come from twisted/test/test_task.py). Everything runs on a task_clock, except
 * the reactor's stop, which needs a pipe. Runs against every later snapshot. */
#include "check_main.h"
#include "looping_call.h"
#include "reactor.h"
#include "task_clock.h"
#include "test_helpers.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static struct task_clock *clock_;
static struct scheduler *sched;
static char events[1024];

static void note(const char *format, double value) {
    size_t used = strlen(events);
    snprintf(events + used, sizeof events - used, format, value);
    used = strlen(events);
    snprintf(events + used, sizeof events - used, " ");
}

static void setup(void) {
    events[0] = '\0';
    unsetenv("REACTOR_TRACE");
    clock_ = task_clock_new();
    ck_assert_ptr_nonnull(clock_);
    sched = task_clock_scheduler(clock_);
}
static void teardown(void) {
    task_clock_free(clock_);
}

/* ---- scenario 1: a pass runs every call that was due when it began ---- */

static struct delayed_call *x_call;

static int call_c(void *arg) {
    (void)arg;
    note("c", 0);
    return 0;
}
static int call_x(void *arg) {
    (void)arg;
    note("x", 0);
    return 0;
}
static int call_a_moves_x(void *arg) {
    (void)arg;
    note("a", 0);
    ck_assert_int_eq(delayed_call_delay(x_call, -9.5), 0); /* x: from 10 to 0.5, into the past */
    return 0;
}

START_TEST(a_call_moved_into_the_past_does_not_hold_back_a_due_call) {
    ck_assert_int_eq(scheduler_call_later(sched, 1, call_a_moves_x, NULL, NULL), 0);
    ck_assert_int_eq(scheduler_call_later(sched, 1, call_c, NULL, NULL), 0);
    ck_assert_int_eq(scheduler_call_later(sched, 10, call_x, NULL, &x_call), 0);
    ck_assert_int_eq(task_clock_advance(clock_, 1), 2);
    ck_assert_str_eq(events, "a c "); /* c was due when the pass began: it runs, as in Twisted */
    ck_assert(delayed_call_active(x_call));
    ck_assert_int_eq(task_clock_advance(clock_, 0), 1); /* x, moved during the pass, runs on the next */
    ck_assert_str_eq(events, "a c x ");
    delayed_call_release(x_call);
}
END_TEST

START_TEST(equal_times_still_run_in_the_order_scheduled_after_a_move) {
    struct delayed_call *moved;
    ck_assert_int_eq(scheduler_call_later(sched, 5, call_x, NULL, &moved), 0);
    ck_assert_int_eq(scheduler_call_later(sched, 1, call_c, NULL, NULL), 0);
    ck_assert_int_eq(delayed_call_delay(moved, -4), 0); /* now due at 1 too, but moved later: runs second */
    ck_assert_int_eq(task_clock_advance(clock_, 1), 2);
    ck_assert_str_eq(events, "c x ");
    delayed_call_release(moved);
}
END_TEST

/* A call that advances the clock from inside a running call starts a nested pass, which runs the calls
 * the outer pass was holding; the outer pass must then neither run them again nor touch a freed one. */
static struct delayed_call *held[3];
static int call_advances(void *arg) {
    (void)arg;
    note("p", 0);
    ck_assert_int_eq(task_clock_advance(clock_, 0), 1); /* q */
    return 0;
}
static int call_q(void *arg) {
    (void)arg;
    note("q", 0);
    return 0;
}
static int call_cancels_r(void *arg) {
    (void)arg;
    note("cancel", 0);
    ck_assert_int_eq(delayed_call_cancel(held[2]), 0);
    return 0;
}
static int call_r(void *arg) {
    (void)arg;
    note("r", 0);
    return 0;
}

START_TEST(a_nested_pass_runs_what_the_outer_pass_holds_once) {
    ck_assert_int_eq(scheduler_call_later(sched, 1, call_advances, NULL, NULL), 0);
    ck_assert_int_eq(scheduler_call_later(sched, 1, call_q, NULL, NULL), 0);
    ck_assert_int_eq(task_clock_advance(clock_, 1), 1); /* p; q ran in p's nested pass */
    ck_assert_str_eq(events, "p q ");
    ck_assert_uint_eq(scheduler_pending(sched), 0);
}
END_TEST

START_TEST(a_call_cancelled_by_an_earlier_one_in_the_pass_does_not_run) {
    ck_assert_int_eq(scheduler_call_later(sched, 1, call_cancels_r, NULL, &held[0]), 0);
    ck_assert_int_eq(scheduler_call_later(sched, 1, call_r, NULL, &held[2]), 0);
    delayed_call_release(held[0]);
    ck_assert_int_eq(task_clock_advance(clock_, 1), 1);
    ck_assert_str_eq(events, "cancel ");
    delayed_call_release(held[2]);
}
END_TEST

/* ---- scenario 9 (scheduler and looping call): a NULL function is refused ---- */

START_TEST(a_null_function_is_refused) {
    ck_assert_int_eq(scheduler_call_later_named(sched, 0, "null", NULL, NULL, NULL), -EINVAL);
    ck_assert_uint_eq(scheduler_pending(sched), 0);
    errno = 0;
    ck_assert_ptr_null(looping_call_new_named(sched, "null", NULL, NULL));
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* ---- scenario 11: any code is named wherever it is reported ---- */

static int fails_with_a_reactor_code(void *arg) {
    (void)arg;
    return REACTOR_ERR_NOT_RUNNING;
}

START_TEST(a_delayed_call_failing_with_a_reactor_code_is_reported_by_name) {
    ck_assert_int_eq(scheduler_call_later(sched, 0, fails_with_a_reactor_code, NULL, NULL), 0);
    struct capture capture;
    capture_begin(&capture);
    task_clock_advance(clock_, 0);
    char *text = capture_end(&capture);
    ck_assert_str_eq(text, "task_clock: fails_with_a_reactor_code failed: the reactor is not running\n");
    free(text);
}
END_TEST

START_TEST(every_strerror_names_every_module_s_codes) {
    const int codes[] = {REACTOR_ERR_NOT_RUNNING, DELAYED_CALL_ERR_ALREADY_CALLED, LOOPING_CALL_ERR_RUNNING,
                         LOOPING_CALL_ERR_NOT_RUNNING, REACTOR_ERR_SHUTTING_DOWN};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *name = result_strerror(codes[i]);
        ck_assert_msg(strncmp(name, "unknown", 7) != 0, "%d is unknown", codes[i]);
        ck_assert_str_eq(reactor_strerror(codes[i]), name);
        ck_assert_str_eq(scheduler_strerror(codes[i]), name);
        ck_assert_str_eq(looping_call_strerror(codes[i]), name);
    }
}
END_TEST

/* ---- looping calls ---- */

static struct looping_call *loop;
static int calls, done_count, done_status;
static long counts[16];
static double times[16];
static double work_seconds;        /* how long the function takes, by advancing the clock */
static int stop_on, fail_on;       /* the call number on which the function stops / fails (0: never) */
static int restart_on;             /* the call number on which it stops and starts again */
static bool restart_now;           /* the restart is with now = true */
static bool free_in_done;          /* the done callback frees the loop */
static int done_count_after_stop;  /* done_count right after the function's own stop */

static int the_function(void *arg, long intervals) {
    (void)arg;
    if (calls < 16) {
        counts[calls] = intervals;
        times[calls] = task_clock_seconds(clock_);
    }
    calls++;
    if (work_seconds > 0)
        ck_assert_int_ge(task_clock_advance(clock_, work_seconds), 0);
    if (calls == stop_on) {
        ck_assert_int_eq(looping_call_stop(loop), 0);
        done_count_after_stop = done_count;
    }
    if (calls == restart_on) {
        ck_assert_int_eq(looping_call_stop(loop), 0);
        ck_assert_int_eq(looping_call_start(loop, 1.0, restart_now), 0);
    }
    if (calls == fail_on)
        return -EIO;
    return 0;
}

static void on_done(void *arg, int status) {
    (void)arg;
    done_count++;
    done_status = status;
    if (free_in_done) {
        looping_call_free(loop);
        loop = NULL;
    }
}

static void loop_setup(void) {
    setup();
    calls = done_count = done_status = 0;
    work_seconds = 0;
    stop_on = fail_on = restart_on = 0;
    restart_now = free_in_done = false;
    done_count_after_stop = -1;
    memset(counts, 0, sizeof counts);
    memset(times, 0, sizeof times);
    loop = looping_call_new(sched, the_function, NULL);
    ck_assert_ptr_nonnull(loop);
    looping_call_on_done(loop, on_done, NULL);
}
static void loop_teardown(void) {
    looping_call_free(loop);
    teardown();
}

/* Scenario 2: the next call is computed from the time after the function returns, on the start grid. */
START_TEST(a_loop_stays_on_its_grid_when_the_function_takes_time) {
    work_seconds = 0.25;
    ck_assert_int_eq(looping_call_start(loop, 1.0, true), 0);
    while (task_clock_seconds(clock_) < 3.5)
        task_clock_advance(clock_, 1.0 / 64);
    ck_assert_int_eq(calls, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_msg(times[i] == i, "call %d at %g, not %d", i, times[i], i);
        ck_assert_int_eq(counts[i], 1);
    }
}
END_TEST

/* Twisted's test_callbackTimeSkips: a function that outlasts its interval skips to the next grid time
 * still in the future, and is told how many intervals went by. */
START_TEST(a_function_outlasting_its_interval_skips_to_the_future) {
    work_seconds = 2;
    ck_assert_int_eq(looping_call_start(loop, 0.5, true), 0);
    ck_assert_int_eq(calls, 1);
    ck_assert(task_clock_seconds(clock_) == 2);
    task_clock_advance(clock_, 0); /* 2 is now, not the future: skipped */
    ck_assert_int_eq(calls, 1);
    work_seconds = 1;
    task_clock_advance(clock_, 0.5);
    ck_assert_int_eq(calls, 2);
    ck_assert(times[1] == 2.5);
    ck_assert_int_eq(counts[1], 5);
    ck_assert(task_clock_seconds(clock_) == 3.5);
    task_clock_advance(clock_, 0);
    ck_assert_int_eq(calls, 2);
    work_seconds = 0;
    task_clock_advance(clock_, 0.5);
    ck_assert_int_eq(calls, 3);
    ck_assert(times[2] == 4);
    ck_assert_int_eq(counts[2], 3);
}
END_TEST

/* Scenario 3: the first count is 1 when on time, whatever the start and interval. */
START_TEST(the_first_count_is_one_for_any_start_and_interval) {
    const double cases[][2] = {{0.1, 0.02}, {0.2, 0.01}, {0.3, 0.08}, {0.1, 0.41}, {0.7, 0.1}, {1e6, 0.3}};
    struct task_clock *fixture_clock = clock_;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int now = 0; now <= 1; now++) {
            struct task_clock *c = task_clock_new();
            struct scheduler *s = task_clock_scheduler(c);
            clock_ = c; /* the_function reads it */
            calls = 0;
            struct looping_call *l = looping_call_new(s, the_function, NULL);
            task_clock_advance(c, cases[i][0]);
            ck_assert_int_eq(looping_call_start(l, cases[i][1], now), 0);
            if (!now)
                task_clock_advance(c, cases[i][1]);
            ck_assert_msg(calls == 1, "start %g interval %g now %d: %d calls", cases[i][0], cases[i][1], now,
                          calls);
            ck_assert_msg(counts[0] == 1, "start %g interval %g now %d: first count %ld", cases[i][0],
                          cases[i][1], now, counts[0]);
            task_clock_advance(c, cases[i][1]);
            ck_assert_msg(calls == 2 && counts[1] == 1, "start %g interval %g now %d: second call %d, count %ld",
                          cases[i][0], cases[i][1], now, calls, counts[1]);
            looping_call_free(l);
            task_clock_free(c);
        }
    }
    clock_ = fixture_clock; /* for loop_teardown */
}
END_TEST

/* Scenario 4 (Twisted's testFailAndStop): stop, then fail, inside the function reports the failure. */
START_TEST(stop_then_fail_inside_the_function_reports_the_failure) {
    stop_on = fail_on = 1;
    ck_assert_int_eq(looping_call_start(loop, 1.0, true), 0);
    ck_assert_int_eq(done_count, 1);
    ck_assert_int_eq(done_status, -EIO);
    ck_assert(!looping_call_running(loop));
}
END_TEST

/* Scenario 5: a stop from inside the function tells done after the function returns. */
START_TEST(stop_inside_the_function_tells_done_after_it_returns) {
    stop_on = 2;
    ck_assert_int_eq(looping_call_start(loop, 1.0, true), 0);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(calls, 2);
    ck_assert_int_eq(done_count_after_stop, 0);
    ck_assert_int_eq(done_count, 1);
    ck_assert_int_eq(done_status, 0);
    ck_assert_uint_eq(scheduler_pending(sched), 0);
}
END_TEST

START_TEST(done_may_free_the_loop_after_a_stop_inside_the_function) {
    stop_on = 2;
    free_in_done = true;
    ck_assert_int_eq(looping_call_start(loop, 1.0, false), 0);
    task_clock_advance(clock_, 1);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(done_count, 1);
    ck_assert_ptr_null(loop);
    ck_assert_uint_eq(scheduler_pending(sched), 0);
}
END_TEST

START_TEST(done_may_free_the_loop_after_a_stop_inside_a_start_with_now) {
    stop_on = 1;
    free_in_done = true;
    ck_assert_int_eq(looping_call_start(loop, 1.0, true), 0);
    ck_assert_int_eq(done_count, 1);
    ck_assert_ptr_null(loop);
}
END_TEST

START_TEST(done_may_free_the_loop_after_a_stop_from_outside) {
    free_in_done = true;
    ck_assert_int_eq(looping_call_start(loop, 1.0, false), 0);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(looping_call_stop(loop), 0); /* told inside the stop */
    ck_assert_int_eq(done_count, 1);
    ck_assert_ptr_null(loop);
    ck_assert_uint_eq(scheduler_pending(sched), 0);
}
END_TEST

START_TEST(done_may_free_the_loop_after_a_failure) {
    fail_on = 2;
    free_in_done = true;
    ck_assert_int_eq(looping_call_start(loop, 1.0, false), 0);
    task_clock_advance(clock_, 1);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(done_count, 1);
    ck_assert_int_eq(done_status, -EIO);
    ck_assert_ptr_null(loop);
}
END_TEST

/* Scenario 6: stop then start again inside the function gives one chain of calls, and done is not told
 * for the run that was restarted. */
START_TEST(restarting_inside_the_function_gives_one_chain) {
    restart_on = 2;
    ck_assert_int_eq(looping_call_start(loop, 1.0, false), 0);
    task_clock_advance(clock_, 1);
    task_clock_advance(clock_, 1); /* call 2 restarts: the next call is one interval from now */
    ck_assert_int_eq(calls, 2);
    ck_assert_uint_eq(scheduler_pending(sched), 1);
    ck_assert_int_eq(done_count, 0);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(calls, 3);
    ck_assert(times[2] == 3);
    ck_assert_int_eq(counts[2], 1);
    ck_assert_uint_eq(scheduler_pending(sched), 1);
    ck_assert_int_eq(looping_call_stop(loop), 0);
    ck_assert_int_eq(done_count, 1);
    ck_assert_uint_eq(scheduler_pending(sched), 0);
    task_clock_advance(clock_, 10);
    ck_assert_int_eq(calls, 3);
}
END_TEST

START_TEST(restarting_with_now_inside_the_function_gives_one_chain) {
    restart_on = 1;
    restart_now = true;
    ck_assert_int_eq(looping_call_start(loop, 1.0, false), 0);
    task_clock_advance(clock_, 1); /* call 1 restarts with now: call 2 runs inside it */
    ck_assert_int_eq(calls, 2);
    ck_assert_uint_eq(scheduler_pending(sched), 1);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(calls, 3);
    ck_assert_uint_eq(scheduler_pending(sched), 1);
    ck_assert_int_eq(done_count, 0);
    looping_call_free(loop); /* freeing a running loop: done is not told */
    loop = NULL;
    ck_assert_uint_eq(scheduler_pending(sched), 0);
    ck_assert_int_eq(done_count, 0);
}
END_TEST

START_TEST(a_failure_after_a_restart_ends_the_new_run) {
    restart_on = fail_on = 2;
    ck_assert_int_eq(looping_call_start(loop, 1.0, false), 0);
    task_clock_advance(clock_, 2);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(done_count, 1);
    ck_assert_int_eq(done_status, -EIO);
    ck_assert(!looping_call_running(loop));
    ck_assert_uint_eq(scheduler_pending(sched), 0);
}
END_TEST

/* ---- the task clock's documented differences from Twisted's task.Clock ---- */

static int reschedules_itself_now(void *arg) {
    (void)arg;
    note("tick", 0);
    ck_assert_int_eq(scheduler_call_later(sched, 0, call_c, NULL, NULL), 0);
    return 0;
}

START_TEST(a_call_scheduled_during_an_advance_runs_on_the_next_advance) {
    ck_assert_int_eq(scheduler_call_later(sched, 1, reschedules_itself_now, NULL, NULL), 0);
    ck_assert_int_eq(task_clock_advance(clock_, 1), 1);
    ck_assert_str_eq(events, "tick "); /* Twisted's Clock.advance would run c here too */
    ck_assert_int_eq(task_clock_advance(clock_, 0), 1);
    ck_assert_str_eq(events, "tick c ");
}
END_TEST

START_TEST(negative_and_nan_amounts_are_refused) {
    struct delayed_call *call;
    ck_assert_int_eq(scheduler_call_later(sched, 5, call_c, NULL, &call), 0);
    ck_assert_int_eq(delayed_call_reset(call, -1), -EINVAL); /* Twisted accepts a time in the past */
    ck_assert_int_eq(task_clock_advance(clock_, -1), -EINVAL); /* Twisted's Clock would go backwards */
    ck_assert(task_clock_seconds(clock_) == 0);
    ck_assert_int_eq(looping_call_start(loop, NAN, true), -EINVAL);
    ck_assert_int_eq(calls, 0);
    delayed_call_release(call);
}
END_TEST

START_TEST(a_far_call_is_waited_for_at_most_a_day_at_a_time) {
    ck_assert_int_eq(scheduler_call_later(sched, 1e40, call_c, NULL, NULL), 0);
    ck_assert(scheduler_timeout(sched) == SCHEDULER_MAX_TIMEOUT);
    ck_assert(SCHEDULER_MAX_TIMEOUT == 86400.0);
}
END_TEST

/* ---- scenario 8: after a stop, the calls already due run once before shutdown ---- */

struct stopper {
    struct descriptor base;
    struct reactor *reactor;
};

static int later_ran(void *arg) {
    (void)arg;
    note("later", 0);
    return 0;
}
static int too_late(void *arg) {
    (void)arg;
    note("too-late", 0);
    return 0;
}
static int later_stops(void *arg) {
    note("stop-from-timer", 0);
    ck_assert_int_eq(reactor_call_later((struct reactor *)arg, 0, too_late, NULL, NULL), 0);
    ck_assert_int_eq(reactor_stop(arg), 0);
    return 0;
}

static int stopper_read(struct descriptor *d) {
    struct stopper *s = (struct stopper *)d;
    note("read", 0);
    ck_assert_int_eq(reactor_call_later(s->reactor, 0, later_ran, NULL, NULL), 0);
    ck_assert_int_eq(reactor_call_later(s->reactor, 60, too_late, NULL, NULL), 0);
    ck_assert_int_eq(reactor_stop(s->reactor), 0);
    return 0;
}
static void stopper_lost(struct descriptor *d, int reason) {
    (void)d;
    (void)reason;
    note("lost", 0);
}
static const struct descriptor_ops stopper_ops = {.do_read = stopper_read, .connection_lost = stopper_lost};

START_TEST(a_call_made_just_before_a_stop_in_do_read_runs_before_shutdown) {
    struct reactor *reactor = reactor_new();
    int fds[2];
    make_pipe(fds);
    ck_assert_int_eq(write(fds[1], "x", 1), 1);
    struct stopper s = {.base = {.fd = fds[0], .ops = &stopper_ops}, .reactor = reactor};
    ck_assert_int_eq(reactor_add_reader(reactor, &s.base), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "read later lost ");
    reactor_free(reactor);
    close_pipe(fds);
}
END_TEST

static int schedule_then_stop(void *arg) {
    ck_assert_int_eq(reactor_call_later((struct reactor *)arg, 0, later_ran, NULL, NULL), 0);
    return reactor_stop(arg);
}

START_TEST(a_call_made_just_before_a_stop_in_call_when_running_runs) {
    struct reactor *reactor = reactor_new();
    ck_assert_int_eq(reactor_call_when_running(reactor, schedule_then_stop, reactor), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "later ");
    reactor_free(reactor);
}
END_TEST

START_TEST(a_stop_from_a_delayed_call_shuts_down_after_that_pass) {
    struct reactor *reactor = reactor_new();
    ck_assert_int_eq(reactor_call_later(reactor, 0, later_stops, reactor, NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0, later_ran, NULL, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "stop-from-timer later "); /* the call it made for "now" would be a later pass */
    reactor_free(reactor);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("twisted_semantics");
    TCase *passes = tcase_create("passes");
    tcase_add_checked_fixture(passes, setup, teardown);
    tcase_add_test(passes, a_call_moved_into_the_past_does_not_hold_back_a_due_call);
    tcase_add_test(passes, equal_times_still_run_in_the_order_scheduled_after_a_move);
    tcase_add_test(passes, a_nested_pass_runs_what_the_outer_pass_holds_once);
    tcase_add_test(passes, a_call_cancelled_by_an_earlier_one_in_the_pass_does_not_run);
    tcase_add_test(passes, a_null_function_is_refused);
    tcase_add_test(passes, a_delayed_call_failing_with_a_reactor_code_is_reported_by_name);
    tcase_add_test(passes, every_strerror_names_every_module_s_codes);
    suite_add_tcase(suite, passes);

    TCase *loops = tcase_create("looping-call");
    tcase_add_checked_fixture(loops, loop_setup, loop_teardown);
    tcase_add_test(loops, a_loop_stays_on_its_grid_when_the_function_takes_time);
    tcase_add_test(loops, a_function_outlasting_its_interval_skips_to_the_future);
    tcase_add_test(loops, the_first_count_is_one_for_any_start_and_interval);
    tcase_add_test(loops, stop_then_fail_inside_the_function_reports_the_failure);
    tcase_add_test(loops, stop_inside_the_function_tells_done_after_it_returns);
    tcase_add_test(loops, done_may_free_the_loop_after_a_stop_inside_the_function);
    tcase_add_test(loops, done_may_free_the_loop_after_a_stop_inside_a_start_with_now);
    tcase_add_test(loops, done_may_free_the_loop_after_a_stop_from_outside);
    tcase_add_test(loops, done_may_free_the_loop_after_a_failure);
    tcase_add_test(loops, restarting_inside_the_function_gives_one_chain);
    tcase_add_test(loops, restarting_with_now_inside_the_function_gives_one_chain);
    tcase_add_test(loops, a_failure_after_a_restart_ends_the_new_run);
    suite_add_tcase(suite, loops);

    TCase *differences = tcase_create("task-clock-differences");
    tcase_add_checked_fixture(differences, loop_setup, loop_teardown);
    tcase_add_test(differences, a_call_scheduled_during_an_advance_runs_on_the_next_advance);
    tcase_add_test(differences, negative_and_nan_amounts_are_refused);
    tcase_add_test(differences, a_far_call_is_waited_for_at_most_a_day_at_a_time);
    suite_add_tcase(suite, differences);

    TCase *stop = tcase_create("stop");
    tcase_add_checked_fixture(stop, setup, teardown);
    tcase_add_test(stop, a_call_made_just_before_a_stop_in_do_read_runs_before_shutdown);
    tcase_add_test(stop, a_call_made_just_before_a_stop_in_call_when_running_runs);
    tcase_add_test(stop, a_stop_from_a_delayed_call_shuts_down_after_that_pass);
    suite_add_tcase(suite, stop);
    return run_suite_as_tap(suite);
}
