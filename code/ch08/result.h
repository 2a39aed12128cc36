/* result.h: one code space for every result code the library returns, and one function that names any.
 *
 * Functions that can fail return 0 or a negative code: -errno for a system error (errno values are
 * below 4096, so -errno is above RESULT_ERRNO_LAST), or a library code from its module's range below.
 * Ranges never overlap, so a code means one thing wherever it is reported. This module is the bottom
 * layer: every other module may include it, and it calls none of them. */
#ifndef RESULT_H
#define RESULT_H

#include <stddef.h>

/* >> ranges */
/* The ranges, one per module, each from FIRST down to LAST. Later chapters add theirs here. */
enum {
    RESULT_ERRNO_LAST = -4095,         /* -1 .. -4095: -errno */
    RESULT_REACTOR_FIRST = -10001,     /* reactor.h: REACTOR_ERR_* */
    RESULT_REACTOR_LAST = -10099,
    RESULT_SCHEDULER_FIRST = -10101,   /* scheduler.h: DELAYED_CALL_ERR_* */
    RESULT_SCHEDULER_LAST = -10199,
    RESULT_LOOPING_CALL_FIRST = -10201, /* looping_call.h: LOOPING_CALL_ERR_* */
    RESULT_LOOPING_CALL_LAST = -10299,
    RESULT_ADDRESS_FIRST = -10301,     /* address.h: ADDRESS_ERR_* */
    RESULT_ADDRESS_LAST = -10399,
    RESULT_DEFERRED_FIRST = -10401,    /* chapter 6: deferreds and failures */
    RESULT_DEFERRED_LAST = -10499,
    RESULT_BACKEND_FIRST = -10501,     /* backend.h: BACKEND_ERR_* (chapter 7) */
    RESULT_BACKEND_LAST = -10599,
    RESULT_LINE_NETSTRING_FIRST = -10601, /* chapter 8: line_receiver.h, netstring.h, reconnecting_factory.h */
    RESULT_LINE_NETSTRING_LAST = -10699,
};
/* << ranges */

/* Names any code: 0 is "success", -errno the system's strerror text, a library code its message, and
 * anything else "unknown error (N)", written into a thread-local buffer that the next such call from
 * the same thread overwrites. Every other string is static. Never returns NULL. */
const char *result_strerror(int code);

/* One library code: its value, its name in the headers ("ADDRESS_ERR_HOST") and its message. */
struct result_name {
    int code;
    const char *name;
    const char *message;
};

/* Every library code this build knows, for tests and tools: returns the table (static, read-only) and
 * stores its length in *count. */
const struct result_name *result_names(size_t *count);

#endif
