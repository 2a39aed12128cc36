/* deferred.h: the Deferred — a result that is not there yet, and the chain of callbacks that wait for it.
 *
 * Code that starts something slow (a download, a timer) makes a Deferred and returns it at once; the
 * caller adds callbacks (for a value) and errbacks (for a failure, failure.h) in pairs; when the work is
 * done, the code that made it fires it once, with deferred_callback or deferred_errback. The result then
 * runs down the chain, pair by pair, on two tracks: each pair's callback runs if the result so far is a
 * value, its errback if it is a failure, and whatever that one returns is the next result. Twisted's
 * counterpart: twisted.internet.defer.Deferred, whose rules these are:
 *   - a callback that returns a failure moves the chain to the errback track; an errback that returns a
 *     value moves it back (C has no exceptions: "raising" is returning deferred_error(code));
 *   - a callback that returns a Deferred (deferred_wait_for) pauses the chain until that inner one fires,
 *     then goes on with the inner's result; the inner's own result becomes an empty value;
 *   - callbacks added to a fired Deferred run at once; callbacks added while the chain runs go to its
 *     end, and run in this same pass; pause and unpause nest;
 *   - firing a second time is refused with DEFERRED_ERR_ALREADY_CALLED (never an abort);
 *   - a failure left at the end of the chain when the Deferred is freed is reported, with where the
 *     Deferred was made ("Unhandled error in Deferred").
 * Nothing here recurses with the length of a chain: a chain of 100,000 Deferreds, each waiting on the
 * next, fires and frees on a small stack.
 *
 * OWNERSHIP — the rules, all in one place:
 *   - A Deferred is reference counted. deferred_new gives the caller one reference; deferred_ref makes
 *     another, for each extra holder (the code that will fire it, say, and the code that adds callbacks);
 *     deferred_unref gives one back, and the last one frees it. Firing frees nothing: a fired Deferred is
 *     freed by its last holder's deferred_unref. Freeing one unfired is fine: its callbacks never run.
 *   - Values: a value on the chain carries its own free function (struct deferred_result). The chain
 *     owns the current result. A callback is GIVEN the result: it owns it, and must return it, free it
 *     (deferred_result_free) or keep it. So a callback that replaces a value frees the old one (or keeps
 *     it) itself; the library never frees a value a callback was given.
 *   - deferred_callback and deferred_errback always take their value: refused (already called), it is
 *     freed at once, so the caller never keeps it. A result still in the Deferred when it is freed is
 *     freed with it (a failure is first reported as unhandled).
 *   - A callback that returns a Deferred (deferred_wait_for) gives the chain its reference to that inner
 *     Deferred; the chain lets go of it once it has its result. The inner holds a reference to the outer
 *     until it fires, so a chain paused on an inner Deferred lives on while anyone holds the inner — its
 *     producer, typically — even if nobody holds the outer any more.
 *   - Callback arguments (the void *arg) stay their owner's: the library never frees them.
 * Not thread-safe: a Deferred belongs to one thread, the reactor's (chapter 9 fires them from others). */
#ifndef DEFERRED_H
#define DEFERRED_H

#include "failure.h"
#include "scheduler.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct deferred; /* opaque */

/* >> codes */
/* Result codes, in the deferred range of result.h; result_strerror names them. */
enum {
    DEFERRED_ERR_ALREADY_CALLED = -10401, /* a second callback/errback (Twisted's AlreadyCalledError) */
    DEFERRED_ERR_CANCELLED = -10402,     /* the failure a cancelled Deferred errbacks with (CancelledError) */
    DEFERRED_ERR_NOT_PAUSED = -10403,    /* deferred_unpause on a Deferred that is not paused */
    DEFERRED_ERR_RETURNED_SELF = -10404, /* a callback returned the Deferred it is on */
    DEFERRED_ERR_NO_FAILURE = -10405,    /* deferred_errback(d, NULL) */
};
/* << codes */

/* >> result */
/* What travels down a chain, and what every callback and errback returns: a value, a failure, or (only
 * as a callback's answer) a Deferred to wait for. Build one with the functions below rather than by
 * hand. 24 bytes, passed by value. */
enum deferred_kind {
    DEFERRED_VALUE,   /* value, freed by free(value) unless free is NULL; NULL is a fine value (None) */
    DEFERRED_FAILURE, /* failure: the errback track */
    DEFERRED_WAIT,    /* wait: "go on when this Deferred fires" (a callback's answer, never an input) */
};

struct deferred_result {
    enum deferred_kind kind;
    union {
        void *value;
        struct failure *failure;
        struct deferred *wait;
    };
    void (*free)(void *value); /* DEFERRED_VALUE only: what frees value; NULL for nothing to free */
};

/* A callback or an errback: given the result so far (which it now owns, see OWNERSHIP) and its own
 * argument, returns the next result. Errbacks are the same type, called with kind DEFERRED_FAILURE. */
typedef struct deferred_result (*deferred_fn)(struct deferred_result result, void *arg);
/* << result */

