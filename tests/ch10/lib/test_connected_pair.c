/* Chapter 10's connected pair and chunker: two protocols joined by string transports; the pump
 * carries bytes and ends both ways until both are quiet; a chunker splits every delivery from a seed;
 * a drop breaks the connection at a chosen byte. */
#include "check_main.h"
#include "chunker.h"
#include "connected_pair.h"
#include "protocol.h"
#include "reactor.h"
#include "string_transport.h"
#include "transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A peer: writes `say` on connection_made, then loses (or half-closes) its connection if told to;
 * records what it receives and how it ends. With `echo`, writes back what it receives. */
struct peer {
    struct protocol base;
    const char *say;
    bool lose_after_saying, half_close_after_saying, echo, abort_on_data;
    char got[4096];
    size_t got_len, pieces;
    int lost, reason, read_lost;
};

static void peer_made(struct protocol *p, struct transport *t) {
    struct peer *pe = (struct peer *)p;
    if (pe->say != NULL)
        ck_assert_int_eq(transport_write(t, pe->say, strlen(pe->say)), 0);
    if (pe->lose_after_saying)
        transport_lose_connection(t);
    if (pe->half_close_after_saying)
        transport_lose_write_connection(t);
}

static void peer_data(struct protocol *p, const char *bytes, size_t len) {
    struct peer *pe = (struct peer *)p;
    ck_assert_uint_gt(len, 0);
    size_t room = sizeof pe->got - pe->got_len; /* an endless echo keeps only what fits */
    memcpy(pe->got + pe->got_len, bytes, len < room ? len : room);
    pe->got_len += len < room ? len : room;
    pe->pieces++;
    if (pe->echo)
        transport_write(p->transport, bytes, len);
    if (pe->abort_on_data)
        transport_abort_connection(p->transport);
}

static void peer_lost(struct protocol *p, int reason) {
    struct peer *pe = (struct peer *)p;
    pe->lost++;
    pe->reason = reason;
}

static void peer_read_lost(struct protocol *p) {
    struct peer *pe = (struct peer *)p;
    pe->read_lost++;
    transport_write(p->transport, "[end]", 5);
    transport_lose_connection(p->transport);
}

static const struct protocol_ops peer_ops = {
    .connection_made = peer_made, .data_received = peer_data, .connection_lost = peer_lost};
static const struct protocol_ops half_peer_ops = {.connection_made = peer_made,
                                                  .data_received = peer_data,
                                                  .connection_lost = peer_lost,
                                                  .read_connection_lost = peer_read_lost};

START_TEST(nothing_moves_until_the_pump) {
    struct peer client = {.base.ops = &peer_ops, .say = "ping"};
    struct peer server = {.base.ops = &peer_ops, .say = "welcome"};
    struct connected_pair *pair;
    ck_assert_int_eq(connected_pair_new(&client.base, &server.base, &pair), 0);
    ck_assert_uint_eq(client.got_len + server.got_len, 0);
    ck_assert_int_eq(connected_pair_pump(pair), 0);
    ck_assert_uint_eq(server.got_len, 4);
    ck_assert(memcmp(server.got, "ping", 4) == 0);
    ck_assert_uint_eq(client.got_len, 7);
    ck_assert_uint_eq(connected_pair_delivered(pair, CONNECTED_PAIR_CLIENT), 4);
    ck_assert_int_eq(client.lost + server.lost, 0); /* nobody closed: still connected */
    ck_assert(!connected_pair_over(pair));
    connected_pair_free(pair);
}
END_TEST

START_TEST(the_pump_goes_on_until_both_are_quiet) {
    struct peer client = {.base.ops = &peer_ops, .say = "abc", .echo = true};
    struct peer server = {.base.ops = &peer_ops, .echo = false};
    struct connected_pair *pair;
    ck_assert_int_eq(connected_pair_new(&client.base, &server.base, &pair), 0);
    server.echo = true; /* two echoes: they would answer each other forever */
    ck_assert_int_eq(connected_pair_pump(pair), CONNECTED_PAIR_ERR_NOT_QUIET);
    connected_pair_free(pair);
}
END_TEST

