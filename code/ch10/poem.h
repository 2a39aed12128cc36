/* poem.h: a poem — the bytes a poetry client collects, and the value its Deferred fires with.
 *
 * Chapters 5 and 6 kept this struct inside get-poetry.c. It is a module of its own from chapter 8 on,
 * because the poetry client (poetry_client.h), the transformation client (transform_client.h), the
 * poetry cache and the test doubles of chapter 10 all pass poems around. A poem is plain bytes: it is
 * not NUL-terminated and may hold any byte, NUL included. */
#ifndef POEM_H
#define POEM_H

#include <stddef.h>

/* >> poem */
/* bytes[0 .. len) is the poem; capacity is what bytes has room for. An empty poem may have bytes NULL.
 * A zeroed struct is an empty poem. The poem owns bytes. */
struct poem {
    char *bytes;
    size_t len;
    size_t capacity;
};

/* Frees a heap poem and its bytes (the shape of a deferred_result's free function, so a Deferred can
 * own a poem: deferred_callback(d, poem, poem_free)). NULL is allowed. */
void poem_free(void *poem);

/* Appends len bytes to the poem, which may not grow past max bytes in all. Returns 0; -EFBIG if the
 * poem would then be longer than max (nothing is appended: a poem of exactly max bytes is fine); or
 * -ENOMEM (nothing is appended). The buffer grows by doubling, never past max. */
int poem_append(struct poem *poem, const char *bytes, size_t len, size_t max);

/* A new heap poem with the same bytes (its capacity is its length). The caller owns it (poem_free).
 * Returns NULL when out of memory. */
struct poem *poem_copy(const struct poem *poem);
/* << poem */

#endif
