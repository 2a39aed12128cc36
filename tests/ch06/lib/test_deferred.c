/* Chapter 6's Deferred: every chain rule, with Twisted's twisted/test/test_defer.py as the model.
 * Values are heap strings that carry free(), so valgrind and LeakSanitizer see any value the chain
 * loses; a log of what ran, in order, is what most tests compare. */
#include "check_main.h"
#include "deferred.h"
#include "failure.h"
#include "result.h"
#include "task_clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- What the callbacks below write, in order ---- */
static char log_text[4096];
static void note(const char *format, ...) {
    size_t len = strlen(log_text);
    if (len > 0 && len < sizeof log_text - 1)
        log_text[len++] = ' ';
    va_list args;
    va_start(args, format);
    vsnprintf(log_text + len, sizeof log_text - len, format, args);
    va_end(args);
}

static int frees; /* how many values counted_free freed */
static void counted_free(void *value) {
    frees++;
    free(value);
}
static char *text(const char *s) {
    return strdup(s);
}

static int unhandled_count;
static char unhandled_origin[128];
static char unhandled_message[128];
static void on_unhandled(const struct failure *failure, const char *origin, void *arg) {
    (void)arg;
    unhandled_count++;
    snprintf(unhandled_origin, sizeof unhandled_origin, "%s", origin);
    snprintf(unhandled_message, sizeof unhandled_message, "%s", failure_message(failure));
}

static void setup(void) {
    log_text[0] = 0; /* reset here too: CK_FORK=no runs every test in one process */
    frees = 0;
    unhandled_count = 0;
    unhandled_origin[0] = unhandled_message[0] = 0;
    deferred_set_unhandled_handler(on_unhandled, NULL);
}
static void teardown(void) {
    deferred_set_unhandled_handler(NULL, NULL);
}

/* ---- Callbacks ---- */

/* Logs "NAME(VALUE)" and passes the value on. arg: the name. */
static struct deferred_result record(struct deferred_result r, void *arg) {
    if (r.kind == DEFERRED_FAILURE)
        note("%s(failure %d)", (const char *)arg, failure_code(r.failure));
    else
        note("%s(%s)", (const char *)arg, r.value ? (const char *)r.value : "none");
    return r;
}

/* Replaces the value with VALUE+SUFFIX, freeing the old one. arg: the suffix. */
static struct deferred_result append(struct deferred_result r, void *arg) {
    const char *old = r.value ? r.value : "";
    char *longer = malloc(strlen(old) + strlen(arg) + 1);
    strcpy(longer, old);
    strcat(longer, arg);
    note("append(%s)", longer);
    deferred_result_free(r);
    return deferred_value(longer, free);
}

/* Fails with the code *arg ("raises"), freeing the value. */
static struct deferred_result fail_with(struct deferred_result r, void *arg) {
    note("fail");
    deferred_result_free(r);
    return deferred_error(*(int *)arg);
}

/* An errback that recovers: frees the failure and returns the value arg. */
static struct deferred_result recover(struct deferred_result r, void *arg) {
    note("recover(%d)", failure_code(r.failure));
    deferred_result_free(r);
    return deferred_value(text(arg), free);
}

/* Returns the Deferred arg (taking a reference for the chain), freeing the value. */
static struct deferred_result return_deferred(struct deferred_result r, void *arg) {
    note("return-deferred");
    deferred_result_free(r);
    return deferred_wait_for(arg != NULL ? deferred_ref(arg) : NULL);
}

/* Saves the value (a copy) into the buffer arg, and passes it on. */
static char saved[256];
static struct deferred_result save(struct deferred_result r, void *arg) {
    (void)arg;
    snprintf(saved, sizeof saved, "%s",
             r.kind == DEFERRED_FAILURE ? "FAILURE"
             : r.value                  ? (char *)r.value
                                        : "none");
    return r;
}

static struct deferred *fresh(void) {
    struct deferred *d = deferred_new();
    ck_assert_ptr_nonnull(d);
    return d;
}

/* ---- The two tracks ---- */

START_TEST(callbacks_run_in_order_with_each_ones_result) {
    struct deferred *d = fresh();
    ck_assert_int_eq(deferred_add_callback(d, append, "b"), 0);
    deferred_add_callback(d, append, "c");
    deferred_add_callback(d, record, "end");
    ck_assert(!deferred_called(d));
    ck_assert_str_eq(log_text, "");
    ck_assert_int_eq(deferred_callback(d, text("a"), free), 0);
    ck_assert(deferred_called(d));
    ck_assert_str_eq(log_text, "append(ab) append(abc) end(abc)");
    ck_assert_str_eq(deferred_peek(d).value, "abc");
    deferred_unref(d);
}
END_TEST

START_TEST(each_callback_gets_its_own_argument) {
    struct deferred *d = fresh();
    deferred_add_callbacks(d, append, "1", recover, "not me");
    deferred_add_callbacks(d, append, "2", recover, "nor me");
    deferred_callback(d, text(""), free);
    ck_assert_str_eq(log_text, "append(1) append(12)");
    deferred_unref(d);
}
END_TEST

START_TEST(errback_skips_callbacks_until_an_errback) {
    struct deferred *d = fresh();
    deferred_add_callback(d, record, "cb1");
    deferred_add_errback(d, record, "eb1");
    deferred_add_callback(d, record, "cb2");
    deferred_add_errback(d, recover, "back");
    deferred_add_callback(d, record, "cb3");
    ck_assert_int_eq(deferred_errback(d, failure_from_code(-EIO)), 0);
    char want[128];
    snprintf(want, sizeof want, "eb1(failure %d) recover(%d) cb3(back)", -EIO, -EIO);
    ck_assert_str_eq(log_text, want);
    ck_assert_int_eq(unhandled_count, 0);
    deferred_unref(d);
    ck_assert_int_eq(unhandled_count, 0);
}
END_TEST

