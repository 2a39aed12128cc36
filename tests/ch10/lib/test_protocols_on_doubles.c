/* Chapter 8's protocols tested on chapter 10's doubles, with no socket: the line and netstring
 * receivers, the transformation server, half-close, and the reconnecting factory on the memory
 * reactor's clock. Each protocol also runs through the chunker, seed after seed (1,000 by default;
 * CHUNKER_SEED=N replays one), and must give the same result as with whole deliveries. */
#include "check_main.h"
#include "chunker.h"
#include "connected_pair.h"
#include "line_receiver.h"
#include "memory_reactor.h"
#include "netstring.h"
#include "protocol.h"
#include "reactor.h"
#include "reconnecting_factory.h"
#include "string_transport.h"
#include "task_clock.h"
#include "transform_protocol.h"
#include "transforms.h"
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEEDS 1000
#define LOG_SIZE 4096

/* A log of what a protocol was told, as text, so that two runs compare with strcmp. */
struct log {
    char text[LOG_SIZE];
    size_t len;
};

__attribute__((format(printf, 2, 3))) static void say(struct log *log, const char *format, ...) {
    va_list args;
    va_start(args, format);
    int n = vsnprintf(log->text + log->len, sizeof log->text - log->len, format, args);
    va_end(args);
    ck_assert(n >= 0 && (size_t)n < sizeof log->text - log->len);
    log->len += (size_t)n;
}

/* A scenario: runs one conversation, its deliveries split by chunker (NULL: whole), into log. */
typedef void (*scenario_fn)(struct chunker *chunker, struct log *log);

/* >> same-under-chunker */
/* Runs the scenario with whole deliveries (whose log must be `expected`), then once per seed with
 * split ones, each of which must log the same. A failure names its seed, to replay it alone. */
static void same_under_chunker(scenario_fn run, const char *expected) {
    struct log whole = {0};
    run(NULL, &whole);
    ck_assert_str_eq(whole.text, expected);
    uint64_t first;
    size_t count = chunker_seeds(&first, SEEDS);
    for (uint64_t seed = first; seed < first + count; seed++) {
        struct chunker chunker;
        chunker_init(&chunker, seed);
        struct log split = {0};
        run(&chunker, &split);
        ck_assert_msg(
            strcmp(split.text, whole.text) == 0,
            "seed %llu: split deliveries logged\n  %s\nbut whole ones\n  %s\n(replay: CHUNKER_SEED=%llu)",
            (unsigned long long)seed, split.text, whole.text, (unsigned long long)seed);
    }
}
/* << same-under-chunker */

/* A peer that sends its bytes on connection_made, then loses (or half-closes) its connection, and logs
 * what it gets back. */
struct sender {
    struct protocol base;
    const char *bytes;
    size_t len;
    bool half_close;
    struct log *log;
};

static void sender_made(struct protocol *p, struct transport *t) {
    struct sender *s = (struct sender *)p;
    ck_assert_int_eq(transport_write(t, s->bytes, s->len), 0);
    if (s->half_close)
        transport_lose_write_connection(t);
    else
        transport_lose_connection(t);
}

static void sender_data(struct protocol *p, const char *bytes, size_t len) {
    struct sender *s = (struct sender *)p;
    if (s->log != NULL)
        say(s->log, "%.*s", (int)len, bytes); /* pieces join up: the log does not show the split */
}

static void sender_lost(struct protocol *p, int reason) {
    struct sender *s = (struct sender *)p;
    if (s->log != NULL)
        say(s->log, " <client: %s>", result_strerror(reason));
}

static const struct protocol_ops sender_ops = {
    .connection_made = sender_made, .data_received = sender_data, .connection_lost = sender_lost};

/* Pumps client and server to the end, with the chunker. */
static void converse(struct protocol *client, struct protocol *server, struct chunker *chunker) {
    struct connected_pair *pair;
    ck_assert_int_eq(connected_pair_new(client, server, &pair), 0);
    connected_pair_set_chunker(pair, chunker);
    ck_assert_int_eq(connected_pair_pump(pair), 0);
    ck_assert(connected_pair_over(pair));
    connected_pair_free(pair);
}

/* ---- the line receiver ---- */

