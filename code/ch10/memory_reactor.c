/* memory_reactor.c: a reactor with no sockets, driven by the test. See memory_reactor.h.
 *
 * It is a real struct reactor (reactor.c) made on two seams: a backend that refuses every descriptor,
 * and TCP operations (reactor_tcp.h) that record instead of opening sockets. Its connectors and ports
 * are its own structs; like the sockets' ones, they begin with the table that made them. */
#include "memory_reactor.h"
#include "backend.h"
#include "reactor_tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* >> memory-structs */
struct connector {
    const struct reactor_tcp_ops *tcp; /* first, as every connector's (reactor_tcp.h) */
    struct memory_reactor *mr;
    struct memory_connect record;
    struct delayed_call *timeout; /* pending while connecting, if there is a timeout */
    bool finished;                /* the factory has had its last call: the real one would be freed */
};

struct listening_port {
    const struct reactor_tcp_ops *tcp; /* first, as every port's */
    struct memory_reactor *mr;
    struct memory_listen record;
};

struct memory_reactor {
    struct reactor *reactor;
    struct task_clock *clock;
    struct connector **connects;
    size_t connect_count, connect_capacity;
    struct listening_port **listens;
    size_t listen_count, listen_capacity;
    struct string_transport **transports; /* every string transport it made, to free */
    size_t transport_count, transport_capacity;
    unsigned short next_port; /* for listens on port 0, and the host side of completed connects */
};
/* << memory-structs */

/* Says on stderr that the code under test did something the double cannot do, and why. */
static void complain(const char *what) {
    fprintf(stderr, "memory reactor: %s\n", what);
}

/* An array of count items of elem bytes with room for one more: items itself, or a bigger copy (the
 * old one is then freed), or NULL when out of memory (items is unchanged). */
static void *room_for_one_more(void *items, size_t count, size_t *capacity, size_t elem) {
    if (count < *capacity)
        return items;
    size_t bigger = *capacity ? *capacity * 2 : 8;
    void *more = realloc(items, bigger * elem);
    if (more != NULL)
        *capacity = bigger;
    return more;
}

/* ---- the backend: no descriptors, no waiting ---- */

/* >> memory-backend */
/* The backend's state: the one descriptor it does take, the waker of chapter 9's calls from threads,
 * which every reactor watches from reactor_new on (before any code under test can add one). */
struct memory_backend_state {
    int waker_fd; /* -1 until the reactor adds its waker */
};

static int memory_create(void **state) {
    struct memory_backend_state *st = malloc(sizeof *st);
    if (st == NULL)
        return -ENOMEM;
    st->waker_fd = -1;
    *state = st;
    return 0;
}

static void memory_destroy(void *state) {
    free(state);
}

static int memory_watch(void *state, int fd, unsigned old, unsigned events, bool fresh) {
    struct memory_backend_state *st = state;
    (void)old;
    if (events == 0)
        return 0; /* removing is always fine */
    if (st->waker_fd < 0 && fresh && events == BACKEND_READABLE) {
        st->waker_fd = fd; /* the reactor's own waker, added inside reactor_new: never read here */
        return 0;
    }
    if (fd == st->waker_fd)
        return 0;
    fprintf(stderr,
            "memory reactor: fd %d: descriptors are not supported (no sockets here: give the code a "
            "string transport)\n",
            fd);
    return MEMORY_REACTOR_ERR_UNSUPPORTED;
}

static int memory_wait(void *state, double timeout, const struct backend_event **events) {
    (void)state, (void)timeout, (void)events;
    complain("reactor_run is not supported: the test drives the memory reactor (advance its task_clock)");
    return MEMORY_REACTOR_ERR_UNSUPPORTED;
}

static const struct backend_ops memory_backend = {
    .name = "memory",
    .fd_limit = INT_MAX,
    .create = memory_create,
    .destroy = memory_destroy,
    .watch = memory_watch,
    .wait = memory_wait,
};
/* << memory-backend */

/* ---- connecting ---- */

/* Aborts with a message when the code under test uses a connector after its last call. */
static void check_alive(const struct connector *c, const char *call) {
    if (!c->finished)
        return;
    fprintf(stderr,
            "memory reactor: %s on a connector whose factory has had its last call (the real reactor "
            "has freed it by then)\n",
            call);
    abort();
}