START_TEST(a_failing_callback_moves_the_chain_to_the_errback_track) {
    static int code = -ECONNRESET;
    struct deferred *d = fresh();
    /* The errback of the failing callback's own pair does not run: the next pair's does. */
    deferred_add_callbacks(d, fail_with, &code, recover, "same pair");
    deferred_add_callback(d, record, "skipped");
    deferred_add_errback(d, record, "eb");
    deferred_callback(d, text("x"), free);
    char want[64];
    snprintf(want, sizeof want, "fail eb(failure %d)", -ECONNRESET);
    ck_assert_str_eq(log_text, want);
    ck_assert_int_eq(deferred_peek(d).kind, DEFERRED_FAILURE);
    deferred_unref(d);
    ck_assert_int_eq(unhandled_count, 1); /* nobody took it */
}
END_TEST

START_TEST(an_errback_returning_a_value_moves_the_chain_back) {
    struct deferred *d = fresh();
    deferred_add_errback(d, recover, "saved");
    deferred_add_callbacks(d, record, "cb", record, "eb");
    deferred_errback(d, failure_new(-EPIPE, "pipe broke at %d", 3));
    char want[64];
    snprintf(want, sizeof want, "recover(%d) cb(saved)", -EPIPE);
    ck_assert_str_eq(log_text, want);
    deferred_unref(d);
    ck_assert_int_eq(unhandled_count, 0);
}
END_TEST

START_TEST(add_both_runs_on_either_track) {
    struct deferred *a = fresh(), *b = fresh();
    deferred_add_both(a, record, "both");
    deferred_add_both(b, record, "both");
    deferred_callback(a, text("v"), free);
    deferred_errback(b, failure_from_code(-ENOENT));
    char want[64];
    snprintf(want, sizeof want, "both(v) both(failure %d)", -ENOENT);
    ck_assert_str_eq(log_text, want);
    deferred_add_errback(b, recover, "x"); /* handle it, so that freeing reports nothing */
    deferred_unref(a);
    deferred_unref(b);
    ck_assert_int_eq(unhandled_count, 0);
}
END_TEST

START_TEST(a_null_function_passes_the_result_on) {
    struct deferred *d = fresh();
    deferred_add_callbacks(d, NULL, NULL, NULL, NULL);
    deferred_add_callback(d, record, "cb");
    deferred_callback(d, text("kept"), free);
    ck_assert_str_eq(log_text, "cb(kept)");
    deferred_unref(d);
}
END_TEST

/* ---- Firing once ---- */

START_TEST(a_second_fire_is_refused_and_its_value_freed) {
    struct deferred *d = fresh();
    deferred_add_callback(d, save, NULL);
    ck_assert_int_eq(deferred_callback(d, text("first"), counted_free), 0);
    ck_assert_int_eq(deferred_callback(d, text("second"), counted_free), DEFERRED_ERR_ALREADY_CALLED);
    ck_assert_int_eq(frees, 1); /* the refused value, at once */
    ck_assert_int_eq(deferred_errback(d, failure_from_code(-EIO)), DEFERRED_ERR_ALREADY_CALLED);
    ck_assert_str_eq(saved, "first");
    ck_assert_str_eq(deferred_peek(d).value, "first");
    deferred_unref(d);
    ck_assert_int_eq(frees, 2);           /* the result, with the Deferred */
    ck_assert_int_eq(unhandled_count, 0); /* the refused failure is not the Deferred's */
}
END_TEST

START_TEST(errback_then_callback_is_refused) {
    struct deferred *d = fresh();
    deferred_add_errback(d, recover, "ok");
    ck_assert_int_eq(deferred_errback(d, failure_from_code(-EIO)), 0);
    ck_assert_int_eq(deferred_callback(d, text("late"), counted_free), DEFERRED_ERR_ALREADY_CALLED);
    ck_assert_int_eq(frees, 1);
    ck_assert_int_eq(deferred_errback(d, NULL), DEFERRED_ERR_NO_FAILURE);
    deferred_unref(d);
}
END_TEST

START_TEST(callbacks_added_after_firing_run_at_once) {
    struct deferred *d = fresh();
    deferred_callback(d, text("early"), free);
    ck_assert_str_eq(log_text, "");
    deferred_add_callback(d, record, "late");
    ck_assert_str_eq(log_text, "late(early)");
    deferred_add_callback(d, append, "!");
    deferred_add_callback(d, record, "later");
    ck_assert_str_eq(log_text, "late(early) append(early!) later(early!)");
    deferred_unref(d);
}
END_TEST

/* ---- Reentrancy ---- */

static struct deferred *reentrant; /* the Deferred the callbacks below poke */

static struct deferred_result adds_one_more(struct deferred_result r, void *arg) {
    (void)arg;
    note("adds");
    deferred_add_callback(reentrant, record, "added-inside");
    note("added");
    return r;
}

START_TEST(callbacks_added_while_the_chain_runs_go_to_its_end) {
    reentrant = fresh();
    deferred_add_callback(reentrant, adds_one_more, NULL);
    deferred_add_callback(reentrant, record, "second");
    deferred_callback(reentrant, text("v"), free);
    /* the added one runs after "second", and not from inside adds_one_more */
    ck_assert_str_eq(log_text, "adds added second(v) added-inside(v)");
    deferred_unref(reentrant);
}
END_TEST

static struct deferred_result fires_itself_again(struct deferred_result r, void *arg) {
    (void)arg;
    int err = deferred_callback(reentrant, text("again"), counted_free);
    note("refire=%d", err == DEFERRED_ERR_ALREADY_CALLED);
    return r;
}

START_TEST(a_callback_that_fires_its_own_deferred_is_refused) {
    reentrant = fresh();
    deferred_add_callback(reentrant, fires_itself_again, NULL);
    deferred_add_callback(reentrant, record, "after");
    deferred_callback(reentrant, text("v"), free);
    ck_assert_str_eq(log_text, "refire=1 after(v)");
    ck_assert_int_eq(frees, 1);
    deferred_unref(reentrant);
}
END_TEST

static struct deferred_result drops_the_last_reference(struct deferred_result r, void *arg) {
    (void)arg;
    deferred_unref(reentrant); /* the chain still holds d while it runs */
    note("dropped");
    return r;
}