START_TEST(a_lose_reaches_the_peer_after_the_bytes_before_it) {
    struct peer client = {.base.ops = &peer_ops};
    struct peer server = {.base.ops = &peer_ops, .say = "a poem", .lose_after_saying = true};
    struct connected_pair *pair;
    ck_assert_int_eq(connected_pair_new(&client.base, &server.base, &pair), 0);
    ck_assert_int_eq(connected_pair_pump(pair), 0);
    ck_assert_uint_eq(client.got_len, 6);
    ck_assert_int_eq(client.lost, 1);
    ck_assert_int_eq(client.reason, REACTOR_CONNECTION_DONE);
    ck_assert_int_eq(server.lost, 1);
    ck_assert_int_eq(server.reason, REACTOR_CONNECTION_DONE);
    ck_assert(connected_pair_over(pair));
    connected_pair_free(pair);
}
END_TEST

START_TEST(an_abort_is_a_reset_for_the_peer) {
    struct peer client = {.base.ops = &peer_ops, .say = "x"};
    struct peer server = {.base.ops = &peer_ops, .abort_on_data = true};
    struct connected_pair *pair;
    ck_assert_int_eq(connected_pair_new(&client.base, &server.base, &pair), 0);
    ck_assert_int_eq(connected_pair_pump(pair), 0);
    ck_assert_int_eq(server.reason, REACTOR_ERR_CONNECTION_ABORTED);
    ck_assert_int_eq(client.reason, -ECONNRESET);
    ck_assert_int_eq(client.lost + server.lost, 2);
    connected_pair_free(pair);
}
END_TEST

START_TEST(a_half_close_reaches_a_peer_that_goes_on) {
    struct peer client = {.base.ops = &peer_ops, .say = "request", .half_close_after_saying = true};
    struct peer server = {.base.ops = &half_peer_ops};
    struct connected_pair *pair;
    ck_assert_int_eq(connected_pair_new(&client.base, &server.base, &pair), 0);
    ck_assert_int_eq(connected_pair_pump(pair), 0);
    ck_assert_int_eq(server.read_lost, 1);
    ck_assert_uint_eq(client.got_len, 5); /* the reply written after the end of its input */
    ck_assert(memcmp(client.got, "[end]", 5) == 0);
    ck_assert_int_eq(client.reason, REACTOR_CONNECTION_DONE);
    ck_assert_int_eq(server.reason, REACTOR_CONNECTION_DONE);
    connected_pair_free(pair);
}
END_TEST

START_TEST(a_chunker_splits_the_same_way_for_the_same_seed) {
    static const char text[] = "The quick brown fox jumps over the lazy dog, twice: the quick brown fox.";
    size_t pieces[2];
    for (int run = 0; run < 2; run++) {
        struct chunker chunker;
        chunker_init(&chunker, 42);
        struct peer client = {.base.ops = &peer_ops, .say = text, .lose_after_saying = true};
        struct peer server = {.base.ops = &peer_ops};
        struct connected_pair *pair;
        ck_assert_int_eq(connected_pair_new(&client.base, &server.base, &pair), 0);
        connected_pair_set_chunker(pair, &chunker);
        ck_assert_int_eq(connected_pair_pump(pair), 0);
        ck_assert_uint_eq(server.got_len, strlen(text));
        ck_assert(memcmp(server.got, text, strlen(text)) == 0);
        pieces[run] = server.pieces;
        connected_pair_free(pair);
    }
    ck_assert_uint_eq(pieces[0], pieces[1]);
    ck_assert_uint_gt(pieces[0], 1);
}
END_TEST

START_TEST(chunker_pieces_cover_every_size_down_to_one_byte) {
    struct chunker chunker;
    chunker_init(&chunker, 7);
    bool seen_one = false, seen_all = false, seen_middle = false;
    for (int i = 0; i < 1000; i++) {
        size_t n = chunker_next(&chunker, 100);
        ck_assert_uint_ge(n, 1);
        ck_assert_uint_le(n, 100);
        seen_one |= n == 1;
        seen_all |= n == 100;
        seen_middle |= n > 8 && n < 100;
    }
    ck_assert(seen_one && seen_all && seen_middle);
    ck_assert_uint_eq(chunker_next(&chunker, 1), 1);
}
END_TEST

