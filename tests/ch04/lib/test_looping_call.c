/* Chapter 4's looping call on a task_clock: when it runs, how it stays aligned, how it ends. */
#include "check_main.h"
#include "looping_call.h"
#include "task_clock.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
    calls = 0; /* reset here, not only by the fork: CK_FORK=no runs every test in one process */
    last_intervals = 0;
    last_time = 0;
    stop_after = fail_after = -1;
    done_count = done_status = 0;
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

START_TEST(alignment_counts_from_the_start_time_not_from_zero) {
    task_clock_advance(clock_, 0.3);
    looping_call_start(loop, 1.0, false);
    task_clock_advance(clock_, 0.99); /* 1.29 */
    ck_assert_int_eq(calls, 0);
    task_clock_advance(clock_, 0.01); /* 1.3 */
    ck_assert_int_eq(calls, 1);
    task_clock_advance(clock_, 1.5); /* 2.8: late for 2.3 */
    ck_assert_int_eq(calls, 2);
    task_clock_advance(clock_, 0.5); /* 3.3, not 3.8 */
    ck_assert_int_eq(calls, 3);
    ck_assert(fabs(last_time - 3.3) < 1e-9);
}
END_TEST

START_TEST(missed_intervals_are_counted_after_a_start_with_now) {
    looping_call_start(loop, 1.0, true);
    ck_assert_int_eq(last_intervals, 1);
    task_clock_advance(clock_, 3.5); /* the calls due at 1, 2 and 3 come as one */
    ck_assert_int_eq(calls, 2);
    ck_assert_int_eq(last_intervals, 3);
    task_clock_advance(clock_, 0.5);
    ck_assert_int_eq(calls, 3);
    ck_assert_int_eq(last_intervals, 1);
}
END_TEST

START_TEST(a_restart_aligns_to_the_new_start) {
    looping_call_start(loop, 1.0, false);
    task_clock_advance(clock_, 1);
    looping_call_stop(loop);
    task_clock_advance(clock_, 0.5); /* 1.5 */
    looping_call_start(loop, 1.0, false);
    task_clock_advance(clock_, 0.5); /* 2.0: the old alignment, not the new */
    ck_assert_int_eq(calls, 1);
    task_clock_advance(clock_, 0.5); /* 2.5 */
    ck_assert_int_eq(calls, 2);
    ck_assert_int_eq(last_intervals, 1);
}
END_TEST

START_TEST(stopping_during_a_start_with_now_leaves_nothing_scheduled) {
    stop_after = 1;
    ck_assert_int_eq(looping_call_start(loop, 1.0, true), 0);
    ck_assert_int_eq(calls, 1);
    ck_assert_int_eq(done_count, 1);
    ck_assert_int_eq(done_status, 0);
    ck_assert(!looping_call_running(loop));
    ck_assert_uint_eq(scheduler_pending(sched), 0);
}
END_TEST

START_TEST(failing_during_a_start_with_now_ends_the_loop) {
    fail_after = 1;
    looping_call_start(loop, 1.0, true);
    ck_assert_int_eq(done_count, 1);
    ck_assert_int_eq(done_status, -EIO);
    ck_assert(!looping_call_running(loop));
    ck_assert_uint_eq(scheduler_pending(sched), 0);
}
END_TEST

START_TEST(freeing_a_running_loop_cancels_its_next_call_without_telling_done) {
    looping_call_start(loop, 1.0, false);
    ck_assert_uint_eq(scheduler_pending(sched), 1);
    looping_call_free(loop);
    loop = NULL; /* for teardown */
    ck_assert_uint_eq(scheduler_pending(sched), 0);
    ck_assert_int_eq(done_count, 0);
    task_clock_advance(clock_, 5);
    ck_assert_int_eq(calls, 0);
}
END_TEST

START_TEST(a_failure_with_no_done_callback_is_reported_on_stderr) {
    looping_call_on_done(loop, NULL, NULL);
    fail_after = 1;
    looping_call_start(loop, 1.0, false);
    FILE *err = tmpfile();
    fflush(stderr);
    int saved = dup(2);
    dup2(fileno(err), 2);
    task_clock_advance(clock_, 1);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(err);
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, err);
    buf[n] = '\0';
    fclose(err);
    ck_assert_str_eq(buf, "looping_call: count_calls failed: Input/output error\n");
    ck_assert(!looping_call_running(loop));
}
END_TEST

START_TEST(errors_have_names) {
    ck_assert_ptr_nonnull(strstr(looping_call_strerror(LOOPING_CALL_ERR_RUNNING), "running"));
    ck_assert_ptr_nonnull(strstr(looping_call_strerror(LOOPING_CALL_ERR_NOT_RUNNING), "not running"));
    ck_assert_str_eq(looping_call_strerror(-EINVAL), strerror(EINVAL));
}
END_TEST

/* 0.1 is not exact in binary, so ten advances of 0.1 land the clock a hair off each multiple of the
 * interval (Twisted's test_withCountFloatingPointBoundary). A call may then come late and count two
 * intervals, but the function is never told 0, and the counts add up to the intervals that went by. */
static long interval_sum;
static int zero_counts;
static int sum_intervals(void *arg, long intervals) {
    (void)arg;
    interval_sum += intervals;
    zero_counts += intervals == 0;
    return 0;
}

START_TEST(counts_add_up_across_floating_point_boundaries) {
    struct looping_call *tenth = looping_call_new(sched, sum_intervals, NULL);
    interval_sum = 0;
    zero_counts = 0;
    ck_assert_int_eq(looping_call_start(tenth, 0.1, false), 0);
    for (int i = 0; i < 10; i++)
        task_clock_advance(clock_, 0.1);
    double epsilon = 1.0 - task_clock_seconds(clock_);
    ck_assert(epsilon != 0); /* else this test tests nothing */
    if (epsilon > 0)
        task_clock_advance(clock_, epsilon);
    ck_assert_int_eq(zero_counts, 0);
    ck_assert_int_eq(interval_sum, 10);
    looping_call_free(tenth);
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
    tcase_add_test(tc, alignment_counts_from_the_start_time_not_from_zero);
    tcase_add_test(tc, missed_intervals_are_counted_after_a_start_with_now);
    tcase_add_test(tc, a_restart_aligns_to_the_new_start);
    tcase_add_test(tc, stopping_during_a_start_with_now_leaves_nothing_scheduled);
    tcase_add_test(tc, failing_during_a_start_with_now_ends_the_loop);
    tcase_add_test(tc, freeing_a_running_loop_cancels_its_next_call_without_telling_done);
    tcase_add_test(tc, a_failure_with_no_done_callback_is_reported_on_stderr);
    tcase_add_test(tc, errors_have_names);
    tcase_add_test(tc, counts_add_up_across_floating_point_boundaries);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
