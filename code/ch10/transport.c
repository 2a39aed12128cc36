/* transport.c: the TCP transport. See transport.h for the contracts.
 *
 * Chapter 4's get-poetry did all of this by hand inside its task: read until the end, report the loss.
 * Here it moves under the protocol, once, for every program: reading, a write queue, closing cleanly
 * or at once, and telling the protocol. */
#include "transport.h"
#include "address.h"
#include "address_any.h"

#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* >> transport-struct */
struct transport {
    const struct transport_ops *ops; /* first: how transport_write and the others find this code (ch. 10) */
    struct descriptor descriptor;    /* the reactor's part: reach the transport from it with transport_of */
    struct reactor *reactor;
    struct protocol *protocol;
    transport_lost_fn after_lost; /* told after the protocol's connection_lost (a connector), or NULL */
    void *after_lost_arg;
    /* The outgoing queue: bytes queue[start..end) are written but not yet sent. */
    char *queue;
    size_t start, end, capacity;
    bool writing;       /* registered as a writer (see update_writer) */
    bool disconnecting; /* lose_connection: close once the queue is empty */
    bool aborting;      /* abort_connection: close now, on the next turn at the latest */
    bool closed;        /* connection_lost is being delivered */
    bool write_closing; /* lose_write_connection: shut down our sending side once the queue is empty */
    bool write_closed;  /* ... done: the peer has had our FIN */
    bool read_closed;   /* the peer finished writing, and the protocol went on (read_connection_lost) */
    int failed;         /* the error a send met (-EPIPE, ...): connection_lost is on its way; or 0 */
    struct delayed_call *abort_call; /* the call that delivers an abort, while pending */
    struct address_any peer, host;
    char name[16 + ADDRESS_ANY_TEXT_MAX]; /* "transport 127.0.0.1:5000", for traces */
};
/* << transport-struct */

/* The transport whose descriptor d is (the reactor only ever hands back the descriptor). */
static struct transport *transport_of(struct descriptor *d) {
    return (struct transport *)(void *)((char *)d - offsetof(struct transport, descriptor));
}

/* >> writer-rule */
/* The writer rule: a transport is registered as a writer exactly while do_write has work — bytes
 * queued, a clean close to finish, or a send error to report. A connected socket is writable nearly
 * all the time, so a writer with nothing to write would wake the loop on every turn for nothing. */
static void update_writer(struct transport *t) {
    bool want = !t->aborting && (t->end > t->start || t->disconnecting || t->failed != 0 ||
                                 (t->write_closing && !t->write_closed));
    if (want && !t->writing)
        reactor_add_writer(t->reactor, &t->descriptor); /* cannot fail: the fd is already registered */
    else if (!want && t->writing)
        reactor_remove_writer(t->reactor, &t->descriptor);
    t->writing = want;
}
/* << writer-rule */

/* >> write-queue */
/* Appends len bytes to the queue, moving the unsent bytes to the front or growing it as needed.
 * Returns 0 or -ENOMEM. */
static int queue_append(struct transport *t, const char *bytes, size_t len) {
    if (t->end + len > t->capacity && t->start > 0) {
        memmove(t->queue, t->queue + t->start, t->end - t->start);
        t->end -= t->start;
        t->start = 0;
    }
    if (t->end + len > t->capacity) {
        size_t capacity = t->capacity ? t->capacity : 4096;
        while (capacity < t->end + len)
            capacity *= 2;
        char *bigger = realloc(t->queue, capacity);
        if (bigger == NULL)
            return -ENOMEM;
        t->queue = bigger;
        t->capacity = capacity;
    }
    memcpy(t->queue + t->end, bytes, len);
    t->end += len;
    return 0;
}

/* Sends from `bytes` until all len are sent or the kernel's buffer is full. MSG_NOSIGNAL: a peer that
 * has gone gives EPIPE here instead of a SIGPIPE that would kill the process. Returns how many bytes
 * were sent, or -errno. */
static ssize_t send_some(int fd, const char *bytes, size_t len) {
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = send(fd, bytes + sent, len - sent, MSG_NOSIGNAL);
        if (n >= 0)
            sent += (size_t)n;
        else if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
        else if (errno != EINTR)
            return -errno;
    }
    return (ssize_t)sent;
}

static int tcp_transport_write(struct transport *t, const void *bytes, size_t len) {
    if (t->disconnecting || t->aborting || t->closed || t->failed != 0 || t->write_closing)
        return REACTOR_ERR_DISCONNECTING;
    const char *rest = bytes;
    if (t->end == t->start) { /* nothing queued ahead of these bytes: offer them to the kernel now */
        ssize_t sent = send_some(t->descriptor.fd, rest, len);
        if (sent < 0) {
            t->failed = (int)sent; /* reported by do_write, on a later turn */
            update_writer(t);
            return 0;
        }
        rest += sent;
        len -= (size_t)sent;
    }
    if (len > 0 && queue_append(t, rest, len) != 0) {
        t->failed = -ENOMEM;
        update_writer(t);
        return -ENOMEM;
    }
    update_writer(t);
    return 0;
}
/* << write-queue */

