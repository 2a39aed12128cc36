/* tcp.h: making TCP connections — listening for them (a server) and connecting (a client).
 *
 * Both end in the same place: a transport (transport.h) with a protocol that a factory built
 * (protocol.h). Twisted's counterparts: reactor.listenTCP with its Port, reactor.connectTCP with its
 * Connector. Addresses are IPv4 (address.h reads and writes them); chapter 9 adds the _any functions,
 * for addresses of either family (address_any.h).
 *
 * Where it differs from Twisted, on purpose: a connect that fails at once (no socket, a descriptor
 * select() cannot watch, no memory, connect() refusing before it starts) is returned by
 * reactor_connect_tcp rather than told to the factory a turn later, as libuv does, so that nothing is
 * left half-made if the reactor stops first; and a client factory that builds no protocol hears
 * client_connection_failed(REACTOR_ERR_NO_PROTOCOL). */
#ifndef TCP_H
#define TCP_H

#include "address_any.h"
#include "protocol.h"
#include "reactor.h"

#include <netinet/in.h>
#include <sys/socket.h>

struct listening_port; /* opaque */
struct connector;      /* opaque */

/* The backlog reactor_listen_tcp asks listen() for: the system's largest (the kernel caps it at
 * net.core.somaxconn), as libevent, nginx and Go ask. Twisted's 50 is too small for a burst: the
 * clients the queue cannot hold are answered with SYN cookies, and a client whose last handshake
 * packet is then dropped believes it is connected to a server that never heard of it. */
#define LISTENING_PORT_BACKLOG SOMAXCONN

/* Listens on addr (port 0: any free port; listening_port_number says which). For every client that
 * connects, asks factory->build_protocol(peer address) for a protocol and starts it on a new
 * transport; a NULL protocol resets that connection (the client sees ECONNRESET, never a clean close
 * that could pass for a complete reply). A connection the reactor cannot watch (its descriptor is
 * beyond select()'s FD_SETSIZE) is reset too, and the port stops accepting for a moment, as when the
 * process is out of descriptors, so that the clients still waiting stay queued in the kernel. Stores
 * the port in *out and returns 0, or returns -EADDRINUSE (the port is taken), -EACCES, -EMFILE,
 * REACTOR_ERR_FD_RANGE, -ENOMEM, REACTOR_ERR_SHUTTING_DOWN (the reactor is shutting down: nothing is
 * left listening), ...
 * The caller owns the port and frees it with listening_port_free, before reactor_free; factory must
 * outlive it. */
int reactor_listen_tcp(struct reactor *reactor, const struct sockaddr_in *addr, struct factory *factory,
                       struct listening_port **out);

/* The port number the port listens on (host byte order), also when it was asked for port 0. */
unsigned short listening_port_number(const struct listening_port *port);

/* Stops listening: closes the socket, so that new connects are refused. Connections already made go
 * on. Safe from inside any callback, including the factory's own build_protocol. Stopping a stopped
 * port does nothing. A reactor that shuts down stops every port it still has. */
void listening_port_stop(struct listening_port *port);

/* Stops the port if it is listening, and frees it. Not from inside its own factory's build_protocol
 * (stop it there, free it later). NULL is allowed. */
void listening_port_free(struct listening_port *port);

/* Starts connecting to addr, without blocking. The outcome comes later, from the reactor, through the
 * factory — never from inside this call (except started_connecting): either build_protocol and the
 * protocol's calls, then client_connection_lost; or client_connection_failed with -ECONNREFUSED,
 * -ETIMEDOUT (no answer within timeout_seconds; 0 or less waits as long as the kernel does), ...
 * Returns 0, or a negative code if no attempt could even begin — socket() failed (-EMFILE),
 * REACTOR_ERR_FD_RANGE, -ENOMEM, REACTOR_ERR_SHUTTING_DOWN (the reactor is shutting down, so it would
 * never report the outcome), or connect() failed at once (-ENETUNREACH): the factory is not told.
 * If out is not NULL, *out is the connector; it belongs to the library and is freed when the factory's
 * client_connection_failed or client_connection_lost returns. factory must outlive the connector. */
int reactor_connect_tcp(struct reactor *reactor, const struct sockaddr_in *addr, struct factory *factory,
                        double timeout_seconds, struct connector **out);

/* Gives up a connect that is under way (Twisted's stopConnecting): the factory's
 * client_connection_failed runs with REACTOR_ERR_CONNECT_CANCELLED before this returns, and the
 * connector is freed. Returns 0, or REACTOR_ERR_NOT_CONNECTING once connected (then lose the
 * connection through its transport instead). */
int connector_stop(struct connector *connector);

/* The address the connector connects to (for an IPv6 one, only sin_family is set: AF_INET6). */
struct sockaddr_in connector_destination(const struct connector *connector);

/* >> tcp-any */
/* Chapter 9: the same two, for an address of either family (IPv4 or IPv6). The functions above are these
 * with an IPv4 address. The factory's build_protocol still gets a const struct sockaddr_in *: for an
 * IPv6 peer it points to a struct sockaddr_in6 (sin_family is AF_INET6), so read it through
 * (const struct sockaddr *)addr, as address_format_any does. */
int reactor_listen_tcp_any(struct reactor *reactor, const struct address_any *addr, struct factory *factory,
                           struct listening_port **out);
int reactor_connect_tcp_any(struct reactor *reactor, const struct address_any *addr, struct factory *factory,
                            double timeout_seconds, struct connector **out);
/* << tcp-any */

#endif