static void drop_timeout(struct connector *c) {
    if (c->timeout != NULL) {
        delayed_call_cancel(c->timeout); /* fails harmlessly if it is the call running now */
        delayed_call_release(c->timeout);
        c->timeout = NULL;
    }
}

/* >> connect-failed */
/* The connect failed: the factory hears it, as client_connection_failed is the connector's last call. */
static void connect_failed(struct connector *c, int reason) {
    drop_timeout(c);
    c->record.state = MEMORY_FAILED;
    c->record.reason = reason;
    struct factory *f = c->record.factory;
    if (f->ops->client_connection_failed != NULL)
        f->ops->client_connection_failed(f, c, reason);
    c->finished = true;
}
/* << connect-failed */

static int connect_timed_out(void *arg) {
    connect_failed(arg, -ETIMEDOUT);
    return 0;
}

/* After the protocol's connection_lost: the factory hears it too. */
static void connection_over(void *arg, int reason) {
    struct connector *c = arg;
    c->record.state = MEMORY_LOST;
    c->record.reason = reason;
    struct factory *f = c->record.factory;
    if (f->ops->client_connection_lost != NULL)
        f->ops->client_connection_lost(f, c, reason);
    c->finished = true;
}

/* The IPv4 address in any, which the records keep; NULL (said on stderr) for IPv6, which the double
 * does not take (chapter 9's addresses of either family came after it). */
static const struct sockaddr_in *ipv4_only(const struct address_any *any, const char *call) {
    if (any->u.sa.sa_family == AF_INET)
        return &any->u.v4;
    fprintf(stderr, "memory reactor: %s: only IPv4 addresses are supported\n", call);
    return NULL;
}

/* >> memory-connect */
static int memory_connect_tcp(struct reactor *reactor, const struct address_any *any,
                              struct factory *factory, double timeout_seconds, struct connector **out) {
    struct memory_reactor *mr = reactor_tcp_state(reactor);
    const struct sockaddr_in *addr = ipv4_only(any, "connect");
    if (addr == NULL)
        return MEMORY_REACTOR_ERR_UNSUPPORTED;
    struct connector **room =
        room_for_one_more(mr->connects, mr->connect_count, &mr->connect_capacity, sizeof *room);
    if (room == NULL)
        return -ENOMEM;
    mr->connects = room;
    struct connector *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -ENOMEM;
    *c = (struct connector){.tcp = reactor_tcp(reactor), .mr = mr};
    c->record = (struct memory_connect){.address = *addr,
                                        .factory = factory,
                                        .timeout = timeout_seconds,
                                        .connector = c,
                                        .state = MEMORY_CONNECTING};
    if (timeout_seconds > 0 &&
        reactor_call_later(reactor, timeout_seconds, connect_timed_out, c, &c->timeout) != 0) {
        free(c);
        return -ENOMEM;
    }
    mr->connects[mr->connect_count++] = c;
    if (out != NULL)
        *out = c;
    if (factory->ops->started_connecting != NULL)
        factory->ops->started_connecting(factory, c);
    return 0;
}
/* << memory-connect */

static int memory_connector_stop(struct connector *c) {
    check_alive(c, "connector_stop");
    if (c->record.state != MEMORY_CONNECTING)
        return REACTOR_ERR_NOT_CONNECTING;
    connect_failed(c, REACTOR_ERR_CONNECT_CANCELLED);
    return 0;
}

static struct sockaddr_in memory_connector_destination(const struct connector *c) {
    check_alive(c, "connector_destination");
    return c->record.address;
}

/* ---- listening ---- */

static void check_port(const struct listening_port *port, const char *call) {
    if (!port->record.freed)
        return;
    fprintf(stderr, "memory reactor: %s on a listening port that listening_port_free has freed\n", call);
    abort();
}

