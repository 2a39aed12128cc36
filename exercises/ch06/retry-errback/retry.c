/* retry.c: add_retry. See retry.h for the contract, which is the specification: read it first.
 *
 * As given, it adds nothing: a failure goes on down the chain, and no second attempt is made. */
#include "retry.h"

#include "failure.h"

int add_retry(struct deferred *d, const struct retry *retry) {
    (void)d;
    (void)retry;
    /* TODO: an errback; what it returns decides what the chain waits for. */
    return 0;
}
