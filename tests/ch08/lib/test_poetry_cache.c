/* Chapter 8's poetry cache ("one fetch, many waiters") on the task clock, with a fake fetch and no
 * sockets: many waiters share one fetch and each gets a poem of its own; a late caller gets a Deferred
 * that has already fired; a waiter that leaves (cancel or unref) does not stop the fetch for the others;
 * the kept poem expires exactly at its time (before / at / after), never with 0, or forever; a failed
 * fetch is not kept, every waiter hears it and the next caller fetches again; a fetch that cannot start,
 * or fires with no poem; waiters that call back into the cache while it delivers; and freeing the cache
 * with a fetch in flight, which cancels the fetch, fails the waiters and leaks nothing. */
#include "check_main.h"
#include "deferred.h"
#include "failure.h"
#include "poem.h"
#include "poetry_cache.h"
#include "task_clock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char TYGER[] = "Tyger Tyger, burning bright,\nIn the forests of the night;\n";

static struct poem *make_poem(const char *text) {
    struct poem *p = calloc(1, sizeof *p);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(poem_append(p, text, strlen(text), 1 << 20), 0);
    return p;
}

/* ---- The fake fetch ---- */

struct fake {
    int calls;          /* fetches started */
    int start_error;    /* what it returns instead of starting (0: start) */
    int fire_now;       /* 1: the Deferred it hands out has fired already, with TYGER */
    int cancels;        /* how often its canceller ran */
    struct deferred *d; /* the last pending fetch (our reference), for the test to fire */
};
static struct fake fake;

static void fake_cancelled(struct deferred *d, void *arg) {
    (void)d;
    ((struct fake *)arg)->cancels++; /* does not fire: deferred_cancel errbacks with CANCELLED */
}

static int fake_fetch(void *ctx, struct deferred **out) {
    struct fake *f = ctx;
    f->calls++;
    if (f->start_error != 0)
        return f->start_error;
    struct deferred *d = deferred_new_cancellable(fake_cancelled, f);
    ck_assert_ptr_nonnull(d);
    if (f->fire_now) {
        deferred_callback(d, make_poem(TYGER), poem_free);
    } else {
        deferred_unref(f->d); /* a previous one the test has finished with */
        f->d = deferred_ref(d);
    }
    *out = d;
    return 0;
}

/* Fires the pending fetch with a poem, or a failure. */
static void fetch_succeeds(const char *text) {
    ck_assert_ptr_nonnull(fake.d);
    ck_assert_int_eq(deferred_callback(fake.d, make_poem(text), poem_free), 0);
}
static void fetch_fails(int code) {
    ck_assert_ptr_nonnull(fake.d);
    ck_assert_int_eq(deferred_errback(fake.d, failure_from_code(code)), 0);
}

/* ---- What a waiter hears ---- */

struct outcome {
    int fired;               /* how often: must end up 1 */
    int code;                /* the failure's code, 0 for a poem */
    struct poem *poem;       /* the poem it got (its own, freed at teardown) */
    struct failure *failure; /* the failure it got (its own, freed at teardown) */
};

static struct deferred_result got_poem(struct deferred_result r, void *arg) {
    struct outcome *o = arg;
    o->fired++;
    o->poem = r.value;
    ck_assert(r.free == poem_free);
    return deferred_none(); /* we keep the poem */
}
static struct deferred_result got_failure(struct deferred_result r, void *arg) {
    struct outcome *o = arg;
    o->fired++;
    o->code = failure_code(r.failure);
    failure_free(o->failure);
    o->failure = r.failure; /* kept until teardown, so that two waiters' failures are told apart */
    return deferred_none();
}

#define WAITERS 8
static struct task_clock *clock_;
static struct poetry_cache *cache;
static struct deferred *d[WAITERS];
static struct outcome out[WAITERS];

static void setup(void) {
    clock_ = task_clock_new();
    ck_assert_ptr_nonnull(clock_);
    memset(&fake, 0, sizeof fake);
    memset(d, 0, sizeof d);
    memset(out, 0, sizeof out);
    cache = NULL;
}

static void teardown(void) {
    poetry_cache_free(cache);
    for (int i = 0; i < WAITERS; i++) {
        deferred_unref(d[i]);
        poem_free(out[i].poem);
        failure_free(out[i].failure);
    }
    deferred_unref(fake.d);
    task_clock_free(clock_);
}

static void new_cache(double expire) {
    ck_assert_int_eq(poetry_cache_new(task_clock_scheduler(clock_), expire, fake_fetch, &fake, &cache), 0);
}

