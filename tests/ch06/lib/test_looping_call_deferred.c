/* Chapter 6's looping call: the start that returns a Deferred, and functions that return Deferreds.
 * Chapter 4's tests (tests/ch04/lib/test_looping_call.c) keep checking the done-callback start. */
#include "check_main.h"
#include "deferred.h"
#include "looping_call.h"
#include "task_clock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct task_clock *clock_;
static struct scheduler *sched;
static struct looping_call *loop;
static int calls;
static double call_times[16];
static long call_intervals[16];
static int fail_on = -1;         /* the call that fails */
static struct deferred *pending; /* the Deferred the function returned last, if it returns one */
static bool return_deferreds;
static bool return_fired; /* return an already-fired Deferred */

static int ended; /* how the start's Deferred ended: 1 callback, 2 errback */
static int ended_code;
static char ended_message[128];

static void record_call(long intervals) {
    if (calls < 16) {
        call_times[calls] = task_clock_seconds(clock_);
        call_intervals[calls] = intervals;
    }
    calls++;
}

static void maybe_stop(void);

static int plain_fn(void *arg, long intervals) {
    (void)arg;
    record_call(intervals);
    maybe_stop();
    return calls == fail_on ? -EIO : 0;
}

static int stop_on = -1;      /* the call that stops the loop from inside */
static int ended_inside = -1; /* what `ended` was right after that stop, still inside the function */

static void maybe_stop(void) {
    if (calls == stop_on) {
        looping_call_stop(loop);
        ended_inside = ended;
    }
}

static struct deferred_result returns_deferreds(void *arg, long intervals) {
    (void)arg;
    record_call(intervals);
    maybe_stop();
    if (calls == fail_on)
        return deferred_failure(failure_new(-ECONNRESET, "call %d broke", calls));
    if (return_fired)
        return deferred_wait_for(deferred_succeed(NULL, NULL));
    if (return_deferreds) {
        deferred_unref(pending);
        pending = deferred_new();
        return deferred_wait_for(deferred_ref(pending)); /* we keep one reference, to fire it */
    }
    return deferred_value(strdup("ignored"), free);
}

static struct deferred_result on_end(struct deferred_result r, void *arg) {
    (void)arg;
    if (r.kind == DEFERRED_FAILURE) {
        ended = 2;
        ended_code = failure_code(r.failure);
        snprintf(ended_message, sizeof ended_message, "%s", failure_message(r.failure));
    } else {
        ended = 1;
    }
    deferred_result_free(r);
    return deferred_none();
}

static int done_calls;
static void on_done(void *arg, int status) {
    (void)arg;
    (void)status;
    done_calls++;
}

static void setup(void) {
    calls = 0;
    fail_on = stop_on = ended_inside = -1;
    pending = NULL;
    return_deferreds = return_fired = false;
    ended = ended_code = done_calls = 0;
    ended_message[0] = 0;
    clock_ = task_clock_new();
    sched = task_clock_scheduler(clock_);
    loop = NULL;
}
static void teardown(void) {
    looping_call_free(loop);
    deferred_unref(pending);
    task_clock_free(clock_);
}

/* Starts `loop` with a Deferred and hangs on_end on it. */
static struct deferred *start(double interval, bool now) {
    struct deferred *d = NULL;
    ck_assert_int_eq(looping_call_start_deferred(loop, interval, now, &d), 0);
    ck_assert_ptr_nonnull(d);
    deferred_add_both(d, on_end, NULL);
    return d;
}

START_TEST(the_deferred_fires_on_stop_and_the_done_callback_is_not_told) {
    loop = looping_call_new(sched, plain_fn, NULL);
    looping_call_on_done(loop, on_done, NULL);
    struct deferred *d = start(1.0, true);
    task_clock_advance(clock_, 1);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(calls, 3);
    ck_assert_int_eq(ended, 0);
    ck_assert_int_eq(looping_call_stop(loop), 0);
    ck_assert_int_eq(ended, 1);
    ck_assert_int_eq(done_calls, 0);
    task_clock_advance(clock_, 5);
    ck_assert_int_eq(calls, 3);
    deferred_unref(d);
}
END_TEST

START_TEST(the_deferred_errbacks_when_a_plain_function_fails) {
    loop = looping_call_new(sched, plain_fn, NULL);
    fail_on = 2;
    struct deferred *d = start(1.0, true);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(ended, 2);
    ck_assert_int_eq(ended_code, -EIO);
    ck_assert(!looping_call_running(loop));
    deferred_unref(d);
}
END_TEST

