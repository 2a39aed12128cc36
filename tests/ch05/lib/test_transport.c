/* Chapter 5's transports, protocols and factories, over loopback with a real reactor: connecting and
 * listening, writes that outgrow the socket buffers, clean and abrupt closes, refused and hung
 * connects, resets, a peer that has gone, factories that refuse (a reset, never a clean close),
 * half-close for a protocol that opts in, shutdown, stopping a port. These
 * tests run against every later snapshot too, so they use the headers only. */
#include "check_main.h"
#include "protocol.h"
#include "reactor.h"
#include "tcp.h"
#include "test_helpers.h"
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BIG (8u << 20) /* 8 MiB: far more than loopback's socket buffers hold */

static struct reactor *reactor;
static int endings;          /* protocol connection_lost + client_connection_failed calls so far */
static int stop_at_endings;  /* stop the reactor when endings reaches this (0: never) */

/* The byte at offset i of the test stream: never periodic at a socket-buffer size. */
static unsigned char pattern_byte(size_t i) {
    return (unsigned char)(i * 31u + (i >> 13));
}

static char *pattern(size_t offset, size_t len) {
    char *bytes = malloc(len);
    ck_assert_ptr_nonnull(bytes);
    for (size_t i = 0; i < len; i++)
        bytes[i] = (char)pattern_byte(offset + i);
    return bytes;
}

static void ended(void) {
    endings++;
    if (stop_at_endings > 0 && endings == stop_at_endings)
        reactor_stop(reactor);
}

/* ---- a protocol that records what happens to it and does what it is told ---- */

enum then { KEEP_OPEN, LOSE, ABORT };

struct peer {
    struct protocol base;
    int made, lost, reason;
    struct transport *transport; /* kept from connection_made, for tests that act on it later */
    struct sockaddr_in peer_addr, host_addr;
    size_t received;
    bool in_order;     /* every byte received matched the pattern */
    char text[64];     /* the first bytes received, as text */
    bool lost_cleared; /* protocol.transport was NULL in connection_lost */
    /* What to do in connection_made: write `send` bytes of the pattern in writes of `chunk` (0: one
     * write), then keep the connection open, lose it or abort it. */
    size_t send;
    size_t chunk;
    enum then then;
    size_t queued_after_write;
    int write_result;
    int write_after_close; /* what a write after lose/abort returned */
    int lost_before_return; /* connection_lost calls seen right after lose/abort returned */
    size_t lose_when_received; /* lose the connection once this many bytes arrived (0: never) */
    void (*on_made)(struct peer *);
    void (*on_lost)(struct peer *);
};

static void peer_made(struct protocol *p, struct transport *t) {
    struct peer *peer = (struct peer *)p;
    peer->made++;
    peer->transport = t;
    ck_assert_ptr_eq(p->transport, t);
    peer->peer_addr = transport_get_peer(t);
    peer->host_addr = transport_get_host(t);
    if (peer->send > 0) {
        size_t chunk = peer->chunk ? peer->chunk : peer->send;
        for (size_t off = 0; off < peer->send; off += chunk) {
            size_t len = peer->send - off < chunk ? peer->send - off : chunk;
            char *bytes = pattern(off, len);
            peer->write_result = transport_write(t, bytes, len);
            free(bytes); /* the transport keeps its own copy */
            ck_assert_int_eq(peer->write_result, 0);
        }
        peer->queued_after_write = transport_queued(t);
    }
    if (peer->then == LOSE)
        transport_lose_connection(t);
    else if (peer->then == ABORT)
        transport_abort_connection(t);
    if (peer->then != KEEP_OPEN) {
        peer->lost_before_return = peer->lost;
        peer->write_after_close = transport_write(t, "late", 4);
    }
    if (peer->on_made != NULL)
        peer->on_made(peer);
}

static void peer_data(struct protocol *p, const char *bytes, size_t len) {
    struct peer *peer = (struct peer *)p;
    ck_assert_uint_gt(len, 0);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)bytes[i] != pattern_byte(peer->received + i))
            peer->in_order = false;
    size_t used = strlen(peer->text);
    size_t room = sizeof peer->text - 1 - used;
    memcpy(peer->text + used, bytes, len < room ? len : room);
    peer->received += len;
    if (peer->lose_when_received > 0 && peer->received >= peer->lose_when_received)
        transport_lose_connection(p->transport);
}

