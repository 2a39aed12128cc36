/* pairs.h: one pair, or two. The specification of the exercise: do not change it. */
#ifndef PAIRS_H
#define PAIRS_H

#include "deferred.h"

/* The failure kind of a poem with no title: this program's own code. */
enum { POETRY_NO_TITLE = -20003 };

/* Given (in pairs.c): a callback that takes a poem (a string) and returns its first line as a new string
 * (freed by free), or a POETRY_NO_TITLE failure when the poem is empty or starts with an empty line. */
struct deferred_result parse_title(struct deferred_result poem, void *arg);

/* Given: an errback that stores the failure's kind in *(int *)arg, frees the failure, and returns the
 * empty value (so the chain goes on, on the callback track). */
struct deferred_result report_failure(struct deferred_result failure, void *arg);

/* To write: adds parse_title and report_failure to d so that report_failure sees a failure of the
 * download (a failure d itself fires with) but NOT one that parse_title returns: that one goes on down
 * the chain. reported is report_failure's argument. Returns 0 or -ENOMEM. */
int guard_download_only(struct deferred *d, int *reported);

/* To write: the same two functions, added so that report_failure sees both kinds of failure. */
int guard_both(struct deferred *d, int *reported);

#endif
