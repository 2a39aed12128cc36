/* reactor_tcp.c: tcp.h's functions, for every kind of TCP operations. See reactor_tcp.h.
 *
 * reactor_listen_tcp and reactor_connect_tcp call the reactor's table; the functions on a port or a
 * connector call the table that made it, read from its first member. */
#include "reactor_tcp.h"

/* The table that made a port or a connector: its first member (a pointer to the struct, converted,
 * points to it, C11 6.7.2.1), whichever kind of struct it is. */
static const struct reactor_tcp_ops *maker_of(const void *port_or_connector) {
    return *(const struct reactor_tcp_ops *const *)port_or_connector;
}

/* >> dispatch */
int reactor_listen_tcp_any(struct reactor *reactor, const struct address_any *addr, struct factory *factory,
                           struct listening_port **out) {
    return reactor_tcp(reactor)->listen_tcp(reactor, addr, factory, out);
}

int reactor_connect_tcp_any(struct reactor *reactor, const struct address_any *addr, struct factory *factory,
                            double timeout_seconds, struct connector **out) {
    return reactor_tcp(reactor)->connect_tcp(reactor, addr, factory, timeout_seconds, out);
}

/* Chapter 5's IPv4 functions, on chapter 9's of either family. */
int reactor_listen_tcp(struct reactor *reactor, const struct sockaddr_in *addr, struct factory *factory,
                       struct listening_port **out) {
    struct address_any any;
    address_any_from_ipv4(&any, addr);
    return reactor_listen_tcp_any(reactor, &any, factory, out);
}

int reactor_connect_tcp(struct reactor *reactor, const struct sockaddr_in *addr, struct factory *factory,
                        double timeout_seconds, struct connector **out) {
    struct address_any any;
    address_any_from_ipv4(&any, addr);
    return reactor_connect_tcp_any(reactor, &any, factory, timeout_seconds, out);
}

int connector_stop(struct connector *connector) {
    return maker_of(connector)->connector_stop(connector);
}
/* << dispatch */

unsigned short listening_port_number(const struct listening_port *port) {
    return maker_of(port)->port_number(port);
}

void listening_port_stop(struct listening_port *port) {
    maker_of(port)->port_stop(port);
}

void listening_port_free(struct listening_port *port) {
    if (port != NULL)
        maker_of(port)->port_free(port);
}

struct sockaddr_in connector_destination(const struct connector *connector) {
    return maker_of(connector)->connector_destination(connector);
}
