/* timeout.c: with_timeout. See timeout.h for the contract. */
#include "timeout.h"

#include "failure.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/* One race between d and the timer. */
struct race {
    struct deferred *result;    /* what with_timeout returned (the race's reference) */
    struct deferred *d;         /* what it waits for (the race's reference) */
    struct delayed_call *timer; /* while the timer is pending */
    double seconds;
    bool timed_out;
};

/* The timer won: give up on d. d's pair below then sees its cancelled result, and ends the race. */
static int time_out(void *arg) {
    struct race *race = arg;
    delayed_call_release(race->timer); /* this call is running: nothing left to cancel */
    race->timer = NULL;
    race->timed_out = true;
    deferred_errback(race->result, failure_new(POETRY_TIMED_OUT, "timed out after %g s", race->seconds));
    deferred_cancel(race->d); /* fires d (now, or when its canceller does), which ends the race */
    return 0;
}

/* d fired, first or after the timer: pass its result on if it is first, then end the race. */
static struct deferred_result d_fired(struct deferred_result result, void *arg) {
    struct race *race = arg;
    if (race->timed_out) {
        deferred_result_free(result); /* too late: the result went to nobody */
    } else {
        delayed_call_cancel(race->timer);
        delayed_call_release(race->timer);
        deferred_fire(race->result, result);
    }
    deferred_unref(race->result);
    struct deferred *d = race->d;
    free(race);
    deferred_unref(d); /* safe: d's chain holds it while this runs */
    return deferred_none();
}

struct deferred *with_timeout(struct scheduler *scheduler, struct deferred *d, double seconds) {
    if (isnan(seconds) || seconds < 0)
        return NULL;
    struct race *race = calloc(1, sizeof *race);
    struct deferred *result = deferred_new();
    if (race == NULL || result == NULL) {
        free(race);
        deferred_unref(result);
        return NULL;
    }
    *race = (struct race){.result = deferred_ref(result), .d = deferred_ref(d), .seconds = seconds};
    if (scheduler_call_later(scheduler, seconds, time_out, race, &race->timer) != 0 ||
        deferred_add_both(d, d_fired, race) != 0) {
        if (race->timer != NULL) {
            delayed_call_cancel(race->timer);
            delayed_call_release(race->timer);
        }
        deferred_unref(race->d);
        deferred_unref(race->result);
        free(race);
        deferred_unref(result);
        return NULL;
    }
    return result;
}
