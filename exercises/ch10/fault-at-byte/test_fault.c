/* Your test that the poetry client (poetry_client.h) never takes a broken connection for a whole poem,
 * wherever it breaks: chapter 10's connected pair drops the connection at the byte you choose
 * (connected_pair_drop_at). Each test gets a memory reactor with a fast poetry server listening on it. */
#include "check_main.h"
#include "connected_pair.h"
#include "deferred.h"
#include "failure.h"
#include "memory_reactor.h"
#include "poem.h"
#include "poetry_client.h"
#include "poetry_server.h"
#include "string_transport.h"
#include "tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static const char POEM[] =
    "I wandered lonely as a cloud\nThat floats on high o'er vales and hills,\n"
    "When all at once I saw a crowd,\nA host, of golden daffodils;\n"
    "Beside the lake, beneath the trees,\nFluttering and dancing in the breeze.\n";
#define POEM_LEN (sizeof POEM - 1)

static struct memory_reactor *mr;
static struct reactor *reactor;
static struct poetry_server server;
static struct listening_port *port;
static struct sockaddr_in server_address;

static void setup(void) {
    ck_assert_int_eq(memory_reactor_new(&mr), 0);
    reactor = memory_reactor_reactor(mr);
    poetry_server_init_fast(&server, POEM, POEM_LEN, NULL, NULL);
    server_address = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(10000)};
    server_address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(reactor_listen_tcp(reactor, &server_address, &server.factory, &port), 0);
}

static void teardown(void) {
    listening_port_free(port);
    memory_reactor_free(mr);
}

/* How the download ended: fired (how often), code (0 for a poem), len (the poem's length). */
struct outcome {
    int fired, code;
    size_t len;
};

static struct deferred_result record(struct deferred_result result, void *arg) {
    struct outcome *o = arg;
    o->fired++;
    if (result.kind == DEFERRED_FAILURE)
        o->code = failure_code(result.failure);
    else
        o->len = ((struct poem *)result.value)->len;
    deferred_result_free(result);
    return deferred_none();
}

/* Downloads the poem over connect number `i` (one per download: the first is 0), the server's side
 * dropped with -ECONNRESET once `drop` of its bytes have gone (SIZE_MAX: never). */
static struct outcome download(size_t i, size_t drop) {
    struct outcome o = {0};
    struct deferred *d;
    ck_assert_int_eq(poetry_client_get(reactor, &server_address, NULL, &d), 0);
    ck_assert_int_eq(deferred_add_both(d, record, &o), 0);
    deferred_unref(d);
    struct string_transport *client, *server_side;
    ck_assert_int_eq(memory_reactor_complete_connect(mr, i, &client), 0);
    ck_assert_int_eq(memory_reactor_accept(mr, 0, NULL, &server_side), 0);
    struct connected_pair *pair;
    ck_assert_int_eq(connected_pair_join(client, server_side, &pair), 0);
    if (drop != SIZE_MAX)
        connected_pair_drop_at(pair, CONNECTED_PAIR_SERVER, drop, -ECONNRESET);
    ck_assert_int_eq(connected_pair_pump(pair), 0);
    connected_pair_free(pair);
    return o;
}

START_TEST(an_unbroken_connection_gives_the_whole_poem) {
    struct outcome o = download(0, SIZE_MAX);
    ck_assert_int_eq(o.fired, 1);
    ck_assert_int_eq(o.code, 0);
    ck_assert_uint_eq(o.len, POEM_LEN);
}
END_TEST

/* TODO: break the connection and check what the client says. The checker runs your tests on the real
 * poetry client (they must pass) and on copies with bugs in (each must make one of them fail). Where
 * can a connection break? Before the first byte, in the middle, just before the last byte, right at
 * the end (a reset instead of the clean close)... a bug may hide at any one of them. */
START_TEST(a_broken_connection_is_a_failure) {
    ck_abort_msg("TODO: write this test (and more)");
}
END_TEST

static Suite *fault_suite(void) {
    Suite *suite = suite_create("faults");
    TCase *tc = tcase_create("faults");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, an_unbroken_connection_gives_the_whole_poem);
    tcase_add_test(tc, a_broken_connection_is_a_failure);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void) {
    return run_suite_as_tap(fault_suite());
}
