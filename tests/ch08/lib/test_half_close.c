/* Chapter 8's half-close on the transport, over loopback with a real reactor: a protocol may finish
 * its own writing and go on reading (transport_lose_write_connection, Twisted's loseWriteConnection),
 * and one that opts in hears that the peer finished writing and goes on writing (read_connection_lost).
 * An echo client that shuts down its write side, then reads, gets its whole echo. */
#include "check_main.h"
#include "protocol.h"
#include "reactor.h"
#include "tcp.h"
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BIG (4u << 20) /* more than loopback's socket buffers hold, both ways */

static struct reactor *reactor;
static int endings, stop_at;

static unsigned char pattern_byte(size_t i) {
    return (unsigned char)(i * 31u + (i >> 13));
}

struct end {
    struct protocol base;
    size_t received;
    bool in_order;
    int lost, reason, read_lost;
    int write_after_half_close;
};

static void ended(void) {
    if (++endings == stop_at)
        reactor_stop(reactor);
}

static void end_lost(struct protocol *p, int reason) {
    struct end *e = (struct end *)p;
    e->lost++;
    e->reason = reason;
    ended();
}

/* The echo server: writes back what it gets; when the client has finished writing, finishes. */
static void echo_data(struct protocol *p, const char *bytes, size_t len) {
    ((struct end *)p)->received += len;
    ck_assert_int_eq(transport_write(p->transport, bytes, len), 0);
}

static void echo_read_lost(struct protocol *p) {
    ((struct end *)p)->read_lost++;
    transport_lose_connection(p->transport); /* once the echo has drained */
}

static const struct protocol_ops echo_ops = {
    .data_received = echo_data, .connection_lost = end_lost, .read_connection_lost = echo_read_lost};

/* The client: sends BIG bytes, shuts down its write side, reads the echo to the end. */
static void client_made(struct protocol *p, struct transport *t) {
    struct end *e = (struct end *)p;
    char *bytes = malloc(BIG);
    ck_assert_ptr_nonnull(bytes);
    for (size_t i = 0; i < BIG; i++)
        bytes[i] = (char)pattern_byte(i);
    ck_assert_int_eq(transport_write(t, bytes, BIG), 0);
    free(bytes);
    transport_lose_write_connection(t);
    e->write_after_half_close = transport_write(t, "late", 4);
}

static void client_data(struct protocol *p, const char *bytes, size_t len) {
    struct end *e = (struct end *)p;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)bytes[i] != pattern_byte(e->received + i))
            e->in_order = false;
    e->received += len;
}

static const struct protocol_ops client_ops = {
    .connection_made = client_made, .data_received = client_data, .connection_lost = end_lost};

struct one_factory {
    struct factory base;
    struct end *end;
};

static struct protocol *build(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    struct one_factory *of = (struct one_factory *)f;
    struct end *e = of->end;
    of->end = NULL; /* one connection each */
    return e != NULL ? &e->base : NULL;
}

static const struct factory_ops one_factory_ops = {.build_protocol = build};

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

static int give_up(void *arg) {
    (void)arg;
    ck_abort_msg("the reactor was still running after 20 s");
    return 0;
}

static void setup(void) {
    signal(SIGPIPE, SIG_DFL);
    reactor = reactor_new();
    ck_assert_ptr_nonnull(reactor);
    endings = 0;
    stop_at = 0;
}

static void teardown(void) {
    reactor_free(reactor);
}

START_TEST(an_echo_client_that_half_closes_gets_its_whole_echo) {
    struct end server = {.base.ops = &echo_ops, .in_order = true};
    struct end client = {.base.ops = &client_ops, .in_order = true};
    struct one_factory server_factory = {{&one_factory_ops}, &server};
    struct one_factory client_factory = {{&one_factory_ops}, &client};
    struct sockaddr_in any = loopback(0);
    struct listening_port *port = NULL;
    ck_assert_int_eq(reactor_listen_tcp(reactor, &any, &server_factory.base, &port), 0);
    struct sockaddr_in to = loopback(listening_port_number(port));
    ck_assert_int_eq(reactor_connect_tcp(reactor, &to, &client_factory.base, 5, NULL), 0);
    stop_at = 2;
    ck_assert_int_eq(reactor_call_later(reactor, 20, give_up, NULL, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(client.write_after_half_close, REACTOR_ERR_DISCONNECTING);
    ck_assert_int_eq(server.read_lost, 1);
    ck_assert_uint_eq(server.received, BIG);
    ck_assert_uint_eq(client.received, BIG); /* the whole echo */
    ck_assert(client.in_order);
    ck_assert_int_eq(client.reason, REACTOR_CONNECTION_DONE);
    ck_assert_int_eq(server.reason, REACTOR_CONNECTION_DONE);
    listening_port_free(port);
}
END_TEST

/* A server that greets, half-closes, and goes on reading until the client closes. */
static void greet_made(struct protocol *p, struct transport *t) {
    (void)p;
    ck_assert_int_eq(transport_write(t, "hello", 5), 0);
    transport_lose_write_connection(t);
    transport_lose_write_connection(t); /* again: nothing */
}

static void count_data(struct protocol *p, const char *bytes, size_t len) {
    (void)bytes;
    ((struct end *)p)->received += len;
}

static const struct protocol_ops greet_ops = {
    .connection_made = greet_made, .data_received = count_data, .connection_lost = end_lost};

static int client_fd = -1;

/* Runs once the reactor has had time to greet: the plain client reads to the end, then answers. */
static int plain_client_answers(void *arg) {
    (void)arg;
    char bytes[16];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(client_fd, bytes + got, sizeof bytes - got);
        if (n > 0)
            got += (size_t)n;
        else if (n == 0)
            break; /* the server's FIN: its write side is done */
        else if (errno != EINTR)
            ck_abort_msg("read: %s", strerror(errno));
    }
    ck_assert_uint_eq(got, 5);
    ck_assert(memcmp(bytes, "hello", 5) == 0);
    ck_assert_int_eq(write(client_fd, "goodbye", 7), 7); /* the server still reads */
    close(client_fd);
    return 0;
}

START_TEST(a_protocol_that_half_closes_goes_on_reading) {
    struct end server = {.base.ops = &greet_ops, .in_order = true};
    struct one_factory server_factory = {{&one_factory_ops}, &server};
    struct sockaddr_in any = loopback(0);
    struct listening_port *port = NULL;
    ck_assert_int_eq(reactor_listen_tcp(reactor, &any, &server_factory.base, &port), 0);
    client_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = loopback(listening_port_number(port));
    ck_assert_int_eq(connect(client_fd, (struct sockaddr *)&to, sizeof to), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0.2, plain_client_answers, NULL, NULL), 0);
    stop_at = 1;
    ck_assert_int_eq(reactor_call_later(reactor, 20, give_up, NULL, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_uint_eq(server.received, 7);
    ck_assert_int_eq(server.reason, REACTOR_CONNECTION_DONE);
    listening_port_free(port);
}
END_TEST

static Suite *half_close_suite(void) {
    Suite *s = suite_create("half-close");
    TCase *tc = tcase_create("half-close");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, an_echo_client_that_half_closes_gets_its_whole_echo);
    tcase_add_test(tc, a_protocol_that_half_closes_goes_on_reading);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return run_suite_as_tap(half_close_suite());
}
