/* Chapter 4's delayed calls, on a task_clock so that no test sleeps: when calls run, in what order,
 * and what cancel, reset and delay do (Twisted's DelayedCall semantics). */
#include "check_main.h"
#include "scheduler.h"
#include "task_clock.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A log of which calls ran, in order. */
static char ran[4096];
static int record(void *arg) {
    strncat(ran, arg, sizeof ran - strlen(ran) - 1);
    return 0;
}

static struct task_clock *clock_;
static struct scheduler *sched;
static void setup(void) {
    ran[0] = '\0';
    clock_ = task_clock_new();
    sched = task_clock_scheduler(clock_);
}
static void teardown(void) {
    task_clock_free(clock_);
}

START_TEST(a_call_runs_when_due_and_not_before) {
    ck_assert_int_eq(scheduler_call_later(sched, 1.0, record, "a", NULL), 0);
    ck_assert_int_eq(task_clock_advance(clock_, 0.999), 0);
    ck_assert_str_eq(ran, "");
    ck_assert_int_eq(task_clock_advance(clock_, 0.001), 1);
    ck_assert_str_eq(ran, "a");
    ck_assert_uint_eq(scheduler_pending(sched), 0);
}
END_TEST

START_TEST(equal_times_run_in_the_order_scheduled) {
    const char *names[] = {"1", "2", "3", "4", "5", "6", "7", "8"};
    for (int i = 0; i < 8; i++)
        scheduler_call_later(sched, 2.0, record, (void *)names[i], NULL);
    scheduler_call_later(sched, 1.0, record, "0", NULL);
    task_clock_advance(clock_, 5);
    ck_assert_str_eq(ran, "012345678");
}
END_TEST

static int schedule_another(void *arg) {
    (void)arg;
    record("outer");
    return scheduler_call_later(sched, 0, record, "-inner", NULL);
}

START_TEST(a_call_scheduled_by_a_running_call_waits_for_the_next_pass) {
    scheduler_call_later(sched, 1, schedule_another, NULL, NULL);
    ck_assert_int_eq(task_clock_advance(clock_, 1), 1);
    ck_assert_str_eq(ran, "outer");
    ck_assert_int_eq(task_clock_advance(clock_, 0), 1);
    ck_assert_str_eq(ran, "outer-inner");
}
END_TEST

START_TEST(cancel_prevents_the_call_and_only_works_once) {
    struct delayed_call *call;
    scheduler_call_later(sched, 1, record, "a", &call);
    ck_assert(delayed_call_active(call));
    ck_assert_int_eq(delayed_call_cancel(call), 0);
    ck_assert(!delayed_call_active(call));
    ck_assert_int_eq(delayed_call_cancel(call), DELAYED_CALL_ERR_ALREADY_CANCELLED);
    ck_assert_int_eq(delayed_call_reset(call, 1), DELAYED_CALL_ERR_ALREADY_CANCELLED);
    task_clock_advance(clock_, 2);
    ck_assert_str_eq(ran, "");
    delayed_call_release(call);
}
END_TEST

START_TEST(cancel_after_the_call_ran_is_an_error) {
    struct delayed_call *call;
    scheduler_call_later(sched, 1, record, "a", &call);
    task_clock_advance(clock_, 1);
    ck_assert(!delayed_call_active(call));
    ck_assert_int_eq(delayed_call_cancel(call), DELAYED_CALL_ERR_ALREADY_CALLED);
    ck_assert_int_eq(delayed_call_delay(call, 1), DELAYED_CALL_ERR_ALREADY_CALLED);
    ck_assert(fabs(delayed_call_get_time(call) - 1.0) < 1e-9);
    delayed_call_release(call);
}
END_TEST

static struct delayed_call *self_call;
static int cancel_self(void *arg) {
    (void)arg;
    return delayed_call_cancel(self_call) == DELAYED_CALL_ERR_ALREADY_CALLED ? 0 : -EINVAL;
}

START_TEST(a_call_is_called_before_its_function_runs) {
    scheduler_call_later(sched, 1, cancel_self, NULL, &self_call);
    char buf[256] = "";
    FILE *err = tmpfile();
    int saved = dup(2);
    dup2(fileno(err), 2);
    task_clock_advance(clock_, 1);
    dup2(saved, 2);
    rewind(err);
    size_t n = fread(buf, 1, sizeof buf - 1, err);
    buf[n] = '\0';
    ck_assert_str_eq(buf, ""); /* cancel_self reports a failure if cancel did not say "already called" */
    fclose(err);
    delayed_call_release(self_call);
}
END_TEST

