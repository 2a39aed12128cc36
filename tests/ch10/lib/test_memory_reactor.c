/* Chapter 10's memory reactor: reactor_connect_tcp and reactor_listen_tcp record instead of opening
 * sockets; the test completes or fails each connect by hand and the factory and protocol are driven as
 * the real reactor drives them; time is a task_clock the test advances; what it cannot do fails loudly. */
#include "check_main.h"
#include "memory_reactor.h"
#include "protocol.h"
#include "reactor.h"
#include "string_transport.h"
#include "task_clock.h"
#include "tcp.h"
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

static struct memory_reactor *mr;
static struct reactor *reactor;

static void setup(void) {
    ck_assert_int_eq(memory_reactor_new(&mr), 0);
    reactor = memory_reactor_reactor(mr);
}

static void teardown(void) {
    memory_reactor_free(mr);
}

static struct sockaddr_in address(const char *host, unsigned short port) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    ck_assert_int_eq(inet_pton(AF_INET, host, &addr.sin_addr), 1);
    return addr;
}

/* A protocol that says hello and records its calls. */
struct greeter {
    struct protocol base;
    int made, lost, reason;
};

static void greeter_made(struct protocol *p, struct transport *t) {
    ((struct greeter *)p)->made++;
    ck_assert_int_eq(transport_write(t, "hello", 5), 0);
}

static void greeter_lost(struct protocol *p, int reason) {
    struct greeter *g = (struct greeter *)p;
    g->lost++;
    g->reason = reason;
}

static const struct protocol_ops greeter_ops = {.connection_made = greeter_made,
                                                .connection_lost = greeter_lost};

/* A client factory that records every call, in order, as letters: s(tarted) b(uild) f(ailed) l(ost). */
struct recording_factory {
    struct factory base;
    struct greeter protocol;
    bool refuse;
    char calls[16];
    int failed_reason, lost_reason;
    struct connector *started, *failed_with;
    struct sockaddr_in built_for;
};

static void note(struct recording_factory *rf, char c) {
    size_t n = strlen(rf->calls);
    ck_assert_uint_lt(n, sizeof rf->calls - 1);
    rf->calls[n] = c;
}

static struct protocol *rf_build(struct factory *f, const struct sockaddr_in *addr) {
    struct recording_factory *rf = (struct recording_factory *)f;
    note(rf, 'b');
    rf->built_for = *addr;
    if (rf->refuse)
        return NULL;
    rf->protocol.base.ops = &greeter_ops;
    return &rf->protocol.base;
}

static void rf_started(struct factory *f, struct connector *c) {
    struct recording_factory *rf = (struct recording_factory *)f;
    note(rf, 's');
    rf->started = c;
}

static void rf_failed(struct factory *f, struct connector *c, int reason) {
    struct recording_factory *rf = (struct recording_factory *)f;
    note(rf, 'f');
    rf->failed_reason = reason;
    rf->failed_with = c;
    struct sockaddr_in to = connector_destination(c); /* still valid during the last call */
    ck_assert_int_eq(ntohs(to.sin_port), 10000);
}

static void rf_lost(struct factory *f, struct connector *c, int reason) {
    (void)c;
    struct recording_factory *rf = (struct recording_factory *)f;
    note(rf, 'l');
    rf->lost_reason = reason;
}

static const struct factory_ops rf_ops = {
    .build_protocol = rf_build,
    .started_connecting = rf_started,
    .client_connection_failed = rf_failed,
    .client_connection_lost = rf_lost,
};

START_TEST(a_connect_is_recorded_and_opens_nothing) {
    struct recording_factory f = {.base.ops = &rf_ops};
    struct sockaddr_in to = address("192.0.2.7", 10000);
    struct connector *c = NULL;
    ck_assert_int_eq(reactor_connect_tcp(reactor, &to, &f.base, 30, &c), 0);
    ck_assert_str_eq(f.calls, "s"); /* started_connecting, from inside the call, as the real one */
    ck_assert_ptr_eq(f.started, c);
    ck_assert_uint_eq(memory_reactor_connect_count(mr), 1);
    const struct memory_connect *rec = memory_reactor_connect_at(mr, 0);
    ck_assert_ptr_eq(rec->factory, &f.base);
    ck_assert_int_eq(ntohs(rec->address.sin_port), 10000);
    ck_assert_uint_eq(rec->address.sin_addr.s_addr, to.sin_addr.s_addr);
    ck_assert(rec->timeout == 30);
    ck_assert_ptr_eq(rec->connector, c);
    ck_assert_int_eq(rec->state, MEMORY_CONNECTING);
    ck_assert_ptr_null(memory_reactor_connect_at(mr, 1));
    struct sockaddr_in dest = connector_destination(c);
    ck_assert_int_eq(ntohs(dest.sin_port), 10000);
}
END_TEST

