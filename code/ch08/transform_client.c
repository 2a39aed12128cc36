/* transform_client.c: the transformation service's client protocol and the TCP request around it. See
 * transform_client.h for the contracts. */
#include "transform_client.h"

#include "failure.h"
#include "result.h"
#include "scheduler.h"
#include "tcp.h"
#include "transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* >> protocol */
static struct transform_client *client_of(struct netstring_receiver *nr) {
    return (struct transform_client *)nr; /* nr is tc's first member */
}

/* >> send-request */
/* The connection is up: send the one request, NAME.POEM, as a netstring. */
static void tc_connection_made(struct netstring_receiver *nr) {
    struct transform_client *tc = client_of(nr);
    if (tc->gave_up != 0) { /* given up before the connection came: end it at once */
        transport_abort_connection(nr->protocol.transport);
        return;
    }
    int err = netstring_send_string(nr, tc->request, tc->request_len);
    free(tc->request); /* the transport has its own copy of what it could not send yet */
    tc->request = NULL;
    if (err == REACTOR_ERR_DISCONNECTING)
        return; /* a send failed already (the server has gone): connection_lost will say why */
    if (err != 0) {
        transform_client_give_up(tc, err); /* -ENOMEM */
        return;
    }
    if (tc->ops->connection_made != NULL)
        tc->ops->connection_made(tc);
}

/* << send-request */

/* >> reply */
/* The one reply: keep it, and close (the server would; we need nothing more from it). */
static void tc_string_received(struct netstring_receiver *nr, const char *bytes, size_t len) {
    struct transform_client *tc = client_of(nr);
    if (tc->reply != NULL || tc->gave_up != 0)
        return;
    struct poem whole = {.bytes = (char *)bytes, .len = len};
    tc->reply = poem_copy(&whole);
    if (tc->reply == NULL) {
        transform_client_give_up(tc, -ENOMEM);
        return;
    }
    netstring_receiver_lose_connection(nr);
}

/* A malformed reply: remember why, and close, as Twisted's brokenPeer does. */
static void tc_broken_peer(struct netstring_receiver *nr, int reason) {
    struct transform_client *tc = client_of(nr);
    if (tc->gave_up == 0)
        tc->gave_up = reason;
    netstring_receiver_lose_connection(nr);
}

/* The end: the reply if it came, else why not. A clean close without a reply is the server's "no":
 * the reply is framed, so a close can never pass for a poem. */
static void tc_connection_lost(struct netstring_receiver *nr, int reason) {
    struct transform_client *tc = client_of(nr);
    struct poem *reply = tc->reply;
    tc->reply = NULL;
    free(tc->request); /* never sent: the connection failed first */
    tc->request = NULL;
    if (reply != NULL)
        reason = 0;
    else if (tc->gave_up != 0)
        reason = tc->gave_up;
    else if (reason == REACTOR_CONNECTION_DONE)
        reason = TRANSFORM_CLIENT_ERR_NO_REPLY;
    if (tc->ops->finished != NULL)
        tc->ops->finished(tc, reply, reason); /* may free tc */
    else
        poem_free(reply);
}

/* << reply */

static const struct netstring_receiver_ops transform_client_receiver_ops = {
    .connection_made = tc_connection_made,
    .string_received = tc_string_received,
    .broken_peer = tc_broken_peer,
    .connection_lost = tc_connection_lost,
};

/* Bytes go to the netstring receiver, as ever; the owner hears how many came (its idle timer). */
static void tc_data_received(struct protocol *p, const char *bytes, size_t len) {
    struct transform_client *tc = (struct transform_client *)p;
    if (tc->ops->bytes_received != NULL && tc->gave_up == 0)
        tc->ops->bytes_received(tc, len);
    netstring_receiver_protocol_ops.data_received(p, bytes, len);
}

static void tc_protocol_connection_made(struct protocol *p, struct transport *t) {
    netstring_receiver_protocol_ops.connection_made(p, t);
}

static void tc_protocol_connection_lost(struct protocol *p, int reason) {
    netstring_receiver_protocol_ops.connection_lost(p, reason);
}

static const struct protocol_ops transform_client_protocol_ops = {
    .connection_made = tc_protocol_connection_made,
    .data_received = tc_data_received,
    .connection_lost = tc_protocol_connection_lost,
};

