/* looping_call.h: call a function every N seconds, on any scheduler (the reactor's or a task_clock's).
 *
 * The calls stay aligned to the start time: with an interval of 1 s started at t = 0, they run at
 * 1, 2, 3 … even if one runs late, or the function itself takes time (the next call is the first grid
 * time after the function returns). When the process was too busy to make a call in time, the missed
 * ones are not made up: the next call runs at the next aligned time and is told how many intervals
 * went by. The loop counts intervals as whole numbers since the start, so a call on time is told 1,
 * whatever the start and interval, and never 0. Twisted's counterpart: task.LoopingCall (with
 * withCount). Chapter 6 adds a start that returns a Deferred; this plain completion callback stays. */
#ifndef LOOPING_CALL_H
#define LOOPING_CALL_H

#include "deferred.h"
#include "scheduler.h"

#include <stdbool.h>

struct looping_call; /* opaque */

/* Result codes, in the looping call's range of the one code space (result.h); looping_call_strerror
 * and result_strerror name them. */
enum {
    LOOPING_CALL_ERR_RUNNING = -10201,     /* start on a looping call that is running */
    LOOPING_CALL_ERR_NOT_RUNNING = -10202, /* stop on a looping call that is not running */
};

/* >> api */
/* The repeated function. `intervals` is how many intervals have gone by since the last call: 1 when
 * on time, more when calls were missed. Returns 0 to go on, or a negative code to stop the loop (the
 * code goes to the done callback). */
typedef int (*looping_call_fn)(void *arg, long intervals);

/* Told once when a run of the loop ends: status 0 after looping_call_stop, or the negative code the
 * function returned (also when it stopped the loop first, as in Twisted's testFailAndStop). The done
 * callback may free the loop, or start it again. */
typedef void (*looping_call_done_fn)(void *arg, int status);

/* Makes a looping call of fn(arg) on scheduler; it does not run until started. Returns NULL with errno
 * EINVAL if fn is NULL, or NULL when out of memory. The caller owns it and frees it with
 * looping_call_free. The macro passes fn's name along. */
#define looping_call_new(scheduler, fn, arg) looping_call_new_named((scheduler), #fn, (fn), (arg))
struct looping_call *looping_call_new_named(struct scheduler *scheduler, const char *name, looping_call_fn fn,
                                            void *arg);

/* Stops the loop if running (without telling the done callback) and frees it. Must not be called from
 * inside its own function: stop it there, and free it afterwards. NULL is allowed. */
void looping_call_free(struct looping_call *loop);

/* Sets the function told when the loop ends. Replaces any earlier one. */
void looping_call_on_done(struct looping_call *loop, looping_call_done_fn done, void *arg);

/* Starts calling every `interval` seconds (>= 0; 0 means on every pass of the scheduler), the first
 * time at once (inside this call) if `now` is true, else after one interval. May be called from inside
 * the function after looping_call_stop: that restarts the loop with one chain of calls, aligned to the
 * new start, and done is not told for the run that was restarted; a failure the function then returns
 * ends the new run. Returns 0, -EINVAL for a bad interval (negative or NaN), LOOPING_CALL_ERR_RUNNING,
 * or -ENOMEM. */
int looping_call_start(struct looping_call *loop, double interval, bool now);

/* Stops the loop; the done callback is told with status 0 (or the function's failure, see above). From
 * outside the function, done is told inside this call; from inside it, after the function returns (as
 * Twisted fires its Deferred after the call). Either way the done callback may free the loop: after a
 * stop from outside, do not touch the loop once this returns. Returns 0 or LOOPING_CALL_ERR_NOT_RUNNING. */
int looping_call_stop(struct looping_call *loop);

/* True between a successful start and the end of the loop. */
bool looping_call_running(const struct looping_call *loop);
/* << api */

/* >> deferred-api */
/* Chapter 6. Twisted's LoopingCall.start: starts as looping_call_start does, and stores in *out a
 * Deferred (the caller's reference) that fires with an empty value when the loop is stopped, or
 * errbacks with the function's failure when it fails. The done callback is not told. Same returns as
 * looping_call_start; on an error *out is NULL. Restart after the end makes a new Deferred; a run
 * stopped and started again from inside the function never fires its Deferred (as in Twisted, where
 * start replaces it), and the loop drops its reference to it. */
int looping_call_start_deferred(struct looping_call *loop, double interval, bool now, struct deferred **out);

/* A function that may return a Deferred: a value (freed) means go on, a failure ends the loop, and a
 * Deferred (deferred_wait_for; the loop takes that reference) holds the next call back until it fires
 * — then the next call is the next aligned one (missed intervals are counted, not made up), or the loop
 * ends if it failed. A start while the loop waits returns LOOPING_CALL_ERR_RUNNING. A stop while the
 * loop waits tells the end (the start's Deferred, or the done callback) once the wait is over; a stop
 * from inside the function (of either kind), once the function has returned (as in Twisted). */
typedef struct deferred_result (*looping_call_deferred_fn)(void *arg, long intervals);

/* Makes a looping call of such a function; otherwise the same as looping_call_new. */
#define looping_call_new_deferred(scheduler, fn, arg)                                                        \
    looping_call_new_deferred_named((scheduler), #fn, (fn), (arg))
struct looping_call *looping_call_new_deferred_named(struct scheduler *scheduler, const char *name,
                                                     looping_call_deferred_fn fn, void *arg);
/* << deferred-api */

/* Names the LOOPING_CALL_ERR_* codes, and any other code (wraps result_strerror). */
const char *looping_call_strerror(int code);

#endif
