# Exercise ch04/retry-backoff: retry.c keeps calling an attempt function until it succeeds, waiting
# initial_delay, initial_delay * factor, ... (capped at max_delay, jittered on request) between
# attempts, at most max_attempts times, and says how it ended through a done function. Everything runs
# on a task_clock, so the times the test asserts are exact and no test sleeps. Without a sanitizer and
# with valgrind installed, the same unit tests also run in one process under valgrind, to find leaks.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/unit_tests.sh"

# compile_object OBJECT SOURCE [FLAGS...]: compiles the exercise's SOURCE to $WORK/OBJECT, one case.
compile_object() {
    local object=$1 source=$2
    shift 2
    # shellcheck disable=SC2086
    if ${CC:-cc} ${CFLAGS:-} "$@" -I"$SNAPSHOT" -c -o "$WORK/$object" "$EXDIR/$source" >"$WORK/build.log" 2>&1; then
        ok "$source compiles"
    else
        not_ok "$source compiles" "$(head -n 30 "$WORK/build.log")" \
            "hint: the starter compiled as given; fix the first error above, then check again"
        done_testing
    fi
}

cat >"$WORK/test_retry.c" <<'EOF'
/* Unit tests of retry.c on a task_clock. */
#include "check_main.h"
#include "retry.h"
#include "task_clock.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static struct task_clock *clock_;
static struct scheduler *sched;
static struct retry *retry;
static double times[64];  /* when each attempt ran */
static int attempts;
static int succeed_on;    /* the attempt number that succeeds (0: none) */
static int cancel_on;     /* the attempt number that cancels the retry from inside (0: none) */
static int done_count;
static int done_status;
static double done_time;
static int free_in_done;
static double random_value;

static int attempt(void *arg) {
    (void)arg;
    if (attempts < 64)
        times[attempts] = task_clock_seconds(clock_);
    attempts++;
    if (attempts == cancel_on)
        ck_assert_msg(retry_cancel(retry) == 0, "retry_cancel from inside the attempt did not return 0");
    return attempts == succeed_on ? 0 : -ECONNREFUSED - attempts; /* a different code each time */
}

static void done(void *arg, int status) {
    (void)arg;
    done_count++;
    done_status = status;
    done_time = task_clock_seconds(clock_);
    if (free_in_done) {
        retry_free(retry);
        retry = NULL;
    }
}

static double fixed_random(void *arg) {
    (void)arg;
    return random_value;
}

static void setup(void) {
    attempts = succeed_on = cancel_on = done_count = done_status = free_in_done = 0;
    done_time = -1;
    random_value = 0.5;
    retry = NULL;
    clock_ = task_clock_new();
    sched = task_clock_scheduler(clock_);
}

static void teardown(void) {
    retry_free(retry);
    retry = NULL;
    task_clock_free(clock_);
}

static void start(double initial, double factor, double max_delay, long max_attempts) {
    struct retry_options options = {
        .initial_delay = initial, .factor = factor, .max_delay = max_delay, .max_attempts = max_attempts};
    int err = retry_start(sched, &options, attempt, NULL, done, NULL, &retry);
    ck_assert_msg(err == 0, "retry_start returned %d (%s), not 0", err, retry_strerror(err));
    ck_assert_msg(retry != NULL, "retry_start returned 0 but left *out NULL");
}

/* Runs what is due now, then advances the clock by quarter seconds up to `until`. */
static void run_until(double until) {
    task_clock_advance(clock_, 0);
    while (task_clock_seconds(clock_) < until)
        task_clock_advance(clock_, 0.25);
}

