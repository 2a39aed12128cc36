/* Chapter 8's poetry modules tested on chapter 10's doubles, with no socket: the poetry client (its
 * Deferred, its limits on the memory reactor's clock, a reset at any byte), the slow and fast servers
 * (their pace on the clock, a client that leaves early), the transformation client against the server,
 * and the caching proxy's cache (one fetch for many waiters). Each conversation also runs through the
 * chunker, 1,000 seeds (CHUNKER_SEED=N replays one), with the same result as whole deliveries. */
#include "check_main.h"
#include "chunker.h"
#include "connected_pair.h"
#include "deferred.h"
#include "failure.h"
#include "memory_reactor.h"
#include "poem.h"
#include "poetry_cache.h"
#include "poetry_client.h"
#include "poetry_server.h"
#include "reactor.h"
#include "scheduler.h"
#include "string_transport.h"
#include "task_clock.h"
#include "tcp.h"
#include "transform_client.h"
#include "transform_protocol.h"
#include "transforms.h"
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SEEDS 1000

static const char POEM[] =
    "Über allen Gipfeln\nIst Ruh,\nIn allen Wipfeln\nSpürest du\nKaum einen Hauch;\n"
    "Die Vögelein schweigen im Walde.\nWarte nur, balde\nRuhest du auch.\n";
#define POEM_LEN (sizeof POEM - 1)

/* How a Deferred fired: how often, with which code (0 for a value), and the poem it carried. */
struct outcome {
    int fired, code;
    char poem[1024];
    size_t len;
};

static struct deferred_result record_outcome(struct deferred_result result, void *arg) {
    struct outcome *o = arg;
    o->fired++;
    if (result.kind == DEFERRED_FAILURE) {
        o->code = failure_code(result.failure);
    } else {
        struct poem *p = result.value;
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_le(p->len, sizeof o->poem);
        memcpy(o->poem, p->bytes, p->len);
        o->len = p->len;
    }
    deferred_result_free(result);
    return deferred_none();
}

/* Watches d: its outcome goes to o. Drops the caller's reference. */
static void watch(struct deferred *d, struct outcome *o) {
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(deferred_add_both(d, record_outcome, o), 0);
    deferred_unref(d);
}

static struct sockaddr_in server_address(void) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(10000)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

/* The world of one test: a memory reactor, a poetry server listening on it. */
struct world {
    struct memory_reactor *mr;
    struct reactor *reactor;
    struct task_clock *clock;
    struct poetry_server server;
    struct listening_port *port;
};

static void world_init(struct world *w, bool slow) {
    ck_assert_int_eq(memory_reactor_new(&w->mr), 0);
    w->reactor = memory_reactor_reactor(w->mr);
    w->clock = memory_reactor_clock(w->mr);
    if (slow)
        poetry_server_init_slow(&w->server, reactor_scheduler(w->reactor), POEM, POEM_LEN, 10, 0.5, NULL,
                                NULL);
    else
        poetry_server_init_fast(&w->server, POEM, POEM_LEN, NULL, NULL);
    struct sockaddr_in at = server_address();
    ck_assert_int_eq(reactor_listen_tcp(w->reactor, &at, &w->server.factory, &w->port), 0);
}

static void world_free(struct world *w) {
    listening_port_free(w->port);
    memory_reactor_free(w->mr);
}

/* Completes connect i to the server's port, joined in a pair with chunker; the caller frees the pair. */
static struct connected_pair *connect_to_server(struct world *w, size_t i, struct chunker *chunker) {
    struct string_transport *client, *server;
    ck_assert_int_eq(memory_reactor_complete_connect(w->mr, i, &client), 0);
    ck_assert_int_eq(memory_reactor_accept(w->mr, 0, NULL, &server), 0);
    struct connected_pair *pair;
    ck_assert_int_eq(connected_pair_join(client, server, &pair), 0);
    connected_pair_set_chunker(pair, chunker);
    return pair;
}