/* A value with the function that frees it (NULL: nothing to free, e.g. a static string). */
static inline struct deferred_result deferred_value(void *value, void (*free)(void *)) {
    return (struct deferred_result){.kind = DEFERRED_VALUE, .value = value, .free = free};
}
/* The empty value (Twisted's None). */
static inline struct deferred_result deferred_none(void) {
    return deferred_value(NULL, NULL);
}
/* A failure, which the result now owns. */
static inline struct deferred_result deferred_failure(struct failure *failure) {
    return (struct deferred_result){.kind = DEFERRED_FAILURE, .failure = failure};
}
/* A failure made from a code, as a callback "raises": return deferred_error(-EIO); */
#define deferred_error(code) deferred_failure(failure_from_code(code))
/* A callback's answer "wait for inner": gives the chain the caller's reference to inner. (inner NULL,
 * say from a failed deferred_new, becomes an -EINVAL failure on the chain.) */
static inline struct deferred_result deferred_wait_for(struct deferred *inner) {
    return (struct deferred_result){.kind = DEFERRED_WAIT, .wait = inner};
}
/* Frees what a result holds: the value (with its free), the failure, or the reference to a Deferred. */
void deferred_result_free(struct deferred_result result);

/* Called by deferred_cancel on a Deferred not yet fired, so that the work behind it stops. It may fire
 * d; if it does not, d errbacks with DEFERRED_ERR_CANCELLED right after it returns. */
typedef void (*deferred_canceller)(struct deferred *d, void *arg);

/* >> new */
/* Makes an unfired Deferred, and gives the caller one reference to it. The canceller (may be NULL) and
 * its argument are for deferred_cancel. The macros record where they are called, for the unhandled-error
 * report. Returns NULL when out of memory. */
#define deferred_new() deferred_new_at(FAILURE_HERE, NULL, NULL)
#define deferred_new_cancellable(canceller, arg) deferred_new_at(FAILURE_HERE, (canceller), (arg))
struct deferred *deferred_new_at(const char *origin, deferred_canceller canceller, void *arg);

/* Takes one more reference to d, and returns d. */
struct deferred *deferred_ref(struct deferred *d);

/* Gives back one reference; the last one frees d: its result (a failure is reported first, see
 * deferred_set_unhandled_handler) and its callbacks that never ran. NULL is allowed. */
void deferred_unref(struct deferred *d);
/* << new */

/* >> add-callbacks */
/* Adds a pair to the end of the chain: callback(result, callback_arg) if the result is then a value,
 * errback(result, errback_arg) if it is a failure. A NULL function passes the result on unchanged. If d
 * has fired (and is not paused or already running its chain), the chain runs now, inside this call.
 * Returns 0, or -ENOMEM (the pair was not added; the first three pairs never allocate). The macros pass
 * the functions' names along, for deferred_dump_dot. */
#define deferred_add_callbacks(d, callback, callback_arg, errback, errback_arg)                              \
    deferred_add_callbacks_named((d), #callback, (callback), (callback_arg), #errback, (errback),            \
                                 (errback_arg))
#define deferred_add_callback(d, callback, arg) deferred_add_callbacks(d, callback, arg, NULL, NULL)
#define deferred_add_errback(d, errback, arg) deferred_add_callbacks(d, NULL, NULL, errback, arg)
#define deferred_add_both(d, fn, arg) deferred_add_callbacks(d, fn, arg, fn, arg)
int deferred_add_callbacks_named(struct deferred *d, const char *callback_name, deferred_fn callback,
                                 void *callback_arg, const char *errback_name, deferred_fn errback,
                                 void *errback_arg);
/* << add-callbacks */

/* >> fire */
/* Fires d with a value (freed by free(value) when its time comes; free may be NULL) and runs the
 * chain. Returns 0, or DEFERRED_ERR_ALREADY_CALLED if d has fired: then the value is freed at once. One
 * exception, Twisted's: after a deferred_cancel that found no canceller, the first late fire is quietly
 * swallowed (value freed, returns 0). */
int deferred_callback(struct deferred *d, void *value, void (*free)(void *));

/* The same, with a failure (which d now owns, or frees if refused). Returns 0,
 * DEFERRED_ERR_ALREADY_CALLED, or DEFERRED_ERR_NO_FAILURE if failure is NULL (then d is not fired). */
int deferred_errback(struct deferred *d, struct failure *failure);

/* Fires d with any result: a value or a failure (deferred_callback or deferred_errback), or a Deferred
 * to wait for as a callback would. Same returns as those two. */
int deferred_fire(struct deferred *d, struct deferred_result result);
/* << fire */

/* >> pause */
/* Pauses d: its chain stops before the next callback until as many unpauses. Nests. */
void deferred_pause(struct deferred *d);

/* Undoes one pause; the last one runs the chain on if d has fired. Returns 0 or DEFERRED_ERR_NOT_PAUSED
 * (a pause of d's own making, while it waits on an inner Deferred, is not the caller's to undo). */
