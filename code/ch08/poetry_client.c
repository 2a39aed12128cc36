/* poetry_client.c: the poetry protocol and the TCP download around it. See poetry_client.h. */
#include "poetry_client.h"

#include "failure.h"
#include "result.h"
#include "scheduler.h"
#include "tcp.h"
#include "transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* >> poetry-protocol */
static void poetry_connection_made(struct protocol *p, struct transport *transport) {
    struct poetry_protocol *pp = (struct poetry_protocol *)p;
    if (pp->gave_up != 0) { /* given up before the connection came: end it at once */
        transport_abort_connection(transport);
        return;
    }
    if (pp->ops->connection_made != NULL)
        pp->ops->connection_made(pp);
}

static void poetry_data_received(struct protocol *p, const char *bytes, size_t len) {
    struct poetry_protocol *pp = (struct poetry_protocol *)p;
    if (pp->gave_up != 0)
        return; /* the abort is on its way: these bytes belong to no poem */
    int err = poem_append(&pp->poem, bytes, len, pp->max_size);
    if (err != 0) {
        poetry_protocol_give_up(pp, err); /* -EFBIG (past max_size) or -ENOMEM */
        return;
    }
    if (pp->ops->bytes_received != NULL)
        pp->ops->bytes_received(pp, len);
}

/* A clean close is the end of the poem (the protocol has no other framing); anything else means no
 * poem, and the bytes that came are dropped, never passed off as a whole poem. */
static void poetry_connection_lost(struct protocol *p, int reason) {
    struct poetry_protocol *pp = (struct poetry_protocol *)p;
    struct poem *poem = NULL;
    if (pp->gave_up != 0)
        reason = pp->gave_up;
    if (reason == REACTOR_CONNECTION_DONE) {
        poem = malloc(sizeof *poem);
        reason = poem == NULL ? -ENOMEM : 0;
    }
    if (poem != NULL)
        *poem = pp->poem; /* the bytes move into the heap poem */
    else
        free(pp->poem.bytes);
    pp->poem = (struct poem){0};
    if (pp->ops->poem_finished != NULL)
        pp->ops->poem_finished(pp, poem, reason); /* may free pp */
    else
        poem_free(poem);
}

static const struct protocol_ops poetry_protocol_ops = {
    .connection_made = poetry_connection_made,
    .data_received = poetry_data_received,
    .connection_lost = poetry_connection_lost,
};

void poetry_protocol_init(struct poetry_protocol *pp, const struct poetry_protocol_ops *ops, void *arg,
                          size_t max_size) {
    *pp = (struct poetry_protocol){
        .protocol.ops = &poetry_protocol_ops, .ops = ops, .arg = arg, .max_size = max_size};
}

void poetry_protocol_give_up(struct poetry_protocol *pp, int reason) {
    if (pp->gave_up != 0)
        return;
    pp->gave_up = reason;
    if (pp->protocol.transport != NULL)
        transport_abort_connection(pp->protocol.transport);
}
/* << poetry-protocol */

void poetry_client_limits_default(struct poetry_client_limits *limits) {
    *limits = (struct poetry_client_limits){
        .connect_timeout = 30, .idle_timeout = 60, .timeout = 0, .max_size = (size_t)64 << 20};
}

/* >> download */
/* One download: the client factory of its connection, the protocol on it, and the Deferred it will
 * fire. It holds one reference to the Deferred; poetry_client_get gives the caller another. It is
 * freed by the connector's last call (the factory must outlive the connector), or by poetry_client_get
 * if the connect never began. */
struct download {
    struct factory factory; /* first: the library's factory pointer is the download's */
    struct poetry_protocol pp;
    struct reactor *reactor;
    struct deferred *done; /* until it fires */
    struct poetry_client_limits limits;
    struct connector *connector; /* while connecting */
    struct delayed_call *timer;  /* gives up after limits.timeout */
    struct delayed_call *idle;   /* while connected, if idle_timeout: pushed back by every byte */
    int gave_up;                 /* why the download gave up while connecting, or 0 */
    poetry_client_progress_fn progress;
    void *progress_arg;
};

/* The failure a download ends with. */
static struct failure *download_failure(const struct download *dl, int reason) {
    switch (reason) {
    case POETRY_CLIENT_ERR_TIMED_OUT:
        return failure_new(reason, "timed out after %g s", dl->limits.timeout);
    case POETRY_CLIENT_ERR_CONNECT_TIMED_OUT:
        return failure_new(reason, "connect timed out after %g s", dl->limits.connect_timeout);
    case POETRY_CLIENT_ERR_IDLE:
        return failure_new(reason, "no byte for %g s", dl->limits.idle_timeout);
    case -EFBIG:
        return failure_new(reason, "poem larger than --max-size (%zu bytes)", dl->limits.max_size);
    case -ENOMEM:
        return failure_new(reason, "out of memory");
    default:
        return failure_from_code(reason);
    }
}

/* The download is over: fire the Deferred with the poem (reason 0) or a failure. Its chain runs inside
 * this call. */
static void download_finished(struct download *dl, struct poem *poem, int reason) {
    struct delayed_call **pending[] = {&dl->timer, &dl->idle};
    for (size_t i = 0; i < sizeof pending / sizeof pending[0]; i++) {
        if (*pending[i] != NULL) {            /* over, so it can no longer time out */
            delayed_call_cancel(*pending[i]); /* fails harmlessly if it is the call running now */
            delayed_call_release(*pending[i]);
            *pending[i] = NULL;
        }
    }
    struct deferred *done = dl->done;
    dl->done = NULL;
    if (dl->gave_up != 0)
        reason = dl->gave_up;
    if (poem != NULL && reason == 0)
        deferred_callback(done, poem, poem_free); /* the Deferred owns the poem now */
    else {
        poem_free(poem);
        deferred_errback(done, download_failure(dl, reason)); /* refused (freed) if cancelled before */
    }
    deferred_unref(done);
}
/* << download */