/* Pumps, and moves the clock by step, until the pair is over (at most `turns` times). */
static void run_until_over(struct world *w, struct connected_pair *pair, double step, int turns) {
    for (int i = 0; i < turns && !connected_pair_over(pair); i++) {
        ck_assert_int_eq(connected_pair_pump(pair), 0);
        if (!connected_pair_over(pair))
            task_clock_advance(w->clock, step);
    }
    ck_assert(connected_pair_over(pair));
}

/* ---- the poetry client and the servers ---- */

/* One download from a slow (or fast) server, its deliveries split by chunker, dropped at `drop` bytes
 * (SIZE_MAX: never). */
static void download(bool slow, struct chunker *chunker, size_t drop, struct outcome *o) {
    struct world w;
    world_init(&w, slow);
    struct sockaddr_in to = server_address();
    struct deferred *d;
    ck_assert_int_eq(poetry_client_get(w.reactor, &to, NULL, &d), 0);
    watch(d, o);
    ck_assert_uint_eq(memory_reactor_connect_count(w.mr), 1);
    ck_assert(memory_reactor_connect_at(w.mr, 0)->timeout == 30); /* the default connect timeout */
    struct connected_pair *pair = connect_to_server(&w, 0, chunker);
    if (drop != SIZE_MAX)
        connected_pair_drop_at(pair, CONNECTED_PAIR_SERVER, drop, -ECONNRESET);
    run_until_over(&w, pair, 0.5, 100);
    ck_assert_uint_eq(w.server.active, 0);
    ck_assert_uint_eq(scheduler_pending(reactor_scheduler(w.reactor)), 0); /* no timer left behind */
    connected_pair_free(pair);
    world_free(&w);
}

START_TEST(the_client_gets_the_whole_poem_from_the_slow_server_on_the_clock) {
    struct outcome whole = {0};
    download(true, NULL, SIZE_MAX, &whole);
    ck_assert_int_eq(whole.fired, 1);
    ck_assert_int_eq(whole.code, 0);
    ck_assert_uint_eq(whole.len, POEM_LEN);
    ck_assert(memcmp(whole.poem, POEM, POEM_LEN) == 0);
    uint64_t first;
    size_t count = chunker_seeds(&first, SEEDS);
    for (uint64_t seed = first; seed < first + count; seed++) {
        struct chunker chunker;
        chunker_init(&chunker, seed);
        struct outcome split = {0};
        download(true, &chunker, SIZE_MAX, &split);
        ck_assert_msg(split.fired == 1 && split.code == 0 && split.len == POEM_LEN &&
                          memcmp(split.poem, POEM, POEM_LEN) == 0,
                      "seed %llu: fired %d, code %d, %zu bytes (replay: CHUNKER_SEED=%llu)",
                      (unsigned long long)seed, split.fired, split.code, split.len, (unsigned long long)seed);
    }
}
END_TEST

START_TEST(the_fast_server_sends_it_all_and_is_served_once) {
    struct outcome o = {0};
    download(false, NULL, SIZE_MAX, &o);
    ck_assert_int_eq(o.code, 0);
    ck_assert_uint_eq(o.len, POEM_LEN);
}
END_TEST

START_TEST(a_reset_at_any_byte_is_a_failure_never_a_short_poem) {
    uint64_t first;
    size_t count = chunker_seeds(&first, SEEDS);
    for (uint64_t seed = first; seed < first + count; seed++) {
        struct chunker chunker;
        chunker_init(&chunker, seed);
        size_t drop =
            (size_t)(chunker_random(&chunker) % (POEM_LEN + 1)); /* the end too: a reset, not a close */
        struct outcome o = {0};
        download(seed % 2 == 0, &chunker, drop, &o);
        ck_assert_msg(
            o.fired == 1 && o.code == -ECONNRESET,
            "seed %llu: a reset at byte %zu gave fired %d, code %d, %zu bytes (replay: CHUNKER_SEED=%llu)",
            (unsigned long long)seed, drop, o.fired, o.code, o.len, (unsigned long long)seed);
    }
}
END_TEST

