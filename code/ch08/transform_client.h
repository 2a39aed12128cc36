/* transform_client.h: the client side of the poetry transformation service (the Twisted Introduction's
 * part 13, TransformClientProtocol and TransformProxy).
 *
 * A request is one netstring `NAME.POEM`; the server answers with one netstring, the transformed poem,
 * and closes — or closes with no reply when the transform is unknown or fails (transform_protocol.h is
 * the server). Two layers, as in poetry_client.h:
 *   - struct transform_client is the protocol: a netstring receiver that sends the request when the
 *     connection is made and takes the one reply. It runs on any transport (chapter 10's string
 *     transport too).
 *   - transform_client_request connects over TCP, runs one on the connection, keeps the limits, and
 *     returns a Deferred that fires with the transformed poem. */
#ifndef TRANSFORM_CLIENT_H
#define TRANSFORM_CLIENT_H

#include "deferred.h"
#include "netstring.h"
#include "poem.h"
#include "poetry_client.h"
#include "reactor.h"

#include <netinet/in.h>
#include <stddef.h>

/* >> codes */
/* Result codes, in the line/netstring range of the one code space (result.h). A request also fails with
 * the connection's codes (-ECONNREFUSED, -ECONNRESET, ...) and NETSTRING_ERR_* for a malformed reply. */
enum {
    TRANSFORM_CLIENT_ERR_NO_REPLY = -10651,          /* the server closed without a reply */
    TRANSFORM_CLIENT_ERR_NAME = -10652,              /* a transform name that is empty or holds a '.' */
    TRANSFORM_CLIENT_ERR_IDLE = -10653,              /* connected, but no byte came for idle_timeout */
    TRANSFORM_CLIENT_ERR_CONNECT_TIMED_OUT = -10654, /* the connect did not settle within connect_timeout */
    TRANSFORM_CLIENT_ERR_TIMED_OUT = -10655,         /* the whole request took longer than limits.timeout */
};
/* << codes */

/* >> protocol */
struct transform_client;

/* What a transform client tells its owner. Any may be NULL. */
struct transform_client_ops {
    /* The connection is up and the request is written (queued on the transport). */
    void (*connection_made)(struct transform_client *tc);
    /* len > 0 bytes of the reply arrived (an idle timer). */
    void (*bytes_received)(struct transform_client *tc, size_t len);
    /* The last call: the connection is over. If the reply came, transformed is it (the callee owns it,
     * poem_free) and reason is 0, however the connection then ended. Otherwise transformed is NULL and
     * reason says why: TRANSFORM_CLIENT_ERR_NO_REPLY after a clean close without one, NETSTRING_ERR_* for
     * a malformed reply, the reason given to transform_client_give_up, or the connection's code. tc may
     * be freed here. */
    void (*finished)(struct transform_client *tc, struct poem *transformed, int reason);
};

/* One request's protocol. Embed it and hand &tc->nr.protocol to the library (or any transport). */
struct transform_client {
    struct netstring_receiver nr; /* its protocol is what the library sees */
    const struct transform_client_ops *ops;
    void *arg;     /* the owner's, untouched by the protocol */
    char *request; /* NAME.POEM, until written (the protocol's) */
    size_t request_len;
    struct poem *reply; /* once it came (the protocol's until finished) */
    int gave_up;        /* 0, or why the protocol gave up (finished will say it) */
};

/* Readies tc to ask for the transform called name (1 or more bytes, no '.': the server reads the name
 * up to the first '.') of poem, which is copied: the caller keeps it. A reply longer than max_reply
 * bytes is a broken peer (NETSTRING_ERR_TOO_LONG). Returns 0, TRANSFORM_CLIENT_ERR_NAME or -ENOMEM
 * (then tc holds nothing). A tc that is never connected must be cleared (transform_client_clear). */
int transform_client_init(struct transform_client *tc, const char *name, const struct poem *poem,
                          size_t max_reply, const struct transform_client_ops *ops, void *arg);

/* Frees what tc holds (the request, a reply) without telling anyone: for a tc whose connection never
 * came. The end of a connection does it by itself. */
void transform_client_clear(struct transform_client *tc);

/* Gives the request up: aborts the connection (if there is one); finished then gets reason instead of
 * the connection's, unless the reply has already come. Only the first reason counts. */
void transform_client_give_up(struct transform_client *tc, int reason);
/* << protocol */

/* >> request */
/* Asks the transformation server at addr for the transform called name of poem (copied: the caller
 * keeps it), with the default limits of poetry_client_limits_default. Stores in *out a Deferred (the
 * caller's reference) that fires with the transformed poem — a struct poem *, freed by poem_free — or
 * a failure: TRANSFORM_CLIENT_ERR_NO_REPLY (an unknown transform, or one that failed), a malformed
 * reply (NETSTRING_ERR_*), a connection's code (-ECONNREFUSED, -ECONNRESET, ...) or a limit that ran
 * out. It never fires from inside this call, except when the connect cannot even begin (then it has
 * failed already). Cancelling it stops the request. Returns 0, TRANSFORM_CLIENT_ERR_NAME (a bad name:
 * nothing started) or -ENOMEM; on an error *out is NULL. */
int transform_client_request(struct reactor *r, const struct sockaddr_in *addr, const char *name,
                             const struct poem *poem, struct deferred **out);

/* The same with limits (NULL: the defaults): connect_timeout, idle_timeout (no byte of the reply for
 * that long: TRANSFORM_CLIENT_ERR_IDLE), timeout (the whole request) and max_size (the longest reply). */
int transform_client_request_limited(struct reactor *r, const struct sockaddr_in *addr, const char *name,
                                     const struct poem *poem, const struct poetry_client_limits *limits,
                                     struct deferred **out);
/* << request */

#endif