/* A line server: logs every line; "raw N" switches to raw mode for N bytes, then back. */
struct line_server {
    struct line_receiver lr;
    struct log *log;
    size_t raw_left;
};

static void ls_line(struct line_receiver *lr, const char *line, size_t len) {
    struct line_server *ls = (struct line_server *)lr;
    say(ls->log, "[%.*s]", (int)len, line);
    if (len > 4 && memcmp(line, "raw ", 4) == 0) {
        ls->raw_left = (size_t)atoi(line + 4);
        line_receiver_set_raw_mode(lr);
    }
}

static void ls_line_switching(struct line_receiver *lr, const char *line, size_t len) {
    ls_line(lr, line, len);
    if (len > 6 && memcmp(line, "delim ", 6) == 0) /* the rest of the line is the new delimiter */
        ck_assert_int_eq(line_receiver_set_delimiter(lr, line + 6, len - 6), 0);
    if (len > 4 && memcmp(line, "max ", 4) == 0)
        lr->max_length = (size_t)atoi(line + 4);
}

static void ls_raw(struct line_receiver *lr, const char *bytes, size_t len) {
    struct line_server *ls = (struct line_server *)lr;
    size_t n = len < ls->raw_left ? len : ls->raw_left;
    say(ls->log, "{%.*s}", (int)n, bytes); /* a raw piece per delivery: joined up below */
    ls->raw_left -= n;
    if (ls->raw_left == 0)
        line_receiver_set_line_mode(lr, len > n ? bytes + n : NULL, len - n);
}

static void ls_lost(struct line_receiver *lr, int reason) {
    struct line_server *ls = (struct line_server *)lr;
    say(ls->log, " <server: %s>", result_strerror(reason));
}

static const struct line_receiver_ops line_server_ops = {
    .line_received = ls_line, .raw_data_received = ls_raw, .connection_lost = ls_lost};
static const struct line_receiver_ops switching_server_ops = {
    .line_received = ls_line_switching, .raw_data_received = ls_raw, .connection_lost = ls_lost};

/* Raw pieces are logged as they come; join "}{" so that the log is the same however they were split. */
static void join_raw_pieces(struct log *log) {
    char *at;
    while ((at = strstr(log->text, "}{")) != NULL) {
        memmove(at, at + 2, strlen(at + 2) + 1);
        log->len -= 2;
    }
}

static void lines_scenario(struct chunker *chunker, struct log *log) {
    static const char stream[] =
        "first\r\nsecond\r\n\r\nwith a \r inside\r\nraw 7\r\n\r\nxy\r\nzafter\r\n"
        "\n\r\nlast, unfinished";
    struct sender client = {.base.ops = &sender_ops, .bytes = stream, .len = sizeof stream - 1};
    struct line_server server = {.log = log};
    line_receiver_init(&server.lr, &line_server_ops);
    converse(&client.base, &server.lr.protocol, chunker);
    join_raw_pieces(log);
}

START_TEST(the_line_receiver_gives_the_same_lines_however_the_stream_is_split) {
    same_under_chunker(lines_scenario,
                       "[first][second][][with a \r inside][raw 7]{\r\nxy\r\nz}[after][\n]"
                       " <server: connection closed cleanly>");
}
END_TEST

static void long_line_scenario(struct chunker *chunker, struct log *log) {
    static const char stream[] = "short\r\n0123456789ABCDEF\r\nnever\r\n";
    struct sender client = {.base.ops = &sender_ops, .bytes = stream, .len = sizeof stream - 1};
    struct line_server server = {.log = log};
    line_receiver_init(&server.lr, &line_server_ops);
    server.lr.max_length = 10;
    converse(&client.base, &server.lr.protocol, chunker);
}

START_TEST(a_line_too_long_closes_the_connection_however_it_is_split) {
    same_under_chunker(long_line_scenario, "[short] <server: connection closed cleanly>");
}
END_TEST

static void delimiter_scenario(struct chunker *chunker, struct log *log) {
    static const char stream[] = "a--b---c----d";
    struct sender client = {.base.ops = &sender_ops, .bytes = stream, .len = sizeof stream - 1};
    struct line_server server = {.log = log};
    line_receiver_init(&server.lr, &line_server_ops);
    ck_assert_int_eq(line_receiver_set_delimiter(&server.lr, "---", 3), 0);
    converse(&client.base, &server.lr.protocol, chunker);
}

