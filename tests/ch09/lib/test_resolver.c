/* Chapter 9's names: resolver_resolve through an installed fake resolver (never the network's DNS), on
 * a thread of the pool, not the reactor's;
 * the hosts-file resolver, and the host connector that tries a name's addresses in turn — the first
 * refuses, the second answers; every one refuses; the name does not resolve; a stop while resolving.
 * Over loopback IPv4 only (the program tests cover ::1, where they can skip). */
#include "address_any.h"
#include "check_main.h"
#include "deferred.h"
#include "failure.h"
#include "host_connector.h"
#include "protocol.h"
#include "reactor.h"
#include "resolver.h"
#include "tcp.h"
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct reactor *reactor;

/* ---- the fake resolver: answers from a table the test fills ---- */

#define FAKE_MAX 4
static struct {
    int answer; /* 0: the addresses below; else this code */
    size_t count;
    struct sockaddr_in addresses[FAKE_MAX]; /* port ignored: the resolver sets the one asked for */
    char asked_host[64];                    /* what it was asked, for the test to check */
    unsigned short asked_port;
    pthread_t ran_on; /* the thread it ran on */
} fake;
static atomic_int fake_calls;

static int fake_resolver(void *context, const char *host, unsigned short port,
                         struct resolver_addresses **out) {
    ck_assert_ptr_eq(context, &fake);
    atomic_fetch_add(&fake_calls, 1);
    fake.ran_on = pthread_self();
    snprintf(fake.asked_host, sizeof fake.asked_host, "%s", host);
    fake.asked_port = port;
    if (fake.answer != 0)
        return fake.answer;
    struct resolver_addresses *list = resolver_addresses_new(fake.count);
    if (list == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < fake.count; i++) {
        address_any_from_ipv4(&list->addresses[i], &fake.addresses[i]);
        address_any_set_port(&list->addresses[i], port);
    }
    *out = list;
    return 0;
}

