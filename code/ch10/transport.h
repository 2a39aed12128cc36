/* transport.h: the TCP transport — one connected socket, buffered and non-blocking, that calls its
 * protocol (protocol.h) when something happens.
 *
 * The transport is a descriptor on the reactor: always a reader (until it is closing), and a writer
 * only while it has something to write, so an idle connection costs the loop nothing. A write never
 * blocks: what the kernel will not take now waits in the transport's queue. Twisted's counterpart:
 * twisted.internet.tcp.Connection (ITransport, ITCPTransport).
 *
 * Lifetime: the library makes a transport (tcp.h) and frees it, right after the protocol's
 * connection_lost returns. A live transport is always registered with the reactor, so a reactor that
 * shuts down tells every one of them (REACTOR_ERR_CONNECTION_LOST).
 *
 * Where it differs from Twisted, on purpose: a write after lose or abort is refused with
 * REACTOR_ERR_DISCONNECTING (Twisted queues it, or drops it silently once closed), so a program learns
 * that its bytes will never leave; and input that arrives while a clean close waits for the queue to
 * drain is read and dropped, since closing a socket with unread input sends a reset that can destroy
 * the last bytes we sent.
 *
 * How a connection ends, as the peer sees it: a clean close (FIN) only when it ended cleanly with
 * nothing left unsent — lose_connection once the queue has drained, or the peer's own clean close.
 * Any other end (a send error, out of memory, abort, a reactor shutdown) resets it (ECONNRESET): in a
 * protocol such as poetry's, where the reply ends at the close, a clean close would say "complete".
 *
 * Half-close is opt-in: a protocol with read_connection_lost (protocol.h) hears that the peer has
 * finished writing and goes on; with transport_lose_write_connection (chapter 8) it finishes its own
 * writing and goes on reading. Known limit: while a transport whose peer has finished writing has
 * nothing to write, it is not registered with the reactor (its socket would be readable forever), so
 * a shutdown in that moment does not reach it. */
#ifndef TRANSPORT_H
#define TRANSPORT_H

#include "address_any.h"
#include "protocol.h"
#include "reactor.h"

#include <netinet/in.h>
#include <stddef.h>

struct transport; /* opaque */

/* >> transport-api */
/* Sends len bytes to the peer, in order after everything written before. Never blocks: sends what
 * the kernel takes at once (if nothing is queued ahead) and queues a copy of the rest, which the
 * reactor sends as the socket drains. The caller keeps its buffer. Returns 0; -ENOMEM if the rest
 * could not be queued (the stream is broken, so the connection is then lost with -ENOMEM); or
 * REACTOR_ERR_DISCONNECTING after lose/abort or once the connection has failed (nothing sent). A peer
 * that has gone never raises SIGPIPE: the failure (-EPIPE, -ECONNRESET) reaches the protocol's
 * connection_lost on a later turn, never from inside this call. */
int transport_write(struct transport *t, const void *bytes, size_t len);

/* Closes the connection cleanly once everything queued has been sent; connection_lost then gets
 * REACTOR_CONNECTION_DONE (or the error that stopped the sending). Stops reading at once, as Twisted
 * does: bytes that arrive afterwards are dropped, not given to data_received. Calling it again, or
 * after an abort, does nothing. Never calls the protocol from inside. */
void transport_lose_connection(struct transport *t);

/* Half-closes the connection (Twisted's loseWriteConnection): once everything queued has been sent,
 * shuts down our sending side (the peer reads its end) and goes on reading. Writes afterwards are
 * refused with REACTOR_ERR_DISCONNECTING. The connection ends when the peer closes (connection_lost
 * with REACTOR_CONNECTION_DONE), or at once if the peer had already finished writing and the protocol
 * went on (read_connection_lost). After lose or abort, or called again, it does nothing. */
void transport_lose_write_connection(struct transport *t);

/* Closes the connection now: drops the queue and resets the connection (the peer sees
 * ECONNRESET, not a clean end). connection_lost gets REACTOR_ERR_CONNECTION_ABORTED, on a later turn
 * (never from inside this call). Calling it again does nothing. */
void transport_abort_connection(struct transport *t);
/* << transport-api */

/* The peer's address (the other end) and the host's (this end). Of an IPv6 connection, only sin_family
 * is set (AF_INET6): use the _any pair (chapter 9), which returns either family. */
struct sockaddr_in transport_get_peer(const struct transport *t);
struct sockaddr_in transport_get_host(const struct transport *t);
struct address_any transport_get_peer_any(const struct transport *t);
struct address_any transport_get_host_any(const struct transport *t);

/* How many bytes wait in the queue, written but not yet taken by the kernel. */
size_t transport_queued(const struct transport *t);

/* ---- For the code that makes transports (tcp.c), not for protocols. ---- */

/* Called after the protocol's connection_lost, with the same reason: how a connector hears that the
 * connection it made is over. */
typedef void (*transport_lost_fn)(void *arg, int reason);

/* Makes a transport for fd, a connected non-blocking TCP socket, and registers it with the reactor as
 * a reader. No protocol yet: attach one with transport_attach before the loop goes on. The transport
 * owns fd from here on. Stores it in *out and returns 0, or returns REACTOR_ERR_FD_RANGE or -ENOMEM
 * (then fd is still the caller's, and nothing was registered). */
int transport_new(struct reactor *reactor, int fd, struct transport **out);

/* Gives the transport its protocol (and an optional hook called after connection_lost), then calls
 * connection_made. From here on the transport lives until the protocol's connection_lost. */
void transport_attach(struct transport *t, struct protocol *p, transport_lost_fn after_lost, void *arg);

/* Undoes transport_new for a connection nobody wants (the factory built no protocol): unregisters,
 * resets the connection (the peer sees ECONNRESET) and frees the transport, telling no one. */
void transport_discard(struct transport *t);

/* >> transport-ops */
/* Chapter 10: the seam. A protocol reaches its transport only through the functions above, and they
 * reach it through this table: every kind of transport fills one in — the TCP transport here, the
 * string transport of the tests (string_transport.h) — and its struct transport begins with a pointer
 * to it (its first member), which is how transport_write finds the code of the transport it is given.
 * Each entry has the contract of the function of the same name above. */
struct transport_ops {
    const char *name; /* "tcp", "string": for messages */
    int (*write)(struct transport *t, const void *bytes, size_t len);
    void (*lose_connection)(struct transport *t);
    void (*lose_write_connection)(struct transport *t);
    void (*abort_connection)(struct transport *t);
    struct address_any (*get_peer)(const struct transport *t); /* transport_get_peer_any's contract */
    struct address_any (*get_host)(const struct transport *t); /* transport_get_host_any's */
    size_t (*queued)(const struct transport *t);
};

/* The table of the kind of transport t is (read from its first member). */
const struct transport_ops *transport_ops_of(const struct transport *t);
/* << transport-ops */

#endif
