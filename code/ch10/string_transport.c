/* string_transport.c: a transport over a buffer, for tests. See string_transport.h.
 *
 * Its struct transport is its own (transport.c has the TCP one): both begin with their table of
 * transport ops, which is all that transport_write and the others look at (transport_dispatch.c). */
#include "string_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* >> string-transport-struct */
struct transport {
    const struct transport_ops *ops; /* first, as every transport's (transport.h) */
    struct string_transport *owner;
};

struct string_transport {
    struct transport transport;
    struct protocol *protocol;
    transport_lost_fn after_lost;
    void *after_lost_arg;
    char *written; /* written[0..len): every byte written since the last clear; [taken..len) unsent */
    size_t len, capacity, taken, writes;
    bool lose_requested, abort_requested, write_closed, input_ended, over;
    int reason;
    bool disconnects;             /* the ...with_disconnection variant */
    struct scheduler *scheduler;  /* ... which delivers its end on this scheduler, or at once if NULL */
    struct delayed_call *pending; /* ... the end, while it waits */
    struct sockaddr_in peer, host;
};
/* << string-transport-struct */

static struct string_transport *owner_of(const struct transport *t) {
    return t->owner;
}

/* >> string-write */
static int string_write(struct transport *t, const void *bytes, size_t len) {
    struct string_transport *st = owner_of(t);
    if (st->lose_requested || st->abort_requested || st->write_closed || st->over)
        return REACTOR_ERR_DISCONNECTING; /* as the TCP transport refuses it */
    if (st->len + len > st->capacity) {
        size_t capacity = st->capacity ? st->capacity : 256;
        while (capacity < st->len + len)
            capacity *= 2;
        char *bigger = realloc(st->written, capacity);
        if (bigger == NULL)
            return -ENOMEM;
        st->written = bigger;
        st->capacity = capacity;
    }
    if (len > 0)
        memcpy(st->written + st->len, bytes, len);
    st->len += len;
    st->writes++;
    return 0;
}
/* << string-write */

static int deliver_disconnection(void *arg) {
    struct string_transport *st = arg;
    delayed_call_release(st->pending);
    st->pending = NULL;
    string_transport_finish(st, REACTOR_CONNECTION_DONE);
    return 0;
}

/* >> string-lose */
static void string_lose_connection(struct transport *t) {
    struct string_transport *st = owner_of(t);
    if (st->lose_requested || st->abort_requested || st->over)
        return;
    st->lose_requested = true; /* recorded: the test (or the pair's pump) decides when it is over */
    if (!st->disconnects)
        return;
    if (st->scheduler == NULL)
        string_transport_finish(st, REACTOR_CONNECTION_DONE); /* Twisted's way: from inside the call */
    else if (scheduler_call_later(st->scheduler, 0, deliver_disconnection, st, &st->pending) != 0)
        string_transport_finish(st, REACTOR_CONNECTION_DONE); /* out of memory: at once, rather than never */
}
/* << string-lose */

static void string_lose_write_connection(struct transport *t) {
    struct string_transport *st = owner_of(t);
    if (st->lose_requested || st->abort_requested || st->over)
        return;
    st->write_closed = true;
}

static void string_abort_connection(struct transport *t) {
    struct string_transport *st = owner_of(t);
    if (!st->over)
        st->abort_requested = true;
}

static struct address_any string_get_peer(const struct transport *t) {
    struct address_any any;
    address_any_from_ipv4(&any, &owner_of(t)->peer);
    return any;
}

static struct address_any string_get_host(const struct transport *t) {
    struct address_any any;
    address_any_from_ipv4(&any, &owner_of(t)->host);
    return any;
}

static size_t string_queued(const struct transport *t) {
    (void)t;
    return 0; /* a string transport takes every byte at once */
}

static const struct transport_ops string_transport_ops = {
    .name = "string",
    .write = string_write,
    .lose_connection = string_lose_connection,
    .lose_write_connection = string_lose_write_connection,
    .abort_connection = string_abort_connection,
    .get_peer = string_get_peer,
    .get_host = string_get_host,
    .queued = string_queued,
};

static struct sockaddr_in ipv4(const char *host, unsigned short port) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, host, &addr.sin_addr);
    return addr;
}

struct string_transport *string_transport_new(void) {
    struct string_transport *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    st->transport = (struct transport){.ops = &string_transport_ops, .owner = st};
    st->host = ipv4("10.0.0.1", 12345); /* Twisted's StringTransport's addresses */
    st->peer = ipv4("192.168.1.1", 54321);
    return st;
}

struct string_transport *string_transport_new_with_disconnection(struct scheduler *scheduler) {
    struct string_transport *st = string_transport_new();
    if (st != NULL) {
        st->disconnects = true;
        st->scheduler = scheduler;
    }
    return st;
}