/* get I: asks the cache for waiter i's Deferred and watches it. */
static void get(int i) {
    ck_assert_int_eq(poetry_cache_get(cache, &d[i]), 0);
    ck_assert_ptr_nonnull(d[i]);
    ck_assert_int_eq(deferred_add_callbacks(d[i], got_poem, &out[i], got_failure, &out[i]), 0);
}

static void assert_poem(int i, const char *text) {
    ck_assert_msg(out[i].fired == 1, "waiter %d fired %d times", i, out[i].fired);
    ck_assert_msg(out[i].code == 0, "waiter %d failed: %s", i, result_strerror(out[i].code));
    ck_assert_ptr_nonnull(out[i].poem);
    ck_assert_uint_eq(out[i].poem->len, strlen(text));
    ck_assert(memcmp(out[i].poem->bytes, text, strlen(text)) == 0);
}

static void assert_failed(int i, int code) {
    ck_assert_msg(out[i].fired == 1, "waiter %d fired %d times", i, out[i].fired);
    ck_assert_msg(out[i].code == code, "waiter %d: %d (%s), want %d (%s)", i, out[i].code,
                  result_strerror(out[i].code), code, result_strerror(code));
}

/* ---- One fetch, many waiters ---- */

START_TEST(many_waiters_share_one_fetch) {
    new_cache(60);
    for (int i = 0; i < WAITERS; i++)
        get(i);
    ck_assert_int_eq(fake.calls, 1);
    for (int i = 0; i < WAITERS; i++)
        ck_assert_msg(!deferred_called(d[i]), "waiter %d fired before the fetch", i);
    struct poetry_cache_stats s = poetry_cache_stats(cache);
    ck_assert_uint_eq(s.fetches, 1);
    ck_assert_uint_eq(s.joined, WAITERS - 1);
    ck_assert_uint_eq(s.waiting, WAITERS);
    fetch_succeeds(TYGER);
    for (int i = 0; i < WAITERS; i++) {
        assert_poem(i, TYGER);
        for (int j = 0; j < i; j++) /* each has a poem of its own */
            ck_assert(out[i].poem != out[j].poem && out[i].poem->bytes != out[j].poem->bytes);
    }
    s = poetry_cache_stats(cache);
    ck_assert_uint_eq(s.waiting, 0);
    ck_assert_int_eq(s.kept, 1);
}
END_TEST

START_TEST(a_late_caller_gets_a_deferred_that_has_fired) {
    new_cache(60);
    get(0);
    fetch_succeeds(TYGER);
    ck_assert_int_eq(poetry_cache_get(cache, &d[1]), 0);
    ck_assert(deferred_called(d[1])); /* before any callback is added: Twisted's succeed */
    ck_assert_int_eq(deferred_add_callbacks(d[1], got_poem, &out[1], got_failure, &out[1]), 0);
    assert_poem(1, TYGER);
    ck_assert(out[1].poem != out[0].poem);
    get(2);
    assert_poem(2, TYGER);
    ck_assert_int_eq(fake.calls, 1);
    ck_assert_uint_eq(poetry_cache_stats(cache).hits, 2);
}
END_TEST

START_TEST(a_fetch_that_fires_at_once) {
    new_cache(60);
    fake.fire_now = 1;
    get(0);
    assert_poem(0, TYGER); /* fired inside the get */
    get(1);
    assert_poem(1, TYGER);
    ck_assert_int_eq(fake.calls, 1);
}
END_TEST

/* ---- Waiters that leave ---- */

START_TEST(a_waiter_that_cancels_leaves_the_others_waiting) {
    new_cache(60);
    for (int i = 0; i < 3; i++)
        get(i);
    deferred_cancel(d[1]);
    assert_failed(1, DEFERRED_ERR_CANCELLED);
    ck_assert_int_eq(fake.cancels, 0); /* the fetch goes on */
    ck_assert(!deferred_called(fake.d));
    ck_assert_uint_eq(poetry_cache_stats(cache).waiting, 2);
    fetch_succeeds(TYGER);
    assert_poem(0, TYGER);
    assert_poem(2, TYGER);
    ck_assert_int_eq(out[1].fired, 1); /* not told again */
    deferred_cancel(d[0]);             /* too late: it has fired, nothing happens */
    ck_assert_int_eq(out[0].fired, 1);
}
END_TEST