START_TEST(a_refused_connect_fails_the_download) {
    struct world w;
    world_init(&w, true);
    struct sockaddr_in to = server_address();
    struct deferred *d;
    struct outcome o = {0};
    ck_assert_int_eq(poetry_client_get(w.reactor, &to, NULL, &d), 0);
    watch(d, &o);
    ck_assert_int_eq(memory_reactor_fail_connect(w.mr, 0, -ECONNREFUSED), 0);
    ck_assert_int_eq(o.fired, 1);
    ck_assert_int_eq(o.code, -ECONNREFUSED);
    world_free(&w);
}
END_TEST

START_TEST(a_connect_that_never_answers_times_out_after_30_s_on_the_clock) {
    struct world w;
    world_init(&w, true);
    struct sockaddr_in to = server_address();
    struct deferred *d;
    struct outcome o = {0};
    ck_assert_int_eq(poetry_client_get(w.reactor, &to, NULL, &d), 0);
    watch(d, &o);
    task_clock_advance(w.clock, 29.9);
    ck_assert_int_eq(o.fired, 0);
    task_clock_advance(w.clock, 0.1);
    ck_assert_int_eq(o.fired, 1);
    ck_assert_int_eq(o.code, POETRY_CLIENT_ERR_CONNECT_TIMED_OUT);
    world_free(&w);
}
END_TEST

START_TEST(a_server_that_says_nothing_trips_the_idle_timeout) {
    struct world w;
    world_init(&w, true);
    struct sockaddr_in to = server_address();
    struct deferred *d;
    struct outcome o = {0};
    ck_assert_int_eq(poetry_client_get(w.reactor, &to, NULL, &d), 0);
    watch(d, &o);
    struct string_transport *client;
    ck_assert_int_eq(memory_reactor_complete_connect(w.mr, 0, &client), 0); /* nobody on the other end */
    task_clock_advance(w.clock, 59.9);
    ck_assert_int_eq(o.fired, 0);
    task_clock_advance(w.clock, 0.1);
    ck_assert(string_transport_abort_requested(client)); /* it gave up: the connection is aborted */
    ck_assert_int_eq(o.fired, 0);                        /* ... and the end comes with connection_lost */
    string_transport_finish(client, REACTOR_ERR_CONNECTION_ABORTED);
    ck_assert_int_eq(o.fired, 1);
    ck_assert_int_eq(o.code, POETRY_CLIENT_ERR_IDLE);
    world_free(&w);
}
END_TEST

/* A client that reads a few bytes and leaves. */
struct leaver {
    struct protocol base;
    size_t got;
};

static void leaver_data(struct protocol *p, const char *bytes, size_t len) {
    (void)bytes;
    ((struct leaver *)p)->got += len;
    transport_lose_connection(p->transport);
}

static const struct protocol_ops leaver_ops = {.data_received = leaver_data};

START_TEST(a_client_that_leaves_early_leaves_no_slice_pending) {
    struct world w;
    world_init(&w, true);
    struct leaver client = {.base.ops = &leaver_ops};
    struct string_transport *server_side;
    ck_assert_int_eq(memory_reactor_accept(w.mr, 0, NULL, &server_side), 0);
    struct string_transport *client_side = string_transport_new();
    string_transport_attach(client_side, &client.base, NULL, NULL);
    struct connected_pair *pair;
    ck_assert_int_eq(connected_pair_join(client_side, server_side, &pair), 0);
    ck_assert_uint_eq(w.server.active, 1);
    ck_assert_uint_eq(scheduler_pending(reactor_scheduler(w.reactor)), 1); /* the next slice */
    ck_assert_int_eq(connected_pair_pump(pair), 0);
    ck_assert_uint_eq(client.got, 10);     /* the first slice, at once */
    ck_assert_uint_eq(w.server.active, 1); /* as over TCP, the server learns it when it next writes */
    task_clock_advance(w.clock, 0.5);
    ck_assert_int_eq(connected_pair_pump(pair), 0);
    ck_assert(connected_pair_over(pair));
    ck_assert_uint_eq(w.server.active, 0);
    ck_assert_uint_eq(w.server.left_early, 1);
    ck_assert_uint_eq(scheduler_pending(reactor_scheduler(w.reactor)), 0);
    connected_pair_free(pair);
    string_transport_free(client_side);
    world_free(&w);
}
END_TEST

