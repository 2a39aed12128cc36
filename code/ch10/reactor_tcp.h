/* reactor_tcp.h: the seam between code that listens or connects and the sockets that do it
 * (chapter 10).
 *
 * reactor_listen_tcp and reactor_connect_tcp (tcp.h) do not open sockets themselves: they call the
 * reactor's TCP operations, a table like a backend's (backend.h). Every reactor starts with the
 * sockets' table, reactor_tcp_sockets (tcp.c); a test double gives its reactor another
 * (memory_reactor.h), and the code under test — a client that connects, a server that listens — runs
 * unchanged, with no socket opened. The listening ports and connectors a table makes begin with a
 * pointer to that table, so listening_port_number, connector_stop and the others reach the code that
 * made them. Twisted's counterpart: the IReactorTCP interface, which MemoryReactor also provides. */
#ifndef REACTOR_TCP_H
#define REACTOR_TCP_H

#include "address_any.h"
#include "tcp.h"

/* >> tcp-ops */
/* One way of making TCP connections. Each entry has the contract of the tcp.h function of (nearly)
 * the same name. A listening port or connector that an entry makes must begin with a pointer to the
 * table (its first member): the tcp.h functions on ports and connectors read it from there. */
struct reactor_tcp_ops {
    const char *name; /* "sockets", "memory": for messages */
    int (*listen_tcp)(struct reactor *reactor, const struct address_any *addr, struct factory *factory,
                      struct listening_port **out); /* reactor_listen_tcp_any's contract */
    int (*connect_tcp)(struct reactor *reactor, const struct address_any *addr, struct factory *factory,
                       double timeout_seconds, struct connector **out); /* reactor_connect_tcp_any's */
    unsigned short (*port_number)(const struct listening_port *port);
    void (*port_stop)(struct listening_port *port);
    void (*port_free)(struct listening_port *port);
    int (*connector_stop)(struct connector *connector);
    struct sockaddr_in (*connector_destination)(const struct connector *connector);
};

/* The real thing: sockets, watched by the reactor (tcp.c). Every reactor has it unless told otherwise. */
extern const struct reactor_tcp_ops reactor_tcp_sockets;

/* Gives the reactor other TCP operations (NULL: back to reactor_tcp_sockets) and a pointer for their
 * own use, which reactor_tcp_state returns. Both must outlive the reactor's use of them. For test
 * doubles; set it before anything listens or connects. */
void reactor_set_tcp(struct reactor *reactor, const struct reactor_tcp_ops *ops, void *state);

/* The reactor's TCP operations (never NULL), and the pointer given with them (NULL for the sockets'). */
const struct reactor_tcp_ops *reactor_tcp(const struct reactor *reactor);
void *reactor_tcp_state(const struct reactor *reactor);
/* << tcp-ops */

#endif