static struct download *download_of(struct poetry_protocol *pp) {
    return pp->arg;
}

static int download_idle(void *arg);

/* The connection is up: from now on, every idle_timeout seconds must bring a byte. */
static void download_connected(struct poetry_protocol *pp) {
    struct download *dl = download_of(pp);
    double idle = dl->limits.idle_timeout;
    if (idle > 0 && reactor_call_later(dl->reactor, idle, download_idle, dl, &dl->idle) != 0)
        poetry_protocol_give_up(pp, -ENOMEM);
}

static void download_bytes(struct poetry_protocol *pp, size_t len) {
    struct download *dl = download_of(pp);
    if (dl->idle != NULL)
        delayed_call_reset(dl->idle, dl->limits.idle_timeout); /* a byte came: the wait starts again */
    if (dl->progress != NULL)
        dl->progress(dl->progress_arg, len);
}

static void download_poem_finished(struct poetry_protocol *pp, struct poem *poem, int reason) {
    download_finished(download_of(pp), poem, reason); /* the factory's last call frees the download */
}

static const struct poetry_protocol_ops download_protocol_ops = {
    .connection_made = download_connected,
    .bytes_received = download_bytes,
    .poem_finished = download_poem_finished,
};

/* >> factory */
static struct protocol *download_build_protocol(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    struct download *dl = (struct download *)f;
    dl->connector = NULL;
    return &dl->pp.protocol;
}

static void download_connection_failed(struct factory *f, struct connector *connector, int reason) {
    (void)connector;
    struct download *dl = (struct download *)f;
    dl->connector = NULL;
    if (reason == -ETIMEDOUT && dl->limits.connect_timeout > 0 && dl->gave_up == 0)
        dl->gave_up = POETRY_CLIENT_ERR_CONNECT_TIMED_OUT; /* the connector's timeout, not the kernel's */
    download_finished(dl, NULL, reason);
    free(dl); /* the connector's last call */
}

/* The connection is over: the protocol has fired the Deferred already; this is the last call. */
static void download_connection_lost(struct factory *f, struct connector *connector, int reason) {
    (void)connector, (void)reason;
    free(f);
}

static const struct factory_ops download_factory_ops = {
    .build_protocol = download_build_protocol,
    .client_connection_failed = download_connection_failed,
    .client_connection_lost = download_connection_lost,
};
/* << factory */

/* Gives the download up with reason: stops the connect (the download ends, and is freed, inside
 * connector_stop) or aborts the connection (it ends on a later turn). */
static void download_give_up(struct download *dl, int reason) {
    if (dl->connector != NULL) {
        if (dl->gave_up == 0)
            dl->gave_up = reason;
        connector_stop(dl->connector); /* dl is freed when this returns */
    } else {
        poetry_protocol_give_up(&dl->pp, reason);
    }
}

/* The whole download took too long. */
static int download_timed_out(void *arg) {
    struct download *dl = arg;
    delayed_call_release(dl->timer); /* this call is running: nothing left to cancel */
    dl->timer = NULL;
    download_give_up(dl, POETRY_CLIENT_ERR_TIMED_OUT);
    return 0;
}

/* Connected, but no byte for idle_timeout seconds (a server that stalls, or a connection whose other
 * end has silently gone). */
static int download_idle(void *arg) {
    struct download *dl = arg;
    delayed_call_release(dl->idle); /* this call is running: nothing left to cancel */
    dl->idle = NULL;
    poetry_protocol_give_up(&dl->pp, POETRY_CLIENT_ERR_IDLE);
    return 0;
}

/* deferred_cancel on an unfired download: give it up. While connecting, that fires the Deferred now;
 * once connected, the Deferred errbacks as cancelled right away and the connection ends a turn later. */
static void download_cancel(struct deferred *d, void *arg) {
    (void)d;
    download_give_up(arg, DEFERRED_ERR_CANCELLED);
}

/* >> get */
int poetry_client_get_watched(struct reactor *r, const struct sockaddr_in *addr,
                              const struct poetry_client_limits *limits, poetry_client_progress_fn progress,
                              void *arg, struct deferred **out) {
    *out = NULL;
    struct download *dl = calloc(1, sizeof *dl);
    struct deferred *d = dl == NULL ? NULL : deferred_new_cancellable(download_cancel, dl);
    if (d == NULL) {
        free(dl);
        return -ENOMEM;
    }
    dl->factory.ops = &download_factory_ops;
    dl->reactor = r;
    dl->done = deferred_ref(d);
    if (limits != NULL)
        dl->limits = *limits;
    else
        poetry_client_limits_default(&dl->limits);
    dl->progress = progress;
    dl->progress_arg = arg;
    poetry_protocol_init(&dl->pp, &download_protocol_ops, dl, dl->limits.max_size);
    int err = 0;
    if (dl->limits.timeout > 0)
        err = reactor_call_later(r, dl->limits.timeout, download_timed_out, dl, &dl->timer);
    if (err == 0)
        err = reactor_connect_tcp(r, addr, &dl->factory, dl->limits.connect_timeout, &dl->connector);
    if (err != 0) { /* no attempt began: d fails now, and the caller's callbacks run as they are added */
        dl->connector = NULL;
        download_finished(dl, NULL, err);
        free(dl);
    }
    *out = d;
    return 0;
}
/* << get */

int poetry_client_get(struct reactor *r, const struct sockaddr_in *addr,
                      const struct poetry_client_limits *limits, struct deferred **out) {
    return poetry_client_get_watched(r, addr, limits, NULL, NULL, out);
}
