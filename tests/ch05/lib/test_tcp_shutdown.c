/* Chapter 5's connects and listens during the reactor's shutdown (issue 6, scenario 10): the reactor no
 * longer runs, so both are refused with REACTOR_ERR_SHUTTING_DOWN, and the factory is never told (a
 * connector registered then would never hear anything, and would leak). */
#include "check_main.h"
#include "reactor.h"
#include "tcp.h"
#include "test_helpers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct counting_factory {
    struct factory base;
    int built, started, failed, lost;
};

static struct protocol *build(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    ((struct counting_factory *)f)->built++;
    return NULL;
}
static void started(struct factory *f, struct connector *c) {
    (void)c;
    ((struct counting_factory *)f)->started++;
}
static void failed(struct factory *f, struct connector *c, int reason) {
    (void)c;
    (void)reason;
    ((struct counting_factory *)f)->failed++;
}
static void lost(struct factory *f, struct connector *c, int reason) {
    (void)c;
    (void)reason;
    ((struct counting_factory *)f)->lost++;
}
static const struct factory_ops counting_ops = {
    .build_protocol = build, .started_connecting = started, .client_connection_failed = failed,
    .client_connection_lost = lost};

/* A descriptor whose connection_lost, during shutdown, tries to connect and to listen. */
struct trier {
    struct descriptor base;
    struct reactor *reactor;
    struct sockaddr_in to;
    struct counting_factory *factory;
    int connect_result, listen_result;
};

static int trier_read(struct descriptor *d) {
    (void)d;
    return 0;
}
static void trier_lost(struct descriptor *d, int reason) {
    (void)reason;
    struct trier *t = (struct trier *)d;
    t->connect_result = reactor_connect_tcp(t->reactor, &t->to, &t->factory->base, 5, NULL);
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct listening_port *port = NULL;
    t->listen_result = reactor_listen_tcp(t->reactor, &any, &t->factory->base, &port);
    if (port != NULL)
        listening_port_free(port);
}
static const struct descriptor_ops trier_ops = {.do_read = trier_read, .connection_lost = trier_lost};

static int stop_it(void *arg) {
    return reactor_stop(arg);
}

START_TEST(connect_and_listen_during_shutdown_are_refused) {
    /* Something to connect to: a plain listening socket on a free port. */
    int server = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(server, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    ck_assert_int_eq(bind(server, (struct sockaddr *)&addr, sizeof addr), 0);
    ck_assert_int_eq(listen(server, 5), 0);
    ck_assert_int_eq(getsockname(server, (struct sockaddr *)&addr, &len), 0);

    struct reactor *reactor = reactor_new();
    int fds[2];
    make_pipe(fds);
    struct counting_factory factory = {.base = {.ops = &counting_ops}};
    struct trier t = {.base = {.fd = fds[0], .ops = &trier_ops}, .reactor = reactor, .to = addr,
                      .factory = &factory, .connect_result = 1, .listen_result = 1};
    ck_assert_int_eq(reactor_add_reader(reactor, &t.base), 0);
    ck_assert_int_eq(reactor_call_when_running(reactor, stop_it, reactor), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(t.connect_result, REACTOR_ERR_SHUTTING_DOWN);
    ck_assert_int_eq(t.listen_result, REACTOR_ERR_SHUTTING_DOWN);
    ck_assert_int_eq(factory.started + factory.failed + factory.lost + factory.built, 0);
    ck_assert_uint_eq(reactor_remove_all(reactor), 0);
    reactor_free(reactor);
    close_pipe(fds);
    close(server);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("tcp_shutdown");
    TCase *tc = tcase_create("shutdown");
    tcase_add_test(tc, connect_and_listen_during_shutdown_are_refused);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