int deferred_unpause(struct deferred *d);
/* << pause */

/* >> cancel */
/* Twisted's cancel. If d has not fired: calls its canceller (if it has none, the next fire will be
 * swallowed), then, if d has still not fired, errbacks it with DEFERRED_ERR_CANCELLED. If d has fired,
 * does nothing (chapter 11 cancels the inner Deferred a chain waits on). The caller must hold a
 * reference to d when it calls (cancel holds its own while it runs). */
void deferred_cancel(struct deferred *d);
/* << cancel */

/* True once d has been fired (whether or not its chain has finished). */
bool deferred_called(const struct deferred *d);

/* True while d waits: paused by the caller, or on an inner Deferred. */
bool deferred_paused(const struct deferred *d);

/* d's current result, to look at (not to take): meaningful once d has fired, and not while one of its
 * callbacks runs (that callback owns the result then). kind is DEFERRED_WAIT while d waits on an inner
 * Deferred (wait is then that Deferred, or NULL if it was freed unfired: d stays paused for good). */
struct deferred_result deferred_peek(const struct deferred *d);

/* Where d was made ("get-poetry.c:123"). */
const char *deferred_origin(const struct deferred *d);

/* >> conveniences */
/* Twisted's succeed and fail: a Deferred already fired with this value / failure (which it takes).
 * NULL when out of memory (then the value or failure has been freed). */
#define deferred_succeed(value, free) deferred_succeed_at(FAILURE_HERE, (value), (free))
#define deferred_fail(failure) deferred_fail_at(FAILURE_HERE, (failure))
struct deferred *deferred_succeed_at(const char *origin, void *value, void (*free)(void *));
struct deferred *deferred_fail_at(const char *origin, struct failure *failure);

/* A function that produces a result now: a value, a failure, or a Deferred (deferred_wait_for). */
typedef struct deferred_result (*deferred_call_fn)(void *arg);

/* Twisted's maybeDeferred: calls fn(arg) and returns its result as a Deferred the caller owns — the one
 * it returned, or a fired one. NULL when out of memory. */
#define deferred_maybe(fn, arg) deferred_maybe_at(FAILURE_HERE, (fn), (arg))
struct deferred *deferred_maybe_at(const char *origin, deferred_call_fn fn, void *arg);

/* Twisted's chainDeferred: adds a pair to d that fires other with d's result (d's own result then
 * becomes empty). d holds a reference to other until then. Returns 0 or -ENOMEM. If other has fired
 * already, the refusal becomes a DEFERRED_ERR_ALREADY_CALLED failure on d's chain. */
int deferred_chain(struct deferred *d, struct deferred *other);

/* Twisted's task.deferLater: a Deferred that fires `delay` seconds from now on scheduler with fn(arg)'s
 * result (fn may be NULL: an empty value). Cancelling it cancels the timer (then it errbacks with
 * DEFERRED_ERR_CANCELLED, fn never runs). The timer holds its own reference until it runs or is
 * cancelled; *out gets the caller's. Returns 0, -EINVAL for a bad delay, or -ENOMEM. Fire or cancel it
 * before freeing the scheduler. */
#define deferred_later(scheduler, delay, fn, arg, out)                                                       \
    deferred_later_at(FAILURE_HERE, (scheduler), (delay), (fn), (arg), (out))
int deferred_later_at(const char *origin, struct scheduler *scheduler, double delay, deferred_call_fn fn,
                      void *arg, struct deferred **out);
/* << conveniences */

/* >> unhandled */
/* What is told when a Deferred is freed holding a failure no errback took: the failure (still the
 * Deferred's, about to be freed) and where the Deferred was made. */
typedef void (*deferred_unhandled_fn)(const struct failure *failure, const char *origin, void *arg);

/* Replaces the report (NULL restores the default, which writes "Unhandled error in Deferred made at
 * ORIGIN:" and the failure to stderr). Process-wide, for tests and programs that log elsewhere. */
void deferred_set_unhandled_handler(deferred_unhandled_fn fn, void *arg);
/* << unhandled */

/* >> dump */
/* Describes a value in a few words for deferred_dump_dot (writes at most size bytes into text). */
typedef void (*deferred_describe_fn)(const void *value, char *text, size_t size);

/* Starts recording d's story: each pair's names, which of its functions ran and what it returned.
 * Call it before adding callbacks (earlier pairs have no names). describe (may be NULL: values show as
 * pointers) describes values. Returns 0 or -ENOMEM. */
int deferred_trace(struct deferred *d, deferred_describe_fn describe);

/* Writes d's chain as a graphviz digraph named `name`: the two tracks, each pair's callback and
 * errback, which ran (solid) and which were passed by (dashed), and the result after each step.
 * Returns 0 or -EIO. Without deferred_trace it still draws the pairs, unnamed. */
int deferred_dump_dot(const struct deferred *d, const char *name, FILE *out);
/* << dump */

/* Bytes deferred_new requests for a Deferred (for the benchmark's and the book's accounting). */
size_t deferred_struct_size(void);

#endif
