/* Chapter 8's caching proxy (poetry_proxy.h) tested on chapter 10's doubles, with no socket: its
 * clients arrive at its listening port on the memory reactor, its upstream fetch is a connect the test
 * completes (or fails) by hand, and the poem comes from a poetry server joined to it in a pair. Many
 * clients, one upstream connect; every client gets the poem byte for byte, then a clean close; a client
 * that leaves early stops only itself; a failed fetch (refused, or reset mid-poem) resets every waiting
 * client and the next one fetches again; the kept poem expires on the memory reactor's clock; and the
 * upstream delivery through the chunker, 1,000 seeds (CHUNKER_SEED=N replays one), gives every client
 * what whole deliveries give. */
#include "check_main.h"
#include "chunker.h"
#include "connected_pair.h"
#include "memory_reactor.h"
#include "poetry_cache.h"
#include "poetry_proxy.h"
#include "poetry_server.h"
#include "reactor.h"
#include "string_transport.h"
#include "task_clock.h"
#include "tcp.h"
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEEDS 1000
#define CLIENTS 5

static const char POEM[] =
    "Über allen Gipfeln\nIst Ruh,\nIn allen Wipfeln\nSpürest du\nKaum einen Hauch;\n"
    "Die Vögelein schweigen im Walde.\nWarte nur, balde\nRuhest du auch.\n";
#define POEM_LEN (sizeof POEM - 1)

static struct sockaddr_in ipv4(const char *host, unsigned short port) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    ck_assert_int_eq(inet_pton(AF_INET, host, &addr.sin_addr), 1);
    return addr;
}

/* The world of one test: a memory reactor; listen 0 is the real poetry server (fast: the whole poem,
 * then a clean close), listen 1 the proxy in front of it. */
struct world {
    struct memory_reactor *mr;
    struct reactor *reactor;
    struct task_clock *clock;
    struct poetry_server upstream;
    struct listening_port *upstream_port;
    struct poetry_proxy proxy;
    struct listening_port *proxy_port;
    struct string_transport *clients[CLIENTS + 4]; /* the proxy's side of each client's connection */
    size_t client_count;
    char *log_text; /* what the proxy logged (open_memstream) */
    size_t log_len;
    FILE *log;
};

static void world_init(struct world *w, double expire) {
    memset(w, 0, sizeof *w);
    ck_assert_int_eq(memory_reactor_new(&w->mr), 0);
    w->reactor = memory_reactor_reactor(w->mr);
    w->clock = memory_reactor_clock(w->mr);
    poetry_server_init_fast(&w->upstream, POEM, POEM_LEN, NULL, NULL);
    struct sockaddr_in upstream_at = ipv4("127.0.0.1", 10000);
    ck_assert_int_eq(reactor_listen_tcp(w->reactor, &upstream_at, &w->upstream.factory, &w->upstream_port),
                     0);
    w->log = open_memstream(&w->log_text, &w->log_len);
    ck_assert_ptr_nonnull(w->log);
    ck_assert_int_eq(poetry_proxy_init(&w->proxy, w->reactor, &upstream_at, expire, w->log), 0);
    struct sockaddr_in proxy_at = ipv4("127.0.0.1", 0);
    ck_assert_int_eq(reactor_listen_tcp(w->reactor, &proxy_at, &w->proxy.factory, &w->proxy_port), 0);
    ck_assert_uint_eq(memory_reactor_listen_count(w->mr), 2);
}

/* Ends every connection still open (the proxy's protocols free themselves), then frees it all. */
static void world_free(struct world *w) {
    memory_reactor_shut_down(w->mr);
    listening_port_free(w->proxy_port);
    listening_port_free(w->upstream_port);
    poetry_proxy_release(&w->proxy);
    memory_reactor_free(w->mr);
    fclose(w->log);
    free(w->log_text);
}

/* What the proxy logged so far (a NUL-terminated string, owned by w). */
static const char *world_log(struct world *w) {
    fflush(w->log);
    return w->log_text != NULL ? w->log_text : "";
}

/* A client arrives at the proxy, from 10.0.0.N:40000+N; returns the proxy's side of its connection. */
static struct string_transport *arrive(struct world *w) {
    ck_assert_uint_lt(w->client_count, sizeof w->clients / sizeof w->clients[0]);
    size_t n = w->client_count + 1;
    char host[32];
    snprintf(host, sizeof host, "10.0.0.%zu", n);
    struct sockaddr_in peer = ipv4(host, (unsigned short)(40000 + n));
    struct string_transport *st;
    ck_assert_int_eq(memory_reactor_accept(w->mr, 1, &peer, &st), 0);
    w->clients[w->client_count++] = st;
    return st;
}

