/* tcp.c: listening ports and connectors. See tcp.h for the contracts.
 *
 * Each is a descriptor on the reactor for as long as it waits: a listening port is a reader (a new
 * connection makes its socket readable), a connector a writer (a connect that settles makes its
 * socket writable). What they wait for ends in a transport with a protocol. */
#include "tcp.h"
#include "address.h"
#include "address_any.h"
#include "reactor_tcp.h"
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Opens a non-blocking TCP socket of family (AF_INET, AF_INET6). Returns the fd, or -errno. */
static int nonblocking_socket(int family) {
    int fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0)
        return -errno;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

/* ---- listening ---- */

struct listening_port {
    const struct reactor_tcp_ops *tcp; /* first: how listening_port_number and the others find this code */
    struct descriptor descriptor;      /* a reader while listening; fd -1 once stopped */
    struct reactor *reactor;
    struct factory *factory;
    struct address_any addr;             /* with the port the kernel chose */
    struct delayed_call *resume;         /* pending while accepting is paused (out of descriptors) */
    char name[8 + ADDRESS_ANY_TEXT_MAX]; /* "port 127.0.0.1:5000", for messages and traces */
};

/* The port whose descriptor d is. */
static struct listening_port *port_of(struct descriptor *d) {
    return (struct listening_port *)(void *)((char *)d - offsetof(struct listening_port, descriptor));
}

/* How long accepting pauses when the process is out of descriptors. */
#define ACCEPT_PAUSE_SECONDS 0.1

static int resume_accepting(void *arg) {
    struct listening_port *port = arg;
    delayed_call_release(port->resume);
    port->resume = NULL;
    return reactor_add_reader(port->reactor, &port->descriptor);
}

/* >> serve-connection */
/* Closes an accepted connection that will not be served with a reset, never a clean close: to a
 * poetry client a clean close means "that was the whole poem". */
static void reset_connection(int fd) {
    struct linger now = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
    close(fd);
}

/* Starts one accepted connection: a transport, then a protocol from the factory. A connection that
 * cannot be served is reset; the port goes on. Returns the error that kept it from being served
 * (REACTOR_ERR_FD_RANGE, -ENOMEM, ...), or 0. */
static int serve_connection(struct listening_port *port, int fd, const struct address_any *peer) {
    char who[ADDRESS_ANY_TEXT_MAX];
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        int err = -errno;
        reset_connection(fd);
        return err;
    }
    struct transport *t;
    int err = transport_new(port->reactor, fd, &t);
    if (err != 0) {
        fprintf(stderr, "reactor: %s: cannot serve %s: %s\n", port->name,
                address_format_any(&peer->u.sa, who, sizeof who), reactor_strerror(err));
        reset_connection(fd);
        return err;
    }
    struct protocol *p = port->factory->ops->build_protocol(port->factory, &peer->u.v4);
    if (p == NULL) {
        transport_discard(t); /* the factory refused the connection: reset */
        return 0;
    }
    transport_attach(t, p, NULL, NULL); /* calls connection_made */
    return 0;
}

/* Stops accepting for ACCEPT_PAUSE_SECONDS: the clients still waiting stay in the kernel's queue. */
static void pause_accepting(struct listening_port *port) {
    reactor_remove_reader(port->reactor, &port->descriptor);
    if (reactor_call_later(port->reactor, ACCEPT_PAUSE_SECONDS, resume_accepting, port, &port->resume) != 0)
        reactor_add_reader(port->reactor, &port->descriptor);
}
/* << serve-connection */

/* >> accept-loop */
/* do_read: clients are waiting. Accepts every one of them (until EAGAIN) and serves each. Out of
 * descriptors (EMFILE, ENFILE), the waiting clients cannot be taken, and the socket stays readable:
 * rather than spin on it, the port reports the problem and stops accepting for a moment. The same when
 * a connection could not be served (its descriptor beyond what select() can watch): that one is reset,
 * and the next clients wait in the queue until descriptors are free again. */
