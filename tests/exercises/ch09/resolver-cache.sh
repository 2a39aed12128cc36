# Exercise ch09/resolver-cache: resolver_cache.c remembers what another resolver answered, for max_age
# seconds, at most max_entries names, names compared without regard to case; a failure is never kept;
# it is thread-safe and never holds its lock while the inner resolver runs. The unit tests drive it on a
# clock of their own (no sleeping), with a counting fake as the inner resolver, from several threads at
# once, and installed as the resolver of a real reactor's lookups (resolver_resolve, in the pool).
# Without a sanitizer and with valgrind installed, they run again in one process under valgrind.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/unit_tests.sh"

# The reader's file alone first: a compile error is named as such, with the compiler's words.
# shellcheck disable=SC2086
if ${CC:-cc} ${CFLAGS:-} -I"$SNAPSHOT" -c -o "$WORK/resolver_cache.o" "$EXDIR/resolver_cache.c" >"$WORK/build.log" 2>&1; then
    ok "resolver_cache.c compiles"
else
    not_ok "resolver_cache.c compiles" "$(head -n 30 "$WORK/build.log")" \
        "hint: the starter compiled as given; fix the first error above, then check again"
    done_testing
fi

cat >"$WORK/test_resolver_cache.c" <<'EOF'
/* Unit tests of resolver_cache.c. */
#include "check_main.h"
#include "deferred.h"
#include "reactor.h"
#include "resolver.h"
#include "resolver_cache.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void pause_a_little(void) {
    struct timespec ms = {.tv_nsec = 1000000};
    nanosleep(&ms, NULL);
}

static double clock_now;
static double test_clock(void *arg) {
    ck_assert_ptr_eq(arg, &clock_now);
    return clock_now;
}

/* The inner resolver: name "hN.test" has N addresses 10.0.0.1 .. 10.0.0.N; "fail.test" fails;
 * "slow.test" waits until `release` is set. It counts its calls. */
static atomic_int inner_calls;
static atomic_int release;
static int fake(void *context, const char *host, unsigned short port, struct resolver_addresses **out) {
    ck_assert_ptr_eq(context, &inner_calls);
    atomic_fetch_add(&inner_calls, 1);
    if (strcmp(host, "fail.test") == 0)
        return RESOLVER_ERR_NOT_FOUND;
    if (strcmp(host, "slow.test") == 0)
        while (!atomic_load(&release))
            pause_a_little();
    unsigned n = 1;
    if (host[0] == 'h' || host[0] == 'H')
        sscanf(host + 1, "%u", &n);
    struct resolver_addresses *list = resolver_addresses_new(n);
    if (list == NULL)
        return -ENOMEM;
    for (unsigned i = 0; i < n; i++) {
        struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons(port)};
        v4.sin_addr.s_addr = htonl(0x0a000001u + i);
        address_any_from_ipv4(&list->addresses[i], &v4);
    }
    *out = list;
    return 0;
}

static struct resolver_cache *cache;

/* How many times the inner resolver has been asked. */
static int calls(void) {
    return atomic_load(&inner_calls);
}

static void setup(void) {
    clock_now = 1000;
    atomic_store(&inner_calls, 0);
    atomic_store(&release, 0);
    cache = resolver_cache_new(fake, &inner_calls, 60, 3, test_clock, &clock_now);
    ck_assert_ptr_nonnull(cache);
}

static void teardown(void) {
    resolver_cache_free(cache);
}

/* Looks host up through the cache; checks the answer (count addresses, each with port). */
static void lookup(const char *host, unsigned short port, unsigned count) {
    struct resolver_addresses *list = NULL;
    ck_assert_int_eq(resolver_cache_resolve(cache, host, port, &list), 0);
    ck_assert_ptr_nonnull(list);
    ck_assert_uint_eq(list->count, count);
    for (unsigned i = 0; i < count; i++) {
        ck_assert_int_eq(address_any_port(&list->addresses[i]), port);
        ck_assert_uint_eq(ntohl(list->addresses[i].u.v4.sin_addr.s_addr), 0x0a000001u + i);
    }
    free(list); /* the caller's: the cache keeps its own copy */
}

static void expect_counts(size_t hits, size_t misses) {
    size_t h = 99, m = 99;
    resolver_cache_counts(cache, &h, &m);
    ck_assert_uint_eq(h, hits);
    ck_assert_uint_eq(m, misses);
}

START_TEST(a_second_lookup_within_max_age_is_answered_by_the_cache) {
    lookup("h2.test", 80, 2);
    lookup("h2.test", 80, 2);
    clock_now += 59.9;
    lookup("h2.test", 80, 2);
    ck_assert_int_eq(calls(), 1);
    expect_counts(2, 1);
}
END_TEST

