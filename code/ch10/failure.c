/* failure.c: failures. See failure.h for the contracts. */
#include "failure.h"

#include "result.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct failure {
    int code;
    bool is_static;     /* the shared out-of-memory failure: never freed */
    char *message;      /* owned; NULL means result_strerror(code) */
    const char *origin; /* static */
};

/* What failure_new returns when it cannot allocate: no message of its own, nothing to free. */
static struct failure out_of_memory = {.code = -ENOMEM, .is_static = true, .origin = "(out of memory)"};

struct failure *failure_new_at(const char *origin, int code, const char *format, ...) {
    struct failure *failure = malloc(sizeof *failure);
    if (failure == NULL)
        return &out_of_memory;
    *failure = (struct failure){.code = code, .origin = origin};
    if (format != NULL) {
        va_list args;
        va_start(args, format);
        int len = vsnprintf(NULL, 0, format, args);
        va_end(args);
        if (len >= 0 && (failure->message = malloc((size_t)len + 1)) != NULL) {
            va_start(args, format);
            vsnprintf(failure->message, (size_t)len + 1, format, args);
            va_end(args);
        } /* else: the code's own name will have to do */
    }
    return failure;
}

void failure_free(struct failure *failure) {
    if (failure == NULL || failure->is_static)
        return;
    free(failure->message);
    free(failure);
}

int failure_check_list(const struct failure *failure, ...) {
    va_list codes;
    va_start(codes, failure);
    int code, found = 0;
    while ((code = va_arg(codes, int)) != 0)
        if (code == failure->code) {
            found = code;
            break;
        }
    va_end(codes);
    return found;
}

int failure_code(const struct failure *failure) {
    return failure->code;
}

int failure_errno(const struct failure *failure) {
    return failure->code < 0 && failure->code >= RESULT_ERRNO_LAST ? -failure->code : 0;
}

const char *failure_message(const struct failure *failure) {
    return failure->message != NULL ? failure->message : result_strerror(failure->code);
}

const char *failure_origin(const struct failure *failure) {
    return failure->origin;
}

int failure_print(const struct failure *failure, FILE *out) {
    return fprintf(out, "%s (code %d, made at %s)\n", failure_message(failure), failure->code,
                   failure->origin);
}