START_TEST(chunker_seed_replays_one_seed) {
    uint64_t first;
    unsetenv("CHUNKER_SEED");
    ck_assert_uint_eq(chunker_seeds(&first, 1000), 1000);
    ck_assert_uint_eq(first, 1);
    setenv("CHUNKER_SEED", "977", 1);
    ck_assert_uint_eq(chunker_seeds(&first, 1000), 1);
    ck_assert_uint_eq(first, 977);
    unsetenv("CHUNKER_SEED");
}
END_TEST

START_TEST(a_drop_breaks_the_connection_at_the_chosen_byte) {
    for (size_t at = 0; at <= 6; at++) {
        struct peer client = {.base.ops = &peer_ops};
        struct peer server = {.base.ops = &peer_ops, .say = "a poem", .lose_after_saying = true};
        struct connected_pair *pair;
        ck_assert_int_eq(connected_pair_new(&client.base, &server.base, &pair), 0);
        connected_pair_drop_at(pair, CONNECTED_PAIR_SERVER, at, -ECONNRESET);
        ck_assert_int_eq(connected_pair_pump(pair), 0);
        ck_assert_uint_eq(client.got_len, at);
        ck_assert_int_eq(client.reason, -ECONNRESET); /* at 6, the reset replaces the clean end */
        ck_assert_int_eq(server.reason, -ECONNRESET);
        connected_pair_free(pair);
    }
}
END_TEST

START_TEST(a_drop_past_the_end_changes_nothing) {
    struct peer client = {.base.ops = &peer_ops};
    struct peer server = {.base.ops = &peer_ops, .say = "a poem", .lose_after_saying = true};
    struct connected_pair *pair;
    ck_assert_int_eq(connected_pair_new(&client.base, &server.base, &pair), 0);
    connected_pair_drop_at(pair, CONNECTED_PAIR_SERVER, 7, -ECONNRESET);
    ck_assert_int_eq(connected_pair_pump(pair), 0);
    ck_assert_int_eq(client.reason, REACTOR_CONNECTION_DONE);
    connected_pair_free(pair);
}
END_TEST

START_TEST(writing_to_a_peer_that_has_gone_is_a_reset) {
    struct peer client = {.base.ops = &peer_ops, .lose_after_saying = true};
    struct peer server = {.base.ops = &half_peer_ops};
    struct connected_pair *pair;
    ck_assert_int_eq(connected_pair_new(&client.base, &server.base, &pair), 0);
    ck_assert_int_eq(connected_pair_pump(pair), 0);
    /* The client closed; the server heard the end, replied and closed: its reply met a closed peer. */
    ck_assert_int_eq(server.read_lost, 1);
    ck_assert_int_eq(client.reason, REACTOR_CONNECTION_DONE);
    ck_assert_int_eq(server.lost, 1);
    ck_assert_uint_eq(client.got_len, 0);
    connected_pair_free(pair);
}
END_TEST

static Suite *connected_pair_suite(void) {
    Suite *suite = suite_create("connected pair");
    TCase *tc = tcase_create("connected pair");
    tcase_add_test(tc, nothing_moves_until_the_pump);
    tcase_add_test(tc, the_pump_goes_on_until_both_are_quiet);
    tcase_add_test(tc, a_lose_reaches_the_peer_after_the_bytes_before_it);
    tcase_add_test(tc, an_abort_is_a_reset_for_the_peer);
    tcase_add_test(tc, a_half_close_reaches_a_peer_that_goes_on);
    tcase_add_test(tc, a_chunker_splits_the_same_way_for_the_same_seed);
    tcase_add_test(tc, chunker_pieces_cover_every_size_down_to_one_byte);
    tcase_add_test(tc, chunker_seed_replays_one_seed);
    tcase_add_test(tc, a_drop_breaks_the_connection_at_the_chosen_byte);
    tcase_add_test(tc, a_drop_past_the_end_changes_nothing);
    tcase_add_test(tc, writing_to_a_peer_that_has_gone_is_a_reset);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void) {
    return run_suite_as_tap(connected_pair_suite());
}