static void switching_scenario(struct chunker *chunker, struct log *log) {
    static const char stream[] =
        "one\r\ndelim ;;\r\ntwo;;three;;raw 4;;ab;;delim \n;;four\nmax 5\nfive5\n"
        "sixsix\nnever\n";
    struct sender client = {.base.ops = &sender_ops, .bytes = stream, .len = sizeof stream - 1};
    struct line_server server = {.log = log};
    line_receiver_init(&server.lr, &switching_server_ops);
    converse(&client.base, &server.lr.protocol, chunker);
    join_raw_pieces(log);
}

START_TEST(a_delimiter_or_limit_changed_mid_stream_applies_to_the_rest_however_it_is_split) {
    same_under_chunker(switching_scenario,
                       "[one][delim ;;][two][three][raw 4]{ab;;}[delim \n][four][max 5][five5]"
                       " <server: connection closed cleanly>");
}
END_TEST

START_TEST(a_long_delimiter_split_across_deliveries_is_still_found) {
    same_under_chunker(delimiter_scenario, "[a--b][c] <server: connection closed cleanly>");
}
END_TEST

/* ---- the netstring receiver ---- */

struct netstring_server {
    struct netstring_receiver nr;
    struct log *log;
};

static void ns_string(struct netstring_receiver *nr, const char *bytes, size_t len) {
    say(((struct netstring_server *)nr)->log, "(%.*s)", (int)len, bytes);
}

static void ns_broken(struct netstring_receiver *nr, int reason) {
    say(((struct netstring_server *)nr)->log, " broken: %s", result_strerror(reason));
    netstring_receiver_lose_connection(nr);
}

static void ns_lost(struct netstring_receiver *nr, int reason) {
    say(((struct netstring_server *)nr)->log, " <server: %s>", result_strerror(reason));
}

static const struct netstring_receiver_ops netstring_server_ops = {
    .string_received = ns_string, .broken_peer = ns_broken, .connection_lost = ns_lost};

static const char *netstring_stream;

static void netstring_scenario(struct chunker *chunker, struct log *log) {
    struct sender client = {
        .base.ops = &sender_ops, .bytes = netstring_stream, .len = strlen(netstring_stream)};
    struct netstring_server server = {.log = log};
    netstring_receiver_init(&server.nr, &netstring_server_ops);
    server.nr.max_length = 20;
    converse(&client.base, &server.nr.protocol, chunker);
}

START_TEST(the_netstring_receiver_gives_the_same_strings_however_they_are_split) {
    netstring_stream = "5:hello,0:,12:with, commas,1::,";
    same_under_chunker(netstring_scenario, "(hello)()(with, commas)(:) <server: connection closed cleanly>");
}
END_TEST

START_TEST(a_malformed_netstring_is_found_however_it_is_split) {
    netstring_stream = "3:abc,03:abc,3:never,";
    same_under_chunker(netstring_scenario,
                       "(abc) broken: malformed netstring: the length is not digits (without "
                       "leading zeros) then ':' <server: connection closed cleanly>");
    netstring_stream = "3:abcd,3:never,";
    same_under_chunker(
        netstring_scenario,
        " broken: malformed netstring: no ',' after the bytes <server: connection closed cleanly>");
    netstring_stream = "2:ok,123:";
    same_under_chunker(netstring_scenario,
                       "(ok) broken: netstring longer than the maximum <server: connection closed cleanly>");
}
END_TEST

/* ---- the transformation server ---- */

/* The client's side of the transformation protocol, on a netstring receiver: one request, then logs
 * the reply. */
struct transform_asker {
    struct netstring_receiver nr;
    const char *request;
    struct log *log;
};

static void asker_made(struct netstring_receiver *nr) {
    struct transform_asker *a = (struct transform_asker *)nr;
    ck_assert_int_eq(netstring_send_string(nr, a->request, strlen(a->request)), 0);
}

static void asker_string(struct netstring_receiver *nr, const char *bytes, size_t len) {
    say(((struct transform_asker *)nr)->log, "reply (%.*s)", (int)len, bytes);
    netstring_receiver_lose_connection(nr);
}