static int memory_listen_tcp(struct reactor *reactor, const struct address_any *any, struct factory *factory,
                             struct listening_port **out) {
    struct memory_reactor *mr = reactor_tcp_state(reactor);
    const struct sockaddr_in *addr = ipv4_only(any, "listen");
    if (addr == NULL)
        return MEMORY_REACTOR_ERR_UNSUPPORTED;
    unsigned short wanted = ntohs(addr->sin_port);
    for (size_t i = 0; i < mr->listen_count && wanted != 0; i++)
        if (!mr->listens[i]->record.stopped && mr->listens[i]->record.port_number == wanted)
            return -EADDRINUSE; /* as bind() would say */
    struct listening_port **room =
        room_for_one_more(mr->listens, mr->listen_count, &mr->listen_capacity, sizeof *room);
    if (room == NULL)
        return -ENOMEM;
    mr->listens = room;
    struct listening_port *port = calloc(1, sizeof *port);
    if (port == NULL)
        return -ENOMEM;
    *port = (struct listening_port){.tcp = reactor_tcp(reactor), .mr = mr};
    port->record = (struct memory_listen){
        .address = *addr, .factory = factory, .port = port, .port_number = wanted ? wanted : mr->next_port++};
    mr->listens[mr->listen_count++] = port;
    *out = port;
    return 0;
}

static unsigned short memory_port_number(const struct listening_port *port) {
    check_port(port, "listening_port_number");
    return port->record.port_number;
}

static void memory_port_stop(struct listening_port *port) {
    check_port(port, "listening_port_stop");
    port->record.stopped = true;
}

static void memory_port_free(struct listening_port *port) {
    check_port(port, "listening_port_free");
    port->record.stopped = true;
    port->record.freed = true; /* the record stays, for the test to read: memory_reactor_free frees it */
}

/* >> memory-tcp-ops */
static const struct reactor_tcp_ops memory_tcp = {
    .name = "memory",
    .listen_tcp = memory_listen_tcp,
    .connect_tcp = memory_connect_tcp,
    .port_number = memory_port_number,
    .port_stop = memory_port_stop,
    .port_free = memory_port_free,
    .connector_stop = memory_connector_stop,
    .connector_destination = memory_connector_destination,
};
/* << memory-tcp-ops */

/* ---- the memory reactor ---- */

int memory_reactor_new(struct memory_reactor **out) {
    *out = NULL;
    struct memory_reactor *mr = calloc(1, sizeof *mr);
    if (mr == NULL)
        return -ENOMEM;
    mr->clock = task_clock_new();
    int err = mr->clock == NULL ? -ENOMEM
                                : reactor_new_with_scheduler(&memory_backend, task_clock_scheduler(mr->clock),
                                                             &mr->reactor);
    if (err != 0) {
        task_clock_free(mr->clock);
        free(mr);
        return err;
    }
    reactor_set_tcp(mr->reactor, &memory_tcp, mr);
    mr->next_port = 40001;
    *out = mr;
    return 0;
}

void memory_reactor_free(struct memory_reactor *mr) {
    if (mr == NULL)
        return;
    reactor_free(mr->reactor);
    task_clock_free(mr->clock); /* cancels the timeouts still pending */
    for (size_t i = 0; i < mr->connect_count; i++) {
        if (mr->connects[i]->timeout != NULL)
            delayed_call_release(mr->connects[i]->timeout);
        free(mr->connects[i]);
    }
    for (size_t i = 0; i < mr->listen_count; i++)
        free(mr->listens[i]);
    for (size_t i = 0; i < mr->transport_count; i++)
        string_transport_free(mr->transports[i]);
    free(mr->connects);
    free(mr->listens);
    free(mr->transports);
    free(mr);
}

/* >> shut-down */
void memory_reactor_shut_down(struct memory_reactor *mr) {
    for (size_t i = 0; i < mr->transport_count; i++) {
        struct string_transport *st = mr->transports[i];
        if (string_transport_protocol(st) != NULL && !string_transport_over(st))
            string_transport_finish(st, REACTOR_ERR_CONNECTION_LOST);
    }
    for (size_t i = 0; i < mr->connect_count; i++)
        if (mr->connects[i]->record.state == MEMORY_CONNECTING)
            connect_failed(mr->connects[i], REACTOR_ERR_CONNECTION_LOST);
    for (size_t i = 0; i < mr->listen_count; i++)
        mr->listens[i]->record.stopped = true;
}
/* << shut-down */