START_TEST(a_hit_carries_the_port_it_was_asked_with) {
    lookup("h3.test", 80, 3);
    lookup("h3.test", 10000, 3);
    lookup("h3.test", 1, 3);
    ck_assert_int_eq(calls(), 1);
}
END_TEST

START_TEST(an_answer_older_than_max_age_is_asked_again) {
    lookup("h1.test", 80, 1);
    clock_now += 60;
    lookup("h1.test", 80, 1);
    ck_assert_int_eq(calls(), 2);
    lookup("h1.test", 80, 1); /* the new answer's age starts again */
    ck_assert_int_eq(calls(), 2);
    expect_counts(1, 2);
}
END_TEST

START_TEST(a_failure_is_never_kept) {
    struct resolver_addresses *list = NULL;
    ck_assert_int_eq(resolver_cache_resolve(cache, "fail.test", 80, &list), RESOLVER_ERR_NOT_FOUND);
    ck_assert_int_eq(resolver_cache_resolve(cache, "fail.test", 80, &list), RESOLVER_ERR_NOT_FOUND);
    ck_assert_ptr_null(list);
    ck_assert_int_eq(calls(), 2);
    expect_counts(0, 2);
}
END_TEST

START_TEST(names_compare_without_regard_to_case) {
    lookup("h2.test", 80, 2);
    lookup("H2.TEST", 80, 2);
    lookup("h2.Test", 80, 2);
    ck_assert_int_eq(calls(), 1);
}
END_TEST

START_TEST(different_names_have_their_own_answers) {
    lookup("h1.test", 80, 1);
    lookup("h2.test", 80, 2);
    lookup("h3.test", 80, 3);
    lookup("h1.test", 80, 1);
    lookup("h2.test", 80, 2);
    lookup("h3.test", 80, 3);
    ck_assert_int_eq(calls(), 3);
}
END_TEST

START_TEST(past_max_entries_the_answer_stored_longest_ago_goes) {
    lookup("h1.test", 80, 1); /* stored at 1000 */
    clock_now += 1;
    lookup("h2.test", 80, 2); /* 1001 */
    clock_now += 1;
    lookup("h3.test", 80, 3); /* 1002 */
    clock_now += 1;
    lookup("h4.test", 80, 4); /* a fourth: h1 goes */
    ck_assert_int_eq(calls(), 4);
    lookup("h2.test", 80, 2);
    lookup("h3.test", 80, 3);
    lookup("h4.test", 80, 4);
    ck_assert_int_eq(calls(), 4);
    lookup("h1.test", 80, 1); /* asked again; h2, stored longest ago, goes */
    ck_assert_int_eq(calls(), 5);
    lookup("h3.test", 80, 3);
    ck_assert_int_eq(calls(), 5);
    lookup("h2.test", 80, 2);
    ck_assert_int_eq(calls(), 6);
}
END_TEST

START_TEST(max_age_0_never_reuses) {
    resolver_cache_free(cache);
    cache = resolver_cache_new(fake, &inner_calls, 0, 3, test_clock, &clock_now);
    ck_assert_ptr_nonnull(cache);
    lookup("h1.test", 80, 1);
    lookup("h1.test", 80, 1);
    ck_assert_int_eq(calls(), 2);
}
END_TEST

START_TEST(bad_limits_are_refused) {
    ck_assert_ptr_null(resolver_cache_new(fake, NULL, -1, 3, NULL, NULL));
    ck_assert_ptr_null(resolver_cache_new(fake, NULL, NAN, 3, NULL, NULL));
    ck_assert_ptr_null(resolver_cache_new(fake, NULL, 60, 0, NULL, NULL));
    resolver_cache_free(NULL);
}
END_TEST

/* Several threads at once, on few names: every answer right, and the fake asked far less often than
 * the lookups made. */
static void *hammer(void *arg) {
    (void)arg;
    for (int i = 0; i < 2000; i++) {
        char host[16];
        unsigned n = (unsigned)(i % 3) + 1;
        snprintf(host, sizeof host, "h%u.test", n);
        struct resolver_addresses *list = NULL;
        if (resolver_cache_resolve(cache, host, (unsigned short)(i % 1000 + 1), &list) != 0 || list->count != n ||
            address_any_port(&list->addresses[0]) != i % 1000 + 1) {
            free(list);
            return "a wrong answer";
        }
        free(list);
    }
    return NULL;
}

START_TEST(lookups_from_several_threads_at_once) {
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, hammer, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *result;
        pthread_join(threads[i], &result);
        ck_assert_msg(result == NULL, "thread %d: %s", i, (const char *)result);
    }
    ck_assert_int_le(calls(), 4 * 3); /* at worst every thread misses each name once */
    size_t hits, misses;
    resolver_cache_counts(cache, &hits, &misses);
    ck_assert_uint_eq(hits + misses, 4 * 2000);
    ck_assert_uint_eq(misses, (size_t)calls());
}
END_TEST