static void asker_lost(struct netstring_receiver *nr, int reason) {
    say(((struct transform_asker *)nr)->log, " <client: %s>", result_strerror(reason));
}

static const struct netstring_receiver_ops asker_ops = {
    .connection_made = asker_made, .string_received = asker_string, .connection_lost = asker_lost};

static const char *transform_request;

static void server_lost(struct transform_server *ts, int reason) {
    (void)ts;
    (void)reason;
}

static void transform_scenario(struct chunker *chunker, struct log *log) {
    struct transform_asker client = {.request = transform_request, .log = log};
    netstring_receiver_init(&client.nr, &asker_ops);
    struct transform_server server;
    transform_server_init(&server, NULL);
    server.on_lost = server_lost;
    converse(&client.nr.protocol, &server.nr.protocol, chunker);
    say(log, " server: %s", server.result == 0 ? "answered" : result_strerror(server.result));
}

START_TEST(the_transformation_server_answers_the_same_however_the_request_is_split) {
    transform_request = "cummingsify.Once Upon A Midnight Dreary";
    same_under_chunker(transform_scenario,
                       "reply (once upon a midnight dreary) <client: connection closed cleanly>"
                       " server: answered");
    transform_request = "nosuch.Once upon a time";
    same_under_chunker(transform_scenario, " <client: connection closed cleanly> server: no such transform");
}
END_TEST

/* ---- half-close ---- */

/* A server that counts what it gets and answers only when the client has finished writing. */
struct counter {
    struct protocol base;
    size_t count;
    struct log *log;
};

static void counter_data(struct protocol *p, const char *bytes, size_t len) {
    (void)bytes;
    ((struct counter *)p)->count += len;
}

static void counter_read_lost(struct protocol *p) {
    struct counter *c = (struct counter *)p;
    char reply[32];
    int n = snprintf(reply, sizeof reply, "%zu bytes", c->count);
    ck_assert_int_eq(transport_write(p->transport, reply, (size_t)n), 0);
    transport_lose_connection(p->transport);
}

static void counter_lost(struct protocol *p, int reason) {
    say(((struct counter *)p)->log, " <server: %s>", result_strerror(reason));
}

static const struct protocol_ops counter_ops = {.data_received = counter_data,
                                                .connection_lost = counter_lost,
                                                .read_connection_lost = counter_read_lost};

static void half_close_scenario(struct chunker *chunker, struct log *log) {
    static const char stream[] = "count every one of these bytes, then tell me";
    struct sender client = {
        .base.ops = &sender_ops, .bytes = stream, .len = sizeof stream - 1, .half_close = true, .log = log};
    struct counter server = {.base.ops = &counter_ops, .log = log};
    converse(&client.base, &server.base, chunker);
}

START_TEST(a_half_closed_request_gets_its_whole_answer_however_it_is_split) {
    same_under_chunker(half_close_scenario,
                       "44 bytes <client: connection closed cleanly> <server: connection closed cleanly>");
}
END_TEST

/* ---- the reconnecting factory, on the memory reactor ---- */

/* A line client whose connection_made resets the factory's delay; it logs the lines it gets. */
struct line_client {
    struct line_receiver lr;
    struct reconnecting_factory *rf;
    struct log *log;
};

static void lc_made(struct line_receiver *lr) {
    reconnecting_factory_reset_delay(((struct line_client *)lr)->rf);
}

static void lc_line(struct line_receiver *lr, const char *line, size_t len) {
    say(((struct line_client *)lr)->log, "[%.*s]", (int)len, line);
}

static void lc_lost(struct line_receiver *lr, int reason) {
    say(((struct line_client *)lr)->log, " <%s>", result_strerror(reason));
}

static const struct line_receiver_ops line_client_ops = {
    .connection_made = lc_made, .line_received = lc_line, .connection_lost = lc_lost};

struct client_side {
    struct reconnecting_factory rf;
    struct line_client clients[8];
    int built;
    struct log *log;
};

static struct protocol *build_line_client(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    struct client_side *cs = (struct client_side *)f;
    ck_assert_int_lt(cs->built, 8);
    struct line_client *lc = &cs->clients[cs->built++];
    line_receiver_init(&lc->lr, &line_client_ops);
    lc->rf = &cs->rf;
    lc->log = cs->log;
    return &lc->lr.protocol;
}

