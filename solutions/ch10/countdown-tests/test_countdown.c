/* Your tests of the countdown service (countdown.h), on chapter 10's doubles: no socket, no sleep.
 * Each test gets a memory reactor (mr, reactor, clock) and a countdown server listening on it. */
#include "check_main.h"
#include "countdown.h"
#include "memory_reactor.h"
#include "scheduler.h"
#include "string_transport.h"
#include "task_clock.h"
#include "tcp.h"
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static struct memory_reactor *mr;
static struct reactor *reactor;
static struct task_clock *clock_;
static struct countdown_server server;
static struct listening_port *port;

static void setup(void) {
    ck_assert_int_eq(memory_reactor_new(&mr), 0);
    reactor = memory_reactor_reactor(mr);
    clock_ = memory_reactor_clock(mr);
    countdown_server_init(&server, reactor, 3);
    struct sockaddr_in any = {.sin_family = AF_INET};
    ck_assert_int_eq(reactor_listen_tcp(reactor, &any, &server.factory, &port), 0);
}

static void teardown(void) {
    memory_reactor_shut_down(mr); /* the countdowns still running hear the end, and free themselves */
    listening_port_free(port);
    memory_reactor_free(mr);
}

/* A client arrives: its connection's string transport (the server's side), where the server writes. */
static struct string_transport *a_client_arrives(void) {
    struct string_transport *st = NULL;
    ck_assert_int_eq(memory_reactor_accept(mr, 0, NULL, &st), 0);
    return st;
}

/* Whether the server has written exactly `expected` on st so far. */
static bool wrote(struct string_transport *st, const char *expected) {
    size_t len;
    const char *bytes = string_transport_written(st, &len);
    return len == strlen(expected) && (len == 0 || memcmp(bytes, expected, len) == 0);
}

START_TEST(the_count_starts_at_once) {
    struct string_transport *st = a_client_arrives();
    ck_assert(wrote(st, "3\r\n"));
}
END_TEST

START_TEST(one_line_a_second_then_liftoff) {
    struct string_transport *st = a_client_arrives();
    task_clock_advance(clock_, 0.999);
    ck_assert(wrote(st, "3\r\n"));
    task_clock_advance(clock_, 0.001);
    ck_assert(wrote(st, "3\r\n2\r\n"));
    task_clock_advance(clock_, 0.999);
    ck_assert(wrote(st, "3\r\n2\r\n"));
    task_clock_advance(clock_, 0.001);
    ck_assert(wrote(st, "3\r\n2\r\n1\r\n"));
    ck_assert(!string_transport_lose_requested(st));
    task_clock_advance(clock_, 1);
    ck_assert(wrote(st, "3\r\n2\r\n1\r\nliftoff\r\n"));
}
END_TEST

START_TEST(liftoff_closes_cleanly_and_leaves_nothing_behind) {
    struct string_transport *st = a_client_arrives();
    ck_assert_uint_eq(server.active, 1);
    for (int second = 0; second < 3; second++) /* one second at a time, as a running reactor would */
        task_clock_advance(clock_, 1);
    ck_assert(string_transport_lose_requested(st));
    ck_assert(!string_transport_abort_requested(st));
    ck_assert_int_eq(string_transport_finish(st, REACTOR_CONNECTION_DONE), 0);
    ck_assert_uint_eq(server.active, 0);
    ck_assert_uint_eq(server.lifted_off, 1);
    ck_assert_uint_eq(scheduler_pending(reactor_scheduler(reactor)), 0);
    task_clock_advance(clock_, 10);
    ck_assert(wrote(st, "3\r\n2\r\n1\r\nliftoff\r\n"));
}
END_TEST

START_TEST(a_client_that_leaves_early_leaves_nothing_on_the_clock) {
    struct string_transport *st = a_client_arrives();
    task_clock_advance(clock_, 1);
    ck_assert_uint_eq(scheduler_pending(reactor_scheduler(reactor)), 1);
    ck_assert_int_eq(string_transport_finish(st, -ECONNRESET), 0);
    ck_assert_uint_eq(server.active, 0);
    ck_assert_uint_eq(scheduler_pending(reactor_scheduler(reactor)), 0);
    task_clock_advance(clock_, 10);
    ck_assert_uint_eq(server.lifted_off, 0);
    ck_assert(wrote(st, "3\r\n2\r\n"));
}
END_TEST

START_TEST(two_clients_count_down_on_their_own) {
    struct string_transport *first = a_client_arrives();
    task_clock_advance(clock_, 1);
    task_clock_advance(clock_, 0.5);
    struct string_transport *second = a_client_arrives();
    task_clock_advance(clock_, 0.5);
    ck_assert(wrote(first, "3\r\n2\r\n1\r\n"));
    ck_assert(wrote(second, "3\r\n"));
    ck_assert_uint_eq(server.active, 2);
}
END_TEST

static Suite *countdown_suite(void) {
    Suite *suite = suite_create("countdown");
    TCase *tc = tcase_create("countdown");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_count_starts_at_once);
    tcase_add_test(tc, one_line_a_second_then_liftoff);
    tcase_add_test(tc, liftoff_closes_cleanly_and_leaves_nothing_behind);
    tcase_add_test(tc, a_client_that_leaves_early_leaves_nothing_on_the_clock);
    tcase_add_test(tc, two_clients_count_down_on_their_own);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void) {
    return run_suite_as_tap(countdown_suite());
}