START_TEST(completing_a_connect_builds_and_starts_the_protocol) {
    struct recording_factory f = {.base.ops = &rf_ops};
    struct sockaddr_in to = address("192.0.2.7", 10000);
    ck_assert_int_eq(reactor_connect_tcp(reactor, &to, &f.base, 0, NULL), 0);
    struct string_transport *st = NULL;
    ck_assert_int_eq(memory_reactor_complete_connect(mr, 0, &st), 0);
    ck_assert_ptr_nonnull(st);
    ck_assert_str_eq(f.calls, "sb");
    ck_assert_int_eq(ntohs(f.built_for.sin_port), 10000);
    ck_assert_int_eq(f.protocol.made, 1);
    size_t len;
    const char *written = string_transport_written(st, &len);
    ck_assert_uint_eq(len, 5);
    ck_assert(memcmp(written, "hello", 5) == 0);
    struct sockaddr_in peer = transport_get_peer(string_transport_transport(st));
    ck_assert_int_eq(ntohs(peer.sin_port), 10000);
    const struct memory_connect *rec = memory_reactor_connect_at(mr, 0);
    ck_assert_int_eq(rec->state, MEMORY_CONNECTED);
    ck_assert_ptr_eq(rec->transport, st);
    ck_assert_int_eq(connector_stop(rec->connector), REACTOR_ERR_NOT_CONNECTING);
    ck_assert_int_eq(memory_reactor_complete_connect(mr, 0, NULL), MEMORY_REACTOR_ERR_SETTLED);
    ck_assert_int_eq(memory_reactor_complete_connect(mr, 5, NULL), MEMORY_REACTOR_ERR_NO_SUCH);
    /* The connection ends: the protocol hears it, then the factory. */
    ck_assert_int_eq(string_transport_finish(st, -ECONNRESET), 0);
    ck_assert_int_eq(f.protocol.lost, 1);
    ck_assert_int_eq(f.protocol.reason, -ECONNRESET);
    ck_assert_str_eq(f.calls, "sbl");
    ck_assert_int_eq(f.lost_reason, -ECONNRESET);
    ck_assert_int_eq(rec->state, MEMORY_LOST);
    ck_assert_int_eq(rec->reason, -ECONNRESET);
}
END_TEST

START_TEST(failing_a_connect_tells_the_factory) {
    struct recording_factory f = {.base.ops = &rf_ops};
    struct sockaddr_in to = address("192.0.2.7", 10000);
    ck_assert_int_eq(reactor_connect_tcp(reactor, &to, &f.base, 0, NULL), 0);
    ck_assert_int_eq(memory_reactor_fail_connect(mr, 0, -ECONNREFUSED), 0);
    ck_assert_str_eq(f.calls, "sf");
    ck_assert_int_eq(f.failed_reason, -ECONNREFUSED);
    ck_assert_int_eq(memory_reactor_connect_at(mr, 0)->state, MEMORY_FAILED);
    ck_assert_int_eq(memory_reactor_fail_connect(mr, 0, -ECONNREFUSED), MEMORY_REACTOR_ERR_SETTLED);
    ck_assert_str_eq(f.calls, "sf");
}
END_TEST

START_TEST(a_factory_that_builds_nothing_hears_no_protocol) {
    struct recording_factory f = {.base.ops = &rf_ops, .refuse = true};
    struct sockaddr_in to = address("192.0.2.7", 10000);
    ck_assert_int_eq(reactor_connect_tcp(reactor, &to, &f.base, 0, NULL), 0);
    ck_assert_int_eq(memory_reactor_complete_connect(mr, 0, NULL), REACTOR_ERR_NO_PROTOCOL);
    ck_assert_str_eq(f.calls, "sbf");
    ck_assert_int_eq(f.failed_reason, REACTOR_ERR_NO_PROTOCOL);
}
END_TEST

START_TEST(a_connect_times_out_when_the_clock_says_so) {
    struct recording_factory f = {.base.ops = &rf_ops};
    struct sockaddr_in to = address("192.0.2.7", 10000);
    ck_assert_int_eq(reactor_connect_tcp(reactor, &to, &f.base, 5, NULL), 0);
    ck_assert_ptr_eq(reactor_scheduler(reactor), task_clock_scheduler(memory_reactor_clock(mr)));
    task_clock_advance(memory_reactor_clock(mr), 4.999);
    ck_assert_str_eq(f.calls, "s");
    task_clock_advance(memory_reactor_clock(mr), 0.001);
    ck_assert_str_eq(f.calls, "sf");
    ck_assert_int_eq(f.failed_reason, -ETIMEDOUT);
    ck_assert(reactor_seconds(reactor) == 5);
}
END_TEST