START_TEST(a_callback_may_drop_the_last_reference_to_its_deferred) {
    reentrant = fresh();
    deferred_add_callback(reentrant, drops_the_last_reference, NULL);
    deferred_add_callback(reentrant, record, "after");
    deferred_callback(reentrant, text("v"), counted_free);
    ck_assert_str_eq(log_text, "dropped after(v)");
    ck_assert_int_eq(frees, 1); /* freed when the chain let go, with its value */
}
END_TEST

static struct deferred *other;
static struct deferred_result fires_another(struct deferred_result r, void *arg) {
    (void)arg;
    note("before");
    deferred_callback(other, text("o"), free); /* its chain runs inside this call */
    note("after");
    return r;
}

START_TEST(a_callback_may_fire_another_deferred) {
    reentrant = fresh();
    other = fresh();
    deferred_add_callback(other, record, "other");
    deferred_add_callback(reentrant, fires_another, NULL);
    deferred_add_callback(reentrant, record, "mine");
    deferred_callback(reentrant, text("m"), free);
    ck_assert_str_eq(log_text, "before other(o) after mine(m)");
    deferred_unref(other);
    deferred_unref(reentrant);
}
END_TEST

/* ---- Deferreds returned by callbacks ---- */

START_TEST(a_returned_deferred_pauses_the_chain_until_it_fires) {
    struct deferred *outer = fresh(), *inner = fresh();
    deferred_add_callback(outer, return_deferred, inner);
    deferred_add_callback(outer, record, "outer");
    deferred_callback(outer, text("o"), free);
    ck_assert_str_eq(log_text, "return-deferred");
    ck_assert(deferred_paused(outer));
    ck_assert_int_eq(deferred_peek(outer).kind, DEFERRED_WAIT);
    ck_assert_ptr_eq(deferred_peek(outer).wait, inner);
    ck_assert_int_eq(deferred_unpause(outer), DEFERRED_ERR_NOT_PAUSED); /* not the caller's pause */
    deferred_add_callback(outer, record, "added-while-waiting");
    ck_assert_str_eq(log_text, "return-deferred");
    deferred_callback(inner, text("i"), free);
    ck_assert_str_eq(log_text, "return-deferred outer(i) added-while-waiting(i)");
    ck_assert(!deferred_paused(outer));
    /* the inner's result is now empty (Twisted: None), and stays usable */
    ck_assert_int_eq(deferred_peek(inner).kind, DEFERRED_VALUE);
    ck_assert_ptr_null(deferred_peek(inner).value);
    deferred_add_callback(inner, record, "inner-later");
    ck_assert_str_eq(log_text, "return-deferred outer(i) added-while-waiting(i) inner-later(none)");
    deferred_unref(inner);
    deferred_unref(outer);
}
END_TEST

START_TEST(a_returned_fired_deferred_gives_its_result_at_once) {
    struct deferred *outer = fresh();
    struct deferred *inner = deferred_succeed(text("ready"), free);
    deferred_add_callback(outer, return_deferred, inner);
    deferred_add_callback(outer, record, "outer");
    deferred_callback(outer, text("o"), free);
    ck_assert_str_eq(log_text, "return-deferred outer(ready)");
    ck_assert_ptr_null(deferred_peek(inner).value);
    deferred_unref(inner);
    deferred_unref(outer);
}
END_TEST

START_TEST(a_returned_failed_deferred_moves_the_outer_to_the_errback_track) {
    struct deferred *outer = fresh(), *inner = fresh();
    deferred_add_callback(outer, return_deferred, inner);
    deferred_add_callbacks(outer, record, "cb", record, "eb");
    deferred_add_errback(outer, recover, "fine");
    deferred_callback(outer, text("o"), free);
    deferred_errback(inner, failure_from_code(-ETIMEDOUT));
    char want[96];
    snprintf(want, sizeof want, "return-deferred eb(failure %d) recover(%d)", -ETIMEDOUT, -ETIMEDOUT);
    ck_assert_str_eq(log_text, want);
    deferred_unref(inner);
    deferred_unref(outer);
    ck_assert_int_eq(unhandled_count, 0); /* the failure moved to outer, which handled it */
}
END_TEST

/* Twisted's test_innerCallbacksPreserved: the middle Deferred's callbacks run after the third fires and
 * before the first gets a result. */
static struct deferred *third;
static struct deferred_result middle_first(struct deferred_result r, void *arg) {
    (void)arg;
    note("first(%s)", (char *)r.value);
    deferred_result_free(r);
    return deferred_wait_for(deferred_ref(third));
}
static struct deferred_result double_it(struct deferred_result r, void *arg) {
    (void)arg;
    note("second(%s)", (char *)r.value);
    char *twice = malloc(2 * strlen(r.value) + 1);
    strcpy(twice, r.value);
    strcat(twice, r.value);
    deferred_result_free(r);
    return deferred_value(twice, free);
}
static struct deferred_result make_middle(struct deferred_result r, void *arg) {
    (void)arg;
    note("start(%s)", (char *)r.value);
    deferred_result_free(r);
    struct deferred *middle = deferred_succeed(text("inner"), free);
    deferred_add_callback(middle, middle_first, NULL);
    deferred_add_callback(middle, double_it, NULL);
    return deferred_wait_for(middle); /* our only reference: the chain's now */
}

START_TEST(inner_callbacks_are_preserved) {
    third = fresh();
    struct deferred *outer = deferred_succeed(text("outer"), free);
    deferred_add_callback(outer, make_middle, NULL);
    deferred_callback(third, text("orange"), free);
    deferred_add_callback(outer, record, "outer");
    ck_assert_str_eq(log_text, "start(outer) first(inner) second(orange) outer(orangeorange)");
    deferred_unref(third);
    deferred_unref(outer);
}
END_TEST