START_TEST(a_waiter_that_lets_go_leaves_the_others_waiting) {
    new_cache(60);
    for (int i = 0; i < 3; i++)
        get(i);
    deferred_unref(d[0]); /* the first caller, who started the fetch, goes away without a word */
    d[0] = NULL;
    fetch_succeeds(TYGER);
    ck_assert_int_eq(out[0].fired, 1); /* its chain still ran, on the cache's reference */
    poem_free(out[0].poem);
    out[0].poem = NULL;
    assert_poem(1, TYGER);
    assert_poem(2, TYGER);
}
END_TEST

START_TEST(when_every_waiter_leaves_the_fetch_still_fills_the_cache) {
    new_cache(60);
    get(0);
    get(1);
    deferred_cancel(d[0]);
    deferred_cancel(d[1]);
    ck_assert_uint_eq(poetry_cache_stats(cache).waiting, 0);
    ck_assert_int_eq(fake.cancels, 0);
    get(2); /* joins the fetch still in flight */
    ck_assert_int_eq(fake.calls, 1);
    fetch_succeeds(TYGER);
    assert_poem(2, TYGER);
    get(3);
    assert_poem(3, TYGER);
    ck_assert_int_eq(fake.calls, 1);
}
END_TEST

/* ---- Expiry, on the task clock ---- */

START_TEST(the_poem_expires_exactly_at_its_time) {
    new_cache(10);
    task_clock_advance(clock_, 5);
    get(0);
    task_clock_advance(clock_, 2); /* the fetch takes 2 s: kept at t = 7, expires at t = 17 */
    fetch_succeeds(TYGER);
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock_)), 1); /* its expiry */
    task_clock_advance(clock_, 9.5);                                       /* before: t = 16.5 */
    get(1);
    assert_poem(1, TYGER);
    ck_assert_int_eq(fake.calls, 1);
    task_clock_advance(clock_, 0.5); /* at: t = 17, the timer frees it */
    ck_assert_int_eq(poetry_cache_stats(cache).kept, 0);
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock_)), 0);
    get(2);
    ck_assert_int_eq(fake.calls, 2);
    ck_assert(!deferred_called(d[2]));
    fetch_succeeds("second");
    assert_poem(2, "second");
    task_clock_advance(clock_, 11); /* after: t = 28 */
    get(3);
    ck_assert_int_eq(fake.calls, 3);
    fetch_fails(-ECONNREFUSED);
    assert_failed(3, -ECONNREFUSED);
}
END_TEST

/* A scheduler runs a due call at the start of the next turn; a get in between must not see the poem.
 * The clock is read through a scheduler that a test moves by hand without running anything. */
static double manual_now;
static double manual_clock(void *arg) {
    (void)arg;
    return manual_now;
}

START_TEST(a_get_at_the_expiry_time_fetches_even_before_the_timer_runs) {
    struct scheduler *s = scheduler_new(manual_clock, NULL, "test");
    ck_assert_ptr_nonnull(s);
    manual_now = 100;
    ck_assert_int_eq(poetry_cache_new(s, 3, fake_fetch, &fake, &cache), 0);
    get(0);
    fetch_succeeds(TYGER);
    manual_now = 102.75;
    get(1);
    assert_poem(1, TYGER);
    manual_now = 103; /* due, not run yet */
    get(2);
    ck_assert_int_eq(fake.calls, 2);
    ck_assert_uint_eq(scheduler_pending(s), 0); /* the stale timer went with the poem */
    fetch_succeeds("fresh");
    assert_poem(2, "fresh");
    poetry_cache_free(cache);
    cache = NULL;
    ck_assert_uint_eq(scheduler_pending(s), 0);
    scheduler_free(s);
}
END_TEST

START_TEST(expire_zero_shares_the_fetch_but_keeps_nothing) {
    new_cache(0);
    get(0);
    get(1);
    fetch_succeeds(TYGER);
    assert_poem(0, TYGER);
    assert_poem(1, TYGER);
    ck_assert_int_eq(poetry_cache_stats(cache).kept, 0);
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock_)), 0);
    get(2);
    ck_assert_int_eq(fake.calls, 2);
    ck_assert(!deferred_called(d[2]));
}
END_TEST

START_TEST(forever_never_expires) {
    new_cache(POETRY_CACHE_FOREVER);
    get(0);
    fetch_succeeds(TYGER);
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock_)), 0); /* no timer at all */
    task_clock_advance(clock_, 1e12);
    get(1);
    assert_poem(1, TYGER);
    ck_assert_int_eq(fake.calls, 1);
}
END_TEST