/* >> do-write */
/* do_write: the socket can take more. Sends from the queue; once it is empty, stops being a writer —
 * or, if the protocol asked to lose the connection, returns the clean end. */
static int transport_do_write(struct descriptor *d) {
    struct transport *t = transport_of(d);
    if (t->aborting)
        return REACTOR_ERR_CONNECTION_ABORTED;
    if (t->failed != 0)
        return t->failed;
    if (t->end > t->start) { /* (with nothing queued there may be no queue at all: queue is NULL) */
        ssize_t sent = send_some(d->fd, t->queue + t->start, t->end - t->start);
        if (sent < 0)
            return (int)sent; /* -EPIPE, -ECONNRESET: the reactor calls connection_lost with it */
        t->start += (size_t)sent;
        if (t->start < t->end)
            return 0; /* the kernel is full again: the rest on a later turn */
    }
    free(t->queue); /* drained: don't keep a big buffer for an idle connection */
    t->queue = NULL;
    t->start = t->end = t->capacity = 0;
    if (t->disconnecting)
        return REACTOR_CONNECTION_DONE;
    if (t->write_closing && !t->write_closed) { /* chapter 8: half-close our side, go on reading */
        if (shutdown(d->fd, SHUT_WR) != 0)
            return -errno;
        t->write_closed = true;
        if (t->read_closed)
            return REACTOR_CONNECTION_DONE; /* both sides are done */
    }
    update_writer(t);
    return 0;
}
/* << do-write */

/* >> do-read */
/* do_read: bytes (or the end) arrived. One read per turn, as Twisted does, so that one fast peer cannot
 * keep the loop from everyone else. Returns the reason the connection is over, if it is. */
static int transport_do_read(struct descriptor *d) {
    struct transport *t = transport_of(d);
    if (t->aborting)
        return REACTOR_ERR_CONNECTION_ABORTED;
    if (t->failed != 0)
        return t->failed; /* a write already met the error: the read would only say "closed" */
    char bytes[65536];
    ssize_t n = recv(d->fd, bytes, sizeof bytes, 0);
    if (n == 0 && t->protocol->ops->read_connection_lost != NULL) {
        /* The peer finished writing, and the protocol wants to go on: stop reading (the socket would
         * stay readable, at its end, forever) and tell it. */
        reactor_remove_reader(t->reactor, d);
        t->read_closed = true;
        t->protocol->ops->read_connection_lost(t->protocol);
        if (t->write_closed && !t->aborting && t->failed == 0)
            return REACTOR_CONNECTION_DONE; /* our side was already shut down: both are done */
        return t->aborting ? REACTOR_ERR_CONNECTION_ABORTED : t->failed;
    }
    if (n == 0)
        return REACTOR_CONNECTION_DONE; /* the peer closed cleanly */
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
    if (t->protocol->ops->data_received != NULL)
        t->protocol->ops->data_received(t->protocol, bytes, (size_t)n);
    /* The protocol may have aborted, or a write of its may have failed: then the connection is over
     * now, and the reactor skips this turn's do_write (the read-then-write rule). */
    if (t->aborting)
        return REACTOR_ERR_CONNECTION_ABORTED;
    return t->failed;
}
/* << do-read */

/* >> drop-unread */
/* Reads and drops whatever the peer sent that nobody will read. Closing a socket with unread input
 * resets the connection instead of closing it, and a reset can destroy the last bytes we sent before
 * the peer has read them. */
static void drop_unread_input(int fd) {
    char bytes[4096];
    while (recv(fd, bytes, sizeof bytes, 0) > 0)
        continue;
}
/* << drop-unread */

/* Sets linger 0, so that close() resets the connection instead of closing it cleanly. */
static void reset_on_close(int fd) {
    struct linger now = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
}

/* >> transport-lost */
/* connection_lost: the reactor has let go of the transport (or an abort is being delivered). Closes
 * the socket, tells the protocol and then the connector, and frees the transport. Only a clean end
 * with nothing left unsent closes cleanly: any other end (an error, an abort, a shutdown) resets the
 * connection, since to a peer that reads until the end a clean close says "that was all of it". */
static void transport_connection_lost(struct descriptor *d, int reason) {
    struct transport *t = transport_of(d);
    if (t->aborting)
        reason = REACTOR_ERR_CONNECTION_ABORTED; /* even if a shutdown got here first */
    if (t->abort_call != NULL) {
        delayed_call_cancel(t->abort_call); /* fails harmlessly if it is the call running now */
        delayed_call_release(t->abort_call);
        t->abort_call = NULL;
    }
    if (t->disconnecting && reason == REACTOR_CONNECTION_DONE)
        drop_unread_input(d->fd);
    if (reason != REACTOR_CONNECTION_DONE || t->end > t->start)
        reset_on_close(d->fd);
    close(d->fd);
    d->fd = -1;
    t->closed = true;

    struct protocol *p = t->protocol;
    p->transport = NULL;
    if (p->ops->connection_lost != NULL)
        p->ops->connection_lost(p, reason); /* p may free itself here: not touched again */
    if (t->after_lost != NULL)
        t->after_lost(t->after_lost_arg, reason);
    free(t->queue);
    free(t);
}
/* << transport-lost */