START_TEST(a_callback_returning_its_own_deferred_fails) {
    reentrant = fresh();
    deferred_add_callback(reentrant, return_deferred, reentrant);
    deferred_add_errback(reentrant, save, NULL);
    deferred_add_errback(reentrant, recover, "x");
    deferred_callback(reentrant, text("v"), free);
    char want[64];
    snprintf(want, sizeof want, "return-deferred recover(%d)", DEFERRED_ERR_RETURNED_SELF);
    ck_assert_str_eq(log_text, want);
    ck_assert(!deferred_paused(reentrant));
    deferred_unref(reentrant);
}
END_TEST

START_TEST(waiting_on_no_deferred_is_a_failure) {
    struct deferred *d = fresh();
    deferred_add_callback(d, return_deferred, NULL); /* returns deferred_wait_for(NULL) */
    deferred_add_errback(d, recover, "x");
    deferred_callback(d, NULL, NULL);
    char want[64];
    snprintf(want, sizeof want, "return-deferred recover(%d)", -EINVAL);
    ck_assert_str_eq(log_text, want);
    ck_assert(!deferred_paused(d));
    deferred_unref(d);
}
END_TEST

START_TEST(two_waiting_on_one_inner_the_first_gets_its_result) {
    struct deferred *a = fresh(), *b = fresh(), *inner = fresh();
    deferred_add_callback(a, return_deferred, inner);
    deferred_add_callback(a, record, "a");
    deferred_add_callback(b, return_deferred, inner);
    deferred_add_callback(b, record, "b");
    deferred_callback(a, NULL, NULL);
    deferred_callback(b, NULL, NULL);
    deferred_callback(inner, text("i"), free);
    ck_assert_str_eq(log_text, "return-deferred return-deferred a(i) b(none)");
    deferred_unref(a);
    deferred_unref(b);
    deferred_unref(inner);
}
END_TEST

START_TEST(a_chain_waiting_on_an_inner_lives_while_the_inner_does) {
    /* Fire and forget: nobody holds outer once it has fired; inner's producer holds inner. */
    struct deferred *outer = fresh(), *inner = fresh();
    deferred_add_callback(outer, return_deferred, inner);
    deferred_add_callback(outer, record, "outer");
    deferred_callback(outer, NULL, NULL);
    deferred_unref(outer);
    deferred_callback(inner, text("late"), free);
    ck_assert_str_eq(log_text, "return-deferred outer(late)");
    deferred_unref(inner);
}
END_TEST

START_TEST(an_inner_freed_unfired_leaves_the_outer_waiting_and_leaks_nothing) {
    struct deferred *outer = fresh(), *inner = fresh();
    deferred_add_callback(outer, return_deferred, inner);
    deferred_add_callback(outer, record, "never");
    deferred_callback(outer, text("o"), counted_free);
    deferred_unref(inner); /* its producer gives up: nothing can fire it now */
    ck_assert_int_eq(deferred_peek(outer).kind, DEFERRED_WAIT);
    ck_assert_ptr_null(deferred_peek(outer).wait);
    ck_assert(deferred_paused(outer));
    deferred_unref(outer);
    ck_assert_str_eq(log_text, "return-deferred");
    ck_assert_int_eq(frees, 1);
}
END_TEST

START_TEST(fire_with_a_deferred_waits_for_it) {
    struct deferred *d = fresh(), *inner = fresh();
    deferred_add_callback(d, record, "d");
    ck_assert_int_eq(deferred_fire(d, deferred_wait_for(deferred_ref(inner))), 0);
    ck_assert(deferred_paused(d));
    ck_assert_str_eq(log_text, "");
    deferred_callback(inner, text("x"), free);
    ck_assert_str_eq(log_text, "d(x)");
    deferred_unref(inner);
    deferred_unref(d);
}
END_TEST

/* ---- Pause ---- */

START_TEST(pause_and_unpause_nest) {
    struct deferred *d = fresh();
    deferred_add_callback(d, record, "cb");
    deferred_pause(d);
    deferred_pause(d);
    deferred_callback(d, text("v"), free);
    ck_assert_str_eq(log_text, "");
    ck_assert_int_eq(deferred_unpause(d), 0);
    ck_assert_str_eq(log_text, "");
    ck_assert(deferred_paused(d));
    ck_assert_int_eq(deferred_unpause(d), 0);
    ck_assert_str_eq(log_text, "cb(v)");
    ck_assert_int_eq(deferred_unpause(d), DEFERRED_ERR_NOT_PAUSED);
    deferred_unref(d);
}
END_TEST

START_TEST(adding_to_a_paused_fired_deferred_runs_nothing) {
    struct deferred *d = fresh();
    deferred_callback(d, text("v"), free);
    deferred_pause(d);
    deferred_add_callback(d, record, "cb");
    ck_assert_str_eq(log_text, "");
    deferred_unpause(d);
    ck_assert_str_eq(log_text, "cb(v)");
    deferred_unref(d);
}
END_TEST

static struct deferred_result pauses_its_deferred(struct deferred_result r, void *arg) {
    (void)arg;
    deferred_pause(reentrant);
    note("paused");
    return r;
}

/* As in Twisted: a pause from inside a callback does not stop the pass that is running; it holds back
 * what is added afterwards, until the unpause. */
START_TEST(a_pause_inside_a_callback_holds_back_later_callbacks) {
    reentrant = fresh();
    deferred_add_callback(reentrant, pauses_its_deferred, NULL);
    deferred_add_callback(reentrant, record, "same-pass");
    deferred_callback(reentrant, text("v"), free);
    ck_assert_str_eq(log_text, "paused same-pass(v)");
    ck_assert(deferred_paused(reentrant));
    deferred_add_callback(reentrant, record, "held");
    ck_assert_str_eq(log_text, "paused same-pass(v)");
    ck_assert_int_eq(deferred_unpause(reentrant), 0);
    ck_assert_str_eq(log_text, "paused same-pass(v) held(v)");
    deferred_unref(reentrant);
}
END_TEST