static int port_do_read(struct descriptor *d) {
    struct listening_port *port = port_of(d);
    while (d->fd >= 0) { /* a build_protocol may stop the port */
        struct address_any peer = {0};
        socklen_t len = sizeof peer.u;
        int fd = accept(d->fd, &peer.u.sa, &len);
        if (fd >= 0) {
            peer.len = len;
            if (serve_connection(port, fd, &peer) == REACTOR_ERR_FD_RANGE) {
                pause_accepting(port);
                return 0;
            }
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0; /* nobody else is waiting */
        if (errno == EINTR || errno == ECONNABORTED)
            continue; /* a client that gave up while waiting: next */
        fprintf(stderr, "reactor: %s: accept: %s\n", port->name, strerror(errno));
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            pause_accepting(port);
        return 0;
    }
    return 0;
}
/* << accept-loop */

/* connection_lost: only a shutdown ends a port this way (do_read never returns a reason). */
static void port_connection_lost(struct descriptor *d, int reason) {
    (void)reason;
    listening_port_stop(port_of(d));
}

static const char *port_log_prefix(struct descriptor *d) {
    return (port_of(d))->name;
}

static const struct descriptor_ops port_ops = {
    .do_read = port_do_read,
    .connection_lost = port_connection_lost,
    .log_prefix = port_log_prefix,
};

/* >> listen-tcp */
static int socket_listen_tcp(struct reactor *reactor, const struct address_any *addr, struct factory *factory,
                             struct listening_port **out) {
    struct listening_port *port = calloc(1, sizeof *port);
    if (port == NULL)
        return -ENOMEM;
    int fd = nonblocking_socket(addr->u.sa.sa_family);
    if (fd < 0) {
        free(port);
        return fd;
    }
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on); /* a restarted server can reuse its port */
    port->addr = *addr;
    socklen_t len = sizeof port->addr.u;
    int err = 0;
    if (bind(fd, &addr->u.sa, addr->len) != 0 || listen(fd, LISTENING_PORT_BACKLOG) != 0 ||
        getsockname(fd, &port->addr.u.sa, &len) != 0)
        err = -errno;
    port->descriptor = (struct descriptor){.fd = fd, .ops = &port_ops};
    if (err == 0)
        err = reactor_add_reader(reactor, &port->descriptor);
    if (err != 0) {
        close(fd);
        free(port);
        return err;
    }
    port->tcp = &reactor_tcp_sockets;
    port->reactor = reactor;
    port->factory = factory;
    char where[ADDRESS_ANY_TEXT_MAX];
    snprintf(port->name, sizeof port->name, "port %s",
             address_format_any(&port->addr.u.sa, where, sizeof where));
    *out = port;
    return 0;
}
/* << listen-tcp */

static unsigned short socket_port_number(const struct listening_port *port) {
    return address_any_port(&port->addr);
}

static void socket_port_stop(struct listening_port *port) {
    if (port->descriptor.fd < 0)
        return;
    reactor_remove_reader(port->reactor, &port->descriptor);
    if (port->resume != NULL) {
        delayed_call_cancel(port->resume);
        delayed_call_release(port->resume);
        port->resume = NULL;
    }
    close(port->descriptor.fd);
    port->descriptor.fd = -1;
}

static void socket_port_free(struct listening_port *port) {
    if (port == NULL)
        return;
    listening_port_stop(port);
    free(port);
}

/* ---- connecting ---- */

/* >> connector */
struct connector {
    const struct reactor_tcp_ops *tcp; /* first: how connector_stop and the others find this code */
    struct descriptor descriptor;      /* a writer while connecting; the fd passes to the transport after */
    struct reactor *reactor;
    struct factory *factory;
    struct address_any addr;
    struct delayed_call *timeout; /* pending while connecting, if there is a timeout */
    bool connected;
    char name[16 + ADDRESS_ANY_TEXT_MAX]; /* "connector 127.0.0.1:5000", for traces */
};
/* << connector */

/* The connector whose descriptor d is. */
static struct connector *connector_of(struct descriptor *d) {
    return (struct connector *)(void *)((char *)d - offsetof(struct connector, descriptor));
}

static void drop_timeout(struct connector *c) {
    if (c->timeout != NULL) {
        delayed_call_cancel(c->timeout); /* fails harmlessly if it is the call running now */
        delayed_call_release(c->timeout);
        c->timeout = NULL;
    }
}

/* The connect failed (or the connector lost its socket at shutdown): closes the socket, tells the
 * factory, frees the connector. Also the descriptor's connection_lost. */
static void connector_failed(struct descriptor *d, int reason) {
    struct connector *c = connector_of(d);
    drop_timeout(c);
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    if (c->factory->ops->client_connection_failed != NULL)
        c->factory->ops->client_connection_failed(c->factory, c, reason);
    free(c);
}

/* After the connection's protocol has heard connection_lost: the factory hears it too. */
static void connector_connection_lost(void *arg, int reason) {
    struct connector *c = arg;
    if (c->factory->ops->client_connection_lost != NULL)
        c->factory->ops->client_connection_lost(c->factory, c, reason);
    free(c);
}

/* >> connect-settled */
/* do_write: the socket became writable, so the connect has settled, for better or worse. SO_ERROR
 * says which. Connected, the socket passes to a transport, and the factory builds its protocol. */
