/* memory_transport.c: transport.h's protocol-facing functions over a buffer. See memory_transport.h. */
#include "memory_transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct transport {
    struct protocol *protocol;
    char *written;
    size_t len, capacity;
    int closed; /* 0, 1 lost, 2 aborted, 3 write side shut down */
};

struct transport *memory_transport_new(struct protocol *p) {
    struct transport *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->protocol = p;
    p->transport = t;
    if (p->ops->connection_made != NULL)
        p->ops->connection_made(p, t);
    return t;
}

bool memory_transport_deliver(struct transport *t, const char *bytes, size_t len) {
    if (t->closed == 1 || t->closed == 2 || len == 0)
        return false;
    if (t->protocol->ops->data_received != NULL)
        t->protocol->ops->data_received(t->protocol, bytes, len);
    return true;
}

const char *memory_transport_written(const struct transport *t, size_t *len) {
    *len = t->len;
    return t->written;
}

int memory_transport_closed(const struct transport *t) {
    return t->closed;
}

void memory_transport_finish(struct transport *t, int reason) {
    struct protocol *p = t->protocol;
    p->transport = NULL;
    if (p->ops->connection_lost != NULL)
        p->ops->connection_lost(p, reason);
    free(t->written);
    free(t);
}

int transport_write(struct transport *t, const void *bytes, size_t len) {
    if (t->closed != 0)
        return REACTOR_ERR_DISCONNECTING;
    if (t->len + len > t->capacity) {
        size_t bigger = t->capacity ? t->capacity : 256;
        while (bigger < t->len + len)
            bigger *= 2;
        char *grown = realloc(t->written, bigger);
        if (grown == NULL)
            return -ENOMEM;
        t->written = grown;
        t->capacity = bigger;
    }
    if (len > 0)
        memcpy(t->written + t->len, bytes, len);
    t->len += len;
    return 0;
}

void transport_lose_connection(struct transport *t) {
    if (t->closed == 0 || t->closed == 3)
        t->closed = 1;
}

void transport_abort_connection(struct transport *t) {
    t->closed = 2;
}

void transport_lose_write_connection(struct transport *t) {
    if (t->closed == 0)
        t->closed = 3;
}

struct sockaddr_in transport_get_peer(const struct transport *t) {
    (void)t;
    return (struct sockaddr_in){.sin_family = AF_INET};
}

struct sockaddr_in transport_get_host(const struct transport *t) {
    (void)t;
    return (struct sockaddr_in){.sin_family = AF_INET};
}

size_t transport_queued(const struct transport *t) {
    (void)t;
    return 0;
}