START_TEST(reset_and_delay_move_the_call) {
    struct delayed_call *call;
    scheduler_call_later(sched, 1, record, "a", &call);
    task_clock_advance(clock_, 0.5);
    ck_assert_int_eq(delayed_call_reset(call, 2), 0); /* now due at 2.5 */
    ck_assert(fabs(delayed_call_get_time(call) - 2.5) < 1e-9);
    ck_assert_int_eq(delayed_call_delay(call, 1), 0); /* now due at 3.5 */
    ck_assert(fabs(delayed_call_get_time(call) - 3.5) < 1e-9);
    task_clock_advance(clock_, 2.9); /* 3.4 */
    ck_assert_str_eq(ran, "");
    task_clock_advance(clock_, 0.1);
    ck_assert_str_eq(ran, "a");
    delayed_call_release(call);
}
END_TEST

START_TEST(delay_never_makes_a_deadline_that_is_not_a_number) {
    struct delayed_call *call;
    scheduler_call_later(sched, 1, record, "a", &call);
    ck_assert_int_eq(delayed_call_delay(call, INFINITY), 0);
    ck_assert_int_eq(delayed_call_delay(call, -INFINITY), -EINVAL);
    ck_assert(isinf(delayed_call_get_time(call)));
    delayed_call_release(call);
}
END_TEST

START_TEST(bad_delays_are_refused) {
    ck_assert_int_eq(scheduler_call_later(sched, -0.1, record, "a", NULL), -EINVAL);
    ck_assert_int_eq(scheduler_call_later(sched, NAN, record, "a", NULL), -EINVAL);
    ck_assert_uint_eq(scheduler_pending(sched), 0);
    ck_assert_int_eq(task_clock_advance(clock_, -1), -EINVAL);
}
END_TEST

START_TEST(timeout_comes_from_the_earliest_call) {
    ck_assert(scheduler_timeout(sched) < 0); /* nothing scheduled: wait as long as it takes */
    scheduler_call_later(sched, 3, record, "a", NULL);
    scheduler_call_later(sched, 2, record, "b", NULL);
    ck_assert(fabs(scheduler_timeout(sched) - 2) < 1e-9);
    task_clock_advance(clock_, 2.5); /* b ran; a due in 0.5 */
    ck_assert(fabs(scheduler_timeout(sched) - 0.5) < 1e-9);
}
END_TEST

START_TEST(an_overdue_call_means_no_wait_not_a_negative_one) {
    struct delayed_call *call;
    scheduler_call_later(sched, 1, record, "a", &call);
    delayed_call_delay(call, -5);
    ck_assert(scheduler_timeout(sched) == 0);
    delayed_call_release(call);
}
END_TEST

START_TEST(far_deadlines_clamp) {
    scheduler_call_later(sched, ldexp(1.0, 128), record, "far", NULL);
    ck_assert(scheduler_timeout(sched) == SCHEDULER_MAX_TIMEOUT);
    scheduler_call_later(sched, INFINITY, record, "never", NULL);
    ck_assert(scheduler_timeout(sched) == SCHEDULER_MAX_TIMEOUT);
}
END_TEST

static int fail_with_eio(void *arg) {
    (void)arg;
    return -EIO;
}

START_TEST(a_failing_call_is_reported_and_the_rest_still_run) {
    scheduler_call_later(sched, 1, fail_with_eio, NULL, NULL);
    scheduler_call_later(sched, 1, record, "after", NULL);
    FILE *err = tmpfile();
    int saved = dup(2);
    dup2(fileno(err), 2);
    task_clock_advance(clock_, 1);
    dup2(saved, 2);
    rewind(err);
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, err);
    buf[n] = '\0';
    fclose(err);
    ck_assert_str_eq(buf, "task_clock: fail_with_eio failed: Input/output error\n");
    ck_assert_str_eq(ran, "after");
}
END_TEST

START_TEST(a_released_handle_leaves_the_call_scheduled) {
    struct delayed_call *call;
    scheduler_call_later(sched, 1, record, "a", &call);
    delayed_call_release(call);
    task_clock_advance(clock_, 1);
    ck_assert_str_eq(ran, "a");
}
END_TEST

START_TEST(freeing_the_clock_cancels_pending_calls_but_keeps_handles) {
    struct delayed_call *call;
    scheduler_call_later(sched, 1, record, "a", &call);
    task_clock_free(clock_);
    clock_ = task_clock_new(); /* for teardown */
    ck_assert(!delayed_call_active(call));
    ck_assert_int_eq(delayed_call_cancel(call), DELAYED_CALL_ERR_ALREADY_CANCELLED);
    delayed_call_release(call);
}
END_TEST

