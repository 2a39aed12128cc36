/* trace.c: deferred_add_tracer. See trace.h for the contract. */
#include "trace.h"

#include "failure.h"

FILE *trace_output;

/* Both sides of the pair: says what passes, and passes it on, untouched. */
static struct deferred_result trace(struct deferred_result result, void *arg) {
    FILE *out = trace_output != NULL ? trace_output : stdout;
    const char *label = arg;
    if (result.kind == DEFERRED_FAILURE)
        fprintf(out, "%s: failure %s\n", label, failure_message(result.failure));
    else
        fprintf(out, "%s: value %s\n", label, result.value != NULL ? (const char *)result.value : "none");
    return result;
}

int deferred_add_tracer(struct deferred *d, const char *label) {
    return deferred_add_both(d, trace, (void *)label);
}