static struct sockaddr_in loopback(void) {
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

/* ---- resolver_resolve ---- */

static struct resolver_addresses *got;
static int got_code;
static char got_message[128];

static struct deferred_result keep_addresses(struct deferred_result result, void *arg) {
    (void)arg;
    got = result.value; /* ours now: the result is taken, not passed on */
    reactor_stop(reactor);
    return deferred_none();
}

static struct deferred_result keep_failure(struct deferred_result result, void *arg) {
    (void)arg;
    got_code = failure_code(result.failure);
    snprintf(got_message, sizeof got_message, "%s", failure_message(result.failure));
    deferred_result_free(result);
    reactor_stop(reactor);
    return deferred_none();
}

static int never(void *arg) {
    (void)arg;
    ck_abort_msg("the reactor was still running after 20 s: some callback never came");
    return 0;
}

static void run_reactor(void) {
    ck_assert_int_eq(reactor_call_later(reactor, 20, never, NULL, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
}

static void resolve(const char *host, unsigned short port) {
    struct deferred *d = NULL;
    ck_assert_int_eq(resolver_resolve(reactor, host, port, &d), 0);
    ck_assert_ptr_nonnull(d);
    ck_assert(!deferred_called(d)); /* never from inside the call: the pool has the job */
    deferred_add_callbacks(d, keep_addresses, NULL, keep_failure, NULL);
    deferred_unref(d);
    run_reactor();
}

static void setup(void) {
    signal(SIGPIPE, SIG_IGN);
    unsetenv("REACTOR_TRACE");
    reactor = reactor_new();
    ck_assert_ptr_nonnull(reactor);
    memset(&fake, 0, sizeof fake);
    atomic_store(&fake_calls, 0);
    resolver_install(fake_resolver, &fake);
    got = NULL;
    got_code = 0;
    got_message[0] = '\0';
}

static void teardown(void) {
    free(got);
    resolver_install(NULL, NULL);
    reactor_free(reactor);
}

START_TEST(resolve_fires_with_every_address_and_the_port) {
    fake.count = 3;
    for (int i = 0; i < 3; i++) {
        fake.addresses[i] = loopback();
        fake.addresses[i].sin_addr.s_addr = htonl(0x7f000001u + (unsigned)i);
    }
    resolve("poetry.test", 4321);
    ck_assert_int_eq(atomic_load(&fake_calls), 1);
    ck_assert_msg(!pthread_equal(fake.ran_on, pthread_self()), "the resolver ran on the reactor's thread");
    ck_assert_str_eq(fake.asked_host, "poetry.test");
    ck_assert_int_eq(fake.asked_port, 4321);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(got->count, 3);
    char text[ADDRESS_ANY_TEXT_MAX];
    ck_assert_str_eq(address_format_any(&got->addresses[0].u.sa, text, sizeof text), "127.0.0.1:4321");
    ck_assert_str_eq(address_format_any(&got->addresses[2].u.sa, text, sizeof text), "127.0.0.3:4321");
}
END_TEST

START_TEST(a_name_that_does_not_resolve_errbacks_naming_it) {
    fake.answer = RESOLVER_ERR_NOT_FOUND;
    resolve("nowhere.test", 80);
    ck_assert_ptr_null(got);
    ck_assert_int_eq(got_code, RESOLVER_ERR_NOT_FOUND);
    ck_assert_str_eq(got_message, "cannot resolve nowhere.test: no such host name");
}
END_TEST

START_TEST(a_resolver_that_finds_nothing_yet_says_it_did_is_no_address) {
    fake.count = 0;
    resolve("empty.test", 80);
    ck_assert_ptr_null(got);
    ck_assert_int_eq(got_code, RESOLVER_ERR_NO_ADDRESS);
}
END_TEST

START_TEST(the_installed_resolver_is_used_and_null_puts_getaddrinfo_back) {
    resolver_install(NULL, NULL);
    resolve("127.0.0.1", 9); /* numeric: getaddrinfo answers without asking anyone */
    ck_assert_int_eq(atomic_load(&fake_calls), 0);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_ge(got->count, 1);
    char text[ADDRESS_ANY_TEXT_MAX];
    ck_assert_str_eq(address_format_any(&got->addresses[0].u.sa, text, sizeof text), "127.0.0.1:9");
}
END_TEST

/* localhost is in every /etc/hosts: getaddrinfo answers from the file, not from DNS. */
START_TEST(getaddrinfo_gives_localhost_only_loopback_addresses) {
    struct resolver_addresses *list = NULL;
    ck_assert_int_eq(resolver_getaddrinfo(NULL, "localhost", 7, &list), 0);
    ck_assert_uint_ge(list->count, 1);
    for (size_t i = 0; i < list->count; i++) {
        struct address_any *a = &list->addresses[i];
        ck_assert_int_eq(address_any_port(a), 7);
        if (a->u.sa.sa_family == AF_INET)
            ck_assert_uint_eq(ntohl(a->u.v4.sin_addr.s_addr) >> 24, 127);
        else
            ck_assert(a->u.sa.sa_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&a->u.v6.sin6_addr));
    }
    free(list);
}
END_TEST

/* ---- the hosts-file resolver ---- */

static char hosts_path[64];

static void write_hosts(const char *text) {
    snprintf(hosts_path, sizeof hosts_path, "/tmp/test-resolver-hosts.XXXXXX");
    int fd = mkstemp(hosts_path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

START_TEST(a_hosts_file_gives_every_line_that_names_the_host_in_order) {
    write_hosts(
        "# a comment 10.0.0.9 poetry.test\n"
        "::1\tpoetry.test other   # IPv6 first\n"
        "127.0.0.2 unrelated\n"
        "\n"
        "127.0.0.1 Other POETRY.test\n"
        "not-an-address poetry.test\n"
        "fe80::1%lo poetry.test\n"
        "127.0.0.3 poetry.test.longer poetry.test");
    struct resolver_addresses *list = NULL;
    ck_assert_int_eq(resolver_hosts_file(hosts_path, "poetry.test.", 80, &list), 0);
    ck_assert_uint_eq(list->count, 3);
    char text[ADDRESS_ANY_TEXT_MAX];
    ck_assert_str_eq(address_format_any(&list->addresses[0].u.sa, text, sizeof text), "[::1]:80");
    ck_assert_str_eq(address_format_any(&list->addresses[1].u.sa, text, sizeof text), "127.0.0.1:80");
    ck_assert_str_eq(address_format_any(&list->addresses[2].u.sa, text, sizeof text), "127.0.0.3:80");
    free(list);
    list = NULL;
    ck_assert_int_eq(resolver_hosts_file(hosts_path, "poetry", 80, &list), RESOLVER_ERR_NOT_FOUND);
    ck_assert_int_eq(resolver_hosts_file(hosts_path, "comment", 80, &list), RESOLVER_ERR_NOT_FOUND);
    ck_assert_ptr_null(list);
    unlink(hosts_path);
    ck_assert_int_eq(resolver_hosts_file(hosts_path, "poetry.test", 80, &list), RESOLVER_ERR_HOSTS_FILE);
}
END_TEST

START_TEST(resolver_hosts_file_from_the_environment) {
    unsetenv("RESOLVER_HOSTS_FILE");
    ck_assert_int_eq(resolver_install_from_environment(), 0);
    write_hosts("127.0.0.5 env.test\n");
    setenv("RESOLVER_HOSTS_FILE", hosts_path, 1);
    ck_assert_int_eq(resolver_install_from_environment(), 1);
    resolve("env.test", 12);
    unlink(hosts_path);
    ck_assert_int_eq(atomic_load(&fake_calls), 0);
    ck_assert_ptr_nonnull(got);
    char text[ADDRESS_ANY_TEXT_MAX];
    ck_assert_str_eq(address_format_any(&got->addresses[0].u.sa, text, sizeof text), "127.0.0.5:12");
}
END_TEST

/* ---- the host connector ---- */

/* A server that sends "poem" and closes. */
static void server_made(struct protocol *p, struct transport *t) {
    (void)p;
    transport_write(t, "poem", 4);
    transport_lose_connection(t);
}

static void server_lost(struct protocol *p, int reason) {
    (void)reason;
    free(p);
}

static const struct protocol_ops server_ops = {.connection_made = server_made,
                                               .connection_lost = server_lost};

static struct protocol *server_build(struct factory *f, const struct sockaddr_in *addr) {
    (void)f, (void)addr;
    struct protocol *p = calloc(1, sizeof *p);
    if (p != NULL)
        p->ops = &server_ops;
    return p;
}

static const struct factory_ops server_factory_ops = {.build_protocol = server_build};
static struct factory server_factory = {.ops = &server_factory_ops};

/* A client that records what it hears. */
static struct client {
    struct factory base;
    struct protocol protocol;
    int built, failed, lost, failed_reason, reports;
    char received[16];
    char built_for[ADDRESS_ANY_TEXT_MAX];
    char reported[4][2][ADDRESS_ANY_TEXT_MAX]; /* each report: the address that failed, the next */
    int report_reasons[4];
    struct connector *failed_connector;
} client;

static void client_data(struct protocol *p, const char *bytes, size_t len) {
    (void)p;
    size_t used = strlen(client.received);
    if (len > sizeof client.received - 1 - used)
        len = sizeof client.received - 1 - used;
    memcpy(client.received + used, bytes, len);
}

static const struct protocol_ops client_protocol_ops = {.data_received = client_data};

static struct protocol *client_build(struct factory *f, const struct sockaddr_in *addr) {
    (void)f;
    client.built++;
    address_format_any((const struct sockaddr *)addr, client.built_for, sizeof client.built_for);
    client.protocol.ops = &client_protocol_ops;
    return &client.protocol;
}

static void client_failed(struct factory *f, struct connector *c, int reason) {
    (void)f;
    client.failed++;
    client.failed_reason = reason;
    client.failed_connector = c;
    reactor_stop(reactor);
}

static void client_lost(struct factory *f, struct connector *c, int reason) {
    (void)f, (void)c, (void)reason;
    client.lost++;
    reactor_stop(reactor);
}

static const struct factory_ops client_ops = {
    .build_protocol = client_build,
    .client_connection_failed = client_failed,
    .client_connection_lost = client_lost,
};

static void client_report(void *arg, const struct address_any *addr, int reason,
                          const struct address_any *next) {
    ck_assert_ptr_eq(arg, &client);
    ck_assert_int_lt(client.reports, 4);
    address_format_any(&addr->u.sa, client.reported[client.reports][0], ADDRESS_ANY_TEXT_MAX);
    address_format_any(&next->u.sa, client.reported[client.reports][1], ADDRESS_ANY_TEXT_MAX);
    client.report_reasons[client.reports++] = reason;
}

static struct host_connector *connect_to_name(const char *host, unsigned short port) {
    memset(&client, 0, sizeof client);
    client.base.ops = &client_ops;
    struct address_target target = {.port = port, .is_name = true};
    snprintf(target.host, sizeof target.host, "%s", host);
    struct host_connector *hc = NULL;
    ck_assert_int_eq(host_connector_start(reactor, &target, &client.base, 10, &hc), 0);
    ck_assert_ptr_nonnull(hc);
    host_connector_set_report(hc, client_report, &client);
    ck_assert_int_eq(client.failed + client.built, 0); /* nothing from inside the call */
    return hc;
}

/* A loopback port where nothing listens: bound, so that no one else takes it while the test runs. */
static int refusing_port(unsigned short *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in addr = loopback();
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    socklen_t len = sizeof addr;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    *port = ntohs(addr.sin_port);
    return fd;
}

static struct listening_port *listen_on_loopback(void) {
    struct sockaddr_in addr = loopback();
    struct listening_port *port = NULL;
    ck_assert_int_eq(reactor_listen_tcp(reactor, &addr, &server_factory, &port), 0);
    return port;
}

/* Every fake address gets the port the name was asked with, so "several addresses, one port" is made
 * here with several loopback addresses: 127.0.0.2 refuses (nothing listens there on this port), then
 * 127.0.0.1 answers. */
START_TEST(the_first_address_refuses_the_second_answers) {
    struct listening_port *port = listen_on_loopback();
    unsigned short number = listening_port_number(port);
    fake.count = 2;
    fake.addresses[0] = loopback();
    fake.addresses[0].sin_addr.s_addr = htonl(0x7f000002u); /* 127.0.0.2: only 127.0.0.1 listens */
    fake.addresses[1] = loopback();
    connect_to_name("two.test", number);
    run_reactor();
    ck_assert_int_eq(atomic_load(&fake_calls), 1);
    ck_assert_int_eq(client.reports, 1);
    ck_assert_int_eq(client.report_reasons[0], -ECONNREFUSED);
    char want[ADDRESS_ANY_TEXT_MAX];
    snprintf(want, sizeof want, "127.0.0.2:%u", (unsigned)number);
    ck_assert_str_eq(client.reported[0][0], want);
    snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)number);
    ck_assert_str_eq(client.reported[0][1], want);
    ck_assert_int_eq(client.built, 1);
    ck_assert_str_eq(client.built_for, want);
    ck_assert_int_eq(client.failed, 0);
    ck_assert_int_eq(client.lost, 1);
    ck_assert_str_eq(client.received, "poem");
    listening_port_free(port);
}
END_TEST

START_TEST(every_address_refuses_one_failure_with_the_last_reason) {
    unsigned short number;
    int fd = refusing_port(&number);
    fake.count = 3;
    for (int i = 0; i < 3; i++) {
        fake.addresses[i] = loopback();
        fake.addresses[i].sin_addr.s_addr = htonl(0x7f000001u + (unsigned)i);
    }
    connect_to_name("three.test", number);
    run_reactor();
    close(fd);
    ck_assert_int_eq(client.built, 0);
    ck_assert_int_eq(client.failed, 1);
    ck_assert_int_eq(client.failed_reason, -ECONNREFUSED);
    ck_assert_ptr_nonnull(client.failed_connector); /* the last attempt's */
    ck_assert_int_eq(client.reports, 2);            /* the first two, each with the next to try */
    char want[ADDRESS_ANY_TEXT_MAX];
    snprintf(want, sizeof want, "127.0.0.3:%u", (unsigned)number);
    ck_assert_str_eq(client.reported[1][1], want);
}
END_TEST

START_TEST(a_name_that_does_not_resolve_fails_the_connect) {
    fake.answer = RESOLVER_ERR_NOT_FOUND;
    connect_to_name("nonexistent.invalid", 80);
    run_reactor();
    ck_assert_int_eq(client.built, 0);
    ck_assert_int_eq(client.failed, 1);
    ck_assert_int_eq(client.failed_reason, RESOLVER_ERR_NOT_FOUND);
    ck_assert_ptr_null(client.failed_connector);
    ck_assert_int_eq(client.reports, 0);
}
END_TEST

static int stop_reactor(void *arg) {
    (void)arg;
    reactor_stop(reactor);
    return 0;
}

START_TEST(a_stop_while_resolving_fails_at_once_and_drops_the_answer) {
    fake.count = 1;
    fake.addresses[0] = loopback();
    struct host_connector *hc = connect_to_name("slow.test", 80);
    ck_assert_int_eq(host_connector_stop(hc), 0);
    ck_assert_int_eq(client.failed, 1);
    ck_assert_int_eq(client.failed_reason, REACTOR_ERR_CONNECT_CANCELLED);
    ck_assert_ptr_null(client.failed_connector);
    /* The lookup still runs; its answer comes to nobody (the sanitizer builds see a leak or a use of
     * the freed host connector). */
    ck_assert_int_eq(reactor_call_later(reactor, 0.2, stop_reactor, NULL, NULL), 0);
    run_reactor();
    ck_assert_int_eq(client.failed, 1);
    ck_assert_int_eq(client.built, 0);
}
END_TEST

START_TEST(a_literal_address_is_connected_to_without_the_resolver) {
    struct listening_port *port = listen_on_loopback();
    memset(&client, 0, sizeof client);
    client.base.ops = &client_ops;
    struct address_target target;
    char text[32];
    snprintf(text, sizeof text, "127.0.0.1:%u", (unsigned)listening_port_number(port));
    ck_assert_int_eq(address_parse_target(text, &target), 0);
    ck_assert_int_eq(host_connector_start(reactor, &target, &client.base, 10, NULL), 0);
    run_reactor();
    ck_assert_int_eq(atomic_load(&fake_calls), 0);
    ck_assert_int_eq(client.built, 1);
    ck_assert_str_eq(client.built_for, text);
    ck_assert_str_eq(client.received, "poem");
    listening_port_free(port);
}
END_TEST

START_TEST(chapter_5s_ipv4_connect_still_works) {
    struct listening_port *port = listen_on_loopback();
    memset(&client, 0, sizeof client);
    client.base.ops = &client_ops;
    struct sockaddr_in addr = loopback();
    addr.sin_port = htons(listening_port_number(port));
    ck_assert_int_eq(reactor_connect_tcp(reactor, &addr, &client.base, 10, NULL), 0);
    run_reactor();
    ck_assert_int_eq(client.built, 1);
    ck_assert_str_eq(client.received, "poem");
    listening_port_free(port);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("resolver");
    TCase *resolving = tcase_create("resolver");
    tcase_add_checked_fixture(resolving, setup, teardown);
    tcase_add_test(resolving, resolve_fires_with_every_address_and_the_port);
    tcase_add_test(resolving, a_name_that_does_not_resolve_errbacks_naming_it);
    tcase_add_test(resolving, a_resolver_that_finds_nothing_yet_says_it_did_is_no_address);
    tcase_add_test(resolving, the_installed_resolver_is_used_and_null_puts_getaddrinfo_back);
    tcase_add_test(resolving, getaddrinfo_gives_localhost_only_loopback_addresses);
    tcase_add_test(resolving, a_hosts_file_gives_every_line_that_names_the_host_in_order);
    tcase_add_test(resolving, resolver_hosts_file_from_the_environment);
    suite_add_tcase(suite, resolving);
    TCase *connecting = tcase_create("host connector");
    tcase_add_checked_fixture(connecting, setup, teardown);
    tcase_add_test(connecting, the_first_address_refuses_the_second_answers);
    tcase_add_test(connecting, every_address_refuses_one_failure_with_the_last_reason);
    tcase_add_test(connecting, a_name_that_does_not_resolve_fails_the_connect);
    tcase_add_test(connecting, a_stop_while_resolving_fails_at_once_and_drops_the_answer);
    tcase_add_test(connecting, a_literal_address_is_connected_to_without_the_resolver);
    tcase_add_test(connecting, chapter_5s_ipv4_connect_still_works);
    suite_add_tcase(suite, connecting);
    return run_suite_as_tap(suite);
}
