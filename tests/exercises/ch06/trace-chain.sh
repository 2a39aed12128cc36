# Exercise ch06/trace-chain: deferred_add_tracer(d, label) adds a pair that writes "LABEL: value V",
# "LABEL: value none" or "LABEL: failure MESSAGE" for what passes it, and passes it on unchanged (the
# same pointer, on the same track). Unit tests; under valgrind too when it is installed.
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

cat >"$WORK/test_trace.c" <<'TEST'
#include "check_main.h"
#include "deferred.h"
#include "failure.h"
#include "trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *text;
static size_t size;

static void setup(void) { trace_output = open_memstream(&text, &size); }
static void teardown(void) {
    fclose(trace_output);
    trace_output = NULL;
    free(text);
}
static const char *written(void) {
    fflush(trace_output);
    return text;
}

static struct deferred_result shout(struct deferred_result r, void *arg) {
    (void)arg;
    char *loud = malloc(strlen(r.value) + 2);
    sprintf(loud, "%s!", (char *)r.value);
    deferred_result_free(r);
    return deferred_value(loud, free);
}
static struct deferred_result break_it(struct deferred_result r, void *arg) {
    (void)arg;
    deferred_result_free(r);
    return deferred_failure(failure_new(-EIO, "the parser broke"));
}
static struct deferred_result recover(struct deferred_result r, void *arg) {
    (void)arg;
    deferred_result_free(r);
    return deferred_none();
}

static void *seen_value;
static struct failure *seen_failure;
static struct deferred_result remember(struct deferred_result r, void *arg) {
    (void)arg;
    if (r.kind == DEFERRED_FAILURE)
        seen_failure = r.failure;
    else
        seen_value = r.value;
    return r;
}

START_TEST(every_step_is_traced_with_what_it_received) {
    struct deferred *d = deferred_new();
    ck_assert_int_eq(deferred_add_tracer(d, "start"), 0);
    deferred_add_callback(d, shout, NULL);
    deferred_add_tracer(d, "shouted");
    deferred_add_callback(d, break_it, NULL);
    deferred_add_tracer(d, "failed");
    deferred_add_errback(d, recover, NULL);
    deferred_add_tracer(d, "end");
    ck_assert_msg(size == 0 && (text == NULL || text[0] == 0), "a tracer wrote before d fired");
    deferred_callback(d, strdup("a poem"), free);
    ck_assert_str_eq(written(), "start: value a poem\nshouted: value a poem!\nfailed: failure the parser broke\n"
                                "end: value none\n");
    deferred_unref(d);
}
END_TEST

START_TEST(a_tracer_passes_the_very_same_value_on) {
    struct deferred *d = deferred_new();
    deferred_add_tracer(d, "t");
    deferred_add_callbacks(d, remember, NULL, remember, NULL);
    char *poem = strdup("mine");
    seen_value = NULL;
    deferred_callback(d, poem, free);
    ck_assert_msg(seen_value == poem, "the value after the tracer is not the one that went in");
    ck_assert_str_eq(written(), "t: value mine\n");
    deferred_unref(d);
}
END_TEST

START_TEST(a_tracer_passes_the_very_same_failure_on_the_errback_track) {
    struct deferred *d = deferred_new();
    deferred_add_tracer(d, "t");
    deferred_add_callbacks(d, remember, NULL, remember, NULL);
    deferred_add_errback(d, recover, NULL);
    struct failure *f = failure_from_code(-ECONNREFUSED);
    seen_failure = NULL;
    seen_value = (void *)1;
    deferred_errback(d, f);
    ck_assert_msg(seen_failure == f, "the failure after the tracer is not the one that went in");
    ck_assert_msg(seen_value == (void *)1, "the failure came out on the callback track");
    char want[128];
    snprintf(want, sizeof want, "t: failure %s\n", strerror(ECONNREFUSED));
    ck_assert_str_eq(written(), want);
    deferred_unref(d);
}
END_TEST

START_TEST(a_tracer_on_a_fired_deferred_writes_at_once) {
    struct deferred *d = deferred_succeed(NULL, NULL);
    deferred_add_tracer(d, "late");
    ck_assert_str_eq(written(), "late: value none\n");
    deferred_unref(d);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("trace");
    TCase *tc = tcase_create("trace");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_step_is_traced_with_what_it_received);
    tcase_add_test(tc, a_tracer_passes_the_very_same_value_on);
    tcase_add_test(tc, a_tracer_passes_the_very_same_failure_on_the_errback_track);
    tcase_add_test(tc, a_tracer_on_a_fired_deferred_writes_at_once);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
TEST

hint_for() {
    case "$1" in
    every_step_is_traced_with_what_it_received)
        echo "one line per result that passes, in the format of trace.h, on both tracks: add the same function as callback and errback" ;;
    a_tracer_passes_the_very_same_*)
        echo "return the result you were given, as it is: it is yours, and giving it back passes it on" ;;
    a_tracer_on_a_fired_deferred_writes_at_once) echo "add the pair with the library's add functions: they run it at once if d has fired" ;;
    *) echo "read the contract in trace.h again" ;;
    esac
}

UNIT_HEADER=trace.h
compile_object trace.o trace.c
build_unit_tests test_trace test_trace.c trace.c
run_unit_tests "$WORK/test_trace"
check_leaks "$WORK/test_trace"
done_testing