START_TEST(expire_by_hand) {
    new_cache(60);
    get(0);
    fetch_succeeds(TYGER);
    poetry_cache_expire(cache);
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock_)), 0);
    get(1);
    ck_assert_int_eq(fake.calls, 2);
    poetry_cache_expire(cache); /* with a fetch in flight: it goes on */
    fetch_succeeds("again");
    assert_poem(1, "again");
}
END_TEST

/* ---- Failures ---- */

START_TEST(a_failed_fetch_fails_every_waiter_and_is_not_kept) {
    new_cache(60);
    for (int i = 0; i < 4; i++)
        get(i);
    fetch_fails(-ECONNRESET);
    for (int i = 0; i < 4; i++) {
        assert_failed(i, -ECONNRESET);
        for (int j = 0; j < i; j++) /* a failure of its own each (all still live: told apart) */
            ck_assert(out[i].failure != out[j].failure);
    }
    ck_assert_int_eq(poetry_cache_stats(cache).kept, 0);
    get(4);
    ck_assert_int_eq(fake.calls, 2); /* the next caller fetches again */
    ck_assert(!deferred_called(d[4]));
    fetch_succeeds(TYGER);
    assert_poem(4, TYGER);
}
END_TEST

START_TEST(a_fetch_that_cannot_start) {
    new_cache(60);
    fake.start_error = -EMFILE;
    get(0);
    assert_failed(0, -EMFILE);
    ck_assert_uint_eq(poetry_cache_stats(cache).waiting, 0);
    fake.start_error = 0;
    get(1);
    ck_assert_int_eq(fake.calls, 2);
    fetch_succeeds(TYGER);
    assert_poem(1, TYGER);
}
END_TEST

START_TEST(a_fetch_with_no_poem_is_a_failure) {
    new_cache(60);
    get(0);
    get(1);
    ck_assert_int_eq(deferred_callback(fake.d, NULL, NULL), 0);
    assert_failed(0, POETRY_CACHE_ERR_NO_POEM);
    assert_failed(1, POETRY_CACHE_ERR_NO_POEM);
    get(2);
    ck_assert_int_eq(fake.calls, 2);
}
END_TEST

/* ---- Waiters that call back into the cache while it delivers ---- */

static struct deferred_result get_again(struct deferred_result r, void *arg) {
    (void)arg;
    deferred_result_free(r);
    get(5); /* from inside the delivery */
    return deferred_none();
}
static struct deferred_result cancel_waiter_2(struct deferred_result r, void *arg) {
    (void)arg;
    deferred_result_free(r);
    deferred_cancel(d[2]);
    return deferred_none();
}

START_TEST(a_waiter_that_asks_again_while_the_poem_is_delivered) {
    new_cache(60);
    ck_assert_int_eq(poetry_cache_get(cache, &d[0]), 0);
    ck_assert_int_eq(deferred_add_callbacks(d[0], get_again, NULL, got_failure, &out[0]), 0);
    get(1);
    fetch_succeeds(TYGER);
    assert_poem(5, TYGER); /* the poem was kept before the first waiter heard */
    assert_poem(1, TYGER);
    ck_assert_int_eq(fake.calls, 1);
}
END_TEST

START_TEST(a_waiter_that_cancels_another_while_the_poem_is_delivered) {
    new_cache(60);
    ck_assert_int_eq(poetry_cache_get(cache, &d[0]), 0);
    ck_assert_int_eq(deferred_add_callbacks(d[0], cancel_waiter_2, NULL, got_failure, &out[0]), 0);
    get(1);
    get(2);
    get(3);
    fetch_succeeds(TYGER);
    assert_poem(1, TYGER);
    assert_failed(2, DEFERRED_ERR_CANCELLED);
    assert_poem(3, TYGER);
}
END_TEST

START_TEST(a_waiter_that_asks_again_after_a_failure_starts_a_new_fetch) {
    new_cache(60);
    ck_assert_int_eq(poetry_cache_get(cache, &d[0]), 0);
    ck_assert_int_eq(deferred_add_callbacks(d[0], got_poem, &out[0], get_again, NULL), 0);
    get(1);
    fetch_fails(-ETIMEDOUT);
    assert_failed(1, -ETIMEDOUT); /* the rest still hear the first failure */
    ck_assert_int_eq(fake.calls, 2);
    ck_assert(!deferred_called(d[5]));
    fetch_succeeds(TYGER);
    assert_poem(5, TYGER);
}
END_TEST

/* ---- Freeing ---- */