START_TEST(start_refuses_while_running_and_restarts_after) {
    loop = looping_call_new(sched, plain_fn, NULL);
    struct deferred *d = start(1.0, false), *again = (struct deferred *)1;
    ck_assert_int_eq(looping_call_start_deferred(loop, 1.0, false, &again), LOOPING_CALL_ERR_RUNNING);
    ck_assert_ptr_null(again);
    ck_assert_int_eq(looping_call_start(loop, 1.0, false), LOOPING_CALL_ERR_RUNNING);
    ck_assert_int_eq(looping_call_start_deferred(loop, -1, false, &again), LOOPING_CALL_ERR_RUNNING);
    looping_call_stop(loop);
    ck_assert_int_eq(looping_call_start_deferred(loop, -1, false, &again), -EINVAL);
    ck_assert_ptr_null(again);
    ended = 0;
    struct deferred *second = start(1.0, false);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(calls, 1);
    looping_call_stop(loop);
    ck_assert_int_eq(ended, 1);
    deferred_unref(d);
    deferred_unref(second);
}
END_TEST

START_TEST(a_failure_from_the_function_reaches_the_deferred_whole) {
    loop = looping_call_new_deferred(sched, returns_deferreds, NULL);
    fail_on = 3;
    struct deferred *d = start(0.5, true);
    task_clock_advance(clock_, 0.5);
    ck_assert_int_eq(ended, 0);
    task_clock_advance(clock_, 0.5);
    ck_assert_int_eq(ended, 2);
    ck_assert_int_eq(ended_code, -ECONNRESET);
    ck_assert_str_eq(ended_message, "call 3 broke");
    deferred_unref(d);
}
END_TEST

START_TEST(the_next_call_waits_for_the_functions_deferred) {
    loop = looping_call_new_deferred(sched, returns_deferreds, NULL);
    return_deferreds = true;
    struct deferred *d = start(1.0, true);
    ck_assert_int_eq(calls, 1);
    task_clock_advance(clock_, 3.5);
    ck_assert_int_eq(calls, 1); /* waiting */
    ck_assert(looping_call_running(loop));
    deferred_callback(pending, NULL, NULL); /* at 3.5: the next aligned time is 4 */
    ck_assert_int_eq(calls, 1);
    task_clock_advance(clock_, 0.5);
    ck_assert_int_eq(calls, 2);
    ck_assert_double_eq(call_times[1], 4.0);
    ck_assert_int_eq(call_intervals[1], 4); /* 1, 2, 3 went by unmade */
    return_deferreds = false;
    deferred_callback(pending, NULL, NULL);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(calls, 3);
    ck_assert_int_eq(call_intervals[2], 1);
    looping_call_stop(loop);
    ck_assert_int_eq(ended, 1);
    deferred_unref(d);
}
END_TEST

START_TEST(an_already_fired_deferred_does_not_hold_the_loop) {
    loop = looping_call_new_deferred(sched, returns_deferreds, NULL);
    return_fired = true;
    struct deferred *d = start(1.0, true);
    task_clock_advance(clock_, 1);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(calls, 3);
    looping_call_stop(loop);
    deferred_unref(d);
}
END_TEST

START_TEST(a_failing_deferred_ends_the_loop) {
    loop = looping_call_new_deferred(sched, returns_deferreds, NULL);
    return_deferreds = true;
    struct deferred *d = start(1.0, true);
    deferred_errback(pending, failure_new(-ETIMEDOUT, "too slow"));
    ck_assert_int_eq(ended, 2);
    ck_assert_str_eq(ended_message, "too slow");
    ck_assert(!looping_call_running(loop));
    task_clock_advance(clock_, 5);
    ck_assert_int_eq(calls, 1);
    deferred_unref(d);
}
END_TEST

START_TEST(a_stop_while_waiting_fires_when_the_wait_ends) {
    loop = looping_call_new_deferred(sched, returns_deferreds, NULL);
    return_deferreds = true;
    struct deferred *d = start(1.0, true);
    ck_assert_int_eq(looping_call_stop(loop), 0);
    ck_assert(!looping_call_running(loop));
    ck_assert_int_eq(ended, 0); /* as Twisted: not until the function's Deferred fires */
    ck_assert_int_eq(looping_call_start(loop, 1, false), LOOPING_CALL_ERR_RUNNING);
    deferred_callback(pending, NULL, NULL);
    ck_assert_int_eq(ended, 1);
    task_clock_advance(clock_, 5);
    ck_assert_int_eq(calls, 1);
    deferred_unref(d);
}
END_TEST

START_TEST(freeing_the_loop_while_it_waits_is_safe) {
    loop = looping_call_new_deferred(sched, returns_deferreds, NULL);
    return_deferreds = true;
    struct deferred *d = start(1.0, true);
    looping_call_free(loop);
    loop = NULL;
    deferred_callback(pending, NULL, NULL); /* finds no loop, touches nothing */
    ck_assert_int_eq(ended, 0);
    deferred_unref(d);
}
END_TEST

