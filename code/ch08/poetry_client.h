/* poetry_client.h: getting a poem — the poetry protocol, and a download over TCP with its limits.
 *
 * Two layers, as Twisted's PoetryProtocol and PoetryClientFactory are two classes (the Twisted
 * Introduction's parts 5 to 10):
 *   - struct poetry_protocol collects the bytes of one connection into a poem and, when the connection
 *     ends, says how: the whole poem after a clean close, or why there is none. It knows nothing about
 *     sockets or timers, so it runs on any transport: chapter 10 drives it over a string transport.
 *   - poetry_client_get connects to a server over TCP, runs a poetry protocol on the connection, keeps
 *     the limits (connect, idle and total timeouts, the largest poem) and returns a Deferred that fires
 *     with the poem.
 * Chapters 5 and 6 kept both inside get-poetry.c; chapter 8's transform-client and poetry-proxy reuse
 * them, so they live here. */
#ifndef POETRY_CLIENT_H
#define POETRY_CLIENT_H

#include "deferred.h"
#include "poem.h"
#include "protocol.h"
#include "reactor.h"

#include <netinet/in.h>
#include <stddef.h>

/* >> codes */
/* Result codes, in the line/netstring range of the one code space (result.h): why a download gave
 * itself up. A download also fails with the connection's own codes (-ECONNREFUSED, -ECONNRESET, ...),
 * -EFBIG (a poem past max_size) and -ENOMEM. */
enum {
    POETRY_CLIENT_ERR_TIMED_OUT = -10641,         /* the whole download took longer than limits.timeout */
    POETRY_CLIENT_ERR_IDLE = -10642,              /* connected, but no byte came for limits.idle_timeout */
    POETRY_CLIENT_ERR_CONNECT_TIMED_OUT = -10643, /* the connect did not settle within connect_timeout */
};
/* << codes */

/* >> protocol */
struct poetry_protocol;

/* What a poetry protocol tells its owner. Any may be NULL. */
struct poetry_protocol_ops {
    /* The connection is up (pp->protocol.transport is set). */
    void (*connection_made)(struct poetry_protocol *pp);
    /* len > 0 more bytes arrived and were added to the poem (progress lines, an idle timer). */
    void (*bytes_received)(struct poetry_protocol *pp, size_t len);
    /* The last call: the connection is over. After a clean close (and no give-up), poem is the whole
     * poem — the callee owns it (poem_free) — and reason is 0. Otherwise poem is NULL and reason says
     * why: the reason pp gave up with (poetry_protocol_give_up, -EFBIG, -ENOMEM) or the connection's
     * (-ECONNRESET, REACTOR_ERR_CONNECTION_LOST, ...). The bytes that came are freed. pp may be freed
     * here: the library never touches it again. */
    void (*poem_finished)(struct poetry_protocol *pp, struct poem *poem, int reason);
};

/* One connection's poetry protocol. Embed it (first, or reach your struct with offsetof) and hand
 * &pp->protocol to the library, or to any transport that calls protocol_ops. */
struct poetry_protocol {
    struct protocol protocol; /* the library sees this part */
    const struct poetry_protocol_ops *ops;
    void *arg;        /* the owner's, untouched by the protocol */
    size_t max_size;  /* the largest poem accepted: one byte more gives up with -EFBIG */
    struct poem poem; /* the bytes so far (the protocol's) */
    int gave_up;      /* 0, or the reason the protocol gave up: poem_finished will say it */
};

/* Readies pp for one connection: an empty poem, at most max_size bytes (0 is a fine maximum: only the
 * empty poem is accepted), with ops and arg. Allocates nothing; the poem's bytes are allocated as they
 * come and freed by the end of the connection. */
void poetry_protocol_init(struct poetry_protocol *pp, const struct poetry_protocol_ops *ops, void *arg,
                          size_t max_size);

/* Gives the download up: aborts the connection (if there is one), and poem_finished then gets reason
 * (a negative code) instead of the connection's. Only the first reason counts; bytes that still
 * arrive are dropped. */
void poetry_protocol_give_up(struct poetry_protocol *pp, int reason);
/* << protocol */

/* >> limits */
/* A download's limits. Seconds; 0 turns a timeout off. */
struct poetry_client_limits {
    double connect_timeout; /* the connect (default 30, as Twisted's connectTCP) */
    double idle_timeout;    /* a connected download without a byte (default 60) */
    double timeout;         /* the whole download, from its start (default 0: none) */
    size_t max_size;        /* the largest poem, in bytes (default 64 MiB) */
};

/* Fills limits with the defaults above. */
void poetry_client_limits_default(struct poetry_client_limits *limits);
/* << limits */

/* >> get */
/* Starts downloading a poem from the poetry server at addr (limits NULL: the defaults) and stores in
 * *out a Deferred (the caller's reference: deferred_unref it) that fires with the poem — a
 * struct poem *, freed by poem_free — or a failure: POETRY_CLIENT_ERR_CONNECT_TIMED_OUT, _IDLE or
 * _TIMED_OUT when a limit ran out ("connect timed out after 30 s"), -EFBIG past max_size ("poem larger
 * than --max-size (N bytes)"), or the connection's code (-ECONNREFUSED, -ECONNRESET, ...). It never
 * fires from inside this call, except when the connect cannot even begin (then it has already failed
 * with that code, say REACTOR_ERR_FD_RANGE). Cancelling it (deferred_cancel) stops the download; it
 * then fails with DEFERRED_ERR_CANCELLED. Returns 0, or -ENOMEM (then *out is NULL). */
int poetry_client_get(struct reactor *r, const struct sockaddr_in *addr,
                      const struct poetry_client_limits *limits, struct deferred **out);

/* Called with each piece of a download's poem as it arrives (progress lines). */
typedef void (*poetry_client_progress_fn)(void *arg, size_t len);

/* poetry_client_get, and progress(arg, len) for every len > 0 bytes that arrive (progress may be NULL).
 * arg must stay valid until the Deferred has fired. */
int poetry_client_get_watched(struct reactor *r, const struct sockaddr_in *addr,
                              const struct poetry_client_limits *limits, poetry_client_progress_fn progress,
                              void *arg, struct deferred **out);
/* << get */

#endif
