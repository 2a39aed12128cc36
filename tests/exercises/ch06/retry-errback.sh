# Exercise ch06/retry-errback: add_retry(d, retry) adds an errback that, when d fails, waits
# retry->delay on the scheduler, makes one more attempt, and lets the chain go on with that attempt's
# result. Unit tests on a task_clock; under valgrind too when it is installed.
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

cat >"$WORK/test_retry.c" <<'TEST'
#include "check_main.h"
#include "deferred.h"
#include "failure.h"
#include "retry.h"
#include "task_clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct task_clock *clock_;
static int attempts;
static double attempted_at;
static struct deferred *second; /* the second attempt's Deferred, to fire by hand */
static bool second_fires_at_once;
static int end_kind;
static char end_value[64];
static int ends;

static struct deferred *attempt(void *arg) {
    (void)arg;
    attempts++;
    attempted_at = task_clock_seconds(clock_);
    if (second_fires_at_once)
        return deferred_succeed(strdup("at once"), free);
    second = deferred_new();
    return deferred_ref(second); /* one for the chain, one for the test */
}

static struct deferred_result at_the_end(struct deferred_result r, void *arg) {
    (void)arg;
    ends++;
    end_kind = r.kind == DEFERRED_FAILURE ? failure_code(r.failure) : 0;
    snprintf(end_value, sizeof end_value, "%s", r.kind == DEFERRED_VALUE && r.value ? (char *)r.value : "none");
    deferred_result_free(r);
    return deferred_none();
}

static struct retry retry;

static void setup(void) {
    attempts = ends = 0;
    attempted_at = -1;
    end_kind = 1;
    end_value[0] = 0;
    second = NULL;
    second_fires_at_once = false;
    clock_ = task_clock_new();
    retry = (struct retry){.scheduler = task_clock_scheduler(clock_), .delay = 1.0, .attempt = attempt};
}
static void teardown(void) {
    deferred_unref(second);
    task_clock_free(clock_);
}

static struct deferred *chain(void) {
    struct deferred *d = deferred_new();
    ck_assert_int_eq(add_retry(d, &retry), 0);
    deferred_add_both(d, at_the_end, NULL);
    return d;
}

START_TEST(a_failure_is_tried_again_after_the_delay) {
    struct deferred *d = chain();
    deferred_errback(d, failure_from_code(-ECONNREFUSED));
    ck_assert_msg(attempts == 0, "the second attempt started at once, not after the delay");
    ck_assert_msg(ends == 0, "the chain went on before the second attempt (it ended with %d)", end_kind);
    task_clock_advance(clock_, 0.9);
    ck_assert_msg(attempts == 0, "the second attempt started before the delay was over");
    task_clock_advance(clock_, 0.1);
    ck_assert_msg(attempts == 1 && attempted_at == 1.0, "%d attempts, the last at %g s", attempts, attempted_at);
    ck_assert_msg(ends == 0, "the chain did not wait for the second attempt");
    deferred_callback(second, strdup("second time lucky"), free);
    ck_assert_msg(ends == 1 && end_kind == 0, "the chain ended %d times, with %d", ends, end_kind);
    ck_assert_str_eq(end_value, "second time lucky");
    deferred_unref(d);
}
END_TEST

START_TEST(a_second_failure_goes_on_down_the_chain) {
    struct deferred *d = chain();
    deferred_errback(d, failure_from_code(-ECONNREFUSED));
    task_clock_advance(clock_, 1.0);
    ck_assert_msg(second != NULL, "no second attempt");
    deferred_errback(second, failure_from_code(-ETIMEDOUT));
    ck_assert_msg(ends == 1 && end_kind == -ETIMEDOUT, "the chain ended %d times, with %d, not the second failure",
                  ends, end_kind);
    deferred_unref(d);
}
END_TEST

START_TEST(a_second_attempt_that_fires_at_once_works_too) {
    second_fires_at_once = true;
    struct deferred *d = chain();
    deferred_errback(d, failure_from_code(-ECONNREFUSED));
    task_clock_advance(clock_, 1.0);
    ck_assert_msg(ends == 1 && end_kind == 0, "the chain ended %d times, with %d", ends, end_kind);
    ck_assert_str_eq(end_value, "at once");
    deferred_unref(d);
}
END_TEST

START_TEST(a_value_passes_by_and_no_second_attempt_is_made) {
    struct deferred *d = chain();
    deferred_callback(d, strdup("first time"), free);
    task_clock_advance(clock_, 5);
    ck_assert_msg(attempts == 0, "a second attempt after a success");
    ck_assert_msg(ends == 1 && end_kind == 0, "the chain ended %d times, with %d", ends, end_kind);
    ck_assert_str_eq(end_value, "first time");
    deferred_unref(d);
}
END_TEST

START_TEST(the_delay_may_be_zero) {
    retry.delay = 0;
    struct deferred *d = chain();
    deferred_errback(d, failure_from_code(-ECONNREFUSED));
    task_clock_advance(clock_, 0);
    ck_assert_msg(attempts == 1, "%d attempts after a delay of 0", attempts);
    deferred_callback(second, NULL, NULL);
    ck_assert_msg(ends == 1 && end_kind == 0, "the chain ended %d times, with %d", ends, end_kind);
    deferred_unref(d);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("retry");
    TCase *tc = tcase_create("retry");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_failure_is_tried_again_after_the_delay);
    tcase_add_test(tc, a_second_failure_goes_on_down_the_chain);
    tcase_add_test(tc, a_second_attempt_that_fires_at_once_works_too);
    tcase_add_test(tc, a_value_passes_by_and_no_second_attempt_is_made);
    tcase_add_test(tc, the_delay_may_be_zero);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
TEST

hint_for() {
    case "$1" in
    a_failure_is_tried_again_after_the_delay | the_delay_may_be_zero)
        echo "the errback returns a Deferred that fires after the delay (deferred_later), and the chain waits for it" ;;
    a_second_failure_goes_on_down_the_chain | a_second_attempt_that_fires_at_once_works_too)
        echo "let the chain wait for the attempt's own Deferred: its result, value or failure, is what goes on" ;;
    a_value_passes_by_and_no_second_attempt_is_made) echo "an errback only: the callback side of the pair passes values by" ;;
    *) echo "read the contract in retry.h again" ;;
    esac
}

UNIT_HEADER=retry.h
compile_object retry.o retry.c
build_unit_tests test_retry test_retry.c retry.c
run_unit_tests "$WORK/test_retry"
check_leaks "$WORK/test_retry"
done_testing