static void peer_lost(struct protocol *p, int reason) {
    struct peer *peer = (struct peer *)p;
    peer->lost++;
    peer->reason = reason;
    peer->lost_cleared = p->transport == NULL;
    if (peer->on_lost != NULL)
        peer->on_lost(peer);
    ended();
}

static const struct protocol_ops peer_ops = {
    .connection_made = peer_made,
    .data_received = peer_data,
    .connection_lost = peer_lost,
};

static void peer_init(struct peer *peer) {
    memset(peer, 0, sizeof *peer);
    peer->base.ops = &peer_ops;
    peer->in_order = true;
}

/* ---- a factory that hands out peers from an array, and records what clients hear ---- */

struct test_factory {
    struct factory base;
    struct peer *peers;
    int capacity, built;
    bool refuse;
    struct sockaddr_in built_for;
    int started, failed, failed_reason, client_lost, client_lost_reason;
    struct connector *connector;
    void (*on_failed)(struct test_factory *);
};

static struct protocol *factory_build(struct factory *f, const struct sockaddr_in *addr) {
    struct test_factory *tf = (struct test_factory *)f;
    tf->built_for = *addr;
    if (tf->refuse || tf->built == tf->capacity)
        return NULL;
    return &tf->peers[tf->built++].base;
}

static void factory_started(struct factory *f, struct connector *c) {
    struct test_factory *tf = (struct test_factory *)f;
    tf->started++;
    tf->connector = c;
}

static void factory_failed(struct factory *f, struct connector *c, int reason) {
    struct test_factory *tf = (struct test_factory *)f;
    ck_assert_ptr_eq(c, tf->connector);
    tf->failed++;
    tf->failed_reason = reason;
    if (tf->on_failed != NULL)
        tf->on_failed(tf);
    ended();
}

static void factory_lost(struct factory *f, struct connector *c, int reason) {
    struct test_factory *tf = (struct test_factory *)f;
    ck_assert_ptr_eq(c, tf->connector);
    tf->client_lost++;
    tf->client_lost_reason = reason;
}

static const struct factory_ops test_factory_ops = {
    .build_protocol = factory_build,
    .started_connecting = factory_started,
    .client_connection_failed = factory_failed,
    .client_connection_lost = factory_lost,
};

static void factory_init(struct test_factory *tf, struct peer *peers, int capacity) {
    memset(tf, 0, sizeof *tf);
    tf->base.ops = &test_factory_ops;
    tf->peers = peers;
    tf->capacity = capacity;
    for (int i = 0; i < capacity; i++)
        peer_init(&peers[i]);
}

/* ---- helpers ---- */

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

static struct listening_port *listen_on_any_port(struct test_factory *server) {
    struct sockaddr_in addr = loopback(0);
    struct listening_port *port = NULL;
    ck_assert_int_eq(reactor_listen_tcp(reactor, &addr, &server->base, &port), 0);
    ck_assert_ptr_nonnull(port);
    ck_assert_uint_ne(listening_port_number(port), 0);
    return port;
}

static void connect_to(unsigned short port, struct test_factory *client, double timeout) {
    struct sockaddr_in addr = loopback(port);
    struct connector *c = NULL;
    ck_assert_int_eq(reactor_connect_tcp(reactor, &addr, &client->base, timeout, &c), 0);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_eq(c, client->connector); /* started_connecting was told */
}

