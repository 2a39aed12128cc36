/* netstring_model.h: a second, deliberately simple netstring parser for the fuzz oracles: the
 * differential check the fuzzers hold the receiver to. */
#ifndef NETSTRING_MODEL_H
#define NETSTRING_MODEL_H

#include <stddef.h>

enum model_result { MODEL_INCOMPLETE, MODEL_WHOLE, MODEL_BROKEN };

/* Looks at one netstring at the start of s (n bytes) with limit max. MODEL_WHOLE: its body is
 * s[*body .. *body + *len) and it takes *total bytes. MODEL_BROKEN: no netstring can start this way
 * (digits over the limit count as broken as soon as they are seen). MODEL_INCOMPLETE: it may yet. */
static inline enum model_result model_netstring(const char *s, size_t n, size_t max, size_t *body,
                                                size_t *len, size_t *total) {
    size_t i = 0, value = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (i == 1 && s[0] == '0')
            return MODEL_BROKEN; /* a leading zero */
        value = value * 10 + (size_t)(s[i] - '0');
        if (value > max)
            return MODEL_BROKEN;
        i++;
    }
    if (i == n)
        return MODEL_INCOMPLETE;
    if (s[i] != ':' || i == 0)
        return MODEL_BROKEN;
    i++;
    if (n - i < value + 1)
        return MODEL_INCOMPLETE;
    if (s[i + value] != ',')
        return MODEL_BROKEN;
    *body = i;
    *len = value;
    *total = i + value + 1;
    return MODEL_WHOLE;
}

#endif