int transform_client_init(struct transform_client *tc, const char *name, const struct poem *poem,
                          size_t max_reply, const struct transform_client_ops *ops, void *arg) {
    size_t name_len = strlen(name);
    memset(tc, 0, sizeof *tc);
    if (name_len == 0 || memchr(name, '.', name_len) != NULL)
        return TRANSFORM_CLIENT_ERR_NAME;
    if (poem->len > SIZE_MAX - name_len - 1)
        return -ENOMEM;
    tc->request_len = name_len + 1 + poem->len;
    tc->request = malloc(tc->request_len);
    if (tc->request == NULL)
        return -ENOMEM;
    memcpy(tc->request, name, name_len);
    tc->request[name_len] = '.';
    if (poem->len > 0)
        memcpy(tc->request + name_len + 1, poem->bytes, poem->len);
    netstring_receiver_init(&tc->nr, &transform_client_receiver_ops);
    tc->nr.protocol.ops = &transform_client_protocol_ops;
    tc->nr.max_length = max_reply;
    tc->ops = ops;
    tc->arg = arg;
    return 0;
}

void transform_client_clear(struct transform_client *tc) {
    free(tc->request);
    tc->request = NULL;
    poem_free(tc->reply);
    tc->reply = NULL;
    netstring_receiver_clear(&tc->nr);
}

void transform_client_give_up(struct transform_client *tc, int reason) {
    if (tc->gave_up != 0 || tc->reply != NULL)
        return;
    tc->gave_up = reason; /* from now on a reply that still arrives is dropped */
    if (tc->nr.protocol.transport != NULL)
        transport_abort_connection(tc->nr.protocol.transport);
}
/* << protocol */

/* >> request */
/* One request over TCP: the client factory of its connection, the protocol on it, and the Deferred it
 * will fire (one reference; the caller has another). Freed by the connector's last call, or by
 * transform_client_request_limited if the connect never began. */
struct request {
    struct factory factory; /* first: the library's factory pointer is the request's */
    struct transform_client tc;
    struct reactor *reactor;
    struct deferred *done;
    struct poetry_client_limits limits;
    struct connector *connector; /* while connecting */
    struct delayed_call *timer;  /* gives up after limits.timeout */
    struct delayed_call *idle;   /* while connected, if idle_timeout: pushed back by every byte */
    int gave_up;                 /* why the request gave up while connecting, or 0 */
};

static struct failure *request_failure(const struct request *rq, int reason) {
    switch (reason) {
    case TRANSFORM_CLIENT_ERR_TIMED_OUT:
        return failure_new(reason, "timed out after %g s", rq->limits.timeout);
    case TRANSFORM_CLIENT_ERR_CONNECT_TIMED_OUT:
        return failure_new(reason, "connect timed out after %g s", rq->limits.connect_timeout);
    case TRANSFORM_CLIENT_ERR_IDLE:
        return failure_new(reason, "no byte for %g s", rq->limits.idle_timeout);
    default:
        return failure_from_code(reason);
    }
}

/* The request is over: fire the Deferred with the transformed poem (reason 0) or a failure. */
static void request_finished(struct request *rq, struct poem *transformed, int reason) {
    struct delayed_call **pending[] = {&rq->timer, &rq->idle};
    for (size_t i = 0; i < sizeof pending / sizeof pending[0]; i++) {
        if (*pending[i] != NULL) {
            delayed_call_cancel(*pending[i]); /* fails harmlessly if it is the call running now */
            delayed_call_release(*pending[i]);
            *pending[i] = NULL;
        }
    }
    struct deferred *done = rq->done;
    rq->done = NULL;
    if (transformed == NULL && rq->gave_up != 0)
        reason = rq->gave_up;
    if (transformed != NULL)
        deferred_callback(done, transformed, poem_free);
    else
        deferred_errback(done, request_failure(rq, reason)); /* refused (freed) if cancelled before */
    deferred_unref(done);
}
/* << request */

static int request_idle(void *arg);

static void request_connected(struct transform_client *tc) {
    struct request *rq = tc->arg;
    double idle = rq->limits.idle_timeout;
    if (idle > 0 && reactor_call_later(rq->reactor, idle, request_idle, rq, &rq->idle) != 0)
        transform_client_give_up(tc, -ENOMEM);
}