struct reactor *memory_reactor_reactor(struct memory_reactor *mr) {
    return mr->reactor;
}

struct task_clock *memory_reactor_clock(struct memory_reactor *mr) {
    return mr->clock;
}

size_t memory_reactor_connect_count(const struct memory_reactor *mr) {
    return mr->connect_count;
}

const struct memory_connect *memory_reactor_connect_at(const struct memory_reactor *mr, size_t i) {
    return i < mr->connect_count ? &mr->connects[i]->record : NULL;
}

size_t memory_reactor_listen_count(const struct memory_reactor *mr) {
    return mr->listen_count;
}

const struct memory_listen *memory_reactor_listen_at(const struct memory_reactor *mr, size_t i) {
    return i < mr->listen_count ? &mr->listens[i]->record : NULL;
}

/* A string transport that the memory reactor owns. NULL when out of memory. */
static struct string_transport *new_transport(struct memory_reactor *mr) {
    struct string_transport **room =
        room_for_one_more(mr->transports, mr->transport_count, &mr->transport_capacity, sizeof *room);
    if (room == NULL)
        return NULL;
    mr->transports = room;
    struct string_transport *st = string_transport_new();
    if (st != NULL)
        mr->transports[mr->transport_count++] = st;
    return st;
}

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

/* >> complete-connect */
int memory_reactor_complete_connect(struct memory_reactor *mr, size_t i, struct string_transport **out) {
    if (out != NULL)
        *out = NULL;
    if (i >= mr->connect_count)
        return MEMORY_REACTOR_ERR_NO_SUCH;
    struct connector *c = mr->connects[i];
    if (c->record.state != MEMORY_CONNECTING)
        return MEMORY_REACTOR_ERR_SETTLED;
    struct string_transport *st = new_transport(mr);
    if (st == NULL)
        return -ENOMEM;
    drop_timeout(c);
    struct factory *f = c->record.factory;
    struct protocol *p = f->ops->build_protocol(f, &c->record.address);
    if (p == NULL) {
        connect_failed(c, REACTOR_ERR_NO_PROTOCOL); /* as the real connector reports it */
        return REACTOR_ERR_NO_PROTOCOL;
    }
    string_transport_set_peer(st, &c->record.address);
    struct sockaddr_in host = loopback(mr->next_port++);
    string_transport_set_host(st, &host);
    c->record.state = MEMORY_CONNECTED;
    c->record.transport = st;
    if (out != NULL)
        *out = st;
    string_transport_attach(st, p, connection_over, c); /* calls connection_made */
    return 0;
}
/* << complete-connect */

int memory_reactor_fail_connect(struct memory_reactor *mr, size_t i, int reason) {
    if (i >= mr->connect_count)
        return MEMORY_REACTOR_ERR_NO_SUCH;
    if (mr->connects[i]->record.state != MEMORY_CONNECTING)
        return MEMORY_REACTOR_ERR_SETTLED;
    connect_failed(mr->connects[i], reason);
    return 0;
}

int memory_reactor_accept(struct memory_reactor *mr, size_t i, const struct sockaddr_in *peer,
                          struct string_transport **out) {
    if (out != NULL)
        *out = NULL;
    if (i >= mr->listen_count)
        return MEMORY_REACTOR_ERR_NO_SUCH;
    struct listening_port *port = mr->listens[i];
    if (port->record.stopped)
        return -ECONNREFUSED;
    struct string_transport *st = new_transport(mr);
    if (st == NULL)
        return -ENOMEM;
    if (peer != NULL)
        string_transport_set_peer(st, peer);
    struct sockaddr_in from = transport_get_peer(string_transport_transport(st));
    struct sockaddr_in host = port->record.address;
    host.sin_port = htons(port->record.port_number);
    string_transport_set_host(st, &host);
    struct factory *f = port->record.factory;
    struct protocol *p = f->ops->build_protocol(f, &from);
    if (p == NULL)
        return REACTOR_ERR_NO_PROTOCOL; /* the client would see a reset */
    if (out != NULL)
        *out = st;
    string_transport_attach(st, p, NULL, NULL);
    return 0;
}
