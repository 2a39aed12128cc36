# Exercise ch08/expiring-cache: a poem kept `seconds` on a scheduler's clock. Unit tests on a task_clock:
# kept before its time, gone at its time exactly (freed by a delayed call, with nobody asking) and after;
# gone at its time even before the delayed call has run (a scheduler moved by hand); a new put replaces
# the poem and starts the time again, with one delayed call pending; every get is a copy of its own;
# freeing leaves no call pending. Without a sanitizer and with valgrind installed, they also run in one
# process under valgrind.
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

cat >"$WORK/test_expiring_cache.c" <<'TEST'
#include "check_main.h"
#include "expiring_cache.h"
#include "poem.h"
#include "task_clock.h"

#include <stdio.h>
#include <string.h>

static struct task_clock *clock_;
static struct scheduler *sched;
static struct expiring_cache *cache;

static struct poem *poem_of(const char *text) {
    static struct poem p;
    p.bytes = (char *)text;
    p.len = strlen(text);
    p.capacity = p.len;
    return &p;
}

/* The cache's answer now: "" for nothing, else the poem's text. */
static const char *got(void) {
    static char text[64];
    struct poem *p = expiring_cache_get(cache);
    if (p == NULL)
        return "";
    snprintf(text, sizeof text, "%.*s", (int)p->len, p->bytes);
    poem_free(p);
    return text;
}

static void setup(void) {
    clock_ = task_clock_new();
    sched = task_clock_scheduler(clock_);
    cache = expiring_cache_new(sched, 10);
    ck_assert_msg(cache != NULL, "expiring_cache_new(scheduler, 10) returned NULL");
}
static void teardown(void) {
    expiring_cache_free(cache);
    task_clock_free(clock_);
}

START_TEST(kept_before_its_time) {
    ck_assert_str_eq(got(), "");
    ck_assert_int_eq(expiring_cache_put(cache, poem_of("Tyger Tyger")), 0);
    task_clock_advance(clock_, 9.5);
    ck_assert_msg(strcmp(got(), "Tyger Tyger") == 0, "at 9.5 s of 10 the cache answers '%s'", got());
}
END_TEST

START_TEST(gone_at_its_time_exactly_with_nobody_asking) {
    expiring_cache_put(cache, poem_of("Tyger Tyger"));
    ck_assert_msg(scheduler_pending(sched) == 1, "after a put, %zu delayed calls are pending, not 1",
                  scheduler_pending(sched));
    task_clock_advance(clock_, 10);
    ck_assert_msg(!expiring_cache_holds(cache), "at 10 s of 10 the poem is still in memory");
    ck_assert_msg(scheduler_pending(sched) == 0, "the delayed call is still pending after it ran");
    ck_assert_msg(strcmp(got(), "") == 0, "at 10 s of 10 the cache answers '%s'", got());
}
END_TEST

START_TEST(gone_after_its_time) {
    expiring_cache_put(cache, poem_of("Tyger Tyger"));
    task_clock_advance(clock_, 25);
    ck_assert_msg(strcmp(got(), "") == 0, "at 25 s of 10 the cache answers '%s'", got());
}
END_TEST

static double manual_now;
static double manual_clock(void *arg) {
    (void)arg;
    return manual_now;
}

START_TEST(gone_at_its_time_even_before_the_delayed_call_runs) {
    struct scheduler *s = scheduler_new(manual_clock, NULL, "test");
    struct expiring_cache *c = expiring_cache_new(s, 3);
    manual_now = 100;
    expiring_cache_put(c, poem_of("Ozymandias"));
    manual_now = 102.5;
    struct poem *p = expiring_cache_get(c);
    ck_assert_msg(p != NULL, "at 2.5 s of 3 the poem is gone");
    poem_free(p);
    manual_now = 103; /* the delayed call is due, but nothing has run it */
    p = expiring_cache_get(c);
    ck_assert_msg(p == NULL, "at 3 s of 3 the poem is still given out (the delayed call had not run yet)");
    poem_free(p);
    expiring_cache_free(c);
    ck_assert_msg(scheduler_pending(s) == 0, "freeing the cache left a delayed call pending");
    scheduler_free(s);
}
END_TEST

