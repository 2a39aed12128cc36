/* Chapter 4's looping call on a task_clock: when it runs, how it stays aligned, how it ends. */
#include "check_main.h"
#include "looping_call.h"
#include "task_clock.h"

#include <errno.h>
#include <math.h>

static struct task_clock *clock_;
static struct scheduler *sched;
static int calls;
static long last_intervals;
static double last_time;
static int stop_after = -1;   /* the call number on which the function stops the loop */
static int fail_after = -1;   /* the call number on which the function fails */
static int done_count;
static int done_status;
static struct looping_call *loop;

static int count_calls(void *arg, long intervals) {
    (void)arg;
    calls++;
    last_intervals = intervals;
    last_time = task_clock_seconds(clock_);
    if (calls == stop_after)
        looping_call_stop(loop);
    if (calls == fail_after)
        return -EIO;
    return 0;
}

static void on_done(void *arg, int status) {
    (void)arg;
    done_count++;
    done_status = status;
}

static void setup(void) {
    clock_ = task_clock_new();
    sched = task_clock_scheduler(clock_);
    loop = looping_call_new(sched, count_calls, NULL);
    looping_call_on_done(loop, on_done, NULL);
}
static void teardown(void) {
    looping_call_free(loop);
    task_clock_free(clock_);
}

START_TEST(now_runs_at_once_then_every_interval) {
    ck_assert_int_eq(looping_call_start(loop, 1.0, true), 0);
    ck_assert_int_eq(calls, 1);
    ck_assert_int_eq(last_intervals, 1);
    task_clock_advance(clock_, 0.9);
    ck_assert_int_eq(calls, 1);
    task_clock_advance(clock_, 0.1);
    ck_assert_int_eq(calls, 2);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(calls, 3);
    ck_assert(looping_call_running(loop));
}
END_TEST

START_TEST(without_now_the_first_call_waits_an_interval) {
    looping_call_start(loop, 2.0, false);
    ck_assert_int_eq(calls, 0);
    task_clock_advance(clock_, 2);
    ck_assert_int_eq(calls, 1);
    ck_assert_int_eq(last_intervals, 1);
}
END_TEST

START_TEST(calls_stay_aligned_to_the_start_time) {
    looping_call_start(loop, 1.0, false);
    task_clock_advance(clock_, 1.25); /* late: runs at 1.25 */
    ck_assert_int_eq(calls, 1);
    task_clock_advance(clock_, 0.75); /* the next is due at 2.0, not 2.25 */
    ck_assert_int_eq(calls, 2);
    ck_assert(fabs(last_time - 2.0) < 1e-9);
}
END_TEST

START_TEST(missed_intervals_are_skipped_and_counted) {
    looping_call_start(loop, 1.0, false);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(calls, 1);
    task_clock_advance(clock_, 3.5); /* 4.5: the calls due at 2, 3 and 4 come as one call */
    ck_assert_int_eq(calls, 2);
    ck_assert_int_eq(last_intervals, 3);
    task_clock_advance(clock_, 0.5); /* back in step at 5 */
    ck_assert_int_eq(calls, 3);
    ck_assert_int_eq(last_intervals, 1);
}
END_TEST

START_TEST(stop_ends_the_loop_and_tells_done) {
    looping_call_start(loop, 1.0, true);
    ck_assert_int_eq(looping_call_stop(loop), 0);
    ck_assert_int_eq(done_count, 1);
    ck_assert_int_eq(done_status, 0);
    task_clock_advance(clock_, 10);
    ck_assert_int_eq(calls, 1);
    ck_assert_uint_eq(scheduler_pending(sched), 0);
    ck_assert_int_eq(looping_call_stop(loop), LOOPING_CALL_ERR_NOT_RUNNING);
}
END_TEST

START_TEST(the_function_may_stop_its_own_loop) {
    stop_after = 3;
    looping_call_start(loop, 1.0, true);
    task_clock_advance(clock_, 1);
    task_clock_advance(clock_, 1);
    task_clock_advance(clock_, 1);
    ck_assert_int_eq(calls, 3);
    ck_assert_int_eq(done_count, 1);
    ck_assert_int_eq(done_status, 0);
    ck_assert(!looping_call_running(loop));
}
END_TEST

START_TEST(a_failing_function_ends_the_loop_with_its_error) {
    fail_after = 2;
    looping_call_start(loop, 0.5, false);
    task_clock_advance(clock_, 0.5);
    task_clock_advance(clock_, 0.5);
    task_clock_advance(clock_, 0.5);
    ck_assert_int_eq(calls, 2);
    ck_assert_int_eq(done_count, 1);
    ck_assert_int_eq(done_status, -EIO);
    ck_assert(!looping_call_running(loop));
}
END_TEST

START_TEST(a_loop_can_be_started_again_after_it_ends) {
    looping_call_start(loop, 1.0, true);
    looping_call_stop(loop);
    ck_assert_int_eq(looping_call_start(loop, 1.0, true), 0);
    ck_assert_int_eq(calls, 2);
}
END_TEST

START_TEST(start_errors) {
    ck_assert_int_eq(looping_call_start(loop, -1, true), -EINVAL);
    ck_assert_int_eq(looping_call_start(loop, NAN, true), -EINVAL);
    ck_assert_int_eq(looping_call_start(loop, 1, false), 0);
    ck_assert_int_eq(looping_call_start(loop, 1, false), LOOPING_CALL_ERR_RUNNING);
}
END_TEST

START_TEST(interval_zero_runs_on_every_pass) {
    looping_call_start(loop, 0, true);
    ck_assert_int_eq(calls, 1);
    task_clock_advance(clock_, 0);
    task_clock_advance(clock_, 0);
    ck_assert_int_eq(calls, 3);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("looping_call");
    TCase *tc = tcase_create("looping-call");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, now_runs_at_once_then_every_interval);
    tcase_add_test(tc, without_now_the_first_call_waits_an_interval);
    tcase_add_test(tc, calls_stay_aligned_to_the_start_time);
    tcase_add_test(tc, missed_intervals_are_skipped_and_counted);
    tcase_add_test(tc, stop_ends_the_loop_and_tells_done);
    tcase_add_test(tc, the_function_may_stop_its_own_loop);
    tcase_add_test(tc, a_failing_function_ends_the_loop_with_its_error);
    tcase_add_test(tc, a_loop_can_be_started_again_after_it_ends);
    tcase_add_test(tc, start_errors);
    tcase_add_test(tc, interval_zero_runs_on_every_pass);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