/* Whether client st got exactly the poem, then a clean close (a lose, never an abort). */
static bool got_the_poem(const struct string_transport *st) {
    size_t len;
    const char *bytes = string_transport_written(st, &len);
    return len == POEM_LEN && memcmp(bytes, POEM, POEM_LEN) == 0 && string_transport_lose_requested(st) &&
           !string_transport_abort_requested(st);
}

/* Whether client st was reset with nothing written: an abort, never a clean close. */
static bool was_reset(const struct string_transport *st) {
    size_t len;
    string_transport_written(st, &len);
    return len == 0 && string_transport_abort_requested(st) && !string_transport_lose_requested(st);
}

/* Whether client st is still waiting: nothing written, nothing asked of its connection. */
static bool still_waits(const struct string_transport *st) {
    size_t len;
    string_transport_written(st, &len);
    return len == 0 && !string_transport_abort_requested(st) && !string_transport_lose_requested(st);
}

/* Completes upstream connect i, joined to the poetry server in a pair with chunker (NULL: whole
 * deliveries), broken at byte `drop` of the server's sends (SIZE_MAX: never), and pumps it to the end. */
static void serve_upstream(struct world *w, size_t i, struct chunker *chunker, size_t drop) {
    struct string_transport *client, *server;
    ck_assert_int_eq(memory_reactor_complete_connect(w->mr, i, &client), 0);
    ck_assert_int_eq(memory_reactor_accept(w->mr, 0, NULL, &server), 0);
    struct connected_pair *pair;
    ck_assert_int_eq(connected_pair_join(client, server, &pair), 0);
    connected_pair_set_chunker(pair, chunker);
    if (drop != SIZE_MAX)
        connected_pair_drop_at(pair, CONNECTED_PAIR_SERVER, drop, -ECONNRESET);
    ck_assert_int_eq(connected_pair_pump(pair), 0);
    ck_assert(connected_pair_over(pair));
    connected_pair_free(pair);
}

/* ---- one fetch, many clients ---- */

START_TEST(many_clients_make_one_upstream_connect_and_all_get_the_poem) {
    struct world w;
    world_init(&w, POETRY_CACHE_FOREVER);
    for (int i = 0; i < CLIENTS; i++)
        arrive(&w);
    ck_assert_uint_eq(memory_reactor_connect_count(w.mr), 1); /* one fetch for all five */
    const struct memory_connect *fetch = memory_reactor_connect_at(w.mr, 0);
    ck_assert_uint_eq(ntohs(fetch->address.sin_port), 10000);
    ck_assert_uint_eq(ntohl(fetch->address.sin_addr.s_addr), INADDR_LOOPBACK);
    ck_assert_int_eq(fetch->state, MEMORY_CONNECTING);
    ck_assert_uint_eq(poetry_cache_stats(poetry_proxy_cache(&w.proxy)).waiting, CLIENTS);
    for (int i = 0; i < CLIENTS; i++)
        ck_assert(still_waits(w.clients[i]));
    serve_upstream(&w, 0, NULL, SIZE_MAX);
    for (int i = 0; i < CLIENTS; i++) {
        ck_assert_msg(got_the_poem(w.clients[i]), "client %d did not get the poem and a clean close", i);
        ck_assert_uint_eq(string_transport_write_count(w.clients[i]), 1);
    }
    ck_assert_uint_eq(w.upstream.served, 1); /* the real server served one connection: the proxy's */
    /* The clean closes end the connections; each protocol frees itself (the sanitizers check it). */
    for (int i = 0; i < CLIENTS; i++)
        ck_assert_int_eq(string_transport_finish(w.clients[i], REACTOR_CONNECTION_DONE), 0);
    /* A later client is answered at once from the kept poem, with no new connect. */
    struct string_transport *later = arrive(&w);
    ck_assert(got_the_poem(later));
    ck_assert_uint_eq(memory_reactor_connect_count(w.mr), 1);
    ck_assert_uint_eq(poetry_cache_stats(poetry_proxy_cache(&w.proxy)).hits, 1);
    world_free(&w);
}
END_TEST