static const struct factory_ops line_client_factory_ops = {.build_protocol = build_line_client};

static struct sockaddr_in server_address(void) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(8000)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

START_TEST(the_reconnecting_factory_waits_on_the_memory_reactors_clock) {
    struct memory_reactor *mr;
    ck_assert_int_eq(memory_reactor_new(&mr), 0);
    struct task_clock *clock = memory_reactor_clock(mr);
    struct log log = {0};
    struct client_side cs = {.log = &log};
    reconnecting_factory_init(&cs.rf, &line_client_factory_ops, reactor_scheduler(memory_reactor_reactor(mr)),
                              NULL, NULL);
    reconnecting_factory_seed(&cs.rf, 1);
    struct sockaddr_in to = server_address();
    ck_assert_int_eq(reconnecting_factory_connect_tcp(&cs.rf, memory_reactor_reactor(mr), &to, 5), 0);
    ck_assert_uint_eq(memory_reactor_connect_count(mr), 1);
    ck_assert(memory_reactor_connect_at(mr, 0)->timeout == 5);

    /* Refused: a retry waits about initial_delay * factor (with jitter) on the clock. */
    ck_assert_int_eq(memory_reactor_fail_connect(mr, 0, -ECONNREFUSED), 0);
    ck_assert_ptr_nonnull(cs.rf.call);
    double first_delay = cs.rf.delay;
    ck_assert(first_delay > 1.5 && first_delay < 4.5);
    task_clock_advance(clock, first_delay - 0.001);
    ck_assert_uint_eq(memory_reactor_connect_count(mr), 1);
    task_clock_advance(clock, 0.001);
    ck_assert_uint_eq(memory_reactor_connect_count(mr), 2);

    /* No answer: the connect's own timeout fails it 5 s later, and the next delay is longer. */
    task_clock_advance(clock, 5);
    ck_assert_int_eq(memory_reactor_connect_at(mr, 1)->state, MEMORY_FAILED);
    ck_assert_int_eq(memory_reactor_connect_at(mr, 1)->reason, -ETIMEDOUT);
    ck_assert(cs.rf.delay > first_delay);
    task_clock_advance(clock, cs.rf.delay);
    ck_assert_uint_eq(memory_reactor_connect_count(mr), 3);

    /* Connected: connection_made resets the delay; a reset connection retries after about 1 s. */
    ck_assert_int_eq(memory_reactor_complete_connect(mr, 2, NULL), 0);
    ck_assert(cs.rf.delay == cs.rf.initial_delay);
    ck_assert_int_eq(string_transport_finish(memory_reactor_connect_at(mr, 2)->transport, -ECONNRESET), 0);
    ck_assert_str_eq(log.text, " <Connection reset by peer>");
    ck_assert_ptr_nonnull(cs.rf.call);
    task_clock_advance(clock, 10);
    ck_assert_uint_eq(memory_reactor_connect_count(mr), 4);

    /* Stopped: the connect under way is cancelled, and nothing is tried again, however long we wait. */
    reconnecting_factory_stop_trying(&cs.rf);
    ck_assert_int_eq(memory_reactor_connect_at(mr, 3)->reason, REACTOR_ERR_CONNECT_CANCELLED);
    task_clock_advance(clock, 1e6);
    ck_assert_uint_eq(memory_reactor_connect_count(mr), 4);
    reconnecting_factory_clear(&cs.rf);
    memory_reactor_free(mr);
}
END_TEST

/* A line server that sends its lines and closes. */
struct line_sender {
    struct line_receiver lr;
};

static void lsend_made(struct line_receiver *lr) {
    line_receiver_send_line(lr, "one", 3);
    line_receiver_send_line(lr, "two", 3);
    line_receiver_send_line(lr, "three", 5);
    line_receiver_lose_connection(lr);
}

static const struct line_receiver_ops line_sender_ops = {.connection_made = lsend_made};

struct server_side {
    struct factory base;
    struct line_sender senders[8];
    int built;
};

static struct protocol *build_line_sender(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    struct server_side *ss = (struct server_side *)f;
    ck_assert_int_lt(ss->built, 8);
    struct line_sender *s = &ss->senders[ss->built++];
    line_receiver_init(&s->lr, &line_sender_ops);
    return &s->lr.protocol;
}

