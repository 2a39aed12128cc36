/* poem.c: a poem's bytes. See poem.h for the contracts. */
#include "poem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void poem_free(void *value) {
    struct poem *poem = value;
    if (poem != NULL)
        free(poem->bytes);
    free(poem);
}

/* >> poem-append */
int poem_append(struct poem *poem, const char *bytes, size_t len, size_t max) {
    if (poem->len > max || len > max - poem->len) /* written so that it cannot overflow */
        return -EFBIG;
    if (len > poem->capacity - poem->len) {
        size_t need = poem->len + len; /* <= max, so it did not overflow */
        size_t capacity = poem->capacity ? poem->capacity : 4096;
        while (capacity < need && capacity <= max / 2)
            capacity *= 2;
        if (capacity < need)
            capacity = need; /* near max: just what is needed */
        if (capacity > max)
            capacity = max; /* never more room than max allows (need <= max) */
        char *bigger = realloc(poem->bytes, capacity);
        if (bigger == NULL)
            return -ENOMEM;
        poem->bytes = bigger;
        poem->capacity = capacity;
    }
    if (len > 0)
        memcpy(poem->bytes + poem->len, bytes, len);
    poem->len += len;
    return 0;
}
/* << poem-append */

struct poem *poem_copy(const struct poem *poem) {
    struct poem *copy = calloc(1, sizeof *copy);
    if (copy == NULL)
        return NULL;
    if (poem->len > 0) {
        copy->bytes = malloc(poem->len);
        if (copy->bytes == NULL) {
            free(copy);
            return NULL;
        }
        memcpy(copy->bytes, poem->bytes, poem->len);
    }
    copy->len = copy->capacity = poem->len;
    return copy;
}
