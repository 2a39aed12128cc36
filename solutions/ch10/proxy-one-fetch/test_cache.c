/* Your test that the caching proxy's cache (poetry_cache.h) makes one fetch for many waiters, on
 * chapter 10's doubles. Each test gets a memory reactor with a fast poetry server listening on it, and
 * a cache whose fetch is a real poetry client download (poetry_client_get) from that server. */
#include "check_main.h"
#include "connected_pair.h"
#include "deferred.h"
#include "failure.h"
#include "memory_reactor.h"
#include "poem.h"
#include "poetry_cache.h"
#include "poetry_client.h"
#include "poetry_server.h"
#include "string_transport.h"
#include "task_clock.h"
#include "tcp.h"

#include <arpa/inet.h>
#include <string.h>

static const char POEM[] =
    "Do not go gentle into that good night,\nOld age should burn and rave at close of day;\n";

static struct memory_reactor *mr;
static struct reactor *reactor;
static struct poetry_server server;
static struct listening_port *port;
static struct poetry_cache *cache;
static struct sockaddr_in server_address;

static int fetch(void *ctx, struct deferred **out) {
    (void)ctx;
    return poetry_client_get(reactor, &server_address, NULL, out);
}

static void setup(void) {
    ck_assert_int_eq(memory_reactor_new(&mr), 0);
    reactor = memory_reactor_reactor(mr);
    poetry_server_init_fast(&server, POEM, sizeof POEM - 1, NULL, NULL);
    server_address = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(10000)};
    server_address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(reactor_listen_tcp(reactor, &server_address, &server.factory, &port), 0);
    ck_assert_int_eq(poetry_cache_new(reactor_scheduler(reactor), POETRY_CACHE_FOREVER, fetch, NULL, &cache),
                     0);
}

static void teardown(void) {
    poetry_cache_free(cache);
    listening_port_free(port);
    memory_reactor_free(mr);
}

/* What one waiter got: how often its Deferred fired, and the poem's length (or -1 for a failure). */
struct waiter {
    int fired;
    long len;
};

static struct deferred_result got(struct deferred_result result, void *arg) {
    struct waiter *w = arg;
    w->fired++;
    w->len = result.kind == DEFERRED_FAILURE ? -1 : (long)((struct poem *)result.value)->len;
    deferred_result_free(result);
    return deferred_none();
}

/* Asks the cache for the poem; w records what comes. */
static void ask(struct waiter *w) {
    struct deferred *d;
    ck_assert_int_eq(poetry_cache_get(cache, &d), 0);
    ck_assert_int_eq(deferred_add_both(d, got, w), 0);
    deferred_unref(d);
}

/* Completes the memory reactor's connect number i to the server and pumps the connection to its end. */
static void serve_connect(size_t i) {
    struct string_transport *client, *server_side;
    ck_assert_int_eq(memory_reactor_complete_connect(mr, i, &client), 0);
    ck_assert_int_eq(memory_reactor_accept(mr, 0, NULL, &server_side), 0);
    struct connected_pair *pair;
    ck_assert_int_eq(connected_pair_join(client, server_side, &pair), 0);
    ck_assert_int_eq(connected_pair_pump(pair), 0);
    connected_pair_free(pair);
}

START_TEST(the_first_waiter_starts_a_fetch) {
    struct waiter w = {0};
    ask(&w);
    ck_assert_uint_eq(memory_reactor_connect_count(mr), 1);
    serve_connect(0);
    ck_assert_int_eq(w.fired, 1);
    ck_assert_int_eq(w.len, (long)sizeof POEM - 1);
}
END_TEST

START_TEST(many_waiters_share_one_fetch) {
    struct waiter waiters[5] = {{0}};
    for (int i = 0; i < 5; i++)
        ask(&waiters[i]);
    ck_assert_uint_eq(memory_reactor_connect_count(mr), 1); /* one fetch for all five */
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(waiters[i].fired, 0);
    serve_connect(0);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(waiters[i].fired, 1);
        ck_assert_int_eq(waiters[i].len, (long)sizeof POEM - 1);
    }
}
END_TEST

START_TEST(a_later_waiter_gets_the_kept_poem_at_once) {
    struct waiter first = {0}, later = {0};
    ask(&first);
    serve_connect(0);
    ask(&later);
    ck_assert_int_eq(later.fired, 1); /* already fired: no waiting */
    ck_assert_int_eq(later.len, (long)sizeof POEM - 1);
    ck_assert_uint_eq(memory_reactor_connect_count(mr), 1); /* and no second fetch */
}
END_TEST

static Suite *cache_suite(void) {
    Suite *suite = suite_create("poetry cache");
    TCase *tc = tcase_create("poetry cache");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_first_waiter_starts_a_fetch);
    tcase_add_test(tc, many_waiters_share_one_fetch);
    tcase_add_test(tc, a_later_waiter_gets_the_kept_poem_at_once);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void) {
    return run_suite_as_tap(cache_suite());
}
