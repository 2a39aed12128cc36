/* trace.h: watching a chain from outside. The specification of the exercise: do not change it. */
#ifndef TRACE_H
#define TRACE_H

#include "deferred.h"

#include <stdio.h>

/* Where the tracers write: stdout unless a program (or a test) sets it. */
extern FILE *trace_output;

/* Adds to the end of d's chain a pair that writes one line to trace_output for whatever passes it, and
 * passes it on unchanged (the very same value or failure, on the same track):
 *     LABEL: value TEXT          for a value (values in this exercise are strings), or
 *     LABEL: value none          for the empty value (NULL), or
 *     LABEL: failure MESSAGE     for a failure (its failure_message).
 * label is static: the tracer keeps the pointer. Returns 0 or what deferred_add_callbacks returns. */
int deferred_add_tracer(struct deferred *d, const char *label);

#endif