START_TEST(an_outer_paused_by_its_caller_waits_after_the_inner_fires) {
    struct deferred *outer = fresh(), *inner = fresh();
    deferred_add_callback(outer, return_deferred, inner);
    deferred_add_callback(outer, record, "outer");
    deferred_callback(outer, NULL, NULL);
    deferred_pause(outer);
    deferred_callback(inner, text("i"), free);
    ck_assert_str_eq(log_text, "return-deferred");
    ck_assert_int_eq(deferred_unpause(outer), 0);
    ck_assert_str_eq(log_text, "return-deferred outer(i)");
    deferred_unref(inner);
    deferred_unref(outer);
}
END_TEST

/* ---- Cancel ---- */

static int cancels;
static bool canceller_fires;
static void canceller(struct deferred *d, void *arg) {
    cancels++;
    ck_assert_str_eq(arg, "ctx");
    if (canceller_fires)
        deferred_callback(d, text("stopped cleanly"), free);
}

START_TEST(cancel_calls_the_canceller_then_errbacks_with_cancelled) {
    cancels = 0;
    canceller_fires = false;
    struct deferred *d = deferred_new_cancellable(canceller, "ctx");
    deferred_add_errback(d, save, NULL);
    deferred_add_errback(d, recover, "handled");
    deferred_cancel(d);
    ck_assert_int_eq(cancels, 1);
    char want[64];
    snprintf(want, sizeof want, "recover(%d)", DEFERRED_ERR_CANCELLED);
    ck_assert_str_eq(log_text, want);
    deferred_cancel(d); /* fired: nothing happens */
    ck_assert_int_eq(cancels, 1);
    /* a canceller was there, so a late fire is an ordinary second fire */
    ck_assert_int_eq(deferred_callback(d, text("late"), counted_free), DEFERRED_ERR_ALREADY_CALLED);
    deferred_unref(d);
}
END_TEST

START_TEST(a_canceller_that_fires_wins) {
    cancels = 0;
    canceller_fires = true;
    struct deferred *d = deferred_new_cancellable(canceller, "ctx");
    deferred_add_callbacks(d, record, "cb", record, "eb");
    deferred_cancel(d);
    ck_assert_int_eq(cancels, 1);
    ck_assert_str_eq(log_text, "cb(stopped cleanly)");
    deferred_unref(d);
}
END_TEST

START_TEST(cancel_without_canceller_swallows_one_late_fire) {
    struct deferred *d = fresh();
    deferred_add_errback(d, recover, "cancelled");
    deferred_cancel(d);
    char want[64];
    snprintf(want, sizeof want, "recover(%d)", DEFERRED_ERR_CANCELLED);
    ck_assert_str_eq(log_text, want);
    ck_assert_int_eq(deferred_callback(d, text("the work's result"), counted_free), 0); /* swallowed */
    ck_assert_int_eq(frees, 1);
    ck_assert_int_eq(deferred_callback(d, text("again"), counted_free), DEFERRED_ERR_ALREADY_CALLED);
    ck_assert_int_eq(frees, 2);
    deferred_unref(d);
}
END_TEST

START_TEST(cancel_of_a_fired_deferred_does_nothing) {
    struct deferred *d = fresh();
    deferred_callback(d, text("v"), free);
    deferred_cancel(d);
    deferred_add_callback(d, record, "cb");
    ck_assert_str_eq(log_text, "cb(v)");
    deferred_unref(d);
}
END_TEST

/* ---- Unhandled failures, freeing ---- */

START_TEST(an_unhandled_failure_is_reported_at_free_with_where_it_was_made) {
    int line = __LINE__ + 1; /* the next line's */
    struct deferred *d = deferred_new();
    deferred_add_callback(d, record, "cb");
    deferred_errback(d, failure_new(-ECONNREFUSED, "no poetry at %s", "10.0.0.1:7"));
    ck_assert_int_eq(unhandled_count, 0); /* not before the free: an errback may still come */
    deferred_unref(d);
    ck_assert_int_eq(unhandled_count, 1);
    char where[64];
    snprintf(where, sizeof where, "test_deferred.c:%d", line);
    ck_assert_msg(strstr(unhandled_origin, where) != NULL, "origin '%s' lacks '%s'", unhandled_origin, where);
    ck_assert_str_eq(unhandled_message, "no poetry at 10.0.0.1:7");
}
END_TEST

START_TEST(the_default_report_goes_to_stderr) {
    deferred_set_unhandled_handler(NULL, NULL);
    char buffer[512] = "";
    fflush(stderr);
    FILE *capture = tmpfile();
    ck_assert_ptr_nonnull(capture);
    int saved_fd = dup(2);
    dup2(fileno(capture), 2);
    struct deferred *d = deferred_fail(failure_from_code(-ECONNREFUSED));
    deferred_unref(d);
    fflush(stderr);
    dup2(saved_fd, 2);
    close(saved_fd);
    rewind(capture);
    size_t n = fread(buffer, 1, sizeof buffer - 1, capture);
    buffer[n] = 0;
    fclose(capture);
    ck_assert_msg(strstr(buffer, "Unhandled error in Deferred made at") != NULL, "got: %s", buffer);
    ck_assert_msg(strstr(buffer, "test_deferred.c:") != NULL, "got: %s", buffer);
    ck_assert_msg(strstr(buffer, strerror(ECONNREFUSED)) != NULL, "got: %s", buffer);
}
END_TEST

START_TEST(handled_and_unfired_deferreds_report_nothing) {
    struct deferred *a = fresh(), *b = fresh(), *c = fresh();
    deferred_add_errback(a, recover, "ok");
    deferred_errback(a, failure_from_code(-EIO));
    deferred_callback(b, text("v"), free);
    deferred_unref(a);
    deferred_unref(b);
    deferred_unref(c);
    ck_assert_int_eq(unhandled_count, 0);
}
END_TEST

START_TEST(freeing_frees_the_result_and_the_callbacks_that_never_ran) {
    struct deferred *d = fresh();
    deferred_callback(d, text("v"), counted_free);
    deferred_pause(d);
    for (int i = 0; i < 10; i++) /* on the heap, never run */
        deferred_add_callback(d, record, "never");
    struct deferred *chained = fresh();
    deferred_chain(d, chained); /* holds a reference to chained: released with d */
    deferred_unref(chained);
    deferred_unref(d);
    ck_assert_int_eq(frees, 1);
    ck_assert_str_eq(log_text, "");
}
END_TEST