void string_transport_free(struct string_transport *st) {
    if (st == NULL)
        return;
    if (st->pending != NULL) {
        delayed_call_cancel(st->pending);
        delayed_call_release(st->pending);
    }
    if (st->protocol != NULL && !st->over)
        st->protocol->transport = NULL; /* the protocol must not write through a freed transport */
    free(st->written);
    free(st);
}

struct transport *string_transport_transport(struct string_transport *st) {
    return &st->transport;
}

void string_transport_set_peer(struct string_transport *st, const struct sockaddr_in *peer) {
    st->peer = *peer;
}

void string_transport_set_host(struct string_transport *st, const struct sockaddr_in *host) {
    st->host = *host;
}

void string_transport_attach(struct string_transport *st, struct protocol *p, transport_lost_fn after_lost,
                             void *arg) {
    st->protocol = p;
    st->after_lost = after_lost;
    st->after_lost_arg = arg;
    p->transport = &st->transport;
    if (p->ops->connection_made != NULL)
        p->ops->connection_made(p, &st->transport);
}

/* Why nothing can be handed to the protocol now, or 0. */
static int cannot_read(const struct string_transport *st) {
    if (st->protocol == NULL)
        return STRING_TRANSPORT_ERR_NO_PROTOCOL;
    if (st->over)
        return STRING_TRANSPORT_ERR_OVER;
    if (st->lose_requested || st->abort_requested)
        return STRING_TRANSPORT_ERR_NOT_READING;
    return 0;
}

int string_transport_deliver(struct string_transport *st, const void *bytes, size_t len) {
    int err = cannot_read(st);
    if (err == 0 && st->input_ended)
        err = STRING_TRANSPORT_ERR_NOT_READING; /* the peer said it had finished */
    if (err != 0)
        return err;
    if (len == 0)
        return -EINVAL;
    if (st->protocol->ops->data_received != NULL)
        st->protocol->ops->data_received(st->protocol, bytes, len);
    return 0;
}

/* >> end-of-input */
int string_transport_end_of_input(struct string_transport *st) {
    int err = cannot_read(st);
    if (err != 0)
        return err;
    if (st->input_ended)
        return 0;
    st->input_ended = true;
    if (st->protocol->ops->read_connection_lost == NULL)
        return string_transport_finish(st, REACTOR_CONNECTION_DONE); /* the end of the connection */
    st->protocol->ops->read_connection_lost(st->protocol);
    if (st->write_closed && !st->over && !st->abort_requested)
        return string_transport_finish(st, REACTOR_CONNECTION_DONE); /* both sides have finished */
    return 0;
}
/* << end-of-input */

int string_transport_finish(struct string_transport *st, int reason) {
    if (st->protocol == NULL)
        return STRING_TRANSPORT_ERR_NO_PROTOCOL;
    if (st->over)
        return STRING_TRANSPORT_ERR_OVER;
    st->over = true;
    st->reason = reason;
    if (st->pending != NULL) {
        delayed_call_cancel(st->pending); /* fails harmlessly if it is the call running now */
        delayed_call_release(st->pending);
        st->pending = NULL;
    }
    struct protocol *p = st->protocol;
    p->transport = NULL;
    if (p->ops->connection_lost != NULL)
        p->ops->connection_lost(p, reason); /* p may free itself here: not touched again */
    if (st->after_lost != NULL)
        st->after_lost(st->after_lost_arg, reason);
    return 0;
}

const char *string_transport_written(const struct string_transport *st, size_t *len) {
    *len = st->len;
    return st->len > 0 ? st->written : NULL;
}

size_t string_transport_write_count(const struct string_transport *st) {
    return st->writes;
}

void string_transport_clear(struct string_transport *st) {
    st->len = st->taken = 0;
}

bool string_transport_lose_requested(const struct string_transport *st) {
    return st->lose_requested;
}

bool string_transport_abort_requested(const struct string_transport *st) {
    return st->abort_requested;
}

bool string_transport_write_closed(const struct string_transport *st) {
    return st->write_closed;
}

bool string_transport_over(const struct string_transport *st) {
    return st->over;
}

int string_transport_lost_reason(const struct string_transport *st) {
    return st->reason;
}

bool string_transport_input_ended(const struct string_transport *st) {
    return st->input_ended;
}

const char *string_transport_unsent(const struct string_transport *st, size_t *len) {
    *len = st->len - st->taken;
    return *len > 0 ? st->written + st->taken : NULL;
}

void string_transport_take(struct string_transport *st, size_t n) {
    size_t unsent = st->len - st->taken;
    st->taken += n < unsent ? n : unsent;
}

struct protocol *string_transport_protocol(const struct string_transport *st) {
    return st->protocol;
}
