/* timeout.c: with_timeout. See timeout.h for the contract, which is the specification: read it first.
 *
 * As given, it never times out: it hands back d itself. Replace it. */
#include "timeout.h"

#include "failure.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

struct deferred *with_timeout(struct scheduler *scheduler, struct deferred *d, double seconds) {
    (void)scheduler;
    if (isnan(seconds) || seconds < 0)
        return NULL;
    /* TODO: a new Deferred, a timer, and a pair on d; whichever happens first wins. */
    return deferred_ref(d);
}