/* A slow lookup of one name must not hold up the hits of another: the lock is not held while inner runs. */
static void *slow_lookup(void *arg) {
    (void)arg;
    struct resolver_addresses *list = NULL;
    int err = resolver_cache_resolve(cache, "slow.test", 80, &list);
    free(list);
    return err == 0 ? NULL : "the slow lookup failed";
}

START_TEST(a_slow_lookup_does_not_hold_up_the_others) {
    lookup("h2.test", 80, 2);
    pthread_t slow;
    ck_assert_int_eq(pthread_create(&slow, NULL, slow_lookup, NULL), 0);
    while (calls() < 2) /* the slow one is inside the fake now */
        pause_a_little();
    lookup("h2.test", 80, 2); /* would wait for ever if the lock were held: the test's timeout fails it */
    lookup("h2.test", 81, 2);
    atomic_store(&release, 1);
    void *result;
    pthread_join(slow, &result);
    ck_assert_ptr_null(result);
    expect_counts(2, 2);
}
END_TEST

/* Installed as a reactor's resolver: the second resolve of a name costs no lookup. */
static struct reactor *reactor;
static int fired;
static struct deferred_result got_addresses(struct deferred_result result, void *arg) {
    (void)arg;
    fired++;
    ck_assert_uint_eq(((struct resolver_addresses *)result.value)->count, 3);
    if (fired == 2)
        reactor_stop(reactor);
    return result;
}

static int resolve_again(void *arg) {
    (void)arg;
    struct deferred *d;
    ck_assert_int_eq(resolver_resolve(reactor, "h3.test", 80, &d), 0);
    deferred_add_callback(d, got_addresses, NULL);
    deferred_unref(d);
    return 0;
}

START_TEST(installed_as_the_resolver_of_a_reactor) {
    reactor = reactor_new();
    ck_assert_ptr_nonnull(reactor);
    resolver_install(resolver_cache_resolve, cache);
    resolve_again(NULL);
    ck_assert_int_eq(reactor_call_later(reactor, 0.5, resolve_again, NULL, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    resolver_install(NULL, NULL);
    reactor_free(reactor);
    ck_assert_int_eq(fired, 2);
    ck_assert_int_eq(calls(), 1);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("resolver_cache");
    TCase *tc = tcase_create("resolver_cache");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, a_second_lookup_within_max_age_is_answered_by_the_cache);
    tcase_add_test(tc, a_hit_carries_the_port_it_was_asked_with);
    tcase_add_test(tc, an_answer_older_than_max_age_is_asked_again);
    tcase_add_test(tc, a_failure_is_never_kept);
    tcase_add_test(tc, names_compare_without_regard_to_case);
    tcase_add_test(tc, different_names_have_their_own_answers);
    tcase_add_test(tc, past_max_entries_the_answer_stored_longest_ago_goes);
    tcase_add_test(tc, max_age_0_never_reuses);
    tcase_add_test(tc, bad_limits_are_refused);
    tcase_add_test(tc, lookups_from_several_threads_at_once);
    tcase_add_test(tc, a_slow_lookup_does_not_hold_up_the_others);
    tcase_add_test(tc, installed_as_the_resolver_of_a_reactor);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
EOF

# The hint for each unit test, by name.
hint_for() {
    case "$1" in
    a_second_lookup_* | a_hit_carries_* | different_names_* | installed_as_*)
        echo "keep a copy of each successful answer with its name and the time it came; before asking inner, look for the name, and answer with a new copy whose every address has the port asked for" ;;
    an_answer_older_than_max_age_*)
        echo "an answer is fresh while now - stored_at < max_age; a new answer from inner replaces the old one, with a new time" ;;
    a_failure_is_never_kept)
        echo "keep only what inner answered with 0; and count every lookup as a hit or a miss" ;;
    names_compare_*)
        echo "strcasecmp compares names without regard to case" ;;
    past_max_entries_*)
        echo "with every slot taken, the new answer goes in the slot whose answer was stored longest ago (the smallest stored_at)" ;;
    max_age_0_*)
        echo "with max_age 0 no answer is ever fresh" ;;
    bad_limits_*)
        echo "check max_age and max_entries before allocating anything; NaN fails every comparison, so test !(max_age >= 0)" ;;
    lookups_from_several_threads_* | a_slow_lookup_*)
        echo "guard the table and the counts with a pthread mutex, and let go of it before calling inner (which may block for seconds), taking it again to keep the answer" ;;
    *) echo "read the contract in resolver_cache.h again" ;;
    esac
}

UNIT_HEADER=resolver_cache.h
UNIT_LABEL="the cache: "
build_unit_tests test_resolver_cache test_resolver_cache.c resolver_cache.c
run_unit_tests "$WORK/test_resolver_cache"
check_leaks "$WORK/test_resolver_cache"
done_testing