START_TEST(references_keep_a_deferred_alive) {
    struct deferred *d = fresh();
    ck_assert_ptr_eq(deferred_ref(d), d);
    deferred_callback(d, text("v"), counted_free);
    deferred_unref(d);
    ck_assert_int_eq(frees, 0);
    deferred_add_callback(d, record, "still");
    ck_assert_str_eq(log_text, "still(v)");
    deferred_unref(d);
    ck_assert_int_eq(frees, 1);
    deferred_unref(NULL);
}
END_TEST

/* ---- The failure value ---- */

START_TEST(failures_have_a_kind_a_message_an_errno_and_an_origin) {
    struct failure *f = failure_from_code(-ECONNREFUSED);
    ck_assert_int_eq(failure_code(f), -ECONNREFUSED);
    ck_assert_int_eq(failure_errno(f), ECONNREFUSED);
    ck_assert_str_eq(failure_message(f), strerror(ECONNREFUSED));
    ck_assert_int_eq(failure_check(f, -EIO, -ECONNREFUSED), -ECONNREFUSED);
    ck_assert_int_eq(failure_check(f, -EIO), 0);
    ck_assert_msg(strstr(failure_origin(f), "test_deferred.c:") != NULL, "origin %s", failure_origin(f));
    char line[256] = "";
    FILE *out = fmemopen(line, sizeof line, "w");
    failure_print(f, out);
    fclose(out);
    ck_assert_msg(strstr(line, strerror(ECONNREFUSED)) != NULL && strstr(line, "test_deferred.c:") != NULL,
                  "%s", line);
    failure_free(f);

    f = failure_from_code(DEFERRED_ERR_CANCELLED); /* a library code: its name from result_strerror */
    ck_assert_int_eq(failure_errno(f), 0);
    ck_assert_str_eq(failure_message(f), result_strerror(DEFERRED_ERR_CANCELLED));
    ck_assert_str_ne(failure_message(f), "unknown error (-10402)");
    failure_free(f);

    f = failure_new(-10999, "custom %s", "kind");
    ck_assert_str_eq(failure_message(f), "custom kind");
    ck_assert_int_eq(failure_check(f, -10999), -10999);
    failure_free(f);
    failure_free(NULL);
}
END_TEST

START_TEST(every_deferred_code_has_a_name) {
    for (int code = DEFERRED_ERR_ALREADY_CALLED; code >= DEFERRED_ERR_NO_FAILURE; code--) {
        char unknown[40];
        snprintf(unknown, sizeof unknown, "unknown error (%d)", code);
        ck_assert_str_ne(result_strerror(code), unknown);
        ck_assert(code <= RESULT_DEFERRED_FIRST && code >= RESULT_DEFERRED_LAST);
    }
}
END_TEST

/* ---- succeed, fail, maybe, chain ---- */

static struct deferred_result make_value(void *arg) {
    return deferred_value(text(arg), free);
}
static struct deferred_result make_failure(void *arg) {
    (void)arg;
    return deferred_error(-EAGAIN);
}
static struct deferred_result make_deferred(void *arg) {
    return deferred_wait_for(arg);
}

START_TEST(succeed_and_fail_are_fired_already) {
    struct deferred *s = deferred_succeed(text("yes"), free);
    struct deferred *f = deferred_fail(failure_from_code(-EIO));
    ck_assert(deferred_called(s) && deferred_called(f));
    deferred_add_callback(s, record, "s");
    deferred_add_errback(f, recover, "no");
    char want[64];
    snprintf(want, sizeof want, "s(yes) recover(%d)", -EIO);
    ck_assert_str_eq(log_text, want);
    deferred_unref(s);
    deferred_unref(f);
}
END_TEST

START_TEST(maybe_wraps_a_synchronous_result) {
    struct deferred *a = deferred_maybe(make_value, "sync");
    struct deferred *b = deferred_maybe(make_failure, NULL);
    struct deferred *mine = fresh();
    struct deferred *c = deferred_maybe(make_deferred, mine);
    ck_assert_ptr_eq(c, mine); /* the function's own Deferred, with the reference it gave */
    deferred_add_callback(a, record, "a");
    deferred_add_errback(b, recover, "b");
    deferred_add_callback(c, record, "c");
    deferred_callback(mine, text("async"), free);
    char want[64];
    snprintf(want, sizeof want, "a(sync) recover(%d) c(async)", -EAGAIN);
    ck_assert_str_eq(log_text, want);
    deferred_unref(a);
    deferred_unref(b);
    deferred_unref(c);
}
END_TEST

START_TEST(chain_fires_the_other_with_the_result) {
    struct deferred *d = fresh(), *e = fresh();
    deferred_add_callback(e, record, "e");
    ck_assert_int_eq(deferred_chain(d, e), 0);
    deferred_add_callback(d, record, "d-after");
    deferred_callback(d, text("v"), free);
    ck_assert_str_eq(log_text, "e(v) d-after(none)");
    /* chaining to a fired Deferred: the refusal is a failure on d's chain */
    struct deferred *f = fresh();
    ck_assert_int_eq(deferred_chain(f, e), 0);
    deferred_add_errback(f, recover, "refused");
    deferred_callback(f, text("w"), counted_free);
    ck_assert_int_eq(frees, 1);
    char want[96];
    snprintf(want, sizeof want, "e(v) d-after(none) recover(%d)", DEFERRED_ERR_ALREADY_CALLED);
    ck_assert_str_eq(log_text, want);
    deferred_unref(d);
    deferred_unref(e);
    deferred_unref(f);
}
END_TEST

START_TEST(chain_carries_failures_too) {
    struct deferred *d = fresh(), *e = fresh();
    deferred_chain(d, e);
    deferred_add_errback(e, recover, "e");
    deferred_errback(d, failure_from_code(-EIO));
    char want[64];
    snprintf(want, sizeof want, "recover(%d)", -EIO);
    ck_assert_str_eq(log_text, want);
    deferred_unref(d);
    deferred_unref(e);
    ck_assert_int_eq(unhandled_count, 0);
}
END_TEST