START_TEST(the_proxy_logs_to_its_file) {
    struct world w;
    world_init(&w, POETRY_CACHE_FOREVER);
    arrive(&w);
    arrive(&w);
    ck_assert_ptr_nonnull(strstr(world_log(&w), "Fetching the poem from 127.0.0.1:10000\n"));
    ck_assert_ptr_nonnull(strstr(world_log(&w), "10.0.0.1:40001 waits for the poem\n"));
    ck_assert_ptr_nonnull(strstr(world_log(&w), "10.0.0.2:40002 waits for the poem\n"));
    serve_upstream(&w, 0, NULL, SIZE_MAX);
    char fetched[100];
    snprintf(fetched, sizeof fetched, "Fetched %zu bytes from 127.0.0.1:10000 for 2 waiting\n", POEM_LEN);
    ck_assert_ptr_nonnull(strstr(world_log(&w), fetched));
    arrive(&w);
    ck_assert_ptr_nonnull(strstr(world_log(&w), "Serving the cached poem to 10.0.0.3:40003\n"));
    world_free(&w);
}
END_TEST

START_TEST(a_client_that_leaves_early_does_not_stop_the_others) {
    struct world w;
    world_init(&w, POETRY_CACHE_FOREVER);
    for (int i = 0; i < CLIENTS; i++)
        arrive(&w);
    /* Client 1 resets, client 3 closes, before the poem has come: each cancels only its own wait. */
    ck_assert_int_eq(string_transport_finish(w.clients[1], -ECONNRESET), 0);
    ck_assert_int_eq(string_transport_finish(w.clients[3], REACTOR_CONNECTION_DONE), 0);
    ck_assert_uint_eq(poetry_cache_stats(poetry_proxy_cache(&w.proxy)).waiting, CLIENTS - 2);
    ck_assert_int_eq(memory_reactor_connect_at(w.mr, 0)->state, MEMORY_CONNECTING); /* the fetch goes on */
    ck_assert_ptr_nonnull(strstr(world_log(&w), "10.0.0.2:40002 left before its poem came"));
    ck_assert_ptr_nonnull(strstr(world_log(&w), "10.0.0.4:40004 left before its poem came: it closed"));
    /* Client 4 half-closes (it has nothing to say): it still waits, and gets the poem. */
    ck_assert_int_eq(string_transport_end_of_input(w.clients[4]), 0);
    ck_assert(!string_transport_over(w.clients[4]));
    serve_upstream(&w, 0, NULL, SIZE_MAX);
    for (int i = 0; i < CLIENTS; i++) {
        size_t len;
        if (i == 1 || i == 3) {
            ck_assert_ptr_null(string_transport_written(w.clients[i], &len)); /* nothing for the leavers */
            ck_assert_uint_eq(string_transport_write_count(w.clients[i]), 0);
        } else {
            ck_assert_msg(got_the_poem(w.clients[i]), "client %d did not get the poem", i);
        }
    }
    ck_assert_uint_eq(memory_reactor_connect_count(w.mr), 1);
    world_free(&w);
}
END_TEST

START_TEST(when_every_client_leaves_the_fetch_still_fills_the_cache) {
    struct world w;
    world_init(&w, POETRY_CACHE_FOREVER);
    arrive(&w);
    arrive(&w);
    ck_assert_int_eq(string_transport_finish(w.clients[0], -ECONNRESET), 0);
    ck_assert_int_eq(string_transport_finish(w.clients[1], -ECONNRESET), 0);
    ck_assert_uint_eq(poetry_cache_stats(poetry_proxy_cache(&w.proxy)).waiting, 0);
    serve_upstream(&w, 0, NULL, SIZE_MAX);
    struct string_transport *later = arrive(&w);
    ck_assert(got_the_poem(later));
    ck_assert_uint_eq(memory_reactor_connect_count(w.mr), 1);
    world_free(&w);
}
END_TEST

/* ---- a failed fetch ---- */

START_TEST(a_refused_upstream_resets_every_waiting_client_and_the_next_fetches_again) {
    struct world w;
    world_init(&w, POETRY_CACHE_FOREVER);
    for (int i = 0; i < CLIENTS; i++)
        arrive(&w);
    ck_assert_int_eq(memory_reactor_fail_connect(w.mr, 0, -ECONNREFUSED), 0);
    for (int i = 0; i < CLIENTS; i++)
        ck_assert_msg(was_reset(w.clients[i]), "client %d was not reset", i);
    ck_assert_ptr_nonnull(strstr(world_log(&w), "resetting 5 waiting"));
    for (int i = 0; i < CLIENTS; i++)
        ck_assert_int_eq(string_transport_finish(w.clients[i], REACTOR_ERR_CONNECTION_ABORTED), 0);
    ck_assert_int_eq(poetry_cache_stats(poetry_proxy_cache(&w.proxy)).kept, 0); /* a failure is not kept */
    /* The next client causes a new fetch, which may succeed. */
    struct string_transport *next = arrive(&w);
    ck_assert(still_waits(next));
    ck_assert_uint_eq(memory_reactor_connect_count(w.mr), 2);
    serve_upstream(&w, 1, NULL, SIZE_MAX);
    ck_assert(got_the_poem(next));
    world_free(&w);
}
END_TEST

