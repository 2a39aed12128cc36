/* Chapter 8's transformation client (transform_client.h) with a real reactor: the protocol alone on a
 * socketpair — it sends exactly one netstring NAME.POEM and takes exactly one netstring back; a close
 * without one, or a malformed one, is a failure — and transform_client_request against the library's
 * own transformation server (transform_protocol.h) on loopback: a reply is the transformed poem, an
 * unknown transform is TRANSFORM_CLIENT_ERR_NO_REPLY, a bad name starts nothing, a reply over the
 * limit is refused, and nothing is left pending once the request is over. */
#include "check_main.h"
#include "deferred.h"
#include "failure.h"
#include "netstring.h"
#include "poem.h"
#include "reactor.h"
#include "scheduler.h"
#include "tcp.h"
#include "transform_client.h"
#include "transform_protocol.h"
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct reactor *reactor;
static struct delayed_call *guard;

static int give_up(void *arg) {
    (void)arg;
    ck_abort_msg("the reactor was still running after 20 s");
    return 0;
}

static void setup(void) {
    signal(SIGPIPE, SIG_IGN);
    reactor = reactor_new();
    ck_assert_ptr_nonnull(reactor);
    ck_assert_int_eq(reactor_call_later(reactor, 20, give_up, NULL, &guard), 0);
}

static void teardown(void) {
    reactor_free(reactor);
}

static void run_reactor(void) {
    ck_assert_int_eq(reactor_run(reactor), 0);
    delayed_call_cancel(guard);
    delayed_call_release(guard);
    ck_assert_uint_eq(scheduler_pending(reactor_scheduler(reactor)), 0); /* no timer left behind */
}

static struct poem poem_of(const char *text) {
    return (struct poem){.bytes = (char *)text, .len = strlen(text), .capacity = strlen(text)};
}

/* ---- The protocol alone, on a socketpair ---- */

struct watched {
    struct transform_client tc;
    int made, finished, reason;
    struct poem *reply;
};

static void watched_made(struct transform_client *tc) {
    ((struct watched *)tc)->made++;
}

static void watched_finished(struct transform_client *tc, struct poem *reply, int reason) {
    struct watched *w = (struct watched *)tc;
    w->finished++;
    w->reply = reply;
    w->reason = reason;
    reactor_stop(reactor);
}

static const struct transform_client_ops watched_ops = {.connection_made = watched_made,
                                                        .finished = watched_finished};