START_TEST(pump_advances_step_by_step) {
    scheduler_call_later(sched, 1, record, "a", NULL);
    scheduler_call_later(sched, 2, record, "b", NULL);
    double steps[] = {0.5, 0.5, 0.5, 0.5};
    ck_assert_int_eq(task_clock_pump(clock_, steps, 4), 2);
    ck_assert(task_clock_seconds(clock_) == 2.0);
    ck_assert_str_eq(ran, "ab");
}
END_TEST

START_TEST(errors_have_names) {
    ck_assert_ptr_nonnull(strstr(scheduler_strerror(DELAYED_CALL_ERR_ALREADY_CALLED), "called"));
    ck_assert_ptr_nonnull(strstr(scheduler_strerror(DELAYED_CALL_ERR_ALREADY_CANCELLED), "cancelled"));
    ck_assert_str_eq(scheduler_strerror(-EINVAL), strerror(EINVAL));
}
END_TEST

START_TEST(cancelling_the_earliest_call_changes_the_timeout) {
    struct delayed_call *first, *second;
    scheduler_call_later(sched, 1, record, "a", &first);
    scheduler_call_later(sched, 4, record, "b", &second);
    ck_assert_uint_eq(scheduler_pending(sched), 2);
    ck_assert(fabs(scheduler_timeout(sched) - 1) < 1e-9);
    ck_assert_int_eq(delayed_call_cancel(first), 0);
    ck_assert_uint_eq(scheduler_pending(sched), 1);
    ck_assert(fabs(scheduler_timeout(sched) - 4) < 1e-9);
    ck_assert_int_eq(delayed_call_cancel(second), 0);
    ck_assert_uint_eq(scheduler_pending(sched), 0);
    ck_assert(scheduler_timeout(sched) < 0); /* nothing left: no timeout */
    ck_assert(fabs(delayed_call_get_time(first) - 1) < 1e-9); /* a cancelled call keeps its time */
    delayed_call_release(first);
    delayed_call_release(second);
}
END_TEST

static struct delayed_call *victim;
static int cancel_victim(void *arg) {
    record(arg);
    return delayed_call_cancel(victim);
}

START_TEST(a_running_call_can_cancel_another_due_in_the_same_pass) {
    scheduler_call_later(sched, 1, cancel_victim, "a", NULL);
    scheduler_call_later(sched, 1, record, "b", &victim);
    scheduler_call_later(sched, 1, record, "c", NULL);
    ck_assert_int_eq(task_clock_advance(clock_, 1), 2);
    ck_assert_str_eq(ran, "ac");
    ck_assert(!delayed_call_active(victim));
    delayed_call_release(victim);
}
END_TEST

static struct delayed_call *moved;
static int move_to_now(void *arg) {
    record(arg);
    return delayed_call_reset(moved, 0);
}

START_TEST(a_call_moved_to_now_by_a_running_call_waits_for_the_next_pass) {
    scheduler_call_later(sched, 1, move_to_now, "a", NULL);
    scheduler_call_later(sched, 5, record, "b", &moved);
    ck_assert_int_eq(task_clock_advance(clock_, 1), 1);
    ck_assert_str_eq(ran, "a");
    ck_assert_int_eq(task_clock_advance(clock_, 0), 1);
    ck_assert_str_eq(ran, "ab");
    delayed_call_release(moved);
}
END_TEST

START_TEST(overdue_calls_run_in_deadline_order_in_one_pass) {
    scheduler_call_later(sched, 3, record, "c", NULL);
    scheduler_call_later(sched, 1, record, "a", NULL);
    scheduler_call_later(sched, 2, record, "b", NULL);
    ck_assert_int_eq(task_clock_advance(clock_, 10), 3);
    ck_assert_str_eq(ran, "abc");
}
END_TEST

START_TEST(reset_and_delay_refuse_bad_amounts_and_leave_the_call_alone) {
    struct delayed_call *call;
    scheduler_call_later(sched, 1, record, "a", &call);
    ck_assert_int_eq(delayed_call_reset(call, -1), -EINVAL);
    ck_assert_int_eq(delayed_call_reset(call, NAN), -EINVAL);
    ck_assert_int_eq(delayed_call_delay(call, NAN), -EINVAL);
    ck_assert(delayed_call_active(call));
    ck_assert(fabs(delayed_call_get_time(call) - 1) < 1e-9);
    ck_assert_int_eq(delayed_call_reset(call, 0.25), 0); /* earlier is allowed too */
    ck_assert_int_eq(task_clock_advance(clock_, 0.25), 1);
    ck_assert_str_eq(ran, "a");
    ck_assert_int_eq(task_clock_advance(clock_, NAN), -EINVAL);
    delayed_call_release(call);
}
END_TEST