static const struct factory_ops line_sender_factory_ops = {.build_protocol = build_line_sender};

/* >> reconnect-scenario */
/* A client with a reconnecting factory and a server, on the memory reactor: the first connection
 * drops at a byte the seed chooses; the factory waits and connects again, and the second
 * connection carries every line. */
static void reconnect_scenario(struct chunker *chunker, struct log *log) {
    struct memory_reactor *mr;
    ck_assert_int_eq(memory_reactor_new(&mr), 0);
    struct reactor *reactor = memory_reactor_reactor(mr);
    struct server_side ss = {.base.ops = &line_sender_factory_ops};
    struct sockaddr_in at = server_address();
    struct listening_port *port;
    ck_assert_int_eq(reactor_listen_tcp(reactor, &at, &ss.base, &port), 0);
    struct client_side cs = {.log = log};
    reconnecting_factory_init(&cs.rf, &line_client_factory_ops, reactor_scheduler(reactor), NULL, NULL);
    reconnecting_factory_seed(&cs.rf, 1);
    ck_assert_int_eq(reconnecting_factory_connect_tcp(&cs.rf, reactor, &at, 5), 0);
    for (size_t attempt = 0; attempt < 2; attempt++) {
        struct string_transport *client, *server;
        ck_assert_int_eq(memory_reactor_complete_connect(mr, attempt, &client), 0);
        ck_assert_int_eq(memory_reactor_accept(mr, 0, NULL, &server), 0);
        struct connected_pair *pair;
        ck_assert_int_eq(connected_pair_join(client, server, &pair), 0);
        connected_pair_set_chunker(pair, chunker);
        if (attempt == 0) /* "one\r\ntwo\r\nthree\r\n" is 17 bytes: drop somewhere in it */
            connected_pair_drop_at(pair, CONNECTED_PAIR_SERVER, chunker ? chunker_random(chunker) % 18 : 8,
                                   -ECONNRESET);
        ck_assert_int_eq(connected_pair_pump(pair), 0);
        connected_pair_free(pair);
        say(log, attempt == 0 ? " | " : "");
        if (attempt == 0) { /* the retry waits on the clock */
            ck_assert_uint_eq(memory_reactor_connect_count(mr), 1);
            task_clock_advance(memory_reactor_clock(mr), 10);
            ck_assert_uint_eq(memory_reactor_connect_count(mr), 2);
        }
    }
    /* The first connection's lines depend on where it dropped: the log keeps only the last's. */
    char *bar = strstr(log->text, " | ");
    ck_assert_ptr_nonnull(bar);
    memmove(log->text, bar + 3, strlen(bar + 3) + 1);
    log->len = strlen(log->text);
    reconnecting_factory_clear(&cs.rf);
    listening_port_free(port);
    memory_reactor_free(mr);
}
/* << reconnect-scenario */

START_TEST(the_reconnecting_factory_recovers_from_a_drop_at_any_byte) {
    same_under_chunker(reconnect_scenario, "[one][two][three] <connection closed cleanly>");
}
END_TEST

static Suite *protocols_suite(void) {
    Suite *suite = suite_create("protocols on the doubles");
    TCase *tc = tcase_create("protocols on the doubles");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, the_line_receiver_gives_the_same_lines_however_the_stream_is_split);
    tcase_add_test(tc, a_line_too_long_closes_the_connection_however_it_is_split);
    tcase_add_test(tc, a_long_delimiter_split_across_deliveries_is_still_found);
    tcase_add_test(tc, a_delimiter_or_limit_changed_mid_stream_applies_to_the_rest_however_it_is_split);
    tcase_add_test(tc, the_netstring_receiver_gives_the_same_strings_however_they_are_split);
    tcase_add_test(tc, a_malformed_netstring_is_found_however_it_is_split);
    tcase_add_test(tc, the_transformation_server_answers_the_same_however_the_request_is_split);
    tcase_add_test(tc, a_half_closed_request_gets_its_whole_answer_however_it_is_split);
    tcase_add_test(tc, the_reconnecting_factory_waits_on_the_memory_reactors_clock);
    tcase_add_test(tc, the_reconnecting_factory_recovers_from_a_drop_at_any_byte);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void) {
    return run_suite_as_tap(protocols_suite());
}
