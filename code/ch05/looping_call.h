/* looping_call.h: call a function every N seconds, on any scheduler (the reactor's or a task_clock's).
 *
 * The calls stay aligned to the start time: with an interval of 1 s started at t = 0, they run at
 * 1, 2, 3 … even if one runs late. When the process was too busy to make a call in time, the missed
 * ones are not made up: the next call runs at the next aligned time and is told how many intervals
 * went by. Twisted's counterpart: task.LoopingCall (with withCount). Chapter 6 adds a start that
 * returns a Deferred; this plain completion callback stays. */
#ifndef LOOPING_CALL_H
#define LOOPING_CALL_H

#include "scheduler.h"

#include <stdbool.h>

struct looping_call; /* opaque */

/* Result codes, negative like -errno; looping_call_strerror names them. */
enum {
    LOOPING_CALL_ERR_RUNNING = -10201,     /* start on a looping call that is running */
    LOOPING_CALL_ERR_NOT_RUNNING = -10202, /* stop on a looping call that is not running */
};

/* >> api */
/* The repeated function. `intervals` is how many intervals have gone by since the last call: 1 when
 * on time, more when calls were missed. Returns 0 to go on, or a negative code to stop the loop (the
 * code goes to the done callback). */
typedef int (*looping_call_fn)(void *arg, long intervals);

/* Told once when the loop ends: status 0 after looping_call_stop, or the negative code the function
 * returned. */
typedef void (*looping_call_done_fn)(void *arg, int status);

/* Makes a looping call of fn(arg) on scheduler; it does not run until started. Returns NULL when out of
 * memory. The caller owns it and frees it with looping_call_free. The macro passes fn's name along. */
#define looping_call_new(scheduler, fn, arg) looping_call_new_named((scheduler), #fn, (fn), (arg))
struct looping_call *looping_call_new_named(struct scheduler *scheduler, const char *name, looping_call_fn fn,
                                            void *arg);

/* Stops the loop if running (without telling the done callback) and frees it. Must not be called from
 * inside its own function: stop it there, and free it afterwards. NULL is allowed. */
void looping_call_free(struct looping_call *loop);

/* Sets the function told when the loop ends. Replaces any earlier one. */
void looping_call_on_done(struct looping_call *loop, looping_call_done_fn done, void *arg);

/* Starts calling every `interval` seconds (>= 0; 0 means on every pass of the scheduler), the first
 * time at once if `now` is true, else after one interval. Returns 0, -EINVAL for a bad interval,
 * LOOPING_CALL_ERR_RUNNING, or -ENOMEM. */
int looping_call_start(struct looping_call *loop, double interval, bool now);

/* Stops the loop; the done callback is told with status 0. May be called from inside the function.
 * Returns 0 or LOOPING_CALL_ERR_NOT_RUNNING. */
int looping_call_stop(struct looping_call *loop);

/* True between a successful start and the end of the loop. */
bool looping_call_running(const struct looping_call *loop);
/* << api */

/* Names the LOOPING_CALL_ERR_* codes, and any code scheduler_strerror names. */
const char *looping_call_strerror(int code);

#endif