START_TEST(delaying_a_call_to_infinity_keeps_the_timeout_clamped) {
    struct delayed_call *call;
    scheduler_call_later(sched, 1, record, "a", &call);
    ck_assert_int_eq(delayed_call_delay(call, INFINITY), 0);
    ck_assert(scheduler_timeout(sched) == SCHEDULER_MAX_TIMEOUT);
    ck_assert_int_eq(task_clock_advance(clock_, 1e300), 0);
    ck_assert_str_eq(ran, "");
    delayed_call_release(call);
}
END_TEST

static struct delayed_call *own_handle;
static int release_own_handle(void *arg) {
    record(arg);
    delayed_call_release(own_handle); /* as a timeout does once it fires: the call must outlive this */
    own_handle = NULL;
    return 0;
}

START_TEST(a_call_may_release_its_own_handle_while_it_runs) {
    scheduler_call_later(sched, 1, release_own_handle, "a", &own_handle);
    ck_assert_int_eq(task_clock_advance(clock_, 1), 1);
    ck_assert_str_eq(ran, "a");
    ck_assert_ptr_null(own_handle);
}
END_TEST

START_TEST(many_calls_with_random_cancels_run_in_order) {
    enum { N = 2000 };
    static struct delayed_call *calls[N];
    static int deadline[N];
    static char names[N][12];
    srand(5);
    for (int i = 0; i < N; i++) {
        deadline[i] = rand() % 50;
        snprintf(names[i], sizeof names[i], "%d", i);
        ck_assert_int_eq(scheduler_call_later(sched, deadline[i], record, names[i], &calls[i]), 0);
    }
    int cancelled = 0;
    for (int i = 0; i < N; i += 1 + rand() % 3) {
        ck_assert_int_eq(delayed_call_cancel(calls[i]), 0);
        cancelled++;
    }
    ck_assert_uint_eq(scheduler_pending(sched), (size_t)(N - cancelled));
    /* One time step at a time: every call due at t runs at t, in the order it was scheduled. */
    for (int t = 0; t < 50; t++) {
        ran[0] = '\0';
        long expected = 0;
        char want[sizeof ran] = "";
        for (int i = 0; i < N; i++)
            if (deadline[i] == t && delayed_call_active(calls[i])) {
                expected++;
                strcat(want, names[i]); /* a few dozen names: well within ran */
            }
        ck_assert_int_eq(task_clock_advance(clock_, t == 0 ? 0 : 1), expected);
        ck_assert_str_eq(ran, want);
    }
    ck_assert_uint_eq(scheduler_pending(sched), 0);
    for (int i = 0; i < N; i++)
        delayed_call_release(calls[i]);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("scheduler");
    TCase *tc = tcase_create("delayed-calls");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_call_runs_when_due_and_not_before);
    tcase_add_test(tc, equal_times_run_in_the_order_scheduled);
    tcase_add_test(tc, a_call_scheduled_by_a_running_call_waits_for_the_next_pass);
    tcase_add_test(tc, cancel_prevents_the_call_and_only_works_once);
    tcase_add_test(tc, cancel_after_the_call_ran_is_an_error);
    tcase_add_test(tc, a_call_is_called_before_its_function_runs);
    tcase_add_test(tc, reset_and_delay_move_the_call);
    tcase_add_test(tc, bad_delays_are_refused);
    tcase_add_test(tc, delay_never_makes_a_deadline_that_is_not_a_number);
    tcase_add_test(tc, timeout_comes_from_the_earliest_call);
    tcase_add_test(tc, an_overdue_call_means_no_wait_not_a_negative_one);
    tcase_add_test(tc, far_deadlines_clamp);
    tcase_add_test(tc, a_failing_call_is_reported_and_the_rest_still_run);
    tcase_add_test(tc, a_released_handle_leaves_the_call_scheduled);
    tcase_add_test(tc, freeing_the_clock_cancels_pending_calls_but_keeps_handles);
    tcase_add_test(tc, pump_advances_step_by_step);
    tcase_add_test(tc, errors_have_names);
    tcase_add_test(tc, cancelling_the_earliest_call_changes_the_timeout);
    tcase_add_test(tc, a_running_call_can_cancel_another_due_in_the_same_pass);
    tcase_add_test(tc, a_call_moved_to_now_by_a_running_call_waits_for_the_next_pass);
    tcase_add_test(tc, overdue_calls_run_in_deadline_order_in_one_pass);
    tcase_add_test(tc, reset_and_delay_refuse_bad_amounts_and_leave_the_call_alone);
    tcase_add_test(tc, delaying_a_call_to_infinity_keeps_the_timeout_clamped);
    tcase_add_test(tc, a_call_may_release_its_own_handle_while_it_runs);
    tcase_add_test(tc, many_calls_with_random_cancels_run_in_order);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