START_TEST(a_new_put_replaces_the_poem_and_starts_the_time_again) {
    expiring_cache_put(cache, poem_of("Tyger Tyger"));
    task_clock_advance(clock_, 6);
    expiring_cache_put(cache, poem_of("Sonnet 18"));
    ck_assert_msg(scheduler_pending(sched) == 1, "after a second put, %zu delayed calls are pending, not 1",
                  scheduler_pending(sched));
    task_clock_advance(clock_, 6); /* 12 s: the first poem's time is over, not the second's */
    ck_assert_msg(strcmp(got(), "Sonnet 18") == 0, "6 s after the second put the cache answers '%s'", got());
    task_clock_advance(clock_, 4); /* 16 s: the second's too */
    ck_assert_msg(strcmp(got(), "") == 0, "10 s after the second put the cache answers '%s'", got());
    ck_assert_msg(!expiring_cache_holds(cache), "10 s after the second put the poem is still in memory");
}
END_TEST

START_TEST(every_get_is_a_copy_of_its_own) {
    expiring_cache_put(cache, poem_of("Hope is the thing"));
    struct poem *a = expiring_cache_get(cache), *b = expiring_cache_get(cache);
    ck_assert_msg(a != NULL && b != NULL && a != b && a->bytes != b->bytes, "two gets share a poem");
    a->bytes[0] = 'X';
    ck_assert_msg(b->bytes[0] == 'H', "changing one copy changed another");
    poem_free(a);
    poem_free(b);
    ck_assert_str_eq(got(), "Hope is the thing");
}
END_TEST

START_TEST(freeing_leaves_nothing_pending) {
    expiring_cache_put(cache, poem_of("Tyger Tyger"));
    expiring_cache_free(cache);
    cache = NULL;
    ck_assert_msg(scheduler_pending(sched) == 0, "freeing the cache left its delayed call pending");
}
END_TEST

START_TEST(bad_seconds_are_refused) {
    ck_assert_msg(expiring_cache_new(sched, 0) == NULL, "0 s was accepted");
    ck_assert_msg(expiring_cache_new(sched, -1) == NULL, "-1 s was accepted");
    ck_assert_msg(expiring_cache_new(sched, 1.0 / 0.0) == NULL, "infinity was accepted");
}
END_TEST

int main(void) {
    Suite *suite = suite_create("expiring_cache");
    TCase *tc = tcase_create("expiring_cache");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, kept_before_its_time);
    tcase_add_test(tc, gone_at_its_time_exactly_with_nobody_asking);
    tcase_add_test(tc, gone_after_its_time);
    tcase_add_test(tc, gone_at_its_time_even_before_the_delayed_call_runs);
    tcase_add_test(tc, a_new_put_replaces_the_poem_and_starts_the_time_again);
    tcase_add_test(tc, every_get_is_a_copy_of_its_own);
    tcase_add_test(tc, freeing_leaves_nothing_pending);
    tcase_add_test(tc, bad_seconds_are_refused);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
TEST

hint_for() {
    case "$1" in
    gone_at_its_time_exactly_with_nobody_asking | gone_after_its_time)
        echo "scheduler_call_later(c->scheduler, c->seconds, ...) when the poem is put; the call frees it" ;;
    gone_at_its_time_even_before_the_delayed_call_runs)
        echo "a due call runs on the scheduler's next pass: remember when the poem's time ends, and look at scheduler_seconds() in get" ;;
    a_new_put_replaces_the_poem_and_starts_the_time_again)
        echo "the old poem's delayed call must not free the new poem: cancel it (delayed_call_cancel) and give its handle back" ;;
    freeing_leaves_nothing_pending)
        echo "a pending delayed call would run with a freed cache: cancel it in expiring_cache_free" ;;
    *) echo "read the contract in expiring_cache.h again" ;;
    esac
}

UNIT_HEADER=expiring_cache.h
compile_object expiring_cache.o expiring_cache.c
build_unit_tests test_expiring_cache test_expiring_cache.c expiring_cache.c
run_unit_tests "$WORK/test_expiring_cache"
check_leaks "$WORK/test_expiring_cache"
done_testing