START_TEST(freeing_the_cache_mid_fetch_cancels_it_and_fails_the_waiters) {
    new_cache(60);
    for (int i = 0; i < 3; i++)
        get(i);
    deferred_cancel(d[2]);
    poetry_cache_free(cache);
    cache = NULL;
    assert_failed(0, POETRY_CACHE_ERR_FREED);
    assert_failed(1, POETRY_CACHE_ERR_FREED);
    assert_failed(2, DEFERRED_ERR_CANCELLED);
    ck_assert_int_eq(fake.cancels, 1);
    ck_assert(deferred_called(fake.d)); /* cancelled: it errbacked, and the cache's errback took it */
    deferred_cancel(d[0]);              /* the caller's Deferred outlives the cache; nothing happens */
    ck_assert_int_eq(out[0].fired, 1);
    /* (leaks: ASan and valgrind check the rest) */
}
END_TEST

/* A fetch whose producer fires it after the cache is gone: the record cleans up on its own. */
START_TEST(a_fetch_that_fires_after_the_cache_is_freed) {
    new_cache(60);
    get(0);
    struct deferred *fetch = fake.d; /* a fetch whose chain is paused: its cancel cannot run our errback */
    deferred_pause(fetch);
    poetry_cache_free(cache);
    cache = NULL;
    assert_failed(0, POETRY_CACHE_ERR_FREED);
    ck_assert(deferred_called(fetch));
    deferred_unpause(fetch); /* now the cache's errback runs, with no cache */
}
END_TEST

START_TEST(freeing_a_cache_that_keeps_a_poem) {
    new_cache(60);
    get(0);
    fetch_succeeds(TYGER);
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock_)), 1);
    poetry_cache_free(cache);
    cache = NULL;
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock_)), 0);
    assert_poem(0, TYGER); /* the waiter's copy is its own */
}
END_TEST

START_TEST(bad_arguments) {
    struct scheduler *s = task_clock_scheduler(clock_);
    struct poetry_cache *c = (void *)1;
    ck_assert_int_eq(poetry_cache_new(NULL, 1, fake_fetch, &fake, &c), -EINVAL);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(poetry_cache_new(s, 1, NULL, &fake, &c), -EINVAL);
    ck_assert_int_eq(poetry_cache_new(s, -1, fake_fetch, &fake, &c), -EINVAL);
    ck_assert_int_eq(poetry_cache_new(s, NAN, fake_fetch, &fake, &c), -EINVAL);
    poetry_cache_free(NULL);
    ck_assert_str_eq(result_strerror(POETRY_CACHE_ERR_FREED),
                     "the poetry cache was freed while the poem was being fetched");
}
END_TEST

int main(void) {
    Suite *suite = suite_create("poetry_cache");
    TCase *tc = tcase_create("cache");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, many_waiters_share_one_fetch);
    tcase_add_test(tc, a_late_caller_gets_a_deferred_that_has_fired);
    tcase_add_test(tc, a_fetch_that_fires_at_once);
    tcase_add_test(tc, a_waiter_that_cancels_leaves_the_others_waiting);
    tcase_add_test(tc, a_waiter_that_lets_go_leaves_the_others_waiting);
    tcase_add_test(tc, when_every_waiter_leaves_the_fetch_still_fills_the_cache);
    tcase_add_test(tc, the_poem_expires_exactly_at_its_time);
    tcase_add_test(tc, a_get_at_the_expiry_time_fetches_even_before_the_timer_runs);
    tcase_add_test(tc, expire_zero_shares_the_fetch_but_keeps_nothing);
    tcase_add_test(tc, forever_never_expires);
    tcase_add_test(tc, expire_by_hand);
    tcase_add_test(tc, a_failed_fetch_fails_every_waiter_and_is_not_kept);
    tcase_add_test(tc, a_fetch_that_cannot_start);
    tcase_add_test(tc, a_fetch_with_no_poem_is_a_failure);
    tcase_add_test(tc, a_waiter_that_asks_again_while_the_poem_is_delivered);
    tcase_add_test(tc, a_waiter_that_cancels_another_while_the_poem_is_delivered);
    tcase_add_test(tc, a_waiter_that_asks_again_after_a_failure_starts_a_new_fetch);
    tcase_add_test(tc, freeing_the_cache_mid_fetch_cancels_it_and_fails_the_waiters);
    tcase_add_test(tc, a_fetch_that_fires_after_the_cache_is_freed);
    tcase_add_test(tc, freeing_a_cache_that_keeps_a_poem);
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
