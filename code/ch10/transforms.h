/* transforms.h: the poetry transformations the transformation service offers (the Twisted
 * Introduction's parts 12-13). A transform takes a poem's bytes and makes new ones; it never changes
 * the length, and works on bytes (any UTF-8 outside ASCII passes unchanged). */
#ifndef TRANSFORMS_H
#define TRANSFORMS_H

#include "result.h"

#include <stddef.h>

enum {
    TRANSFORM_ERR_UNKNOWN = -10631, /* no transform has that name */
    TRANSFORM_ERR_FAILED = -10632,  /* the transform failed (the `fail` transform always does) */
};

/* >> transforms */
/* Applies the transform called name (name_len bytes) to poem (len bytes), writing len bytes into out,
 * which the caller provides (len bytes; may be NULL when len is 0). Returns 0, TRANSFORM_ERR_UNKNOWN or
 * TRANSFORM_ERR_FAILED (then out is unspecified). The transforms:
 *   cummingsify  ASCII letters to lower case, every other byte unchanged (as e. e. cummings wrote)
 *   shout        ASCII letters to upper case, every other byte unchanged
 *   fail         always fails: a transform server's clients can test their fallback against it */
int transform_apply(const char *name, size_t name_len, const char *poem, size_t len, char *out);
/* << transforms */

/* The names, NULL-terminated (static). */
extern const char *const transform_names[];

#endif