START_TEST(the_slow_server_keeps_its_pace_on_the_clock) {
    struct world w;
    world_init(&w, true);
    struct string_transport *st;
    ck_assert_int_eq(memory_reactor_accept(w.mr, 0, NULL, &st), 0);
    size_t len;
    string_transport_written(st, &len);
    ck_assert_uint_eq(len, 10);
    task_clock_advance(w.clock, 0.49);
    string_transport_written(st, &len);
    ck_assert_uint_eq(len, 10);
    task_clock_advance(w.clock, 0.01);
    string_transport_written(st, &len);
    ck_assert_uint_eq(len, 20);
    for (int i = 0; i < 100; i++)
        task_clock_advance(w.clock, 0.5);
    const char *bytes = string_transport_written(st, &len);
    ck_assert_uint_eq(len, POEM_LEN);
    ck_assert(memcmp(bytes, POEM, POEM_LEN) == 0);
    ck_assert(string_transport_lose_requested(st)); /* then a clean close */
    string_transport_finish(st, REACTOR_CONNECTION_DONE);
    ck_assert_uint_eq(w.server.served, 1);
    world_free(&w);
}
END_TEST

/* ---- the transformation client against the server ---- */

struct transform_outcome {
    int finished, reason;
    char poem[1024];
    size_t len;
};

static void tc_finished(struct transform_client *tc, struct poem *transformed, int reason) {
    struct transform_outcome *o = tc->arg;
    o->finished++;
    o->reason = reason;
    if (transformed != NULL) {
        ck_assert_uint_le(transformed->len, sizeof o->poem);
        memcpy(o->poem, transformed->bytes, transformed->len);
        o->len = transformed->len;
        poem_free(transformed);
    }
}

static const struct transform_client_ops tc_ops = {.finished = tc_finished};

static void transform_conversation(const char *name, struct chunker *chunker, struct transform_outcome *o) {
    struct poem poem = {.bytes = (char *)POEM, .len = POEM_LEN};
    struct transform_client client;
    ck_assert_int_eq(transform_client_init(&client, name, &poem, 1 << 20, &tc_ops, o), 0);
    struct transform_server server;
    transform_server_init(&server, NULL);
    struct connected_pair *pair;
    ck_assert_int_eq(connected_pair_new(&client.nr.protocol, &server.nr.protocol, &pair), 0);
    connected_pair_set_chunker(pair, chunker);
    ck_assert_int_eq(connected_pair_pump(pair), 0);
    ck_assert(connected_pair_over(pair));
    connected_pair_free(pair);
}

START_TEST(the_transform_client_gets_the_same_reply_however_it_is_split) {
    struct transform_outcome whole = {0};
    transform_conversation("shout", NULL, &whole);
    ck_assert_int_eq(whole.finished, 1);
    ck_assert_int_eq(whole.reason, 0);
    char expected[sizeof POEM];
    ck_assert_int_eq(transform_apply("shout", 5, POEM, POEM_LEN, expected), 0);
    ck_assert_uint_eq(whole.len, POEM_LEN);
    ck_assert(memcmp(whole.poem, expected, POEM_LEN) == 0);
    uint64_t first;
    size_t count = chunker_seeds(&first, SEEDS);
    for (uint64_t seed = first; seed < first + count; seed++) {
        struct chunker chunker;
        chunker_init(&chunker, seed);
        struct transform_outcome split = {0};
        transform_conversation("shout", &chunker, &split);
        ck_assert_msg(split.finished == 1 && split.reason == 0 && split.len == whole.len &&
                          memcmp(split.poem, whole.poem, whole.len) == 0,
                      "seed %llu: finished %d, reason %d, %zu bytes (replay: CHUNKER_SEED=%llu)",
                      (unsigned long long)seed, split.finished, split.reason, split.len,
                      (unsigned long long)seed);
    }
}
END_TEST

