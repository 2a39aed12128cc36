/* transforms.c: the transformations. See transforms.h. */
#include "transforms.h"

#include <string.h>

static int cummingsify(const char *in, size_t len, char *out) {
    for (size_t i = 0; i < len; i++)
        out[i] = in[i] >= 'A' && in[i] <= 'Z' ? (char)(in[i] - 'A' + 'a') : in[i];
    return 0;
}

static int shout(const char *in, size_t len, char *out) {
    for (size_t i = 0; i < len; i++)
        out[i] = in[i] >= 'a' && in[i] <= 'z' ? (char)(in[i] - 'a' + 'A') : in[i];
    return 0;
}

static int fail(const char *in, size_t len, char *out) {
    (void)in, (void)len, (void)out;
    return TRANSFORM_ERR_FAILED;
}

static const struct {
    const char *name;
    int (*fn)(const char *in, size_t len, char *out);
} table[] = {{"cummingsify", cummingsify}, {"shout", shout}, {"fail", fail}};

const char *const transform_names[] = {"cummingsify", "shout", "fail", NULL};

int transform_apply(const char *name, size_t name_len, const char *poem, size_t len, char *out) {
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strlen(table[i].name) == name_len && memcmp(table[i].name, name, name_len) == 0)
            return table[i].fn(poem, len, out);
    return TRANSFORM_ERR_UNKNOWN;
}
