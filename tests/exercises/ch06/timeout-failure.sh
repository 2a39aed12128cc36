# Exercise ch06/timeout-failure: with_timeout(scheduler, d, seconds) is a Deferred that fires with d's
# result if d fires in time, else errbacks with a POETRY_TIMED_OUT failure ("timed out after S s") and
# cancels d; it fires once, leaves no timer behind, and leaks nothing. Unit tests on a task_clock;
# without a sanitizer and with valgrind installed, they also run in one process under valgrind.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/unit_tests.sh"

# compile_object OBJECT SOURCE: compiles the exercise's SOURCE alone, as one case ("SOURCE compiles").
compile_object() {
    local object=$1 source=$2
    # shellcheck disable=SC2086
    if ${CC:-cc} ${CFLAGS:-} -I"$SNAPSHOT" -c -o "$WORK/$object" "$EXDIR/$source" >"$WORK/build.log" 2>&1; then
        ok "$source compiles"
    else
        not_ok "$source compiles" "$(head -n 30 "$WORK/build.log")" \
            "hint: the starter compiled as given; fix the first error above, then check again"
        done_testing
    fi
}

cat >"$WORK/test_timeout.c" <<'TEST'
#include "check_main.h"
#include "deferred.h"
#include "failure.h"
#include "task_clock.h"
#include "timeout.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static struct task_clock *clock_;
static struct scheduler *sched;
static int fired;          /* how many times the timeout's Deferred fired */
static int kind;           /* 0 for a value, else the failure's code */
static char seen[128];     /* the value, or the failure's message */
static int cancels;

static struct deferred_result record(struct deferred_result r, void *arg) {
    (void)arg;
    fired++;
    if (r.kind == DEFERRED_FAILURE) {
        kind = failure_code(r.failure);
        snprintf(seen, sizeof seen, "%s", failure_message(r.failure));
    } else {
        kind = 0;
        snprintf(seen, sizeof seen, "%s", r.value ? (char *)r.value : "none");
    }
    deferred_result_free(r);
    return deferred_none();
}

static void count_cancel(struct deferred *d, void *arg) {
    (void)d;
    (void)arg;
    cancels++;
}

static void setup(void) {
    fired = kind = cancels = 0;
    seen[0] = 0;
    clock_ = task_clock_new();
    sched = task_clock_scheduler(clock_);
}
static void teardown(void) { task_clock_free(clock_); }

static struct deferred *watched(struct deferred *d, double seconds) {
    struct deferred *t = with_timeout(sched, d, seconds);
    ck_assert_msg(t != NULL, "with_timeout returned NULL");
    deferred_add_both(t, record, NULL);
    return t;
}

START_TEST(a_value_in_time_comes_through) {
    struct deferred *d = deferred_new();
    struct deferred *t = watched(d, 2.0);
    task_clock_advance(clock_, 1.5);
    ck_assert_msg(fired == 0, "the timeout's Deferred fired before d did");
    deferred_callback(d, strdup("a poem"), free);
    ck_assert_msg(fired == 1 && kind == 0 && strcmp(seen, "a poem") == 0, "fired %d times, with '%s'", fired, seen);
    ck_assert_msg(scheduler_pending(sched) == 0, "a timer is still pending after d fired");
    task_clock_advance(clock_, 5);
    ck_assert_msg(fired == 1, "fired again when the deadline passed");
    deferred_unref(t);
    deferred_unref(d);
}
END_TEST

START_TEST(a_failure_in_time_comes_through) {
    struct deferred *d = deferred_new();
    struct deferred *t = watched(d, 2.0);
    deferred_errback(d, failure_from_code(-ECONNREFUSED));
    ck_assert_msg(fired == 1 && kind == -ECONNREFUSED, "fired %d times, kind %d", fired, kind);
    ck_assert_msg(scheduler_pending(sched) == 0, "a timer is still pending after d failed");
    deferred_unref(t);
    deferred_unref(d);
}
END_TEST