/* >> lose-abort */
static void tcp_transport_lose_connection(struct transport *t) {
    if (t->disconnecting || t->aborting || t->closed)
        return;
    t->disconnecting = true;
    reactor_remove_reader(t->reactor, &t->descriptor); /* stop reading, as Twisted does */
    update_writer(t); /* do_write returns the clean end once the queue is empty */
}

/* >> lose-write */
static void tcp_transport_lose_write_connection(struct transport *t) {
    if (t->disconnecting || t->aborting || t->closed || t->write_closing)
        return;
    t->write_closing = true;
    update_writer(t); /* do_write shuts our side down once the queue is empty */
}
/* << lose-write */

/* The delayed call that delivers an abort on the next turn, whether or not the socket is ready. */
static int deliver_abort(void *arg) {
    struct transport *t = arg;
    reactor_remove_reader(t->reactor, &t->descriptor);
    reactor_remove_writer(t->reactor, &t->descriptor);
    transport_connection_lost(&t->descriptor, REACTOR_ERR_CONNECTION_ABORTED);
    return 0;
}

static void tcp_transport_abort_connection(struct transport *t) {
    if (t->aborting || t->closed)
        return;
    t->aborting = true;
    free(t->queue);
    t->queue = NULL;
    t->start = t->end = t->capacity = 0;
    /* Linger 0: close() then resets the connection instead of sending what the kernel still holds. */
    reset_on_close(t->descriptor.fd);
    /* Stay registered (as a reader, whose do_read now returns the abort), so that a shutdown before
     * the next turn still finds the transport; the delayed call delivers it even if nothing is ready. */
    update_writer(t);
    reactor_add_reader(t->reactor, &t->descriptor);
    if (reactor_call_later(t->reactor, 0, deliver_abort, t, &t->abort_call) != 0)
        reactor_add_writer(t->reactor, &t->descriptor); /* out of memory: a writable turn delivers it */
}
/* << lose-abort */

static struct address_any tcp_transport_get_peer(const struct transport *t) {
    return t->peer;
}

static struct address_any tcp_transport_get_host(const struct transport *t) {
    return t->host;
}

static size_t tcp_transport_queued(const struct transport *t) {
    return t->end - t->start;
}

static const char *transport_log_prefix(struct descriptor *d) {
    return transport_of(d)->name;
}

/* >> tcp-transport-ops */
/* The TCP transport's entries in the seam (transport.h): what transport_write and the others call. */
static const struct transport_ops tcp_transport_ops = {
    .name = "tcp",
    .write = tcp_transport_write,
    .lose_connection = tcp_transport_lose_connection,
    .lose_write_connection = tcp_transport_lose_write_connection,
    .abort_connection = tcp_transport_abort_connection,
    .get_peer = tcp_transport_get_peer,
    .get_host = tcp_transport_get_host,
    .queued = tcp_transport_queued,
};
/* << tcp-transport-ops */

static const struct descriptor_ops transport_ops = {
    .do_read = transport_do_read,
    .do_write = transport_do_write,
    .connection_lost = transport_connection_lost,
    .log_prefix = transport_log_prefix,
};

int transport_new(struct reactor *reactor, int fd, struct transport **out) {
    struct transport *t = calloc(1, sizeof *t);
    if (t == NULL)
        return -ENOMEM;
    t->ops = &tcp_transport_ops;
    t->descriptor = (struct descriptor){.fd = fd, .ops = &transport_ops};
    t->reactor = reactor;
    socklen_t len = sizeof t->peer.u;
    if (getpeername(fd, &t->peer.u.sa, &len) == 0)
        t->peer.len = len;
    len = sizeof t->host.u;
    if (getsockname(fd, &t->host.u.sa, &len) == 0)
        t->host.len = len;
    char who[ADDRESS_ANY_TEXT_MAX];
    snprintf(t->name, sizeof t->name, "transport %s", address_format_any(&t->peer.u.sa, who, sizeof who));
    int err = reactor_add_reader(reactor, &t->descriptor);
    if (err != 0) {
        free(t);
        return err;
    }
    *out = t;
    return 0;
}

/* >> attach */
void transport_attach(struct transport *t, struct protocol *p, transport_lost_fn after_lost, void *arg) {
    t->protocol = p;
    t->after_lost = after_lost;
    t->after_lost_arg = arg;
    p->transport = t;
    if (p->ops->connection_made != NULL)
        p->ops->connection_made(p, t);
}

void transport_discard(struct transport *t) {
    reactor_remove_reader(t->reactor, &t->descriptor);
    reactor_remove_writer(t->reactor, &t->descriptor);
    reset_on_close(t->descriptor.fd); /* nobody will answer: never a clean close that looks like one */
    close(t->descriptor.fd);
    free(t->queue);
    free(t);
}
/* << attach */
