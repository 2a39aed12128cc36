/* timeout.h: a Deferred that gives up. The specification of the exercise: do not change it. */
#ifndef TIMEOUT_H
#define TIMEOUT_H

#include "deferred.h"
#include "scheduler.h"

/* The failure kind of a timeout: this program's own code, beside the library's. */
enum { POETRY_TIMED_OUT = -20001 };

/* Returns a new Deferred (the caller's reference) that fires with d's result — its value or its
 * failure, whichever comes — if d fires within `seconds` on scheduler. If it does not, the new Deferred
 * errbacks with a failure of kind POETRY_TIMED_OUT whose message is "timed out after SECONDS s" (SECONDS
 * printed with %g), and d is cancelled (deferred_cancel). The new Deferred fires once, whatever d does
 * later, and nothing is left behind: no timer once d has fired, nothing allocated once both are over.
 * Takes its own reference to d while it needs one; the caller keeps its own. Returns NULL when out of
 * memory or when seconds is negative or not a number. */
struct deferred *with_timeout(struct scheduler *scheduler, struct deferred *d, double seconds);

#endif