/* As Twisted: a stop from inside the function fires the start's Deferred once the function returns. */
START_TEST(a_stop_from_inside_fires_after_the_function_returns) {
    loop = looping_call_new(sched, plain_fn, NULL);
    stop_on = 2;
    struct deferred *d = start(1.0, true);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(ended_inside, 0);
    ck_assert_int_eq(ended, 1);
    ck_assert(!looping_call_running(loop));
    task_clock_advance(clock_, 3);
    ck_assert_int_eq(calls, 2);
    deferred_unref(d);
}
END_TEST

START_TEST(a_stop_from_inside_waits_for_the_deferred_the_function_returns) {
    loop = looping_call_new_deferred(sched, returns_deferreds, NULL);
    return_deferreds = true;
    stop_on = 1;
    struct deferred *d = start(1.0, true);
    ck_assert_int_eq(ended_inside, 0);
    ck_assert_int_eq(ended, 0);
    deferred_callback(pending, NULL, NULL);
    ck_assert_int_eq(ended, 1);
    deferred_unref(d);
}
END_TEST

START_TEST(a_stop_then_a_failure_from_inside_errbacks_with_it) {
    loop = looping_call_new_deferred(sched, returns_deferreds, NULL);
    stop_on = fail_on = 2;
    struct deferred *d = start(1.0, true);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(ended, 2);
    ck_assert_str_eq(ended_message, "call 2 broke");
    deferred_unref(d);
}
END_TEST

/* Issue 6's rule, with Deferreds: a run stopped and started again from inside the function is not
 * told its end; here its Deferred never fires (as in Twisted, where start replaces it), and the new
 * run's Deferred tells the new run's end. */
static struct deferred *restarted; /* the new run's Deferred */
static int restart_fn(void *arg, long intervals) {
    (void)arg;
    record_call(intervals);
    if (calls == 2) {
        looping_call_stop(loop);
        ck_assert_int_eq(looping_call_start_deferred(loop, 1.0, false, &restarted), 0);
    }
    return 0;
}

START_TEST(a_restart_from_inside_leaves_the_first_deferred_unfired) {
    loop = looping_call_new(sched, restart_fn, NULL);
    restarted = NULL;
    struct deferred *d = start(1.0, true);
    task_clock_advance(clock_, 1); /* call 2: stop and start again */
    ck_assert_ptr_nonnull(restarted);
    ck_assert_int_eq(ended, 0);
    ck_assert(looping_call_running(loop));
    task_clock_advance(clock_, 1); /* the new run's first call, one interval after its start */
    ck_assert_int_eq(calls, 3);
    deferred_add_both(restarted, on_end, NULL);
    ck_assert_int_eq(looping_call_stop(loop), 0);
    ck_assert_int_eq(ended, 1); /* the new run's Deferred */
    ck_assert(!deferred_called(d));
    deferred_unref(restarted);
    deferred_unref(d);
}
END_TEST

/* The done-callback start with a function that returns Deferreds: done is told last, once the wait is
 * over, as the start's Deferred would be. */
START_TEST(a_stop_while_waiting_tells_done_when_the_wait_ends) {
    loop = looping_call_new_deferred(sched, returns_deferreds, NULL);
    looping_call_on_done(loop, on_done, NULL);
    return_deferreds = true;
    ck_assert_int_eq(looping_call_start(loop, 1.0, true), 0);
    ck_assert_int_eq(looping_call_stop(loop), 0);
    ck_assert_int_eq(done_calls, 0);
    deferred_callback(pending, NULL, NULL);
    ck_assert_int_eq(done_calls, 1);
    task_clock_advance(clock_, 5);
    ck_assert_int_eq(calls, 1);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("looping call with Deferreds");
    TCase *tc = tcase_create("deferred start");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_deferred_fires_on_stop_and_the_done_callback_is_not_told);
    tcase_add_test(tc, the_deferred_errbacks_when_a_plain_function_fails);
    tcase_add_test(tc, start_refuses_while_running_and_restarts_after);
    tcase_add_test(tc, a_failure_from_the_function_reaches_the_deferred_whole);
    tcase_add_test(tc, the_next_call_waits_for_the_functions_deferred);
    tcase_add_test(tc, an_already_fired_deferred_does_not_hold_the_loop);
    tcase_add_test(tc, a_failing_deferred_ends_the_loop);
    tcase_add_test(tc, a_stop_while_waiting_fires_when_the_wait_ends);
    tcase_add_test(tc, freeing_the_loop_while_it_waits_is_safe);
    tcase_add_test(tc, a_stop_from_inside_fires_after_the_function_returns);
    tcase_add_test(tc, a_stop_from_inside_waits_for_the_deferred_the_function_returns);
    tcase_add_test(tc, a_stop_then_a_failure_from_inside_errbacks_with_it);
    tcase_add_test(tc, a_restart_from_inside_leaves_the_first_deferred_unfired);
    tcase_add_test(tc, a_stop_while_waiting_tells_done_when_the_wait_ends);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return run_suite_as_tap(suite());
}