START_TEST(a_completed_connect_does_not_time_out) {
    struct recording_factory f = {.base.ops = &rf_ops};
    struct sockaddr_in to = address("192.0.2.7", 10000);
    ck_assert_int_eq(reactor_connect_tcp(reactor, &to, &f.base, 5, NULL), 0);
    ck_assert_int_eq(memory_reactor_complete_connect(mr, 0, NULL), 0);
    ck_assert_int_eq(task_clock_advance(memory_reactor_clock(mr), 10), 0);
    ck_assert_str_eq(f.calls, "sb");
}
END_TEST

START_TEST(connector_stop_cancels_a_connect) {
    struct recording_factory f = {.base.ops = &rf_ops};
    struct sockaddr_in to = address("192.0.2.7", 10000);
    struct connector *c;
    ck_assert_int_eq(reactor_connect_tcp(reactor, &to, &f.base, 5, &c), 0);
    ck_assert_int_eq(connector_stop(c), 0);
    ck_assert_str_eq(f.calls, "sf");
    ck_assert_int_eq(f.failed_reason, REACTOR_ERR_CONNECT_CANCELLED);
    ck_assert_int_eq(task_clock_advance(memory_reactor_clock(mr), 10), 0); /* no timeout after it */
    ck_assert_str_eq(f.calls, "sf");
}
END_TEST

START_TEST(a_connector_used_after_its_last_call_aborts_with_a_message) {
    struct recording_factory f = {.base.ops = &rf_ops};
    struct sockaddr_in to = address("192.0.2.7", 10000);
    struct connector *c;
    ck_assert_int_eq(reactor_connect_tcp(reactor, &to, &f.base, 0, &c), 0);
    ck_assert_int_eq(memory_reactor_fail_connect(mr, 0, -ECONNREFUSED), 0);
    connector_stop(c); /* the real reactor has freed c: the double says so and aborts */
}
END_TEST

/* A server factory: one greeter per client. */
struct server_factory {
    struct factory base;
    struct greeter protocols[4];
    int built;
    struct sockaddr_in peers[4];
};

static struct protocol *server_build(struct factory *f, const struct sockaddr_in *addr) {
    struct server_factory *sf = (struct server_factory *)f;
    if (sf->built == 4)
        return NULL;
    sf->peers[sf->built] = *addr;
    sf->protocols[sf->built].base.ops = &greeter_ops;
    return &sf->protocols[sf->built++].base;
}

static const struct factory_ops server_ops = {.build_protocol = server_build};

START_TEST(a_listen_is_recorded_and_clients_arrive_by_hand) {
    struct server_factory sf = {.base.ops = &server_ops};
    struct sockaddr_in any = address("127.0.0.1", 0);
    struct listening_port *port = NULL;
    ck_assert_int_eq(reactor_listen_tcp(reactor, &any, &sf.base, &port), 0);
    ck_assert_uint_eq(memory_reactor_listen_count(mr), 1);
    const struct memory_listen *rec = memory_reactor_listen_at(mr, 0);
    ck_assert_ptr_eq(rec->factory, &sf.base);
    ck_assert_ptr_eq(rec->port, port);
    ck_assert_uint_ne(listening_port_number(port), 0); /* port 0: one is chosen, as the kernel would */
    ck_assert_uint_eq(listening_port_number(port), rec->port_number);
    struct sockaddr_in from = address("198.51.100.3", 5555);
    struct string_transport *st;
    ck_assert_int_eq(memory_reactor_accept(mr, 0, &from, &st), 0);
    ck_assert_int_eq(sf.built, 1);
    ck_assert_int_eq(ntohs(sf.peers[0].sin_port), 5555);
    ck_assert_int_eq(sf.protocols[0].made, 1);
    struct sockaddr_in host = transport_get_host(string_transport_transport(st));
    ck_assert_uint_eq(ntohs(host.sin_port), listening_port_number(port));
    ck_assert_int_eq(memory_reactor_accept(mr, 0, NULL, NULL), 0);
    ck_assert_int_eq(sf.built, 2);
    listening_port_stop(port);
    ck_assert(rec->stopped);
    ck_assert_int_eq(memory_reactor_accept(mr, 0, NULL, NULL), -ECONNREFUSED);
    ck_assert_int_eq(sf.built, 2);
    listening_port_free(port);
    ck_assert(rec->freed);
}
END_TEST

