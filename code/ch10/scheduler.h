/* scheduler.h: time, and calls scheduled for later.
 *
 * A scheduler keeps delayed calls in a timer heap and runs those that are due. It does not know what
 * time it is by itself: it asks a clock function. The reactor gives it the monotonic clock; a
 * task_clock (task_clock.h) gives it a time that tests move by hand. Code that needs time — a looping
 * call, a timeout — takes a scheduler, so it runs the same under the reactor and under test.
 *
 * Twisted's counterparts: IReactorTime (callLater, seconds) and DelayedCall. */
#ifndef SCHEDULER_H
#define SCHEDULER_H

#include "result.h"

#include <stdbool.h>
#include <stddef.h>

struct scheduler;    /* opaque */
struct delayed_call; /* opaque */

/* Result codes, in the scheduler's range of the one code space (result.h); result_strerror,
 * reactor_strerror and scheduler_strerror name them. */
enum {
    DELAYED_CALL_ERR_ALREADY_CALLED = -10101,    /* cancel, reset or delay of a call that has run */
    DELAYED_CALL_ERR_ALREADY_CANCELLED = -10102, /* cancel, reset or delay of a cancelled call */
};

/* The longest wait scheduler_timeout returns, in seconds: a deadline farther away (even 2^128 s, or
 * infinity) is waited for in steps of this size, instead of overflowing a system call's argument. */
#define SCHEDULER_MAX_TIMEOUT 86400.0

/* A scheduled function: returns 0, or a negative code that the scheduler reports on stderr. */
typedef int (*scheduler_fn)(void *arg);

/* A clock: returns the current time in seconds. */
typedef double (*scheduler_clock_fn)(void *clock_arg);

/* Makes a scheduler that reads the time from clock(clock_arg) and names itself `owner` ("reactor")
 * in the errors it reports. Returns NULL when out of memory. Free it with scheduler_free. */
struct scheduler *scheduler_new(scheduler_clock_fn clock, void *clock_arg, const char *owner);

/* Cancels every pending call (without running it) and frees the scheduler. Handles the caller still
 * holds stay valid (cancelled) until released. NULL is allowed. */
void scheduler_free(struct scheduler *scheduler);

/* The scheduler's current time, in seconds. */
double scheduler_seconds(struct scheduler *scheduler);

/* >> call-later */
/* Schedules fn(arg) to run `delay` seconds from now (delay >= 0). Calls due at the same time run in the
 * order they were scheduled; a call scheduled while calls are running runs on a later pass, never in
 * the current one. If out is not NULL, *out receives a handle for cancel/reset/delay/active/get_time,
 * which the caller must give back with delayed_call_release; if out is NULL, nobody can cancel the call.
 * Returns 0, -EINVAL (delay negative or not a number, or fn NULL) or -ENOMEM. The macro passes fn's name along, for
 * error reports and traces. */
#define scheduler_call_later(scheduler, delay, fn, arg, out)                                              \
    scheduler_call_later_named((scheduler), (delay), #fn, (fn), (arg), (out))
int scheduler_call_later_named(struct scheduler *scheduler, double delay, const char *name, scheduler_fn fn,
                               void *arg, struct delayed_call **out);
/* << call-later */

/* One pass: runs every call that was due (deadline <= now) when the pass began, earliest first (equal
 * deadlines in the order scheduled), and returns how many ran. A call scheduled, reset or delayed during
 * the pass waits for a later pass, even if it is due, and never holds back the others; one cancelled
 * during the pass does not run. A pass may nest (a call advancing a task_clock): the inner pass runs what
 * is due, and the outer one skips what already ran. A call that fails is reported on stderr as
 * "OWNER: NAME failed: REASON", and the others still run. */
size_t scheduler_run_due(struct scheduler *scheduler);

/* How long to wait for the next call, in seconds: -1 when nothing is scheduled, else
 * max(0, deadline - now), never more than SCHEDULER_MAX_TIMEOUT. */
double scheduler_timeout(struct scheduler *scheduler);

/* How many calls are pending (scheduled, neither called nor cancelled). */
size_t scheduler_pending(const struct scheduler *scheduler);

/* >> delayed-call-api */
/* Cancels the call: it will not run. Returns 0, DELAYED_CALL_ERR_ALREADY_CALLED if it has run (or is
 * running now: "called" is set before the function starts) or DELAYED_CALL_ERR_ALREADY_CANCELLED. */
int delayed_call_cancel(struct delayed_call *call);

/* Moves the call to `seconds` from now. Same errors as delayed_call_cancel, and -EINVAL for a bad delay. */
int delayed_call_reset(struct delayed_call *call, double seconds);

/* Moves the call `seconds` later (earlier if negative). Same errors as delayed_call_reset; -EINVAL also
 * when the new deadline would not be a number (an infinite deadline moved by minus infinity). */
int delayed_call_delay(struct delayed_call *call, double seconds);

/* True while the call is pending: neither called nor cancelled. */
bool delayed_call_active(const struct delayed_call *call);

/* The time the call is (or was) due, in the scheduler's seconds. */
double delayed_call_get_time(const struct delayed_call *call);

/* Gives back the caller's handle. The call itself is unaffected: a pending call still runs. */
void delayed_call_release(struct delayed_call *call);
/* << delayed-call-api */

/* Names the DELAYED_CALL_ERR_* codes, -errno codes and every other library code (wraps result_strerror),
 * so that a delayed call failing with any code is reported by name. */
const char *scheduler_strerror(int code);

#endif
