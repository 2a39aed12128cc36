/* result.c: STAND-IN for issue 6's result.c (one table of library codes), until that lands in ch01..ch05
 * and ch06 is rebuilt from them. Same API as result.h; it names the deferred codes itself and hands the
 * codes of chapters 3-5 to the strerror functions those modules still have here. When the real result.c
 * arrives, keep only the DEFERRED_ERR_* rows below (add them to its table) and drop the rest. */
#include "result.h"

#include "deferred.h"
#include "looping_call.h"
#include "reactor.h"

#include <stdio.h>
#include <string.h>

#define NAMED(code, message)                                                                                 \
    { code, #code, message }

static const struct result_name names[] = {
    /* >> deferred-codes */
    NAMED(DEFERRED_ERR_ALREADY_CALLED, "the Deferred has already been fired"),
    NAMED(DEFERRED_ERR_CANCELLED, "the Deferred was cancelled"),
    NAMED(DEFERRED_ERR_NOT_PAUSED, "unpause of a Deferred that is not paused"),
    NAMED(DEFERRED_ERR_RETURNED_SELF, "a callback returned the Deferred it was added to"),
    NAMED(DEFERRED_ERR_NO_FAILURE, "errback with no failure"),
    /* << deferred-codes */
};

const struct result_name *result_names(size_t *count) {
    *count = sizeof names / sizeof names[0];
    return names;
}

const char *result_strerror(int code) {
    if (code == 0)
        return "success";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].code == code)
            return names[i].message;
    if (code < 0 && code >= RESULT_ERRNO_LAST)
        return strerror(-code);
    if (code <= RESULT_LOOPING_CALL_FIRST && code >= RESULT_LOOPING_CALL_LAST)
        return looping_call_strerror(code); /* stand-in only: the real table has these */
    if (code <= RESULT_REACTOR_FIRST && code >= RESULT_SCHEDULER_LAST)
        return reactor_strerror(code); /* stand-in only: reactor and scheduler codes */
    static _Thread_local char unknown[40];
    snprintf(unknown, sizeof unknown, "unknown error (%d)", code);
    return unknown;
}
