/* protocol.h: protocols and factories — the code that gives a connection its meaning.
 *
 * A transport (transport.h) moves bytes; it knows nothing about poems. A protocol is told what happens
 * on one connection — it was made, bytes arrived, it was lost — and answers by writing to its
 * transport. A factory makes one protocol per connection: a server's factory for every client that
 * connects to a listening port, a client's factory for each connect (tcp.h). The three together are
 * Twisted's Protocol, Factory and ClientFactory (twisted/internet/protocol.py, which also keeps them in
 * one module).
 *
 * In C a "subclass" is a struct that embeds struct protocol (or struct factory) and a table of
 * functions; the library only ever sees the embedded part. */
#ifndef PROTOCOL_H
#define PROTOCOL_H

#include <netinet/in.h>
#include <stddef.h>

struct transport; /* transport.h */
struct connector; /* tcp.h */
struct protocol;
struct factory;

/* >> protocol */
/* What the library calls on a protocol, always from the reactor's loop and in this order:
 * connection_made once, data_received any number of times (then, only for a protocol that sets it,
 * read_connection_lost at most once, after which no data comes), connection_lost once. Any of them may be
 * NULL (nothing to do). None of them is ever called from inside a transport_* call the protocol makes:
 * a protocol that writes, loses or aborts its connection hears about the end on a later call. */
struct protocol_ops {
    /* The connection is up; p->transport is set. The place to write a greeting or start a timer. */
    void (*connection_made)(struct protocol *p, struct transport *transport);
    /* len > 0 bytes arrived. They belong to the library and are valid only during this call: copy
     * what you keep. Bytes come in pieces of any size — a message may be split anywhere. */
    void (*data_received)(struct protocol *p, const char *bytes, size_t len);
    /* The connection is over, and this is the last call. reason is REACTOR_CONNECTION_DONE after a
     * clean close (by either side), or a negative code: -ECONNRESET, -EPIPE,
     * REACTOR_ERR_CONNECTION_ABORTED, REACTOR_ERR_CONNECTION_LOST (the reactor shut down), ...
     * The transport is already gone (p->transport is NULL) and the library never touches p again, so
     * this is where a protocol frees itself if it lives on the heap. */
    void (*connection_lost)(struct protocol *p, int reason);
    /* Opt-in half-close (Twisted's IHalfCloseableProtocol.readConnectionLost): the peer has finished
     * writing (it shut down its side, as `nc -N` does) but may still read. NULL, the default: that is
     * the end of the connection, as if the peer had closed it (connection_lost follows with
     * REACTOR_CONNECTION_DONE). Set: this is called instead, the transport stops reading, and the
     * connection goes on until the protocol loses or aborts it — a server can finish its reply. */
    void (*read_connection_lost)(struct protocol *p);
};

/* One connection's protocol: embed it in your own struct. The library sets transport just before
 * connection_made and clears it just before connection_lost; write through it in between. The
 * protocol's memory is its owner's: the library never frees it. */
struct protocol {
    const struct protocol_ops *ops;
    struct transport *transport;
};
/* << protocol */

/* >> factory */
/* What the library calls on a factory. build_protocol is needed by every factory; the others only by
 * a client's (the factory given to reactor_connect_tcp), and may be NULL. */
struct factory_ops {
    /* Makes the protocol for a new connection to or from addr (the peer). Returns it — the caller of
     * the factory does not own it; the protocol frees itself in connection_lost — or NULL to refuse
     * the connection, which is then reset without a word to anyone: the peer sees ECONNRESET, not a
     * clean close that would pass for a complete (empty) reply (a client's factory then hears
     * client_connection_failed with REACTOR_ERR_NO_PROTOCOL). */
    struct protocol *(*build_protocol)(struct factory *f, const struct sockaddr_in *addr);
    /* A connect is under way (called from inside reactor_connect_tcp). */
    void (*started_connecting)(struct factory *f, struct connector *connector);
    /* The connect failed: -ECONNREFUSED, -ETIMEDOUT, REACTOR_ERR_CONNECT_CANCELLED,
     * REACTOR_ERR_CONNECTION_LOST (the reactor shut down first), ... No protocol was made. This is the
     * connector's last call: it is freed when this returns. */
    void (*client_connection_failed)(struct factory *f, struct connector *connector, int reason);
    /* The connection this connector made is over: called right after the protocol's connection_lost,
     * with the same reason. The connector's last call: it is freed when this returns. */
    void (*client_connection_lost)(struct factory *f, struct connector *connector, int reason);
};

/* A factory: embed it in your own struct. Its owner keeps it alive as long as a listening port or a
 * connector made with it exists (the protocols it built may outlive it). */
struct factory {
    const struct factory_ops *ops;
};
/* << factory */

#endif