START_TEST(the_deadline_errbacks_with_its_own_failure_and_cancels_d) {
    struct deferred *d = deferred_new_cancellable(count_cancel, NULL);
    struct deferred *t = watched(d, 2.5);
    task_clock_advance(clock_, 2.4);
    ck_assert_msg(fired == 0, "fired before the deadline");
    task_clock_advance(clock_, 0.1);
    ck_assert_msg(fired == 1, "did not fire at the deadline");
    ck_assert_msg(kind == POETRY_TIMED_OUT, "the failure's kind is %d, not POETRY_TIMED_OUT", kind);
    ck_assert_msg(strcmp(seen, "timed out after 2.5 s") == 0, "the message is '%s'", seen);
    ck_assert_msg(cancels == 1, "d's canceller ran %d times, not once", cancels);
    ck_assert_msg(deferred_called(d), "d was not cancelled");
    deferred_unref(t);
    deferred_unref(d);
}
END_TEST

START_TEST(d_firing_after_the_deadline_changes_nothing) {
    struct deferred *d = deferred_new();
    struct deferred *t = watched(d, 1.0);
    task_clock_advance(clock_, 1.0);
    ck_assert_msg(fired == 1 && kind == POETRY_TIMED_OUT, "fired %d times, kind %d", fired, kind);
    deferred_callback(d, strdup("too late"), free); /* swallowed: d was cancelled without a canceller */
    ck_assert_msg(fired == 1, "the timeout's Deferred fired twice");
    deferred_unref(t);
    deferred_unref(d);
}
END_TEST

START_TEST(the_caller_may_let_go_of_d_at_once) {
    struct deferred *d = deferred_new();
    struct deferred *t = watched(d, 1.0);
    struct deferred *keep = deferred_ref(d); /* as the producer would */
    deferred_unref(d);
    deferred_callback(keep, strdup("kept"), free);
    ck_assert_msg(fired == 1 && strcmp(seen, "kept") == 0, "fired %d times, with '%s'", fired, seen);
    deferred_unref(keep);
    deferred_unref(t);
}
END_TEST

START_TEST(a_bad_delay_is_refused) {
    struct deferred *d = deferred_new();
    ck_assert_msg(with_timeout(sched, d, -1) == NULL, "a negative delay was accepted");
    ck_assert_msg(with_timeout(sched, d, NAN) == NULL, "NaN was accepted");
    ck_assert_msg(scheduler_pending(sched) == 0, "a refused call left a timer");
    deferred_unref(d);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("timeout");
    TCase *tc = tcase_create("timeout");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_value_in_time_comes_through);
    tcase_add_test(tc, a_failure_in_time_comes_through);
    tcase_add_test(tc, the_deadline_errbacks_with_its_own_failure_and_cancels_d);
    tcase_add_test(tc, d_firing_after_the_deadline_changes_nothing);
    tcase_add_test(tc, the_caller_may_let_go_of_d_at_once);
    tcase_add_test(tc, a_bad_delay_is_refused);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
TEST

hint_for() {
    case "$1" in
    a_value_in_time_comes_through | a_failure_in_time_comes_through)
        echo "return a new Deferred, not d: fire it from a pair you add to d, and cancel the timer when d comes first" ;;
    the_deadline_errbacks_with_its_own_failure_and_cancels_d)
        echo "a delayed call of 'seconds' errbacks the new Deferred with failure_new(POETRY_TIMED_OUT, ...) and then cancels d" ;;
    d_firing_after_the_deadline_changes_nothing)
        echo "after the timer has won, the result d brings is nobody's: free it, and don't fire the new Deferred again" ;;
    the_caller_may_let_go_of_d_at_once)
        echo "hold your own reference to each Deferred you keep a pointer to" ;;
    a_bad_delay_is_refused) echo "check seconds before making anything" ;;
    *) echo "read the contract in timeout.h again" ;;
    esac
}

UNIT_HEADER=timeout.h
compile_object timeout.o timeout.c
build_unit_tests test_timeout test_timeout.c timeout.c
run_unit_tests "$WORK/test_timeout"
check_leaks "$WORK/test_timeout"
done_testing
