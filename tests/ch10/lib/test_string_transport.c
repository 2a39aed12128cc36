/* Chapter 10's string transport: a protocol on it writes, loses, aborts and half-closes through
 * transport.h as on TCP, and the test sees every write and decides when the connection is over. */
#include "check_main.h"
#include "protocol.h"
#include "reactor.h"
#include "string_transport.h"
#include "task_clock.h"
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

/* A protocol that records what it is told, and writes a greeting. */
struct recorder {
    struct protocol base;
    int made, lost, reason, read_lost;
    char received[256];
    size_t received_len;
    bool lose_on_data, half_close_on_read_lost;
};

static void rec_made(struct protocol *p, struct transport *t) {
    struct recorder *r = (struct recorder *)p;
    r->made++;
    ck_assert_ptr_eq(p->transport, t);
    ck_assert_int_eq(transport_write(t, "hello ", 6), 0);
    ck_assert_int_eq(transport_write(t, "world", 5), 0);
}

static void rec_data(struct protocol *p, const char *bytes, size_t len) {
    struct recorder *r = (struct recorder *)p;
    ck_assert_uint_le(r->received_len + len, sizeof r->received);
    memcpy(r->received + r->received_len, bytes, len);
    r->received_len += len;
    if (r->lose_on_data)
        transport_lose_connection(p->transport);
}

static void rec_lost(struct protocol *p, int reason) {
    struct recorder *r = (struct recorder *)p;
    ck_assert_ptr_null(p->transport);
    r->lost++;
    r->reason = reason;
}

static void rec_read_lost(struct protocol *p) {
    struct recorder *r = (struct recorder *)p;
    r->read_lost++;
    if (r->half_close_on_read_lost)
        transport_lose_write_connection(p->transport);
}

static const struct protocol_ops rec_ops = {
    .connection_made = rec_made, .data_received = rec_data, .connection_lost = rec_lost};
static const struct protocol_ops half_ops = {.connection_made = rec_made,
                                             .data_received = rec_data,
                                             .connection_lost = rec_lost,
                                             .read_connection_lost = rec_read_lost};

static int after_lost_calls, after_lost_reason;
static void after_lost(void *arg, int reason) {
    ck_assert_ptr_eq(arg, &after_lost_calls);
    after_lost_calls++;
    after_lost_reason = reason;
}

START_TEST(it_records_every_write_in_order) {
    struct string_transport *st = string_transport_new();
    ck_assert_ptr_nonnull(st);
    struct recorder r = {.base.ops = &rec_ops};
    string_transport_attach(st, &r.base, NULL, NULL);
    ck_assert_int_eq(r.made, 1);
    size_t len;
    const char *bytes = string_transport_written(st, &len);
    ck_assert_uint_eq(len, 11);
    ck_assert(memcmp(bytes, "hello world", 11) == 0);
    ck_assert_uint_eq(string_transport_write_count(st), 2);
    ck_assert_uint_eq(transport_queued(string_transport_transport(st)), 0);
    string_transport_clear(st);
    string_transport_written(st, &len);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(transport_write(string_transport_transport(st), "x", 1), 0);
    ck_assert(memcmp(string_transport_written(st, &len), "x", 1) == 0);
    string_transport_free(st);
}
END_TEST

START_TEST(it_reports_its_addresses) {
    struct string_transport *st = string_transport_new();
    struct transport *t = string_transport_transport(st);
    struct sockaddr_in peer = transport_get_peer(t), host = transport_get_host(t);
    char text[INET_ADDRSTRLEN];
    ck_assert_str_eq(inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text), "192.168.1.1");
    ck_assert_int_eq(ntohs(peer.sin_port), 54321);
    ck_assert_str_eq(inet_ntop(AF_INET, &host.sin_addr, text, sizeof text), "10.0.0.1");
    struct sockaddr_in mine = {.sin_family = AF_INET, .sin_port = htons(7)};
    inet_pton(AF_INET, "127.0.0.9", &mine.sin_addr);
    string_transport_set_peer(st, &mine);
    peer = transport_get_peer(t);
    ck_assert_int_eq(ntohs(peer.sin_port), 7);
    ck_assert_uint_eq(peer.sin_addr.s_addr, mine.sin_addr.s_addr);
    string_transport_free(st);
}
END_TEST