/* Starts w on one end of a socketpair; returns the other end (blocking). */
static int attach(struct watched *w, const char *name, const char *poem, size_t max_reply) {
    struct poem p = poem_of(poem);
    ck_assert_int_eq(transform_client_init(&w->tc, name, &p, max_reply, &watched_ops, w), 0);
    int fds[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ck_assert_int_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    struct transport *t = NULL;
    ck_assert_int_eq(transport_new(reactor, fds[0], &t), 0);
    transport_attach(t, &w->tc.nr.protocol, NULL, NULL);
    return fds[1];
}

/* Reads exactly len bytes from fd (blocking) and checks them. */
static void expect_bytes(int fd, const char *want) {
    size_t len = strlen(want), have = 0;
    char got[256];
    ck_assert_uint_lt(len, sizeof got);
    while (have < len) {
        ssize_t n = read(fd, got + have, len - have);
        ck_assert_int_gt(n, 0);
        have += (size_t)n;
    }
    ck_assert(memcmp(got, want, len) == 0);
}

START_TEST(the_request_is_one_netstring_and_the_reply_one_netstring) {
    struct watched w = {0};
    int peer = attach(&w, "cummingsify", "Tyger, Tyger", 100);
    ck_assert_int_eq(w.made, 1);
    expect_bytes(peer, "24:cummingsify.Tyger, Tyger,");
    ck_assert_int_eq(write(peer, "12:tyger, tyger,", 16), 16);
    run_reactor();
    close(peer);
    ck_assert_int_eq(w.finished, 1);
    ck_assert_int_eq(w.reason, 0);
    ck_assert_ptr_nonnull(w.reply);
    ck_assert_uint_eq(w.reply->len, 12);
    ck_assert(memcmp(w.reply->bytes, "tyger, tyger", 12) == 0);
    poem_free(w.reply);
}
END_TEST

START_TEST(a_reply_split_byte_by_byte_arrives_whole) {
    struct watched w = {0};
    int peer = attach(&w, "x", "", 100);
    expect_bytes(peer, "2:x.,");
    const char *reply = "5:a,b.c,";
    for (size_t i = 0; i < strlen(reply); i++)
        ck_assert_int_eq(write(peer, reply + i, 1), 1);
    run_reactor();
    close(peer);
    ck_assert_int_eq(w.reason, 0);
    ck_assert_uint_eq(w.reply->len, 5);
    ck_assert(memcmp(w.reply->bytes, "a,b.c", 5) == 0);
    poem_free(w.reply);
}
END_TEST

START_TEST(a_close_without_a_reply_is_no_reply) {
    struct watched w = {0};
    int peer = attach(&w, "nope", "abc", 100);
    expect_bytes(peer, "8:nope.abc,");
    ck_assert_int_eq(write(peer, "3:ab", 4), 4); /* half a reply, then a clean close */
    close(peer);
    run_reactor();
    ck_assert_int_eq(w.finished, 1);
    ck_assert_ptr_null(w.reply);
    ck_assert_int_eq(w.reason, TRANSFORM_CLIENT_ERR_NO_REPLY);
}
END_TEST

START_TEST(a_malformed_reply_is_the_netstring_error) {
    struct watched w = {0};
    int peer = attach(&w, "shout", "abc", 100);
    ck_assert_int_eq(write(peer, "3:ABCX", 6), 6); /* no comma */
    run_reactor();
    close(peer);
    ck_assert_ptr_null(w.reply);
    ck_assert_int_eq(w.reason, NETSTRING_ERR_COMMA);
}
END_TEST

START_TEST(a_reply_over_the_limit_is_refused_before_its_body) {
    struct watched w = {0};
    int peer = attach(&w, "shout", "abcd", 3);
    ck_assert_int_eq(write(peer, "4:", 2), 2); /* the length alone is over the limit */
    run_reactor();
    close(peer);
    ck_assert_ptr_null(w.reply);
    ck_assert_int_eq(w.reason, NETSTRING_ERR_TOO_LONG);
}
END_TEST

START_TEST(a_name_that_is_empty_or_has_a_dot_is_refused) {
    struct watched w;
    struct poem p = poem_of("abc");
    ck_assert_int_eq(transform_client_init(&w.tc, "", &p, 100, &watched_ops, &w), TRANSFORM_CLIENT_ERR_NAME);
    ck_assert_int_eq(transform_client_init(&w.tc, "a.b", &p, 100, &watched_ops, &w),
                     TRANSFORM_CLIENT_ERR_NAME);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(1)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct deferred *d = (struct deferred *)&w; /* must be set to NULL */
    ck_assert_int_eq(transform_client_request(reactor, &addr, "cummings.ify", &p, &d),
                     TRANSFORM_CLIENT_ERR_NAME);
    ck_assert_ptr_null(d);
    delayed_call_cancel(guard);
    delayed_call_release(guard);
    ck_assert_uint_eq(scheduler_pending(reactor_scheduler(reactor)), 0);
}
END_TEST

/* ---- transform_client_request against the library's transformation server ---- */

static void free_server_protocol(struct transform_server *ts, int reason) {
    (void)reason;
    free(ts);
}

static struct protocol *build_transform_server(struct factory *f, const struct sockaddr_in *addr) {
    (void)f, (void)addr;
    struct transform_server *ts = malloc(sizeof *ts);
    ck_assert_ptr_nonnull(ts);
    transform_server_init(ts, NULL);
    ts->on_lost = free_server_protocol;
    return &ts->nr.protocol;
}

static const struct factory_ops transform_factory_ops = {.build_protocol = build_transform_server};
static struct factory transform_factory = {.ops = &transform_factory_ops};

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

struct outcome {
    int fired;
    struct poem *poem;
    int code;
    char message[200];
};

static struct deferred_result got_reply(struct deferred_result result, void *arg) {
    struct outcome *o = arg;
    o->fired++;
    o->poem = result.value;
    reactor_stop(reactor);
    return deferred_none();
}

static struct deferred_result got_failure(struct deferred_result result, void *arg) {
    struct outcome *o = arg;
    o->fired++;
    o->code = failure_code(result.failure);
    snprintf(o->message, sizeof o->message, "%s", failure_message(result.failure));
    deferred_result_free(result);
    reactor_stop(reactor);
    return deferred_none();
}

/* Asks our transformation server for name of text, runs the reactor until the answer, returns it. */
static struct outcome ask(const char *name, const char *text, const struct poetry_client_limits *limits) {
    struct sockaddr_in any = loopback(0);
    struct listening_port *port = NULL;
    ck_assert_int_eq(reactor_listen_tcp(reactor, &any, &transform_factory, &port), 0);
    struct sockaddr_in to = loopback(listening_port_number(port));
    struct poem poem = poem_of(text);
    struct outcome o = {0};
    struct deferred *d = NULL;
    ck_assert_int_eq(transform_client_request_limited(reactor, &to, name, &poem, limits, &d), 0);
    ck_assert_int_eq(deferred_add_callbacks(d, got_reply, &o, got_failure, &o), 0);
    deferred_unref(d);
    run_reactor();
    listening_port_free(port);
    ck_assert_int_eq(o.fired, 1);
    return o;
}

START_TEST(our_server_cummingsifies_and_shouts) {
    struct outcome o = ask("cummingsify", "Tyger Tyger, BURNING bright", NULL);
    ck_assert_msg(o.poem != NULL, "failed: %s", o.message);
    ck_assert_uint_eq(o.poem->len, 27);
    ck_assert(memcmp(o.poem->bytes, "tyger tyger, burning bright", 27) == 0);
    poem_free(o.poem);
    teardown();
    setup();
    o = ask("shout", "Tyger", NULL);
    ck_assert_msg(o.poem != NULL, "failed: %s", o.message);
    ck_assert(o.poem->len == 5 && memcmp(o.poem->bytes, "TYGER", 5) == 0);
    poem_free(o.poem);
}
END_TEST

START_TEST(the_empty_poem_comes_back_empty) {
    struct outcome o = ask("cummingsify", "", NULL);
    ck_assert_msg(o.poem != NULL, "failed: %s", o.message);
    ck_assert_uint_eq(o.poem->len, 0);
    poem_free(o.poem);
}
END_TEST

START_TEST(an_unknown_transform_is_no_reply) {
    struct outcome o = ask("nope", "Tyger", NULL);
    ck_assert_ptr_null(o.poem);
    ck_assert_int_eq(o.code, TRANSFORM_CLIENT_ERR_NO_REPLY);
    ck_assert_str_eq(o.message, "the server closed without a reply");
}
END_TEST

START_TEST(a_reply_longer_than_max_size_fails) {
    struct poetry_client_limits limits;
    poetry_client_limits_default(&limits);
    limits.max_size = 4;
    struct outcome o = ask("shout", "Tyger", &limits);
    ck_assert_ptr_null(o.poem);
    ck_assert_int_eq(o.code, NETSTRING_ERR_TOO_LONG);
}
END_TEST

START_TEST(a_refused_request_is_the_connections_error) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = loopback(0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    socklen_t len = sizeof addr;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    close(fd); /* nobody listens there */
    struct poem poem = poem_of("Tyger");
    struct outcome o = {0};
    struct deferred *d = NULL;
    ck_assert_int_eq(transform_client_request(reactor, &addr, "cummingsify", &poem, &d), 0);
    ck_assert_int_eq(deferred_add_callbacks(d, got_reply, &o, got_failure, &o), 0);
    deferred_unref(d);
    run_reactor();
    ck_assert_int_eq(o.code, -ECONNREFUSED);
}
END_TEST

static int silent_fd = -1;

static int accept_silently(void *arg) {
    silent_fd = accept(*(int *)arg, NULL, NULL);
    ck_assert_int_ge(silent_fd, 0);
    return 0;
}

START_TEST(a_server_that_never_answers_fails_the_idle_timeout) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = loopback(0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    socklen_t len = sizeof addr;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    struct poetry_client_limits limits;
    poetry_client_limits_default(&limits);
    limits.idle_timeout = 0.2;
    struct poem poem = poem_of("Tyger");
    struct outcome o = {0};
    struct deferred *d = NULL;
    ck_assert_int_eq(transform_client_request_limited(reactor, &addr, "cummingsify", &poem, &limits, &d), 0);
    ck_assert_int_eq(deferred_add_callbacks(d, got_reply, &o, got_failure, &o), 0);
    deferred_unref(d);
    ck_assert_int_eq(reactor_call_later(reactor, 0, accept_silently, &fd, NULL), 0);
    run_reactor();
    ck_assert_int_eq(o.code, TRANSFORM_CLIENT_ERR_IDLE);
    ck_assert_str_eq(o.message, "no byte for 0.2 s");
    close(silent_fd);
    close(fd);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("transform client");
    TCase *protocol = tcase_create("protocol");
    tcase_add_checked_fixture(protocol, setup, teardown);
    tcase_add_test(protocol, the_request_is_one_netstring_and_the_reply_one_netstring);
    tcase_add_test(protocol, a_reply_split_byte_by_byte_arrives_whole);
    tcase_add_test(protocol, a_close_without_a_reply_is_no_reply);
    tcase_add_test(protocol, a_malformed_reply_is_the_netstring_error);
    tcase_add_test(protocol, a_reply_over_the_limit_is_refused_before_its_body);
    tcase_add_test(protocol, a_name_that_is_empty_or_has_a_dot_is_refused);
    suite_add_tcase(suite, protocol);
    TCase *request = tcase_create("request");
    tcase_add_checked_fixture(request, setup, teardown);
    tcase_set_timeout(request, 30);
    tcase_add_test(request, our_server_cummingsifies_and_shouts);
    tcase_add_test(request, the_empty_poem_comes_back_empty);
    tcase_add_test(request, an_unknown_transform_is_no_reply);
    tcase_add_test(request, a_reply_longer_than_max_size_fails);
    tcase_add_test(request, a_refused_request_is_the_connections_error);
    tcase_add_test(request, a_server_that_never_answers_fails_the_idle_timeout);
    suite_add_tcase(suite, request);
    return run_suite_as_tap(suite);
}
