/* poetry_server.h: the poetry servers' protocols — the slow one that sends a slice of the poem every
 * so often, and the fast one that sends it all at once (the Twisted Introduction's part 11).
 *
 * Chapters 5 and 6 kept them inside slowpoetry.c and fastpoetry.c; from chapter 8 on they live here, so
 * that chapter 10 can run them on a string transport and a task clock, with no socket and no waiting.
 * A struct poetry_server is the factory: hand &server->factory to reactor_listen_tcp (or call its
 * build_protocol yourself), and every connection gets a protocol that serves the server's poem. */
#ifndef POETRY_SERVER_H
#define POETRY_SERVER_H

#include "protocol.h"
#include "scheduler.h"

#include <stddef.h>
#include <stdio.h>

/* >> server */
/* What every connection shares: the poem, the pace, where to log, and counts for tests. */
struct poetry_server {
    struct factory factory;      /* first: the library's factory pointer is also the server's */
    struct scheduler *scheduler; /* the slow server's clock: reactor_scheduler(r), or a task clock's */
    const char *poem;            /* the server's bytes, never copied: they must outlive every connection */
    size_t poem_len;
    size_t num_bytes;    /* slow: bytes per slice (>= 1) */
    double delay;        /* slow: seconds between two slices (>= 0) */
    FILE *log;           /* "Sending N bytes of poetry to ADDR" and warnings; NULL: silent */
    const char *program; /* the name warnings start with ("slowpoetry: ...") */
    /* Counts, kept by the protocols (read them; don't write them). */
    size_t active;     /* connections being served now */
    size_t served;     /* poems that went out whole (the transport took every byte, then a clean close) */
    size_t left_early; /* clients that went before the end (closed, reset, or the connection failed) */
};

/* Readies server as a slow poetry server: each connection gets num_bytes (>= 1) of the poem at once,
 * then num_bytes more every delay seconds (>= 0) on scheduler, then a clean close. A client that leaves
 * early ends only its own connection: its pending slice is cancelled and its protocol freed. A client
 * that half-closes (it has nothing to say) still gets the whole poem. log and program may be NULL. */
void poetry_server_init_slow(struct poetry_server *server, struct scheduler *scheduler, const char *poem,
                             size_t poem_len, size_t num_bytes, double delay, FILE *log, const char *program);

/* Readies server as a fast poetry server: each connection gets the whole poem in one write, then a
 * clean close once the transport has sent it. log and program may be NULL. */
void poetry_server_init_fast(struct poetry_server *server, const char *poem, size_t poem_len, FILE *log,
                             const char *program);
/* << server */

/* Protocols are heap-allocated by the factory's build_protocol (which returns NULL when out of memory:
 * the library then resets that one connection) and free themselves in connection_lost. */

#endif