/* Checks that the attempts ran at exactly the expected times. */
static void expect_times(const double *expected, int count) {
    char got[512] = "", want[512] = "";
    for (int i = 0; i < attempts && i < 64; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%g", i ? ", " : "", times[i]);
    for (int i = 0; i < count; i++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%g", i ? ", " : "", expected[i]);
    ck_assert_msg(strcmp(got, want) == 0, "attempts ran at t = %s; expected t = %s", got[0] ? got : "(none)",
                  want);
}

START_TEST(the_first_attempt_runs_on_the_next_pass_not_inside_start) {
    start(1, 2, 60, 5);
    ck_assert_msg(attempts == 0, "an attempt ran inside retry_start");
    ck_assert_msg(done_count == 0, "done was told inside retry_start");
    task_clock_advance(clock_, 0);
    ck_assert_msg(attempts == 1, "after advancing by 0, %d attempts ran, not 1", attempts);
    ck_assert_msg(retry_attempts(retry) == 1, "retry_attempts says %ld after one attempt", retry_attempts(retry));
}
END_TEST

START_TEST(failed_attempts_run_at_0_1_3_7_then_done_reports_the_last_code) {
    start(1, 2, 60, 4);
    run_until(30);
    const double expected[] = {0, 1, 3, 7};
    expect_times(expected, 4);
    ck_assert_msg(done_count == 1, "done was told %d times, not once", done_count);
    ck_assert_msg(done_status == -ECONNREFUSED - 4,
                  "done was told status %d; expected the code the last attempt returned (%d)", done_status,
                  -ECONNREFUSED - 4);
    ck_assert_msg(done_time == 7, "done was told at t = %g, not right after the last attempt (t = 7)", done_time);
    ck_assert_msg(retry_attempts(retry) == 4, "retry_attempts says %ld, not 4", retry_attempts(retry));
    ck_assert_msg(scheduler_pending(sched) == 0, "%zu calls still pending after the retry gave up",
                  scheduler_pending(sched));
}
END_TEST

START_TEST(the_waits_are_capped_at_max_delay) {
    start(1, 3, 4, 6); /* waits 1, 3, then 9 and 27 capped to 4 */
    run_until(40);
    const double expected[] = {0, 1, 4, 8, 12, 16};
    expect_times(expected, 6);
    ck_assert_msg(done_count == 1, "done was told %d times, not once", done_count);
}
END_TEST

START_TEST(max_delay_caps_the_first_wait_too) {
    start(5, 2, 2, 3);
    run_until(20);
    const double expected[] = {0, 2, 4};
    expect_times(expected, 3);
}
END_TEST

START_TEST(one_attempt_allowed_means_no_wait) {
    start(1, 2, 60, 1);
    run_until(10);
    const double expected[] = {0};
    expect_times(expected, 1);
    ck_assert_msg(done_count == 1 && done_time == 0, "done was told %d times (expected once, at t = 0)",
                  done_count);
    ck_assert_msg(done_status == -ECONNREFUSED - 1, "done was told status %d, not the attempt's code",
                  done_status);
}
END_TEST

START_TEST(success_stops_the_retries_and_is_reported_once) {
    succeed_on = 3;
    start(1, 2, 60, 10);
    run_until(100);
    const double expected[] = {0, 1, 3};
    expect_times(expected, 3);
    ck_assert_msg(done_count == 1, "done was told %d times, not once", done_count);
    ck_assert_msg(done_status == 0, "done was told status %d after a success, not 0", done_status);
    ck_assert_msg(done_time == 3, "done was told at t = %g, not at the successful attempt (t = 3)", done_time);
    ck_assert_msg(scheduler_pending(sched) == 0, "%zu calls still pending after the success",
                  scheduler_pending(sched));
}
END_TEST

START_TEST(success_on_the_first_attempt) {
    succeed_on = 1;
    start(1, 2, 60, 10);
    run_until(20);
    ck_assert_msg(attempts == 1, "%d attempts ran, not 1", attempts);
    ck_assert_msg(done_count == 1 && done_status == 0, "done was told %d times, last status %d", done_count,
                  done_status);
}
END_TEST

START_TEST(cancel_between_attempts_prevents_the_next) {
    start(1, 2, 60, 10);
    run_until(2); /* attempts at 0 and 1; the next is due at 3 */
    ck_assert_msg(attempts == 2, "%d attempts by t = 2, not 2", attempts);
    ck_assert_msg(retry_cancel(retry) == 0, "retry_cancel did not return 0");
    ck_assert_msg(scheduler_pending(sched) == 0,
                  "after retry_cancel, %zu calls are still pending on the scheduler", scheduler_pending(sched));
    run_until(100);
    ck_assert_msg(attempts == 2, "%d attempts ran after the cancel", attempts - 2);
    ck_assert_msg(done_count == 0, "done was told after a cancel");
    ck_assert_msg(retry_cancel(retry) == RETRY_ERR_FINISHED, "a second retry_cancel did not say RETRY_ERR_FINISHED");
}
END_TEST

START_TEST(cancel_before_the_first_attempt) {
    start(1, 2, 60, 10);
    ck_assert_msg(retry_cancel(retry) == 0, "retry_cancel did not return 0");
    run_until(50);
    ck_assert_msg(attempts == 0, "%d attempts ran after the cancel", attempts);
    ck_assert_msg(done_count == 0, "done was told after a cancel");
}
END_TEST

START_TEST(cancel_from_inside_the_attempt) {
    cancel_on = 2;
    start(1, 2, 60, 10);
    run_until(50);
    ck_assert_msg(attempts == 2, "%d attempts ran, not 2 (the second cancelled the retry)", attempts);
    ck_assert_msg(done_count == 0, "done was told after a cancel");
    ck_assert_msg(scheduler_pending(sched) == 0, "%zu calls still pending after the cancel",
                  scheduler_pending(sched));
}
END_TEST

START_TEST(cancel_after_the_end_says_finished) {
    succeed_on = 1;
    start(1, 2, 60, 3);
    run_until(5);
    ck_assert_msg(retry_cancel(retry) == RETRY_ERR_FINISHED,
                  "retry_cancel after a success did not say RETRY_ERR_FINISHED");
    ck_assert_msg(done_count == 1, "done was told %d times, not once", done_count);
}
END_TEST

START_TEST(done_may_free_the_retry) {
    free_in_done = 1;
    start(1, 2, 60, 3);
    run_until(20);
    ck_assert_msg(done_count == 1, "done was told %d times, not once", done_count);
    ck_assert_msg(attempts == 3, "%d attempts ran, not 3", attempts);
}
END_TEST

START_TEST(free_while_waiting_cancels) {
    start(1, 2, 60, 10);
    run_until(1);
    retry_free(retry);
    retry = NULL;
    ck_assert_msg(scheduler_pending(sched) == 0, "after retry_free, %zu calls are still pending",
                  scheduler_pending(sched));
    run_until(50);
    ck_assert_msg(attempts == 2, "attempts ran after retry_free");
}
END_TEST

static void start_jittered(double initial, double factor, double max_delay, double jitter, double u) {
    random_value = u;
    struct retry_options options = {.initial_delay = initial,
                                    .factor = factor,
                                    .max_delay = max_delay,
                                    .max_attempts = 4,
                                    .jitter = jitter,
                                    .random = fixed_random};
    int err = retry_start(sched, &options, attempt, NULL, done, NULL, &retry);
    ck_assert_msg(err == 0, "retry_start with jitter returned %d (%s), not 0", err, retry_strerror(err));
}

START_TEST(jitter_with_random_0_shortens_each_wait) {
    start_jittered(1, 2, 60, 0.25, 0); /* waits 0.75, 1.5, 3 */
    run_until(20);
    const double expected[] = {0, 0.75, 2.25, 5.25};
    expect_times(expected, 4);
}
END_TEST

START_TEST(jitter_with_random_1_lengthens_each_wait) {
    start_jittered(1, 2, 60, 0.25, 1); /* waits 1.25, 2.5, 5 */
    run_until(20);
    const double expected[] = {0, 1.25, 3.75, 8.75};
    expect_times(expected, 4);
}
END_TEST

START_TEST(jitter_with_random_one_half_changes_nothing) {
    start_jittered(1, 2, 60, 0.5, 0.5);
    run_until(20);
    const double expected[] = {0, 1, 3, 7};
    expect_times(expected, 4);
}
END_TEST

START_TEST(jitter_applies_after_the_cap_and_does_not_compound) {
    start_jittered(1, 2, 2, 0.5, 1); /* waits 1, 2, 2 (capped), each times 1.5 */
    run_until(20);
    const double expected[] = {0, 1.5, 4.5, 7.5};
    expect_times(expected, 4);
}
END_TEST

START_TEST(bad_options_are_refused) {
    struct {
        struct retry_options options;
        const char *what;
    } bad[] = {
        {{.initial_delay = -1, .factor = 2, .max_delay = 60, .max_attempts = 3}, "initial_delay -1"},
        {{.initial_delay = NAN, .factor = 2, .max_delay = 60, .max_attempts = 3}, "initial_delay NaN"},
        {{.initial_delay = 1, .factor = 0.5, .max_delay = 60, .max_attempts = 3}, "factor 0.5"},
        {{.initial_delay = 1, .factor = 2, .max_delay = -1, .max_attempts = 3}, "max_delay -1"},
        {{.initial_delay = 1, .factor = 2, .max_delay = 60, .max_attempts = 0}, "max_attempts 0"},
        {{.initial_delay = 1, .factor = 2, .max_delay = 60, .max_attempts = 3, .jitter = 2, .random = fixed_random},
         "jitter 2"},
        {{.initial_delay = 1, .factor = 2, .max_delay = 60, .max_attempts = 3, .jitter = 0.1}, "jitter without random"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct retry *r = (struct retry *)&bad; /* not NULL, to see that it is reset */
        int err = retry_start(sched, &bad[i].options, attempt, NULL, done, NULL, &r);
        ck_assert_msg(err == -EINVAL, "retry_start with %s returned %d, not -EINVAL", bad[i].what, err);
        ck_assert_msg(r == NULL, "retry_start with %s failed but did not set *out to NULL", bad[i].what);
    }
    ck_assert_msg(scheduler_pending(sched) == 0, "a refused retry_start left %zu calls scheduled",
                  scheduler_pending(sched));
    run_until(5);
    ck_assert_msg(attempts == 0, "a refused retry_start still made attempts");
}
END_TEST

int main(void) {
    Suite *suite = suite_create("retry");
    TCase *tc = tcase_create("retry");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_first_attempt_runs_on_the_next_pass_not_inside_start);
    tcase_add_test(tc, failed_attempts_run_at_0_1_3_7_then_done_reports_the_last_code);
    tcase_add_test(tc, the_waits_are_capped_at_max_delay);
    tcase_add_test(tc, max_delay_caps_the_first_wait_too);
    tcase_add_test(tc, one_attempt_allowed_means_no_wait);
    tcase_add_test(tc, success_stops_the_retries_and_is_reported_once);
    tcase_add_test(tc, success_on_the_first_attempt);
    tcase_add_test(tc, cancel_between_attempts_prevents_the_next);
    tcase_add_test(tc, cancel_before_the_first_attempt);
    tcase_add_test(tc, cancel_from_inside_the_attempt);
    tcase_add_test(tc, cancel_after_the_end_says_finished);
    tcase_add_test(tc, done_may_free_the_retry);
    tcase_add_test(tc, free_while_waiting_cancels);
    tcase_add_test(tc, jitter_with_random_0_shortens_each_wait);
    tcase_add_test(tc, jitter_with_random_1_lengthens_each_wait);
    tcase_add_test(tc, jitter_with_random_one_half_changes_nothing);
    tcase_add_test(tc, jitter_applies_after_the_cap_and_does_not_compound);
    tcase_add_test(tc, bad_options_are_refused);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
EOF

# The hint for each unit test, by name.
hint_for() {
    case "$1" in
    the_first_attempt_runs_on_the_next_pass_not_inside_start)
        echo "retry_start schedules the first attempt with a delay of 0; it does not call the attempt itself" ;;
    failed_attempts_run_at_0_1_3_7_then_done_reports_the_last_code | the_waits_are_capped_at_max_delay | max_delay_caps_the_first_wait_too)
        echo "the wait after failure k is initial_delay * factor^(k-1), but never more than max_delay; give up (and tell done) right after attempt number max_attempts fails" ;;
    one_attempt_allowed_means_no_wait)
        echo "max_attempts counts the first attempt: with 1, the first failure is the end" ;;
    success_* | cancel_after_the_end_says_finished)
        echo "a success ends the retry: tell done once, with 0, and schedule nothing more" ;;
    cancel_*)
        echo "a cancel must take the pending delayed call off the scheduler (delayed_call_cancel needs the handle that scheduler_call_later gave you), and an attempt that cancels its own retry must leave it cancelled" ;;
    done_may_free_the_retry | free_while_waiting_cancels)
        echo "after telling done, touch nothing of the retry: done may have freed it; retry_free cancels what is pending before it frees" ;;
    jitter_*)
        echo "read the formula for the jitter in retry.h: it applies to each wait after the cap, and the next wait grows from the unjittered one" ;;
    bad_options_are_refused)
        echo "check every option against the range retry.h gives, before allocating or scheduling anything; NaN fails every comparison" ;;
    *) echo "read the contract of retry.h again" ;;
    esac
}

UNIT_HEADER=retry.h
compile_object retry.o retry.c
build_unit_tests test_retry test_retry.c retry.c
run_unit_tests "$WORK/test_retry"
check_leaks "$WORK/test_retry"
done_testing