START_TEST(an_unknown_transform_is_no_reply_however_it_is_split) {
    uint64_t first;
    size_t count = chunker_seeds(&first, SEEDS);
    for (uint64_t seed = first; seed < first + count; seed++) {
        struct chunker chunker;
        chunker_init(&chunker, seed);
        struct transform_outcome o = {0};
        transform_conversation("nosuch", seed == first ? NULL : &chunker, &o);
        ck_assert_msg(o.finished == 1 && o.reason == TRANSFORM_CLIENT_ERR_NO_REPLY,
                      "seed %llu: finished %d, reason %d (replay: CHUNKER_SEED=%llu)",
                      (unsigned long long)seed, o.finished, o.reason, (unsigned long long)seed);
    }
}
END_TEST

/* A transformation server's factory, for the memory reactor's listen. */
struct transform_factory {
    struct factory base;
    struct transform_server server;
};

static struct protocol *build_transform_server(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    struct transform_factory *tf = (struct transform_factory *)f;
    transform_server_init(&tf->server, NULL);
    return &tf->server.nr.protocol;
}

static const struct factory_ops transform_factory_ops = {.build_protocol = build_transform_server};

START_TEST(transform_client_request_runs_on_the_memory_reactor) {
    struct memory_reactor *mr;
    ck_assert_int_eq(memory_reactor_new(&mr), 0);
    struct reactor *reactor = memory_reactor_reactor(mr);
    struct transform_factory tf = {.base.ops = &transform_factory_ops};
    struct sockaddr_in at = server_address();
    struct listening_port *port;
    ck_assert_int_eq(reactor_listen_tcp(reactor, &at, &tf.base, &port), 0);
    struct poem poem = {.bytes = (char *)"Hello There", .len = 11};
    struct deferred *d;
    struct outcome o = {0};
    ck_assert_int_eq(transform_client_request(reactor, &at, "cummingsify", &poem, &d), 0);
    watch(d, &o);
    struct string_transport *client, *server;
    ck_assert_int_eq(memory_reactor_complete_connect(mr, 0, &client), 0);
    ck_assert_int_eq(memory_reactor_accept(mr, 0, NULL, &server), 0);
    struct connected_pair *pair;
    ck_assert_int_eq(connected_pair_join(client, server, &pair), 0);
    ck_assert_int_eq(connected_pair_pump(pair), 0);
    ck_assert_int_eq(o.fired, 1);
    ck_assert_int_eq(o.code, 0);
    ck_assert_uint_eq(o.len, 11);
    ck_assert(memcmp(o.poem, "hello there", 11) == 0);
    connected_pair_free(pair);
    listening_port_free(port);
    memory_reactor_free(mr);
}
END_TEST

/* ---- the caching proxy's cache ---- */

struct fetch_context {
    struct reactor *reactor;
    int fetches;
};

static int fetch_poem(void *ctx, struct deferred **out) {
    struct fetch_context *fc = ctx;
    fc->fetches++;
    struct sockaddr_in to = server_address();
    return poetry_client_get(fc->reactor, &to, NULL, out);
}