START_TEST(a_port_in_use_is_refused) {
    struct server_factory sf = {.base.ops = &server_ops};
    struct sockaddr_in at = address("127.0.0.1", 8000);
    struct listening_port *port, *second;
    ck_assert_int_eq(reactor_listen_tcp(reactor, &at, &sf.base, &port), 0);
    ck_assert_uint_eq(listening_port_number(port), 8000);
    ck_assert_int_eq(reactor_listen_tcp(reactor, &at, &sf.base, &second), -EADDRINUSE);
    listening_port_free(port);
    ck_assert_int_eq(reactor_listen_tcp(reactor, &at, &sf.base, &second), 0);
    listening_port_free(second);
}
END_TEST

static int ran;
static int tick(void *arg) {
    (void)arg;
    ran++;
    return 0;
}

START_TEST(shutting_down_ends_what_is_still_open_as_the_real_reactor_does) {
    struct recording_factory connected = {.base.ops = &rf_ops}, connecting = {.base.ops = &rf_ops};
    struct sockaddr_in to = address("192.0.2.7", 10000);
    ck_assert_int_eq(reactor_connect_tcp(reactor, &to, &connected.base, 0, NULL), 0);
    ck_assert_int_eq(reactor_connect_tcp(reactor, &to, &connecting.base, 0, NULL), 0);
    ck_assert_int_eq(memory_reactor_complete_connect(mr, 0, NULL), 0);
    struct server_factory sf = {.base.ops = &server_ops};
    struct sockaddr_in any = address("127.0.0.1", 0);
    struct listening_port *port;
    ck_assert_int_eq(reactor_listen_tcp(reactor, &any, &sf.base, &port), 0);
    ck_assert_int_eq(memory_reactor_accept(mr, 0, NULL, NULL), 0);
    memory_reactor_shut_down(mr);
    ck_assert_int_eq(connected.protocol.reason, REACTOR_ERR_CONNECTION_LOST);
    ck_assert_str_eq(connected.calls, "sbl");
    ck_assert_int_eq(connecting.failed_reason, REACTOR_ERR_CONNECTION_LOST);
    ck_assert_int_eq(sf.protocols[0].reason, REACTOR_ERR_CONNECTION_LOST);
    ck_assert(memory_reactor_listen_at(mr, 0)->stopped);
    ck_assert_int_eq(memory_reactor_accept(mr, 0, NULL, NULL), -ECONNREFUSED);
    listening_port_free(port);
}
END_TEST

START_TEST(call_later_runs_on_the_memory_reactors_clock) {
    ran = 0;
    ck_assert_int_eq(reactor_call_later(reactor, 2, tick, NULL, NULL), 0);
    ck_assert_int_eq(task_clock_advance(memory_reactor_clock(mr), 1), 0);
    ck_assert_int_eq(ran, 0);
    ck_assert_int_eq(task_clock_advance(memory_reactor_clock(mr), 1), 1);
    ck_assert_int_eq(ran, 1);
}
END_TEST

static int do_nothing(struct descriptor *d) {
    (void)d;
    return 0;
}

START_TEST(a_descriptor_is_refused_loudly) {
    static const struct descriptor_ops ops = {.do_read = do_nothing};
    struct descriptor d = {.fd = 0, .ops = &ops};
    ck_assert_int_eq(reactor_add_reader(reactor, &d), MEMORY_REACTOR_ERR_UNSUPPORTED);
}
END_TEST

START_TEST(reactor_run_is_refused_loudly) {
    ck_assert_int_eq(reactor_run(reactor), MEMORY_REACTOR_ERR_UNSUPPORTED);
}
END_TEST

static Suite *memory_reactor_suite(void) {
    Suite *suite = suite_create("memory reactor");
    TCase *tc = tcase_create("memory reactor");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_connect_is_recorded_and_opens_nothing);
    tcase_add_test(tc, completing_a_connect_builds_and_starts_the_protocol);
    tcase_add_test(tc, failing_a_connect_tells_the_factory);
    tcase_add_test(tc, a_factory_that_builds_nothing_hears_no_protocol);
    tcase_add_test(tc, a_connect_times_out_when_the_clock_says_so);
    tcase_add_test(tc, a_completed_connect_does_not_time_out);
    tcase_add_test(tc, connector_stop_cancels_a_connect);
    tcase_add_test_raise_signal(tc, a_connector_used_after_its_last_call_aborts_with_a_message, SIGABRT);
    tcase_add_test(tc, a_listen_is_recorded_and_clients_arrive_by_hand);
    tcase_add_test(tc, a_port_in_use_is_refused);
    tcase_add_test(tc, shutting_down_ends_what_is_still_open_as_the_real_reactor_does);
    tcase_add_test(tc, call_later_runs_on_the_memory_reactors_clock);
    tcase_add_test(tc, a_descriptor_is_refused_loudly);
    tcase_add_test(tc, reactor_run_is_refused_loudly);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void) {
    return run_suite_as_tap(memory_reactor_suite());
}