static int connector_do_write(struct descriptor *d) {
    struct connector *c = connector_of(d);
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
        error = errno;
    if (error != 0)
        return -error; /* the reactor removes us and calls connector_failed */
    struct address_any peer;
    len = sizeof peer.u;
    if (getpeername(d->fd, &peer.u.sa, &len) != 0)
        return errno == ENOTCONN ? 0 : -errno; /* a wake-up meant for an earlier user of this fd */

    drop_timeout(c);
    reactor_remove_writer(c->reactor, d);
    struct transport *t;
    int err = transport_new(c->reactor, d->fd, &t);
    if (err != 0)
        return err;
    struct protocol *p = c->factory->ops->build_protocol(c->factory, &c->addr.u.v4);
    if (p == NULL) {
        transport_discard(t); /* closes the socket */
        d->fd = -1;
        return REACTOR_ERR_NO_PROTOCOL;
    }
    d->fd = -1; /* the transport's now */
    c->connected = true;
    transport_attach(t, p, connector_connection_lost, c); /* calls connection_made */
    return 0;
}
/* << connect-settled */

/* >> connect-timeout */
/* The delayed call that gives up a connect that took too long: the connector is not lost by the
 * reactor this time, so it takes itself out of the loop and fails as the reactor would have made it. */
static int connect_timed_out(void *arg) {
    struct connector *c = arg;
    reactor_remove_writer(c->reactor, &c->descriptor);
    connector_failed(&c->descriptor, -ETIMEDOUT);
    return 0;
}
/* << connect-timeout */

static const char *connector_log_prefix(struct descriptor *d) {
    return (connector_of(d))->name;
}

static const struct descriptor_ops connector_ops = {
    .do_write = connector_do_write,
    .connection_lost = connector_failed,
    .log_prefix = connector_log_prefix,
};

/* >> connect */
static int socket_connect_tcp(struct reactor *reactor, const struct address_any *addr,
                              struct factory *factory, double timeout_seconds, struct connector **out) {
    struct connector *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -ENOMEM;
    *c = (struct connector){.reactor = reactor, .factory = factory, .addr = *addr};
    c->tcp = &reactor_tcp_sockets;
    char where[ADDRESS_ANY_TEXT_MAX];
    snprintf(c->name, sizeof c->name, "connector %s", address_format_any(&addr->u.sa, where, sizeof where));
    int fd = nonblocking_socket(addr->u.sa.sa_family);
    int err = fd < 0 ? fd : 0;
    c->descriptor = (struct descriptor){.fd = fd, .ops = &connector_ops};
    /* A connect on a non-blocking socket returns at once: usually EINPROGRESS, "under way; the socket
     * turns writable when it is settled". Even one settled at once is reported on a later turn. */
    if (err == 0 && connect(fd, &addr->u.sa, addr->len) != 0 && errno != EINPROGRESS)
        err = -errno;
    if (err == 0)
        err = reactor_add_writer(reactor, &c->descriptor);
    if (err == 0 && timeout_seconds > 0)
        err = reactor_call_later(reactor, timeout_seconds, connect_timed_out, c, &c->timeout);
    if (err != 0) {
        reactor_remove_writer(reactor, &c->descriptor);
        if (fd >= 0)
            close(fd);
        free(c);
        return err;
    }
    if (out != NULL)
        *out = c;
    if (factory->ops->started_connecting != NULL)
        factory->ops->started_connecting(factory, c);
    return 0;
}
/* << connect */

static int socket_connector_stop(struct connector *c) {
    if (c->connected)
        return REACTOR_ERR_NOT_CONNECTING;
    reactor_remove_writer(c->reactor, &c->descriptor);
    connector_failed(&c->descriptor, REACTOR_ERR_CONNECT_CANCELLED);
    return 0;
}

static struct sockaddr_in socket_connector_destination(const struct connector *c) {
    if (c->addr.u.sa.sa_family != AF_INET)
        return (struct sockaddr_in){.sin_family = c->addr.u.sa.sa_family};
    return c->addr.u.v4;
}

/* >> socket-tcp-ops */
/* The sockets' entries in the seam (reactor_tcp.h): what every reactor uses unless a test gives it
 * others (memory_reactor.h). */
const struct reactor_tcp_ops reactor_tcp_sockets = {
    .name = "sockets",
    .listen_tcp = socket_listen_tcp,
    .connect_tcp = socket_connect_tcp,
    .port_number = socket_port_number,
    .port_stop = socket_port_stop,
    .port_free = socket_port_free,
    .connector_stop = socket_connector_stop,
    .connector_destination = socket_connector_destination,
};
/* << socket-tcp-ops */