/* ---- deferred_later ---- */

static int later_runs;
static struct deferred_result later_value(void *arg) {
    later_runs++;
    return deferred_value(text(arg), free);
}

START_TEST(later_fires_after_the_delay) {
    later_runs = 0;
    struct task_clock *clock = task_clock_new();
    struct deferred *d = NULL;
    ck_assert_int_eq(deferred_later(task_clock_scheduler(clock), 2.0, later_value, "tick", &d), 0);
    deferred_add_callback(d, record, "later");
    task_clock_advance(clock, 1.9);
    ck_assert_str_eq(log_text, "");
    task_clock_advance(clock, 0.1);
    ck_assert_str_eq(log_text, "later(tick)");
    ck_assert_int_eq(later_runs, 1);
    deferred_unref(d);
    ck_assert_int_eq(deferred_later(task_clock_scheduler(clock), -1, NULL, NULL, &d), -EINVAL);
    ck_assert_int_eq(deferred_later(task_clock_scheduler(clock), 0, NULL, NULL, &d), 0);
    deferred_add_callback(d, record, "none");
    task_clock_advance(clock, 0);
    ck_assert_str_eq(log_text, "later(tick) none(none)");
    deferred_unref(d);
    task_clock_free(clock);
}
END_TEST

START_TEST(cancelling_later_cancels_the_timer) {
    later_runs = 0;
    struct task_clock *clock = task_clock_new();
    struct deferred *d = NULL;
    deferred_later(task_clock_scheduler(clock), 5.0, later_value, "tick", &d);
    deferred_add_errback(d, recover, "cancelled");
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock)), 1);
    deferred_cancel(d);
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock)), 0);
    task_clock_advance(clock, 10);
    ck_assert_int_eq(later_runs, 0);
    char want[64];
    snprintf(want, sizeof want, "recover(%d)", DEFERRED_ERR_CANCELLED);
    ck_assert_str_eq(log_text, want);
    deferred_unref(d);
    task_clock_free(clock);
}
END_TEST

/* ---- Long chains: no recursion that grows with them ---- */

enum { DEEP = 100000 };
static struct deferred **chain;
static int deepest_seen;

/* Callback of chain[i]: returns chain[i+1], still unfired (the last one returns a value). */
static struct deferred_result next_in_chain(struct deferred_result r, void *arg) {
    long i = (long)(intptr_t)arg;
    deferred_result_free(r);
    if (i > deepest_seen)
        deepest_seen = (int)i;
    if (i == DEEP)
        return deferred_value(text("bottom"), free);
    return deferred_wait_for(deferred_ref(chain[i + 1]));
}

/* Runs fn on a thread with an 8 MiB stack, whatever `ulimit -s` says, so that recursion would crash. */
static void on_small_stack(void *(*fn)(void *)) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 8u << 20);
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, &attr, fn, NULL), 0);
    void *ok = NULL;
    pthread_join(thread, &ok);
    pthread_attr_destroy(&attr);
    ck_assert_ptr_eq(ok, (void *)1);
}

static void *deep_fired(void *unused) {
    (void)unused;
    chain = calloc(DEEP + 1, sizeof *chain);
    for (long i = 0; i <= DEEP; i++) {
        chain[i] = deferred_new();
        deferred_add_callback(chain[i], next_in_chain, (void *)(intptr_t)i);
    }
    deferred_add_callback(chain[0], save, NULL);
    /* Fire each in turn: chain[i] then waits on chain[i+1]; the last firing wakes all 100,000. */
    for (long i = 0; i <= DEEP; i++)
        deferred_callback(chain[i], NULL, NULL);
    int ok = strcmp(saved, "bottom") == 0 && deepest_seen == DEEP;
    for (long i = 0; i <= DEEP; i++)
        deferred_unref(chain[i]);
    free(chain);
    return (void *)(intptr_t)ok;
}

START_TEST(a_chain_of_100000_deferreds_completes) {
    deepest_seen = 0;
    saved[0] = 0;
    on_small_stack(deep_fired);
    ck_assert_str_eq(saved, "bottom");
}
END_TEST

static void *deep_freed(void *unused) {
    (void)unused;
    chain = calloc(DEEP + 1, sizeof *chain);
    for (long i = 0; i <= DEEP; i++) {
        chain[i] = deferred_new();
        deferred_add_callback(chain[i], next_in_chain, (void *)(intptr_t)i);
        deferred_add_callback(chain[i], record, "never");
    }
    for (long i = 0; i < DEEP; i++) /* each waits on the next; the last is never fired */
        deferred_callback(chain[i], NULL, NULL);
    /* Give up every reference but the last Deferred's: the others live on, held by the one below... */
    for (long i = 0; i < DEEP; i++)
        deferred_unref(chain[i]);
    /* ...and freeing the last frees all 100,000, without recursing. */
    deferred_unref(chain[DEEP]);
    free(chain);
    return (void *)(intptr_t)(log_text[0] == 0);
}

START_TEST(a_chain_of_100000_waiting_deferreds_frees) {
    deepest_seen = 0;
    on_small_stack(deep_freed);
    ck_assert_int_eq(deepest_seen, DEEP - 1);
}
END_TEST

static long counter;
static struct deferred_result count_one(struct deferred_result r, void *arg) {
    (void)arg;
    counter++;
    return r;
}

static void *million(void *unused) {
    (void)unused;
    struct deferred *d = deferred_new();
    for (long i = 0; i < 1000000; i++)
        if (deferred_add_callback(d, count_one, NULL) != 0)
            return NULL;
    deferred_callback(d, text("v"), free);
    long before_free = counter;
    deferred_unref(d);
    return (void *)(intptr_t)(before_free == 1000000);
}

START_TEST(a_million_callbacks_on_one_deferred) {
    counter = 0;
    on_small_stack(million);
    ck_assert_int_eq(counter, 1000000);
}
END_TEST