/* A plain socket bound to a loopback port; listening with backlog if backlog >= 0. */
static int plain_socket(int backlog, unsigned short *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in addr = loopback(0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    if (backlog >= 0)
        ck_assert_int_eq(listen(fd, backlog), 0);
    socklen_t len = sizeof addr;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    *port = ntohs(addr.sin_port);
    return fd;
}

/* A safety net: a test whose reactor would otherwise never stop fails with a message, not a hang. */
static int give_up(void *arg) {
    (void)arg;
    ck_abort_msg("the reactor was still running after 20 s: some callback never came");
    return 0;
}

static void run_reactor(void) {
    ck_assert_int_eq(reactor_call_later(reactor, 20, give_up, NULL, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
}

static void setup(void) {
    signal(SIGPIPE, SIG_DFL); /* a send that raised SIGPIPE would kill the test: it must not happen */
    unsetenv("REACTOR_TRACE");
    reactor = reactor_new();
    ck_assert_ptr_nonnull(reactor);
    endings = 0;
    stop_at_endings = 0;
}

static void teardown(void) {
    reactor_free(reactor);
}

/* ---- connecting and listening ---- */

START_TEST(connection_made_on_both_sides_then_a_clean_close) {
    struct peer server_peers[1], client_peers[1];
    struct test_factory server, client;
    factory_init(&server, server_peers, 1);
    factory_init(&client, client_peers, 1);
    client_peers[0].then = LOSE;
    struct listening_port *port = listen_on_any_port(&server);
    connect_to(listening_port_number(port), &client, 10);
    stop_at_endings = 2;
    run_reactor();

    struct peer *s = &server_peers[0], *c = &client_peers[0];
    ck_assert_int_eq(s->made, 1);
    ck_assert_int_eq(c->made, 1);
    ck_assert_int_eq(c->lost_before_return, 0); /* connection_lost never comes from inside lose */
    ck_assert_int_eq(c->write_after_close, REACTOR_ERR_DISCONNECTING);
    ck_assert_int_eq(s->lost, 1);
    ck_assert_int_eq(c->lost, 1);
    ck_assert_int_eq(s->reason, REACTOR_CONNECTION_DONE);
    ck_assert_int_eq(c->reason, REACTOR_CONNECTION_DONE);
    ck_assert(s->lost_cleared && c->lost_cleared);
    ck_assert_int_eq(client.client_lost, 1);
    ck_assert_int_eq(client.client_lost_reason, REACTOR_CONNECTION_DONE);
    ck_assert_int_eq(client.failed, 0);
    /* Each side's peer is the other side's host. */
    ck_assert_uint_eq(ntohs(c->peer_addr.sin_port), listening_port_number(port));
    ck_assert_uint_eq(ntohs(s->host_addr.sin_port), listening_port_number(port));
    ck_assert_uint_eq(s->peer_addr.sin_port, c->host_addr.sin_port);
    ck_assert_uint_eq(server.built_for.sin_port, c->host_addr.sin_port);
    ck_assert_uint_eq(ntohs(client.built_for.sin_port), listening_port_number(port));
    listening_port_free(port);
}
END_TEST

START_TEST(many_writes_arrive_whole_and_in_order) {
    struct peer server_peers[1], client_peers[1];
    struct test_factory server, client;
    factory_init(&server, server_peers, 1);
    factory_init(&client, client_peers, 1);
    server_peers[0].send = BIG;
    server_peers[0].chunk = 100003; /* many writes, of a size that lines up with nothing */
    client_peers[0].lose_when_received = BIG;
    struct listening_port *port = listen_on_any_port(&server);
    connect_to(listening_port_number(port), &client, 10);
    stop_at_endings = 2;
    run_reactor();

    ck_assert_msg(server_peers[0].queued_after_write > 0, "8 MiB should not fit in the socket at once");
    ck_assert_uint_eq(client_peers[0].received, BIG);
    ck_assert_msg(client_peers[0].in_order, "bytes arrived changed or out of order");
    ck_assert_int_eq(client_peers[0].reason, REACTOR_CONNECTION_DONE);
    ck_assert_int_eq(server_peers[0].reason, REACTOR_CONNECTION_DONE);
    listening_port_free(port);
}
END_TEST

START_TEST(lose_after_a_big_write_delivers_every_byte_first) {
    struct peer server_peers[1], client_peers[1];
    struct test_factory server, client;
    factory_init(&server, server_peers, 1);
    factory_init(&client, client_peers, 1);
    server_peers[0].send = BIG;
    server_peers[0].then = LOSE;
    struct listening_port *port = listen_on_any_port(&server);
    connect_to(listening_port_number(port), &client, 10);
    stop_at_endings = 2;
    run_reactor();

    ck_assert_msg(server_peers[0].queued_after_write > 0, "8 MiB should not fit in the socket at once");
    ck_assert_int_eq(server_peers[0].write_after_close, REACTOR_ERR_DISCONNECTING);
    ck_assert_uint_eq(client_peers[0].received, BIG);
    ck_assert(client_peers[0].in_order);
    ck_assert_int_eq(client_peers[0].reason, REACTOR_CONNECTION_DONE);
    ck_assert_int_eq(server_peers[0].reason, REACTOR_CONNECTION_DONE);
    ck_assert_int_eq(client.client_lost_reason, REACTOR_CONNECTION_DONE);
    listening_port_free(port);
}
END_TEST

START_TEST(abort_drops_the_queue_and_reports_aborted) {
    struct peer server_peers[1], client_peers[1];
    struct test_factory server, client;
    factory_init(&server, server_peers, 1);
    factory_init(&client, client_peers, 1);
    server_peers[0].send = BIG;
    server_peers[0].then = ABORT;
    struct listening_port *port = listen_on_any_port(&server);
    connect_to(listening_port_number(port), &client, 10);
    stop_at_endings = 2;
    run_reactor();

    ck_assert_int_eq(server_peers[0].lost_before_return, 0); /* not from inside abort */
    ck_assert_int_eq(server_peers[0].write_after_close, REACTOR_ERR_DISCONNECTING);
    ck_assert_int_eq(server_peers[0].lost, 1);
    ck_assert_int_eq(server_peers[0].reason, REACTOR_ERR_CONNECTION_ABORTED);
    ck_assert_uint_lt(client_peers[0].received, BIG);
    ck_assert_msg(client_peers[0].reason == -ECONNRESET, "the client saw %s, not a reset",
                  reactor_strerror(client_peers[0].reason));
    ck_assert_int_eq(client.client_lost_reason, -ECONNRESET);
    listening_port_free(port);
}
END_TEST

START_TEST(a_refused_connect_fails_with_econnrefused) {
    unsigned short number;
    int bound = plain_socket(-1, &number); /* bound, never listening: connecting is refused */
    struct peer client_peers[1];
    struct test_factory client;
    factory_init(&client, client_peers, 1);
    connect_to(number, &client, 10);
    stop_at_endings = 1;
    run_reactor();
    ck_assert_int_eq(client.failed, 1);
    ck_assert_int_eq(client.failed_reason, -ECONNREFUSED);
    ck_assert_int_eq(client.built, 0);
    ck_assert_int_eq(client.client_lost, 0);
    close(bound);
}
END_TEST

/* Fills the accept queue of a listener that never accepts (backlog 0), so that the next connect to it
 * waits for an answer that never comes. Returns the listener; fillers are closed by the caller. */
static int hung_listener(unsigned short *number, int fillers[4]) {
    int listener = plain_socket(0, number);
    struct sockaddr_in addr = loopback(*number);
    for (int i = 0; i < 4; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM, 0);
        fcntl(fillers[i], F_SETFL, O_NONBLOCK);
        connect(fillers[i], (struct sockaddr *)&addr, sizeof addr);
    }
    sleep_seconds(0.05);
    return listener;
}

START_TEST(a_connect_with_no_answer_times_out) {
    unsigned short number;
    int fillers[4];
    int listener = hung_listener(&number, fillers);
    struct peer client_peers[1];
    struct test_factory client;
    factory_init(&client, client_peers, 1);
    double started = wall_seconds();
    connect_to(number, &client, 0.3);
    stop_at_endings = 1;
    run_reactor();
    double took = wall_seconds() - started;
    ck_assert_int_eq(client.failed, 1);
    ck_assert_msg(client.failed_reason == -ETIMEDOUT, "failed with %s", reactor_strerror(client.failed_reason));
    ck_assert_msg(took >= 0.29 && took < 10, "timed out after %.3fs", took);
    for (int i = 0; i < 4; i++)
        close(fillers[i]);
    close(listener);
}
END_TEST

static struct test_factory *to_cancel;
static int cancel_result, cancel_failed_before_return;

static int cancel_connect(void *arg) {
    (void)arg;
    cancel_result = connector_stop(to_cancel->connector);
    cancel_failed_before_return = to_cancel->failed;
    return 0;
}

START_TEST(connector_stop_cancels_a_connect_under_way) {
    unsigned short number;
    int fillers[4];
    int listener = hung_listener(&number, fillers);
    struct peer client_peers[1];
    struct test_factory client;
    factory_init(&client, client_peers, 1);
    connect_to(number, &client, 0);
    to_cancel = &client;
    reactor_call_later(reactor, 0.05, cancel_connect, NULL, NULL);
    stop_at_endings = 1;
    run_reactor();
    ck_assert_int_eq(cancel_result, 0);
    ck_assert_int_eq(cancel_failed_before_return, 1); /* told before connector_stop returned */
    ck_assert_int_eq(client.failed_reason, REACTOR_ERR_CONNECT_CANCELLED);
    for (int i = 0; i < 4; i++)
        close(fillers[i]);
    close(listener);
}
END_TEST

static struct test_factory *connected_client;
static int stop_when_connected_result;

static void try_to_stop_connector(struct peer *peer) {
    stop_when_connected_result = connector_stop(connected_client->connector);
    transport_lose_connection(peer->transport);
}

START_TEST(connector_stop_once_connected_is_an_error) {
    struct peer server_peers[1], client_peers[1];
    struct test_factory server, client;
    factory_init(&server, server_peers, 1);
    factory_init(&client, client_peers, 1);
    connected_client = &client;
    client_peers[0].on_made = try_to_stop_connector;
    struct listening_port *port = listen_on_any_port(&server);
    connect_to(listening_port_number(port), &client, 10);
    stop_at_endings = 2;
    run_reactor();
    ck_assert_int_eq(stop_when_connected_result, REACTOR_ERR_NOT_CONNECTING);
    ck_assert_int_eq(client.client_lost, 1);
    listening_port_free(port);
}
END_TEST

START_TEST(listening_on_a_port_in_use_is_eaddrinuse) {
    struct peer server_peers[1];
    struct test_factory server;
    factory_init(&server, server_peers, 1);
    struct listening_port *port = listen_on_any_port(&server);
    struct sockaddr_in addr = loopback(listening_port_number(port));
    struct listening_port *second = NULL;
    ck_assert_int_eq(reactor_listen_tcp(reactor, &addr, &server.base, &second), -EADDRINUSE);
    ck_assert_ptr_null(second);
    listening_port_free(port);
    listening_port_free(NULL);
}
END_TEST

/* ---- peers that misbehave ---- */

static int plain_listener = -1;

/* The connection is up: the plain server accepts it and resets it (linger 0, then close). */
static void reset_by_server(struct peer *peer) {
    (void)peer;
    int fd = accept(plain_listener, NULL, NULL);
    ck_assert_int_ge(fd, 0);
    struct linger abortive = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
    close(fd);
}

START_TEST(a_reset_by_the_peer_is_econnreset) {
    unsigned short number;
    plain_listener = plain_socket(8, &number);
    struct peer client_peers[1];
    struct test_factory client;
    factory_init(&client, client_peers, 1);
    client_peers[0].on_made = reset_by_server;
    connect_to(number, &client, 10);
    stop_at_endings = 1;
    run_reactor();
    ck_assert_int_eq(client_peers[0].lost, 1);
    ck_assert_msg(client_peers[0].reason == -ECONNRESET, "lost with %s", reactor_strerror(client_peers[0].reason));
    ck_assert_int_eq(client.client_lost_reason, -ECONNRESET);
    close(plain_listener);
}
END_TEST

static int write_to_gone_result, write_after_failure;

/* The peer resets; once the reset has arrived, the client writes a lot. */
static void write_to_a_peer_that_has_gone(struct peer *peer) {
    reset_by_server(peer);
    sleep_seconds(0.1); /* let the reset arrive before the write */
    char *bytes = pattern(0, 1u << 20);
    write_to_gone_result = transport_write(peer->transport, bytes, 1u << 20);
    write_after_failure = transport_write(peer->transport, bytes, 1u << 20);
    free(bytes);
}

START_TEST(a_write_to_a_peer_that_has_gone_is_lost_not_sigpipe) {
    unsigned short number;
    plain_listener = plain_socket(8, &number);
    struct peer client_peers[1];
    struct test_factory client;
    factory_init(&client, client_peers, 1);
    client_peers[0].on_made = write_to_a_peer_that_has_gone;
    connect_to(number, &client, 10);
    stop_at_endings = 1;
    run_reactor(); /* with SIGPIPE at its default, a send without MSG_NOSIGNAL would kill us here */
    ck_assert_int_eq(write_to_gone_result, 0); /* the failure comes through connection_lost */
    ck_assert_int_eq(write_after_failure, REACTOR_ERR_DISCONNECTING);
    ck_assert_int_eq(client_peers[0].lost, 1);
    ck_assert_msg(client_peers[0].reason == -EPIPE || client_peers[0].reason == -ECONNRESET, "lost with %s",
                  reactor_strerror(client_peers[0].reason));
    close(plain_listener);
}
END_TEST

/* A refused connection is reset, never closed cleanly: to a client that reads until the end, a clean
 * close would be a complete, empty reply. The reset may even reach the client before its connect is
 * reported, so it either fails to connect or loses the connection, with ECONNRESET either way. */
START_TEST(a_server_factory_that_refuses_resets_the_connection) {
    struct peer server_peers[1], client_peers[1];
    struct test_factory server, client;
    factory_init(&server, server_peers, 1);
    factory_init(&client, client_peers, 1);
    server.refuse = true;
    struct listening_port *port = listen_on_any_port(&server);
    connect_to(listening_port_number(port), &client, 10);
    stop_at_endings = 1;
    run_reactor();
    ck_assert_int_eq(server.built, 0);
    ck_assert_int_eq(server_peers[0].made, 0);
    if (client_peers[0].made == 1) {
        ck_assert_int_eq(client_peers[0].reason, -ECONNRESET);
        ck_assert_uint_eq(client_peers[0].received, 0);
    } else {
        ck_assert_int_eq(client.failed, 1);
        ck_assert_int_eq(client.failed_reason, -ECONNRESET);
    }
    listening_port_free(port);
}
END_TEST

START_TEST(a_client_factory_that_refuses_fails_the_connect) {
    struct peer server_peers[1], client_peers[1];
    struct test_factory server, client;
    factory_init(&server, server_peers, 1);
    factory_init(&client, client_peers, 1);
    client.refuse = true;
    struct listening_port *port = listen_on_any_port(&server);
    connect_to(listening_port_number(port), &client, 10);
    stop_at_endings = 2; /* the client's failure, and the server's side of the closed connection */
    run_reactor();
    ck_assert_int_eq(client.failed, 1);
    ck_assert_int_eq(client.failed_reason, REACTOR_ERR_NO_PROTOCOL);
    ck_assert_int_eq(client_peers[0].made, 0);
    ck_assert_int_eq(server_peers[0].reason, -ECONNRESET); /* reset: nobody will read or answer */
    listening_port_free(port);
}
END_TEST

/* ---- half-close (opt-in) and resets ---- */

/* A protocol that opts in to half-close: when the peer has finished writing, it answers and loses the
 * connection, as a server finishing its reply would. */
static int read_lost_calls;

static void answer_on_read_lost(struct protocol *p) {
    read_lost_calls++;
    char *bytes = pattern(0, 1000);
    ck_assert_int_eq(transport_write(p->transport, bytes, 1000), 0);
    free(bytes);
    transport_lose_connection(p->transport);
}

static const struct protocol_ops half_close_ops = {
    .connection_made = peer_made,
    .data_received = peer_data,
    .connection_lost = peer_lost,
    .read_connection_lost = answer_on_read_lost,
};

/* Connects a plain blocking socket to port (the kernel completes it before the reactor accepts). */
static int plain_client(unsigned short port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in addr = loopback(port);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    return fd;
}

/* Reads fd to its end. Returns the bytes read, and in *err 0 after a clean end or the errno. */
static size_t read_to_end(int fd, int *err) {
    char bytes[4096];
    size_t total = 0;
    for (;;) {
        ssize_t n = read(fd, bytes, sizeof bytes);
        if (n > 0) {
            total += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        *err = n == 0 ? 0 : errno;
        return total;
    }
}

START_TEST(a_protocol_that_opts_in_hears_the_half_close_and_goes_on) {
    struct peer server_peers[1];
    struct test_factory server;
    factory_init(&server, server_peers, 1);
    server_peers[0].base.ops = &half_close_ops;
    read_lost_calls = 0;
    struct listening_port *port = listen_on_any_port(&server);
    int client = plain_client(listening_port_number(port));
    ck_assert_int_eq(write(client, "hello", 5), 5);
    ck_assert_int_eq(shutdown(client, SHUT_WR), 0); /* as `nc -N` does */
    stop_at_endings = 1;
    run_reactor();
    ck_assert_int_eq(read_lost_calls, 1);
    ck_assert_uint_eq(server_peers[0].received, 5);
    ck_assert_int_eq(server_peers[0].reason, REACTOR_CONNECTION_DONE);
    int err = -1;
    ck_assert_uint_eq(read_to_end(client, &err), 1000); /* the whole answer, after the half-close */
    ck_assert_int_eq(err, 0);                            /* and then a clean end */
    close(client);
    listening_port_free(port);
}
END_TEST

START_TEST(without_the_hook_a_half_close_ends_the_connection) {
    struct peer server_peers[1];
    struct test_factory server;
    factory_init(&server, server_peers, 1);
    struct listening_port *port = listen_on_any_port(&server);
    int client = plain_client(listening_port_number(port));
    ck_assert_int_eq(shutdown(client, SHUT_WR), 0);
    stop_at_endings = 1;
    run_reactor();
    ck_assert_int_eq(server_peers[0].lost, 1);
    ck_assert_int_eq(server_peers[0].reason, REACTOR_CONNECTION_DONE);
    close(client);
    listening_port_free(port);
}
END_TEST

/* A connection that ends other than cleanly (here: the reactor shuts down under it) is reset: the
 * peer must not take what it got so far for the whole reply. */
static void stop_when_made(struct peer *peer) {
    (void)peer;
    reactor_stop(reactor);
}

START_TEST(a_connection_lost_at_shutdown_is_reset_not_closed) {
    struct peer server_peers[1];
    struct test_factory server;
    factory_init(&server, server_peers, 1);
    server_peers[0].send = 10;
    server_peers[0].on_made = stop_when_made;
    struct listening_port *port = listen_on_any_port(&server);
    int client = plain_client(listening_port_number(port));
    run_reactor();
    ck_assert_int_eq(server_peers[0].reason, REACTOR_ERR_CONNECTION_LOST);
    int err = 0;
    read_to_end(client, &err);
    ck_assert_int_eq(err, ECONNRESET);
    close(client);
    listening_port_free(port);
}
END_TEST

/* ---- shutdown and stopping ports ---- */

static struct peer *shutdown_server, *shutdown_client;

/* Stops the reactor once both ends of the connection are made. */
static int stop_when_connected(void *arg) {
    if (shutdown_server->made == 1 && shutdown_client->made == 1)
        reactor_stop(reactor);
    else
        reactor_call_later(reactor, 0.01, stop_when_connected, arg, NULL);
    return 0;
}

START_TEST(shutdown_loses_every_connection_and_connect) {
    struct peer server_peers[2], client_peers[2];
    struct test_factory server, client, hung_client;
    factory_init(&server, server_peers, 2);
    factory_init(&client, client_peers, 2);
    factory_init(&hung_client, NULL, 0);
    server_peers[0].send = BIG; /* one connection with a full queue, a writer at shutdown */
    struct listening_port *port = listen_on_any_port(&server);
    connect_to(listening_port_number(port), &client, 10);
    unsigned short number;
    int fillers[4];
    int listener = hung_listener(&number, fillers);
    connect_to(number, &hung_client, 0);
    shutdown_server = &server_peers[0];
    shutdown_client = &client_peers[0];
    reactor_call_later(reactor, 0.01, stop_when_connected, NULL, NULL);
    run_reactor();

    ck_assert_int_eq(server_peers[0].made, 1);
    ck_assert_int_eq(client_peers[0].made, 1);
    ck_assert_int_eq(server_peers[0].lost, 1);
    ck_assert_int_eq(client_peers[0].lost, 1);
    ck_assert_int_eq(server_peers[0].reason, REACTOR_ERR_CONNECTION_LOST);
    ck_assert_int_eq(client_peers[0].reason, REACTOR_ERR_CONNECTION_LOST);
    ck_assert_int_eq(client.client_lost_reason, REACTOR_ERR_CONNECTION_LOST);
    ck_assert_int_eq(hung_client.failed, 1);
    ck_assert_int_eq(hung_client.failed_reason, REACTOR_ERR_CONNECTION_LOST);
    listening_port_free(port);
    for (int i = 0; i < 4; i++)
        close(fillers[i]);
    close(listener);
}
END_TEST

static struct listening_port *port_to_stop;
static struct test_factory *late_client;
static struct peer *first_client;

/* Once the first connection is made, the port stops; a second client then tries to connect. */
static void stop_port_then_connect_again(struct peer *peer) {
    (void)peer;
    unsigned short number = listening_port_number(port_to_stop);
    listening_port_stop(port_to_stop);
    listening_port_stop(port_to_stop); /* twice is harmless */
    connect_to(number, late_client, 10);
}

/* The second client was refused: the first connection still works. */
static void talk_on_the_first_connection(struct test_factory *tf) {
    (void)tf;
    char *bytes = pattern(0, 1000);
    ck_assert_int_eq(transport_write(first_client->transport, bytes, 1000), 0);
    free(bytes);
    transport_lose_connection(first_client->transport);
}

START_TEST(a_stopped_port_refuses_new_connections_and_keeps_old_ones) {
    struct peer server_peers[2], client_peers[1], late_peers[1];
    struct test_factory server, client, late;
    factory_init(&server, server_peers, 2);
    factory_init(&client, client_peers, 1);
    factory_init(&late, late_peers, 1);
    port_to_stop = listen_on_any_port(&server);
    late_client = &late;
    first_client = &client_peers[0];
    server_peers[0].on_made = stop_port_then_connect_again;
    late.on_failed = talk_on_the_first_connection;
    connect_to(listening_port_number(port_to_stop), &client, 10);
    stop_at_endings = 3; /* the late client's failure, then both ends of the first connection */
    run_reactor();

    ck_assert_int_eq(late.failed_reason, -ECONNREFUSED);
    ck_assert_int_eq(server.built, 1);
    ck_assert_uint_eq(server_peers[0].received, 1000);
    ck_assert(server_peers[0].in_order);
    ck_assert_int_eq(server_peers[0].reason, REACTOR_CONNECTION_DONE);
    listening_port_free(port_to_stop);
}
END_TEST

START_TEST(new_codes_have_names) {
    const int codes[] = {REACTOR_ERR_CONNECTION_ABORTED, REACTOR_ERR_DISCONNECTING, REACTOR_ERR_CONNECT_CANCELLED,
                         REACTOR_ERR_NOT_CONNECTING,     REACTOR_ERR_NO_PROTOCOL,   REACTOR_ERR_CONNECTION_LOST,
                         REACTOR_CONNECTION_DONE};
    const size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *name = reactor_strerror(codes[i]);
        ck_assert_ptr_nonnull(name);
        ck_assert_str_ne(name, "unknown reactor result code");
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(name, reactor_strerror(codes[j]));
    }
}
END_TEST

int main(void) {
    Suite *suite = suite_create("transport");
    struct {
        const char *name;
        TCase *tc;
    } cases[] = {{"connect-and-listen", NULL}, {"writing-and-closing", NULL}, {"misbehaving-peers", NULL},
                 {"shutdown-and-ports", NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cases[i].tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(cases[i].tc, setup, teardown);
        tcase_set_timeout(cases[i].tc, 30);
        suite_add_tcase(suite, cases[i].tc);
    }
    tcase_add_test(cases[0].tc, connection_made_on_both_sides_then_a_clean_close);
    tcase_add_test(cases[0].tc, a_refused_connect_fails_with_econnrefused);
    tcase_add_test(cases[0].tc, a_connect_with_no_answer_times_out);
    tcase_add_test(cases[0].tc, connector_stop_cancels_a_connect_under_way);
    tcase_add_test(cases[0].tc, connector_stop_once_connected_is_an_error);
    tcase_add_test(cases[0].tc, listening_on_a_port_in_use_is_eaddrinuse);
    tcase_add_test(cases[0].tc, new_codes_have_names);
    tcase_add_test(cases[1].tc, many_writes_arrive_whole_and_in_order);
    tcase_add_test(cases[1].tc, lose_after_a_big_write_delivers_every_byte_first);
    tcase_add_test(cases[1].tc, abort_drops_the_queue_and_reports_aborted);
    tcase_add_test(cases[2].tc, a_reset_by_the_peer_is_econnreset);
    tcase_add_test(cases[2].tc, a_write_to_a_peer_that_has_gone_is_lost_not_sigpipe);
    tcase_add_test(cases[2].tc, a_server_factory_that_refuses_resets_the_connection);
    tcase_add_test(cases[2].tc, a_client_factory_that_refuses_fails_the_connect);
    tcase_add_test(cases[2].tc, a_protocol_that_opts_in_hears_the_half_close_and_goes_on);
    tcase_add_test(cases[2].tc, without_the_hook_a_half_close_ends_the_connection);
    tcase_add_test(cases[2].tc, a_connection_lost_at_shutdown_is_reset_not_closed);
    tcase_add_test(cases[3].tc, shutdown_loses_every_connection_and_connect);
    tcase_add_test(cases[3].tc, a_stopped_port_refuses_new_connections_and_keeps_old_ones);
    return run_suite_as_tap(suite);
}