START_TEST(the_cache_makes_one_fetch_for_many_waiters) {
    struct world w;
    world_init(&w, false);
    struct fetch_context fc = {.reactor = w.reactor};
    struct poetry_cache *cache;
    ck_assert_int_eq(
        poetry_cache_new(reactor_scheduler(w.reactor), POETRY_CACHE_FOREVER, fetch_poem, &fc, &cache), 0);
    struct outcome waiters[5] = {{0}};
    for (int i = 0; i < 5; i++) {
        struct deferred *d;
        ck_assert_int_eq(poetry_cache_get(cache, &d), 0);
        watch(d, &waiters[i]);
    }
    ck_assert_int_eq(fc.fetches, 1);
    ck_assert_uint_eq(memory_reactor_connect_count(w.mr), 1); /* one connection for all five */
    struct connected_pair *pair = connect_to_server(&w, 0, NULL);
    run_until_over(&w, pair, 0, 10);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(waiters[i].fired, 1);
        ck_assert_int_eq(waiters[i].code, 0);
        ck_assert_uint_eq(waiters[i].len, POEM_LEN);
    }
    struct outcome later = {0};
    struct deferred *d;
    ck_assert_int_eq(poetry_cache_get(cache, &d), 0);
    watch(d, &later);
    ck_assert_int_eq(later.fired, 1); /* at once, from the kept poem */
    ck_assert_uint_eq(memory_reactor_connect_count(w.mr), 1);
    connected_pair_free(pair);
    poetry_cache_free(cache);
    world_free(&w);
}
END_TEST

START_TEST(a_failed_fetch_fails_every_waiter_and_is_not_kept) {
    struct world w;
    world_init(&w, false);
    struct fetch_context fc = {.reactor = w.reactor};
    struct poetry_cache *cache;
    ck_assert_int_eq(
        poetry_cache_new(reactor_scheduler(w.reactor), POETRY_CACHE_FOREVER, fetch_poem, &fc, &cache), 0);
    struct outcome waiters[3] = {{0}};
    for (int i = 0; i < 3; i++) {
        struct deferred *d;
        ck_assert_int_eq(poetry_cache_get(cache, &d), 0);
        watch(d, &waiters[i]);
    }
    ck_assert_int_eq(memory_reactor_fail_connect(w.mr, 0, -ECONNREFUSED), 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(waiters[i].code, -ECONNREFUSED);
    struct outcome again = {0};
    struct deferred *d;
    ck_assert_int_eq(poetry_cache_get(cache, &d), 0);
    watch(d, &again);
    ck_assert_int_eq(again.fired, 0);
    ck_assert_uint_eq(memory_reactor_connect_count(w.mr), 2); /* a new fetch */
    poetry_cache_free(cache);
    ck_assert_int_eq(again.code, POETRY_CACHE_ERR_FREED);
    world_free(&w);
}
END_TEST

static Suite *poetry_suite(void) {
    Suite *suite = suite_create("poetry on the doubles");
    TCase *tc = tcase_create("poetry on the doubles");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, the_client_gets_the_whole_poem_from_the_slow_server_on_the_clock);
    tcase_add_test(tc, the_fast_server_sends_it_all_and_is_served_once);
    tcase_add_test(tc, a_reset_at_any_byte_is_a_failure_never_a_short_poem);
    tcase_add_test(tc, a_refused_connect_fails_the_download);
    tcase_add_test(tc, a_connect_that_never_answers_times_out_after_30_s_on_the_clock);
    tcase_add_test(tc, a_server_that_says_nothing_trips_the_idle_timeout);
    tcase_add_test(tc, a_client_that_leaves_early_leaves_no_slice_pending);
    tcase_add_test(tc, the_slow_server_keeps_its_pace_on_the_clock);
    tcase_add_test(tc, the_transform_client_gets_the_same_reply_however_it_is_split);
    tcase_add_test(tc, an_unknown_transform_is_no_reply_however_it_is_split);
    tcase_add_test(tc, transform_client_request_runs_on_the_memory_reactor);
    tcase_add_test(tc, the_cache_makes_one_fetch_for_many_waiters);
    tcase_add_test(tc, a_failed_fetch_fails_every_waiter_and_is_not_kept);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void) {
    return run_suite_as_tap(poetry_suite());
}