START_TEST(a_deferred_with_three_pairs_fits_in_160_bytes) {
    ck_assert_uint_le(deferred_struct_size(), 160);
}
END_TEST

/* ---- Drawing ---- */

START_TEST(the_chain_draws_as_graphviz) {
    static int code = -EIO;
    struct deferred *d = fresh();
    ck_assert_int_eq(deferred_trace(d, NULL), 0);
    deferred_add_callback(d, append, "!");
    deferred_add_callbacks(d, fail_with, &code, record, "eb0");
    deferred_add_errback(d, recover, "back");
    deferred_add_callback(d, record, "last");
    deferred_callback(d, text("x"), free);
    char *dot = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&dot, &size);
    ck_assert_int_eq(deferred_dump_dot(d, "chain", out), 0);
    fclose(out);
    ck_assert_msg(strstr(dot, "digraph \"chain\"") != NULL, "%s", dot);
    ck_assert_msg(strstr(dot, "1. append") != NULL, "%s", dot);
    ck_assert_msg(strstr(dot, "2. fail_with") != NULL, "%s", dot);
    ck_assert_msg(strstr(dot, "3. recover") != NULL, "%s", dot);
    ck_assert_msg(strstr(dot, "failure: ") != NULL, "%s", dot);
    ck_assert_msg(strstr(dot, "value 0x") != NULL || strstr(dot, "value (nil)") != NULL, "%s", dot);
    free(dot);
    deferred_unref(d);
}
END_TEST

static Suite *deferred_suite(void) {
    Suite *s = suite_create("deferred");
    TCase *tc = tcase_create("rules");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, callbacks_run_in_order_with_each_ones_result);
    tcase_add_test(tc, each_callback_gets_its_own_argument);
    tcase_add_test(tc, errback_skips_callbacks_until_an_errback);
    tcase_add_test(tc, a_failing_callback_moves_the_chain_to_the_errback_track);
    tcase_add_test(tc, an_errback_returning_a_value_moves_the_chain_back);
    tcase_add_test(tc, add_both_runs_on_either_track);
    tcase_add_test(tc, a_null_function_passes_the_result_on);
    tcase_add_test(tc, a_second_fire_is_refused_and_its_value_freed);
    tcase_add_test(tc, errback_then_callback_is_refused);
    tcase_add_test(tc, callbacks_added_after_firing_run_at_once);
    tcase_add_test(tc, callbacks_added_while_the_chain_runs_go_to_its_end);
    tcase_add_test(tc, a_callback_that_fires_its_own_deferred_is_refused);
    tcase_add_test(tc, a_callback_may_drop_the_last_reference_to_its_deferred);
    tcase_add_test(tc, a_callback_may_fire_another_deferred);
    tcase_add_test(tc, a_returned_deferred_pauses_the_chain_until_it_fires);
    tcase_add_test(tc, a_returned_fired_deferred_gives_its_result_at_once);
    tcase_add_test(tc, a_returned_failed_deferred_moves_the_outer_to_the_errback_track);
    tcase_add_test(tc, inner_callbacks_are_preserved);
    tcase_add_test(tc, a_callback_returning_its_own_deferred_fails);
    tcase_add_test(tc, waiting_on_no_deferred_is_a_failure);
    tcase_add_test(tc, two_waiting_on_one_inner_the_first_gets_its_result);
    tcase_add_test(tc, a_chain_waiting_on_an_inner_lives_while_the_inner_does);
    tcase_add_test(tc, an_inner_freed_unfired_leaves_the_outer_waiting_and_leaks_nothing);
    tcase_add_test(tc, fire_with_a_deferred_waits_for_it);
    tcase_add_test(tc, pause_and_unpause_nest);
    tcase_add_test(tc, adding_to_a_paused_fired_deferred_runs_nothing);
    tcase_add_test(tc, a_pause_inside_a_callback_holds_back_later_callbacks);
    tcase_add_test(tc, an_outer_paused_by_its_caller_waits_after_the_inner_fires);
    tcase_add_test(tc, cancel_calls_the_canceller_then_errbacks_with_cancelled);
    tcase_add_test(tc, a_canceller_that_fires_wins);
    tcase_add_test(tc, cancel_without_canceller_swallows_one_late_fire);
    tcase_add_test(tc, cancel_of_a_fired_deferred_does_nothing);
    tcase_add_test(tc, an_unhandled_failure_is_reported_at_free_with_where_it_was_made);
    tcase_add_test(tc, the_default_report_goes_to_stderr);
    tcase_add_test(tc, handled_and_unfired_deferreds_report_nothing);
    tcase_add_test(tc, freeing_frees_the_result_and_the_callbacks_that_never_ran);
    tcase_add_test(tc, references_keep_a_deferred_alive);
    tcase_add_test(tc, failures_have_a_kind_a_message_an_errno_and_an_origin);
    tcase_add_test(tc, every_deferred_code_has_a_name);
    tcase_add_test(tc, succeed_and_fail_are_fired_already);
    tcase_add_test(tc, maybe_wraps_a_synchronous_result);
    tcase_add_test(tc, chain_fires_the_other_with_the_result);
    tcase_add_test(tc, chain_carries_failures_too);
    tcase_add_test(tc, later_fires_after_the_delay);
    tcase_add_test(tc, cancelling_later_cancels_the_timer);
    tcase_add_test(tc, the_chain_draws_as_graphviz);
    tcase_add_test(tc, a_deferred_with_three_pairs_fits_in_160_bytes);
    suite_add_tcase(s, tc);

    TCase *big = tcase_create("long chains");
    tcase_add_checked_fixture(big, setup, teardown);
    tcase_set_timeout(big, 60); /* seconds, times CK_TIMEOUT_MULTIPLIER under the sanitizers */
    tcase_add_test(big, a_chain_of_100000_deferreds_completes);
    tcase_add_test(big, a_chain_of_100000_waiting_deferreds_frees);
    tcase_add_test(big, a_million_callbacks_on_one_deferred);
    suite_add_tcase(s, big);
    return s;
}

int main(void) {
    return run_suite_as_tap(deferred_suite());
}
