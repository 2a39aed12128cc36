/* netstring.c: netstrings out of a byte stream. See netstring.h for the contracts.
 *
 * A state machine over the bytes: the length's digits, then the body (copied in bulk into a buffer of
 * exactly the announced size, which the limit bounds), then the comma. */
#include "netstring.h"
#include "transport.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void broken_peer(struct netstring_receiver *nr, int reason) {
    nr->broken = reason;
    nr->disconnecting = true;
    free(nr->body);
    nr->body = NULL;
    if (reason == NETSTRING_ERR_NO_MEMORY) {
        if (nr->protocol.transport != NULL)
            transport_abort_connection(nr->protocol.transport);
    } else if (nr->ops->broken_peer != NULL) {
        nr->ops->broken_peer(nr, reason);
    } else {
        netstring_receiver_lose_connection(nr);
    }
}

/* The body is complete and the comma has come: hand it over, and start on the next netstring. */
static void deliver(struct netstring_receiver *nr) {
    char *body = nr->body;
    size_t len = nr->length;
    nr->body = NULL;
    nr->state = NETSTRING_LENGTH;
    nr->length = nr->digits = nr->have = 0;
    if (nr->ops->string_received != NULL)
        nr->ops->string_received(nr, body != NULL ? body : "", len);
    free(body);
}

/* >> parse */
/* Parses bytes in the current state until they run out or the peer is broken. */
static void parse(struct netstring_receiver *nr, const char *bytes, size_t len) {
    size_t i = 0;
    while (i < len && !nr->disconnecting) {
        switch (nr->state) {
        case NETSTRING_LENGTH: {
            char c = bytes[i++];
            if (c >= '0' && c <= '9') {
                if (nr->digits > 0 && nr->length == 0) {
                    broken_peer(nr, NETSTRING_ERR_LENGTH); /* a leading zero */
                    return;
                }
                size_t digit = (size_t)(c - '0');
                if (digit > nr->max_length || nr->length > (nr->max_length - digit) / 10) {
                    broken_peer(nr, NETSTRING_ERR_TOO_LONG); /* before any of the body */
                    return;
                }
                nr->length = nr->length * 10 + digit;
                nr->digits++;
            } else if (c == ':' && nr->digits > 0) {
                if (nr->length > 0 && (nr->body = malloc(nr->length)) == NULL) {
                    broken_peer(nr, NETSTRING_ERR_NO_MEMORY);
                    return;
                }
                nr->state = nr->length > 0 ? NETSTRING_BODY : NETSTRING_COMMA;
            } else {
                broken_peer(nr, NETSTRING_ERR_LENGTH);
                return;
            }
            break;
        }
        case NETSTRING_BODY: {
            size_t n = len - i < nr->length - nr->have ? len - i : nr->length - nr->have;
            memcpy(nr->body + nr->have, bytes + i, n);
            nr->have += n;
            i += n;
            if (nr->have == nr->length)
                nr->state = NETSTRING_COMMA;
            break;
        }
        case NETSTRING_COMMA:
            if (bytes[i++] != ',') {
                broken_peer(nr, NETSTRING_ERR_COMMA);
                return;
            }
            deliver(nr);
            break;
        }
    }
}
/* << parse */

void netstring_receiver_data_received(struct netstring_receiver *nr, const char *bytes, size_t len) {
    if (nr->disconnecting || len == 0)
        return;
    if (nr->delivering) { /* from inside string_received: after the bytes being parsed now */
        if (len > SIZE_MAX / 2 - nr->pending_len) {
            broken_peer(nr, NETSTRING_ERR_NO_MEMORY);
            return;
        }
        if (nr->pending_len + len > nr->pending_capacity) {
            size_t bigger = nr->pending_capacity ? nr->pending_capacity : 256;
            while (bigger < nr->pending_len + len)
                bigger *= 2;
            char *grown = realloc(nr->pending, bigger);
            if (grown == NULL) {
                broken_peer(nr, NETSTRING_ERR_NO_MEMORY);
                return;
            }
            nr->pending = grown;
            nr->pending_capacity = bigger;
        }
        memcpy(nr->pending + nr->pending_len, bytes, len);
        nr->pending_len += len;
        return;
    }
    nr->delivering = true;
    parse(nr, bytes, len);
    while (nr->pending_len > 0 && !nr->disconnecting) {
        char *more = nr->pending;
        size_t n = nr->pending_len;
        nr->pending = NULL;
        nr->pending_len = nr->pending_capacity = 0;
        parse(nr, more, n);
        free(more);
    }
    nr->delivering = false;
    free(nr->pending);
    nr->pending = NULL;
    nr->pending_len = nr->pending_capacity = 0;
}

size_t netstring_format(const char *bytes, size_t len, char *out, size_t out_size) {
    char head[24];
    int n = snprintf(head, sizeof head, "%zu:", len);
    size_t total = (size_t)n + len + 1;
    if (total > out_size)
        return total;
    memcpy(out, head, (size_t)n);
    if (len > 0)
        memcpy(out + n, bytes, len);
    out[n + len] = ',';
    return total;
}

int netstring_send_string(struct netstring_receiver *nr, const char *bytes, size_t len) {
    struct transport *t = nr->protocol.transport;
    if (t == NULL)
        return REACTOR_ERR_DISCONNECTING;
    char head[24];
    int n = snprintf(head, sizeof head, "%zu:", len);
    int err = transport_write(t, head, (size_t)n);
    if (err == 0 && len > 0)
        err = transport_write(t, bytes, len);
    return err != 0 ? err : transport_write(t, ",", 1);
}

int netstring_receiver_broken(const struct netstring_receiver *nr) {
    return nr->broken;
}

void netstring_receiver_lose_connection(struct netstring_receiver *nr) {
    nr->disconnecting = true;
    if (nr->protocol.transport != NULL)
        transport_lose_connection(nr->protocol.transport);
}

void netstring_receiver_clear(struct netstring_receiver *nr) {
    const struct netstring_receiver_ops *ops = nr->ops;
    size_t max_length = nr->max_length;
    struct protocol protocol = nr->protocol;
    free(nr->body);
    free(nr->pending);
    *nr = (struct netstring_receiver){.protocol = protocol, .ops = ops, .max_length = max_length};
}

void netstring_receiver_init(struct netstring_receiver *nr, const struct netstring_receiver_ops *ops) {
    *nr = (struct netstring_receiver){.protocol = {.ops = &netstring_receiver_protocol_ops},
                                      .ops = ops,
                                      .max_length = NETSTRING_DEFAULT_MAX_LENGTH};
}

const char *netstring_strerror(int code) {
    return result_strerror(code);
}

static void ns_connection_made(struct protocol *p, struct transport *t) {
    (void)t;
    struct netstring_receiver *nr = (struct netstring_receiver *)p;
    if (nr->ops->connection_made != NULL)
        nr->ops->connection_made(nr);
}

static void ns_data_received(struct protocol *p, const char *bytes, size_t len) {
    netstring_receiver_data_received((struct netstring_receiver *)p, bytes, len);
}

static void ns_connection_lost(struct protocol *p, int reason) {
    struct netstring_receiver *nr = (struct netstring_receiver *)p;
    netstring_receiver_clear(nr);
    if (nr->ops->connection_lost != NULL)
        nr->ops->connection_lost(nr, reason); /* may free nr */
}

const struct protocol_ops netstring_receiver_protocol_ops = {
    .connection_made = ns_connection_made,
    .data_received = ns_data_received,
    .connection_lost = ns_connection_lost,
};