static void request_bytes(struct transform_client *tc, size_t len) {
    (void)len;
    struct request *rq = tc->arg;
    if (rq->idle != NULL)
        delayed_call_reset(rq->idle, rq->limits.idle_timeout);
}

static void request_reply(struct transform_client *tc, struct poem *transformed, int reason) {
    request_finished(tc->arg, transformed, reason); /* the factory's last call frees the request */
}

static const struct transform_client_ops request_protocol_ops = {
    .connection_made = request_connected,
    .bytes_received = request_bytes,
    .finished = request_reply,
};

static struct protocol *request_build_protocol(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    struct request *rq = (struct request *)f;
    rq->connector = NULL;
    return &rq->tc.nr.protocol;
}

static void request_connection_failed(struct factory *f, struct connector *connector, int reason) {
    (void)connector;
    struct request *rq = (struct request *)f;
    rq->connector = NULL;
    if (reason == -ETIMEDOUT && rq->limits.connect_timeout > 0 && rq->gave_up == 0)
        rq->gave_up = TRANSFORM_CLIENT_ERR_CONNECT_TIMED_OUT;
    transform_client_clear(&rq->tc); /* it never ran */
    request_finished(rq, NULL, reason);
    free(rq);
}

static void request_connection_lost(struct factory *f, struct connector *connector, int reason) {
    (void)connector, (void)reason;
    free(f);
}

static const struct factory_ops request_factory_ops = {
    .build_protocol = request_build_protocol,
    .client_connection_failed = request_connection_failed,
    .client_connection_lost = request_connection_lost,
};

/* Gives the request up: stops the connect (the request ends, and is freed, inside connector_stop) or
 * aborts the connection (it ends on a later turn). */
static void request_give_up(struct request *rq, int reason) {
    if (rq->connector != NULL) {
        if (rq->gave_up == 0)
            rq->gave_up = reason;
        connector_stop(rq->connector); /* rq is freed when this returns */
    } else {
        transform_client_give_up(&rq->tc, reason);
    }
}

static int request_timed_out(void *arg) {
    struct request *rq = arg;
    delayed_call_release(rq->timer); /* this call is running: nothing left to cancel */
    rq->timer = NULL;
    request_give_up(rq, TRANSFORM_CLIENT_ERR_TIMED_OUT);
    return 0;
}

static int request_idle(void *arg) {
    struct request *rq = arg;
    delayed_call_release(rq->idle); /* this call is running: nothing left to cancel */
    rq->idle = NULL;
    transform_client_give_up(&rq->tc, TRANSFORM_CLIENT_ERR_IDLE);
    return 0;
}

static void request_cancel(struct deferred *d, void *arg) {
    (void)d;
    request_give_up(arg, DEFERRED_ERR_CANCELLED);
}

int transform_client_request_limited(struct reactor *r, const struct sockaddr_in *addr, const char *name,
                                     const struct poem *poem, const struct poetry_client_limits *limits,
                                     struct deferred **out) {
    *out = NULL;
    struct request *rq = calloc(1, sizeof *rq);
    if (rq == NULL)
        return -ENOMEM;
    if (limits != NULL)
        rq->limits = *limits;
    else
        poetry_client_limits_default(&rq->limits);
    int err = transform_client_init(&rq->tc, name, poem, rq->limits.max_size, &request_protocol_ops, rq);
    struct deferred *d = err != 0 ? NULL : deferred_new_cancellable(request_cancel, rq);
    if (d == NULL) {
        transform_client_clear(&rq->tc);
        free(rq);
        return err != 0 ? err : -ENOMEM;
    }
    rq->factory.ops = &request_factory_ops;
    rq->reactor = r;
    rq->done = deferred_ref(d);
    if (rq->limits.timeout > 0)
        err = reactor_call_later(r, rq->limits.timeout, request_timed_out, rq, &rq->timer);
    if (err == 0)
        err = reactor_connect_tcp(r, addr, &rq->factory, rq->limits.connect_timeout, &rq->connector);
    if (err != 0) { /* no attempt began: d fails now */
        rq->connector = NULL;
        transform_client_clear(&rq->tc);
        request_finished(rq, NULL, err);
        free(rq);
    }
    *out = d;
    return 0;
}

int transform_client_request(struct reactor *r, const struct sockaddr_in *addr, const char *name,
                             const struct poem *poem, struct deferred **out) {
    return transform_client_request_limited(r, addr, name, poem, NULL, out);
}
