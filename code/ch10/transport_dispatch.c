/* transport_dispatch.c: the protocol-facing functions of transport.h, for every kind of transport.
 *
 * Chapter 10's seam: each function finds the table of the transport it is given (its first member,
 * see struct transport_ops) and calls the entry of the same name, so a protocol written against
 * transport.h runs unchanged on the TCP transport and on the string transport of the tests. */
#include "transport.h"

/* >> dispatch */
const struct transport_ops *transport_ops_of(const struct transport *t) {
    /* Every kind's struct transport begins with its table: a pointer to the struct, converted, points
     * to that first member (C11 6.7.2.1), whichever struct it is. */
    return *(const struct transport_ops *const *)(const void *)t;
}

int transport_write(struct transport *t, const void *bytes, size_t len) {
    return transport_ops_of(t)->write(t, bytes, len);
}

void transport_lose_connection(struct transport *t) {
    transport_ops_of(t)->lose_connection(t);
}
/* << dispatch */

void transport_lose_write_connection(struct transport *t) {
    transport_ops_of(t)->lose_write_connection(t);
}

void transport_abort_connection(struct transport *t) {
    transport_ops_of(t)->abort_connection(t);
}

/* An IPv4 address as chapter 5's API returns it; of an IPv6 one, only the family (chapter 9). */
static struct sockaddr_in as_ipv4(struct address_any addr) {
    if (addr.u.sa.sa_family != AF_INET)
        return (struct sockaddr_in){.sin_family = addr.u.sa.sa_family};
    return addr.u.v4;
}

struct sockaddr_in transport_get_peer(const struct transport *t) {
    return as_ipv4(transport_ops_of(t)->get_peer(t));
}

struct sockaddr_in transport_get_host(const struct transport *t) {
    return as_ipv4(transport_ops_of(t)->get_host(t));
}

struct address_any transport_get_peer_any(const struct transport *t) {
    return transport_ops_of(t)->get_peer(t);
}

struct address_any transport_get_host_any(const struct transport *t) {
    return transport_ops_of(t)->get_host(t);
}

size_t transport_queued(const struct transport *t) {
    return transport_ops_of(t)->queued(t);
}