START_TEST(it_hands_bytes_to_the_protocol) {
    struct string_transport *st = string_transport_new();
    struct recorder r = {.base.ops = &rec_ops};
    ck_assert_int_eq(string_transport_deliver(st, "x", 1), STRING_TRANSPORT_ERR_NO_PROTOCOL);
    string_transport_attach(st, &r.base, NULL, NULL);
    ck_assert_int_eq(string_transport_deliver(st, "abc", 3), 0);
    ck_assert_int_eq(string_transport_deliver(st, "de", 2), 0);
    ck_assert_int_eq(string_transport_deliver(st, "", 0), -EINVAL);
    ck_assert_uint_eq(r.received_len, 5);
    ck_assert(memcmp(r.received, "abcde", 5) == 0);
    string_transport_free(st);
}
END_TEST

START_TEST(a_lose_is_recorded_and_connection_lost_waits_for_the_test) {
    struct string_transport *st = string_transport_new();
    struct recorder r = {.base.ops = &rec_ops, .lose_on_data = true};
    string_transport_attach(st, &r.base, after_lost, &after_lost_calls);
    after_lost_calls = 0;
    ck_assert(!string_transport_lose_requested(st));
    ck_assert_int_eq(string_transport_deliver(st, "bye", 3), 0);
    ck_assert(string_transport_lose_requested(st));
    ck_assert_int_eq(r.lost, 0); /* not yet: the test says when */
    ck_assert_int_eq(transport_write(string_transport_transport(st), "late", 4), REACTOR_ERR_DISCONNECTING);
    ck_assert_int_eq(string_transport_deliver(st, "more", 4), STRING_TRANSPORT_ERR_NOT_READING);
    ck_assert_uint_eq(r.received_len, 3); /* a closing transport reads no more */
    ck_assert_int_eq(string_transport_finish(st, REACTOR_CONNECTION_DONE), 0);
    ck_assert_int_eq(r.lost, 1);
    ck_assert_int_eq(r.reason, REACTOR_CONNECTION_DONE);
    ck_assert_int_eq(after_lost_calls, 1);
    ck_assert_int_eq(after_lost_reason, REACTOR_CONNECTION_DONE);
    ck_assert(string_transport_over(st));
    ck_assert_int_eq(string_transport_finish(st, REACTOR_CONNECTION_DONE), STRING_TRANSPORT_ERR_OVER);
    ck_assert_int_eq(string_transport_deliver(st, "x", 1), STRING_TRANSPORT_ERR_OVER);
    ck_assert_int_eq(r.lost, 1); /* once */
    size_t len;
    string_transport_written(st, &len);
    ck_assert_uint_eq(len, 11); /* what was written is still there to read */
    string_transport_free(st);
}
END_TEST

START_TEST(an_abort_is_recorded_too) {
    struct string_transport *st = string_transport_new();
    struct recorder r = {.base.ops = &rec_ops};
    string_transport_attach(st, &r.base, NULL, NULL);
    transport_abort_connection(r.base.transport);
    ck_assert(string_transport_abort_requested(st));
    ck_assert(!string_transport_lose_requested(st));
    ck_assert_int_eq(r.lost, 0);
    ck_assert_int_eq(transport_write(string_transport_transport(st), "x", 1), REACTOR_ERR_DISCONNECTING);
    ck_assert_int_eq(string_transport_finish(st, REACTOR_ERR_CONNECTION_ABORTED), 0);
    ck_assert_int_eq(r.reason, REACTOR_ERR_CONNECTION_ABORTED);
    ck_assert_int_eq(string_transport_lost_reason(st), REACTOR_ERR_CONNECTION_ABORTED);
    string_transport_free(st);
}
END_TEST

START_TEST(the_end_of_input_closes_a_protocol_without_half_close) {
    struct string_transport *st = string_transport_new();
    struct recorder r = {.base.ops = &rec_ops};
    string_transport_attach(st, &r.base, NULL, NULL);
    ck_assert_int_eq(string_transport_end_of_input(st), 0);
    ck_assert(string_transport_input_ended(st));
    ck_assert_int_eq(r.lost, 1);
    ck_assert_int_eq(r.reason, REACTOR_CONNECTION_DONE);
    string_transport_free(st);
}
END_TEST

START_TEST(a_half_closing_protocol_hears_the_end_of_input_and_goes_on) {
    struct string_transport *st = string_transport_new();
    struct recorder r = {.base.ops = &half_ops};
    string_transport_attach(st, &r.base, NULL, NULL);
    ck_assert_int_eq(string_transport_end_of_input(st), 0);
    ck_assert_int_eq(r.read_lost, 1);
    ck_assert_int_eq(r.lost, 0); /* it goes on: it may still write */
    ck_assert_int_eq(transport_write(string_transport_transport(st), "reply", 5), 0);
    ck_assert_int_eq(string_transport_deliver(st, "x", 1), STRING_TRANSPORT_ERR_NOT_READING);
    transport_lose_write_connection(string_transport_transport(st));
    ck_assert(string_transport_write_closed(st));
    ck_assert_int_eq(transport_write(string_transport_transport(st), "x", 1), REACTOR_ERR_DISCONNECTING);
    string_transport_free(st);
}
END_TEST