START_TEST(an_upstream_reset_mid_poem_resets_every_waiting_client) {
    struct world w;
    world_init(&w, POETRY_CACHE_FOREVER);
    for (int i = 0; i < CLIENTS; i++)
        arrive(&w);
    struct string_transport *up;
    ck_assert_int_eq(memory_reactor_complete_connect(w.mr, 0, &up), 0);
    ck_assert_int_eq(string_transport_deliver(up, POEM, POEM_LEN / 2), 0);
    for (int i = 0; i < CLIENTS; i++)
        ck_assert(still_waits(w.clients[i])); /* half a poem is no poem yet */
    ck_assert_int_eq(string_transport_finish(up, -ECONNRESET), 0);
    for (int i = 0; i < CLIENTS; i++)
        ck_assert_msg(was_reset(w.clients[i]), "client %d was not reset", i);
    struct string_transport *next = arrive(&w);
    ck_assert(still_waits(next));
    ck_assert_uint_eq(memory_reactor_connect_count(w.mr), 2);
    world_free(&w);
}
END_TEST

START_TEST(the_whole_poem_then_a_reset_is_a_failure_too) {
    struct world w;
    world_init(&w, POETRY_CACHE_FOREVER);
    arrive(&w);
    arrive(&w);
    serve_upstream(&w, 0, NULL, POEM_LEN); /* every byte, then a reset instead of the clean close */
    ck_assert(was_reset(w.clients[0]));
    ck_assert(was_reset(w.clients[1]));
    world_free(&w);
}
END_TEST

/* ---- expiry on the clock ---- */

START_TEST(the_kept_poem_expires_on_the_clock) {
    struct world w;
    world_init(&w, 10);
    arrive(&w);
    serve_upstream(&w, 0, NULL, SIZE_MAX);
    ck_assert(got_the_poem(w.clients[0]));
    task_clock_advance(w.clock, 9.99);
    ck_assert(got_the_poem(arrive(&w))); /* still kept: no new connect */
    ck_assert_uint_eq(memory_reactor_connect_count(w.mr), 1);
    task_clock_advance(w.clock, 0.01); /* 10 s after the fetch: expired */
    struct string_transport *after = arrive(&w);
    ck_assert(still_waits(after));
    ck_assert_uint_eq(memory_reactor_connect_count(w.mr), 2);
    serve_upstream(&w, 1, NULL, SIZE_MAX);
    ck_assert(got_the_poem(after));
    world_free(&w);
}
END_TEST

START_TEST(expire_0_shares_a_running_fetch_and_keeps_nothing) {
    struct world w;
    world_init(&w, 0);
    arrive(&w);
    arrive(&w);
    ck_assert_uint_eq(memory_reactor_connect_count(w.mr), 1);
    serve_upstream(&w, 0, NULL, SIZE_MAX);
    ck_assert(got_the_poem(w.clients[0]));
    ck_assert(got_the_poem(w.clients[1]));
    struct string_transport *later = arrive(&w);
    ck_assert(still_waits(later));
    ck_assert_uint_eq(memory_reactor_connect_count(w.mr), 2);
    world_free(&w);
}
END_TEST

/* ---- through the chunker ---- */

/* What each of CLIENTS clients saw, with client 2 leaving early, the upstream delivery split by chunker
 * (NULL: whole) and broken at drop (SIZE_MAX: never). */
struct outcome {
    char written[CLIENTS][sizeof POEM];
    size_t len[CLIENTS];
    bool lose[CLIENTS], abort[CLIENTS];
    size_t connects;
};

static void run_proxy(struct chunker *chunker, size_t drop, struct outcome *o) {
    struct world w;
    world_init(&w, POETRY_CACHE_FOREVER);
    for (int i = 0; i < CLIENTS; i++)
        arrive(&w);
    ck_assert_int_eq(string_transport_finish(w.clients[2], -ECONNRESET), 0);
    serve_upstream(&w, 0, chunker, drop);
    for (int i = 0; i < CLIENTS; i++) {
        const char *bytes = string_transport_written(w.clients[i], &o->len[i]);
        ck_assert_uint_le(o->len[i], sizeof o->written[i]);
        if (o->len[i] > 0)
            memcpy(o->written[i], bytes, o->len[i]);
        o->lose[i] = string_transport_lose_requested(w.clients[i]);
        o->abort[i] = string_transport_abort_requested(w.clients[i]);
    }
    o->connects = memory_reactor_connect_count(w.mr);
    world_free(&w);
}

