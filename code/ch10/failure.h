/* failure.h: what went wrong, as a value that can travel down a Deferred's chain.
 *
 * Python has exceptions, and Twisted wraps the one in flight in a Failure: its type (which an errback
 * tests with trap or check), its message and where it came from. C has no exceptions, so here a
 * failure is made on purpose, from a result code: its kind IS the code, from the one code space of
 * result.h (-errno from the system, or a library code such as REACTOR_ERR_CONNECTION_LOST or
 * DEFERRED_ERR_CANCELLED), so an errback tests it the way Twisted's trap tests a class. A failure also
 * carries a message (by default the code's name from result_strerror) and where it was made.
 *
 * Ownership: whoever holds the pointer owns the failure and frees it once, with failure_free, or
 * hands it on (deferred_errback and an errback's return value take it). */
#ifndef FAILURE_H
#define FAILURE_H

#include <stdbool.h>
#include <stdio.h>

struct failure; /* opaque */

/* Where in the source a failure or a Deferred was made, as one static string "file.c:123". */
#define FAILURE_STRINGIFY_(x) #x
#define FAILURE_STRINGIFY(x) FAILURE_STRINGIFY_(x)
#define FAILURE_HERE __FILE__ ":" FAILURE_STRINGIFY(__LINE__)

/* >> failure-new */
/* Makes a failure of kind `code` (negative: -errno or a library code) whose message is the printf-style
 * format and arguments, or result_strerror(code) if format is NULL. Never returns NULL: when memory is
 * short it returns a shared static failure of kind -ENOMEM instead (failure_free ignores that one).
 * The macros record where they are called (FAILURE_HERE). */
#define failure_new(code, ...) failure_new_at(FAILURE_HERE, (code), __VA_ARGS__)
#define failure_from_code(code) failure_new_at(FAILURE_HERE, (code), NULL)
struct failure *failure_new_at(const char *origin, int code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* << failure-new */

/* Frees the failure. NULL is allowed. */
void failure_free(struct failure *failure);

/* >> failure-check */
/* Twisted's Failure.check: returns the first of the codes (one or more) that is the failure's kind, or
 * 0 if none is. An errback "traps" a kind by checking it and passing the failure on if it is not. */
#define failure_check(failure, ...) failure_check_list((failure), __VA_ARGS__, 0)
int failure_check_list(const struct failure *failure, ...);
/* << failure-check */

/* The failure's kind: the code it was made from. */
int failure_code(const struct failure *failure);

/* The errno behind it when the system failed (code -1 .. -4095: returns -code), else 0. */
int failure_errno(const struct failure *failure);

/* The message (static or owned by the failure: valid until it is freed). */
const char *failure_message(const struct failure *failure);

/* Where it was made ("get-poetry.c:123"): a static string. */
const char *failure_origin(const struct failure *failure);

/* Writes one line to out: "MESSAGE (code N, made at ORIGIN)". Returns what fprintf returns. */
int failure_print(const struct failure *failure, FILE *out);

#endif