START_TEST(a_protocol_that_half_closed_first_ends_at_the_end_of_input) {
    struct string_transport *st = string_transport_new();
    struct recorder r = {.base.ops = &half_ops};
    string_transport_attach(st, &r.base, NULL, NULL);
    transport_lose_write_connection(r.base.transport);
    ck_assert_int_eq(string_transport_deliver(st, "still reads", 11), 0);
    ck_assert_int_eq(string_transport_end_of_input(st), 0);
    ck_assert_int_eq(r.read_lost, 1);
    ck_assert_int_eq(r.lost, 1); /* both directions are done */
    ck_assert_int_eq(r.reason, REACTOR_CONNECTION_DONE);
    string_transport_free(st);
}
END_TEST

START_TEST(the_disconnecting_variant_ends_the_connection_on_lose) {
    struct string_transport *st = string_transport_new_with_disconnection(NULL);
    struct recorder r = {.base.ops = &rec_ops, .lose_on_data = true};
    string_transport_attach(st, &r.base, NULL, NULL);
    ck_assert_int_eq(string_transport_deliver(st, "bye", 3), 0);
    ck_assert_int_eq(r.lost, 1); /* from inside lose_connection, as Twisted's does */
    ck_assert_int_eq(r.reason, REACTOR_CONNECTION_DONE);
    string_transport_free(st);
}
END_TEST

START_TEST(the_disconnecting_variant_on_a_clock_ends_it_on_the_next_pass) {
    struct task_clock *clock = task_clock_new();
    struct string_transport *st = string_transport_new_with_disconnection(task_clock_scheduler(clock));
    struct recorder r = {.base.ops = &rec_ops, .lose_on_data = true};
    string_transport_attach(st, &r.base, NULL, NULL);
    ck_assert_int_eq(string_transport_deliver(st, "bye", 3), 0);
    ck_assert_int_eq(r.lost, 0); /* never from inside the protocol's own call */
    ck_assert_int_eq(task_clock_advance(clock, 0), 1);
    ck_assert_int_eq(r.lost, 1);
    ck_assert_int_eq(r.reason, REACTOR_CONNECTION_DONE);
    ck_assert_int_eq(task_clock_advance(clock, 1), 0);
    ck_assert_int_eq(r.lost, 1);
    string_transport_free(st);
    task_clock_free(clock);
}
END_TEST

START_TEST(freeing_before_the_end_cancels_a_pending_disconnection) {
    struct task_clock *clock = task_clock_new();
    struct string_transport *st = string_transport_new_with_disconnection(task_clock_scheduler(clock));
    struct recorder r = {.base.ops = &rec_ops, .lose_on_data = true};
    string_transport_attach(st, &r.base, NULL, NULL);
    ck_assert_int_eq(string_transport_deliver(st, "bye", 3), 0);
    string_transport_free(st);
    ck_assert_ptr_null(r.base.transport);
    ck_assert_int_eq(task_clock_advance(clock, 0), 0);
    ck_assert_int_eq(r.lost, 0);
    task_clock_free(clock);
}
END_TEST

static Suite *string_transport_suite(void) {
    Suite *suite = suite_create("string transport");
    TCase *tc = tcase_create("string transport");
    tcase_add_test(tc, it_records_every_write_in_order);
    tcase_add_test(tc, it_reports_its_addresses);
    tcase_add_test(tc, it_hands_bytes_to_the_protocol);
    tcase_add_test(tc, a_lose_is_recorded_and_connection_lost_waits_for_the_test);
    tcase_add_test(tc, an_abort_is_recorded_too);
    tcase_add_test(tc, the_end_of_input_closes_a_protocol_without_half_close);
    tcase_add_test(tc, a_half_closing_protocol_hears_the_end_of_input_and_goes_on);
    tcase_add_test(tc, a_protocol_that_half_closed_first_ends_at_the_end_of_input);
    tcase_add_test(tc, the_disconnecting_variant_ends_the_connection_on_lose);
    tcase_add_test(tc, the_disconnecting_variant_on_a_clock_ends_it_on_the_next_pass);
    tcase_add_test(tc, freeing_before_the_end_cancels_a_pending_disconnection);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void) {
    return run_suite_as_tap(string_transport_suite());
}