static bool same_outcome(const struct outcome *a, const struct outcome *b) {
    for (int i = 0; i < CLIENTS; i++)
        if (a->len[i] != b->len[i] || memcmp(a->written[i], b->written[i], a->len[i]) != 0 ||
            a->lose[i] != b->lose[i] || a->abort[i] != b->abort[i])
            return false;
    return a->connects == b->connects;
}

START_TEST(every_client_gets_the_same_poem_however_the_upstream_is_split) {
    static struct outcome whole, split;
    memset(&whole, 0, sizeof whole);
    run_proxy(NULL, SIZE_MAX, &whole);
    for (int i = 0; i < CLIENTS; i++) {
        if (i == 2) {
            ck_assert(whole.len[i] == 0 && !whole.lose[i] && !whole.abort[i]); /* it left */
            continue;
        }
        ck_assert_uint_eq(whole.len[i], POEM_LEN);
        ck_assert(memcmp(whole.written[i], POEM, POEM_LEN) == 0);
        ck_assert(whole.lose[i] && !whole.abort[i]);
    }
    ck_assert_uint_eq(whole.connects, 1);
    uint64_t first;
    size_t count = chunker_seeds(&first, SEEDS);
    for (uint64_t seed = first; seed < first + count; seed++) {
        struct chunker chunker;
        chunker_init(&chunker, seed);
        memset(&split, 0, sizeof split);
        run_proxy(&chunker, SIZE_MAX, &split);
        ck_assert_msg(same_outcome(&whole, &split),
                      "seed %llu: the clients saw other than with whole deliveries (client 0: %zu bytes, "
                      "lose %d, abort %d) (replay: CHUNKER_SEED=%llu)",
                      (unsigned long long)seed, split.len[0], split.lose[0], split.abort[0],
                      (unsigned long long)seed);
    }
}
END_TEST

START_TEST(an_upstream_reset_at_any_byte_however_split_resets_every_waiting_client) {
    static struct outcome o;
    uint64_t first;
    size_t count = chunker_seeds(&first, SEEDS);
    for (uint64_t seed = first; seed < first + count; seed++) {
        struct chunker chunker;
        chunker_init(&chunker, seed);
        size_t drop = (size_t)(chunker_random(&chunker) % (POEM_LEN + 1)); /* the end too */
        memset(&o, 0, sizeof o);
        run_proxy(&chunker, drop, &o);
        for (int i = 0; i < CLIENTS; i++) {
            bool ok = i == 2 ? o.len[i] == 0 && !o.lose[i] && !o.abort[i]
                             : o.len[i] == 0 && !o.lose[i] && o.abort[i];
            ck_assert_msg(ok,
                          "seed %llu: upstream reset at byte %zu: client %d got %zu bytes, lose %d, abort %d "
                          "(replay: CHUNKER_SEED=%llu)",
                          (unsigned long long)seed, drop, i, o.len[i], o.lose[i], o.abort[i],
                          (unsigned long long)seed);
        }
    }
}
END_TEST

static Suite *proxy_suite(void) {
    Suite *suite = suite_create("the poetry proxy on the doubles");
    TCase *tc = tcase_create("the poetry proxy on the doubles");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, many_clients_make_one_upstream_connect_and_all_get_the_poem);
    tcase_add_test(tc, the_proxy_logs_to_its_file);
    tcase_add_test(tc, a_client_that_leaves_early_does_not_stop_the_others);
    tcase_add_test(tc, when_every_client_leaves_the_fetch_still_fills_the_cache);
    tcase_add_test(tc, a_refused_upstream_resets_every_waiting_client_and_the_next_fetches_again);
    tcase_add_test(tc, an_upstream_reset_mid_poem_resets_every_waiting_client);
    tcase_add_test(tc, the_whole_poem_then_a_reset_is_a_failure_too);
    tcase_add_test(tc, the_kept_poem_expires_on_the_clock);
    tcase_add_test(tc, expire_0_shares_a_running_fetch_and_keeps_nothing);
    tcase_add_test(tc, every_client_gets_the_same_poem_however_the_upstream_is_split);
    tcase_add_test(tc, an_upstream_reset_at_any_byte_however_split_resets_every_waiting_client);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void) {
    return run_suite_as_tap(proxy_suite());
}
