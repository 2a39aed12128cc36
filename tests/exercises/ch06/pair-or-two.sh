# Exercise ch06/pair-or-two: guard_download_only adds parse_title and report_failure as one pair (the
# errback sees only the download's failure), guard_both as two (it also sees parse_title's). Unit tests;
# under valgrind too when it is installed.
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

cat >"$WORK/test_pairs.c" <<'TEST'
#include "check_main.h"
#include "deferred.h"
#include "failure.h"
#include "pairs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int reported;
static int end_kind;      /* the chain's end: 0 value, else the failure's code */
static char end_value[64];

static struct deferred_result at_the_end(struct deferred_result r, void *arg) {
    (void)arg;
    end_kind = r.kind == DEFERRED_FAILURE ? failure_code(r.failure) : 0;
    snprintf(end_value, sizeof end_value, "%s", r.kind == DEFERRED_VALUE && r.value ? (char *)r.value : "none");
    deferred_result_free(r);
    return deferred_none();
}

static void setup(void) {
    reported = 0;
    end_kind = 1;
    end_value[0] = 0;
}

typedef int (*guard_fn)(struct deferred *, int *);

static void run(guard_fn guard, struct deferred_result fire_with) {
    struct deferred *d = deferred_new();
    ck_assert_int_eq(guard(d, &reported), 0);
    deferred_add_both(d, at_the_end, NULL);
    deferred_fire(d, fire_with);
    deferred_unref(d);
}

START_TEST(download_only_reports_a_failed_download) {
    run(guard_download_only, deferred_error(-ECONNREFUSED));
    ck_assert_msg(reported == -ECONNREFUSED, "report_failure saw %d, not the download's failure", reported);
    ck_assert_msg(end_kind == 0, "the chain did not recover after the report");
}
END_TEST

START_TEST(download_only_lets_the_parsers_failure_through) {
    run(guard_download_only, deferred_value(strdup("\nuntitled"), free));
    ck_assert_msg(reported == 0, "report_failure saw parse_title's failure (%d)", reported);
    ck_assert_msg(end_kind == POETRY_NO_TITLE, "the chain ended with %d, not POETRY_NO_TITLE", end_kind);
}
END_TEST

START_TEST(download_only_parses_a_good_poem) {
    run(guard_download_only, deferred_value(strdup("Ozymandias\nI met a traveller"), free));
    ck_assert_msg(reported == 0 && end_kind == 0, "reported %d, ended with %d", reported, end_kind);
    ck_assert_str_eq(end_value, "Ozymandias");
}
END_TEST

START_TEST(both_reports_a_failed_download) {
    run(guard_both, deferred_error(-ECONNREFUSED));
    ck_assert_msg(reported == -ECONNREFUSED, "report_failure saw %d, not the download's failure", reported);
    ck_assert_msg(end_kind == 0, "the chain did not recover after the report");
}
END_TEST

START_TEST(both_reports_the_parsers_failure) {
    run(guard_both, deferred_value(strdup("\nuntitled"), free));
    ck_assert_msg(reported == POETRY_NO_TITLE, "report_failure saw %d, not parse_title's failure", reported);
    ck_assert_msg(end_kind == 0, "the chain did not recover after the report");
}
END_TEST

START_TEST(both_parses_a_good_poem) {
    run(guard_both, deferred_value(strdup("Ozymandias\nI met a traveller"), free));
    ck_assert_msg(reported == 0 && end_kind == 0, "reported %d, ended with %d", reported, end_kind);
    ck_assert_str_eq(end_value, "Ozymandias");
}
END_TEST

int main(void) {
    Suite *suite = suite_create("pairs");
    TCase *tc = tcase_create("pairs");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, download_only_reports_a_failed_download);
    tcase_add_test(tc, download_only_lets_the_parsers_failure_through);
    tcase_add_test(tc, download_only_parses_a_good_poem);
    tcase_add_test(tc, both_reports_a_failed_download);
    tcase_add_test(tc, both_reports_the_parsers_failure);
    tcase_add_test(tc, both_parses_a_good_poem);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
TEST

hint_for() {
    case "$1" in
    download_only_*) echo "an errback in the same pair as parse_title never sees what parse_title returns" ;;
    both_*) echo "an errback in a later pair sees every failure that comes down the chain before it" ;;
    *) echo "read the contracts in pairs.h again" ;;
    esac
}

UNIT_HEADER=pairs.h
compile_object pairs.o pairs.c
build_unit_tests test_pairs test_pairs.c pairs.c
run_unit_tests "$WORK/test_pairs"
check_leaks "$WORK/test_pairs"
done_testing
