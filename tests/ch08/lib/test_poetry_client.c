/* Chapter 8's poetry client (poetry_client.h) with a real reactor: the protocol alone on a socketpair
 * (any transport will do), and poetry_client_get against raw loopback servers that the test plays
 * itself. A clean close is the poem; a reset, a refusal or a limit is a failure with its own code and
 * message; max_size holds at its boundary; cancelling stops the download; and a download that is over
 * leaves no delayed call behind. Timeouts are checked by their outcome, with a 20 s guard. */
#include "check_main.h"
#include "deferred.h"
#include "failure.h"
#include "poem.h"
#include "poetry_client.h"
#include "reactor.h"
#include "scheduler.h"
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

/* Runs the reactor until a test's callback stops it; then nothing but the guard may be pending. */
static void run_reactor(void) {
    ck_assert_int_eq(reactor_run(reactor), 0);
    delayed_call_cancel(guard);
    delayed_call_release(guard);
    ck_assert_uint_eq(scheduler_pending(reactor_scheduler(reactor)), 0); /* no timer left behind */
}

static char *pattern(size_t len) {
    char *bytes = malloc(len > 0 ? len : 1);
    ck_assert_ptr_nonnull(bytes);
    for (size_t i = 0; i < len; i++)
        bytes[i] = (char)(i * 13 + (i >> 9));
    return bytes;
}

/* ---- The protocol alone, on a socketpair's transport ---- */

struct watched {
    struct poetry_protocol pp;
    int made, finished, reason;
    size_t received;
    struct poem *poem;
    int give_up_with; /* if not 0: give up with it at the first bytes */
};

static void watched_made(struct poetry_protocol *pp) {
    ((struct watched *)pp)->made++;
}

static void watched_bytes(struct poetry_protocol *pp, size_t len) {
    struct watched *w = (struct watched *)pp;
    w->received += len;
    if (w->give_up_with != 0)
        poetry_protocol_give_up(pp, w->give_up_with);
}

static void watched_finished(struct poetry_protocol *pp, struct poem *poem, int reason) {
    struct watched *w = (struct watched *)pp;
    w->finished++;
    w->poem = poem;
    w->reason = reason;
    reactor_stop(reactor);
}

static const struct poetry_protocol_ops watched_ops = {
    .connection_made = watched_made, .bytes_received = watched_bytes, .poem_finished = watched_finished};

/* Attaches w's protocol to one end of a socketpair; returns the other end (blocking). */
static int attach_to_socketpair(struct watched *w) {
    int fds[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ck_assert_int_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    struct transport *t = NULL;
    ck_assert_int_eq(transport_new(reactor, fds[0], &t), 0);
    transport_attach(t, &w->pp.protocol, NULL, NULL);
    return fds[1];
}

START_TEST(the_protocol_on_any_transport_makes_a_clean_close_the_poem) {
    struct watched w = {0};
    poetry_protocol_init(&w.pp, &watched_ops, &w, 100);
    ck_assert_ptr_eq(w.pp.arg, &w);
    int peer = attach_to_socketpair(&w);
    ck_assert_int_eq(w.made, 1);
    ck_assert_int_eq(write(peer, "Tyger ", 6), 6);
    ck_assert_int_eq(write(peer, "Tyger\n", 6), 6);
    close(peer);
    run_reactor();
    ck_assert_int_eq(w.finished, 1);
    ck_assert_int_eq(w.reason, 0);
    ck_assert_ptr_nonnull(w.poem);
    ck_assert_uint_eq(w.poem->len, 12);
    ck_assert(memcmp(w.poem->bytes, "Tyger Tyger\n", 12) == 0);
    ck_assert_uint_eq(w.received, 12);
    poem_free(w.poem);
}
END_TEST

START_TEST(the_protocol_gives_up_past_max_size_and_drops_the_bytes) {
    struct watched w = {0};
    poetry_protocol_init(&w.pp, &watched_ops, &w, 5);
    int peer = attach_to_socketpair(&w);
    ck_assert_int_eq(write(peer, "123456", 6), 6); /* one byte past the maximum */
    run_reactor();
    close(peer);
    ck_assert_int_eq(w.finished, 1);
    ck_assert_int_eq(w.reason, -EFBIG);
    ck_assert_ptr_null(w.poem);
}
END_TEST

START_TEST(a_protocol_that_gives_up_reports_its_own_reason_not_the_close) {
    struct watched w = {.give_up_with = -EPROTO};
    poetry_protocol_init(&w.pp, &watched_ops, &w, 100);
    int peer = attach_to_socketpair(&w);
    ck_assert_int_eq(write(peer, "abc", 3), 3);
    run_reactor();
    close(peer);
    ck_assert_int_eq(w.finished, 1);
    ck_assert_int_eq(w.reason, -EPROTO);
    ck_assert_ptr_null(w.poem);
    poetry_protocol_give_up(&w.pp, -EIO); /* after the end: nothing, no crash */
}
END_TEST

/* ---- poetry_client_get against servers the test plays ---- */

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

/* A blocking listening socket on loopback, port 0; its port in *port. */
static int listen_loopback(int backlog, unsigned short *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in addr = loopback(0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    ck_assert_int_eq(listen(fd, backlog), 0);
    socklen_t len = sizeof addr;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    *port = ntohs(addr.sin_port);
    return fd;
}

enum behaviour { SEND_AND_CLOSE, SEND_AND_RESET, SILENT, TRICKLE };

/* The server's side of one test: what it does with the one client it accepts. */
struct server {
    int listen_fd, fd;
    enum behaviour behaviour;
    const char *bytes;
    size_t len;
    size_t sent; /* TRICKLE: one byte every 0.05 s */
};

static int trickle(void *arg) {
    struct server *s = arg;
    if (s->sent == s->len) {
        close(s->fd);
        s->fd = -1;
        return 0;
    }
    ck_assert_int_eq(write(s->fd, s->bytes + s->sent, 1), 1);
    s->sent++;
    return reactor_call_later(reactor, 0.05, trickle, s, NULL);
}

/* Runs on the reactor's first turn: accepts the client (already in the kernel's queue, or on its way:
 * accept waits) and plays the behaviour. */
static int serve(void *arg) {
    struct server *s = arg;
    s->fd = accept(s->listen_fd, NULL, NULL);
    ck_assert_int_ge(s->fd, 0);
    switch (s->behaviour) {
    case SEND_AND_CLOSE:
    case SEND_AND_RESET:
        if (s->len > 0)
            ck_assert_int_eq(write(s->fd, s->bytes, s->len), (ssize_t)s->len);
        if (s->behaviour == SEND_AND_RESET) {
            struct linger reset = {.l_onoff = 1, .l_linger = 0};
            ck_assert_int_eq(setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset), 0);
        }
        close(s->fd);
        s->fd = -1;
        break;
    case SILENT:
        break; /* closed at the end of the test */
    case TRICKLE:
        return trickle(s);
    }
    return 0;
}

/* What a download's Deferred fired with. */
struct outcome {
    int fired;
    struct poem *poem;
    int code;
    char message[200];
    size_t progress;
};

static struct deferred_result got_poem(struct deferred_result result, void *arg) {
    struct outcome *o = arg;
    o->fired++;
    o->poem = result.value; /* ours now */
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

static void count_progress(void *arg, size_t len) {
    ((struct outcome *)arg)->progress += len;
}

/* Starts a download from port with limits, its outcome into o; returns the Deferred (the test's). */
static struct deferred *download(unsigned short port, const struct poetry_client_limits *limits,
                                 struct outcome *o) {
    struct sockaddr_in addr = loopback(port);
    struct deferred *d = NULL;
    ck_assert_int_eq(poetry_client_get_watched(reactor, &addr, limits, count_progress, o, &d), 0);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(deferred_add_callbacks(d, got_poem, o, got_failure, o), 0);
    return d;
}

/* One download from a server of this behaviour, run to its end. */
static void run_download(struct server *s, const struct poetry_client_limits *limits, struct outcome *o) {
    unsigned short port;
    s->listen_fd = listen_loopback(8, &port);
    s->fd = -1;
    deferred_unref(download(port, limits, o));
    ck_assert_int_eq(reactor_call_later(reactor, 0, serve, s, NULL), 0);
    run_reactor();
    ck_assert_int_eq(o->fired, 1);
    if (s->fd >= 0)
        close(s->fd);
    close(s->listen_fd);
}

START_TEST(a_clean_close_is_the_whole_poem) {
    size_t len = 60000;
    char *bytes = pattern(len);
    struct server s = {.behaviour = SEND_AND_CLOSE, .bytes = bytes, .len = len};
    struct outcome o = {0};
    run_download(&s, NULL, &o);
    ck_assert_msg(o.poem != NULL, "failed: %s", o.message);
    ck_assert_uint_eq(o.poem->len, len);
    ck_assert(memcmp(o.poem->bytes, bytes, len) == 0);
    ck_assert_uint_eq(o.progress, len); /* every byte reported as it came */
    poem_free(o.poem);
    free(bytes);
}
END_TEST

START_TEST(a_server_that_closes_at_once_sends_the_empty_poem) {
    struct server s = {.behaviour = SEND_AND_CLOSE};
    struct outcome o = {0};
    run_download(&s, NULL, &o);
    ck_assert_msg(o.poem != NULL, "failed: %s", o.message);
    ck_assert_uint_eq(o.poem->len, 0);
    poem_free(o.poem);
}
END_TEST

START_TEST(a_reset_is_a_failure_and_the_partial_poem_is_dropped) {
    struct server s = {.behaviour = SEND_AND_RESET, .bytes = "Tyger Tyger, burning", .len = 20};
    struct outcome o = {0};
    run_download(&s, NULL, &o);
    ck_assert_ptr_null(o.poem);
    ck_assert_int_eq(o.code, -ECONNRESET);
}
END_TEST

START_TEST(a_refused_connect_is_a_failure) {
    unsigned short port;
    int fd = listen_loopback(1, &port);
    close(fd); /* nobody listens there now */
    struct outcome o = {0};
    deferred_unref(download(port, NULL, &o));
    run_reactor();
    ck_assert_int_eq(o.fired, 1);
    ck_assert_int_eq(o.code, -ECONNREFUSED);
}
END_TEST

START_TEST(exactly_max_size_is_a_poem) {
    char *bytes = pattern(1001);
    struct poetry_client_limits limits;
    poetry_client_limits_default(&limits);
    limits.max_size = 1000;
    struct server fits = {.behaviour = SEND_AND_CLOSE, .bytes = bytes, .len = 1000};
    struct outcome o = {0};
    run_download(&fits, &limits, &o);
    ck_assert_msg(o.poem != NULL, "failed: %s", o.message);
    ck_assert_uint_eq(o.poem->len, 1000);
    poem_free(o.poem);
    free(bytes);
}
END_TEST

START_TEST(one_byte_past_max_size_fails_with_efbig_and_says_the_limit) {
    char *bytes = pattern(1001);
    struct poetry_client_limits limits;
    poetry_client_limits_default(&limits);
    limits.max_size = 1000;
    struct server over = {.behaviour = SEND_AND_CLOSE, .bytes = bytes, .len = 1001};
    struct outcome o = {0};
    run_download(&over, &limits, &o);
    ck_assert_ptr_null(o.poem);
    ck_assert_int_eq(o.code, -EFBIG);
    ck_assert_str_eq(o.message, "poem larger than --max-size (1000 bytes)");
    free(bytes);
}
END_TEST

START_TEST(the_defaults_are_twisteds_and_chapter_fives) {
    struct poetry_client_limits limits;
    memset(&limits, 0xff, sizeof limits);
    poetry_client_limits_default(&limits);
    ck_assert(limits.connect_timeout == 30);
    ck_assert(limits.idle_timeout == 60);
    ck_assert(limits.timeout == 0);
    ck_assert_uint_eq(limits.max_size, (size_t)64 << 20);
}
END_TEST

START_TEST(a_silent_server_fails_the_idle_timeout) {
    struct poetry_client_limits limits;
    poetry_client_limits_default(&limits);
    limits.idle_timeout = 0.2;
    struct server s = {.behaviour = SILENT};
    struct outcome o = {0};
    double start = reactor_seconds(reactor);
    run_download(&s, &limits, &o);
    ck_assert_int_eq(o.code, POETRY_CLIENT_ERR_IDLE);
    ck_assert_str_eq(o.message, "no byte for 0.2 s");
    ck_assert(reactor_seconds(reactor) - start >= 0.2);
}
END_TEST

/* Bytes that keep coming push the idle timeout back: 30 bytes 0.05 s apart outlast a 1 s idle timeout
 * (1.5 s in all) without tripping it. */
START_TEST(bytes_that_keep_coming_push_the_idle_timeout_back) {
    struct poetry_client_limits limits;
    poetry_client_limits_default(&limits);
    limits.idle_timeout = 1;
    struct server s = {.behaviour = TRICKLE, .bytes = "abcdefghijklmnopqrstuvwxyz0123", .len = 30};
    struct outcome o = {0};
    run_download(&s, &limits, &o);
    ck_assert_msg(o.poem != NULL, "failed: %s", o.message);
    ck_assert_uint_eq(o.poem->len, 30);
    poem_free(o.poem);
}
END_TEST

START_TEST(a_download_that_takes_too_long_fails_the_total_timeout) {
    struct poetry_client_limits limits;
    poetry_client_limits_default(&limits);
    limits.timeout = 0.3;
    struct server s = {.behaviour = SILENT};
    struct outcome o = {0};
    run_download(&s, &limits, &o);
    ck_assert_int_eq(o.code, POETRY_CLIENT_ERR_TIMED_OUT);
    ck_assert_str_eq(o.message, "timed out after 0.3 s");
}
END_TEST

/* A listener whose smallest backlog is full: the kernel drops the next connect's SYN, so it hangs. */
static int full_backlog(unsigned short *port, int fillers[4]) {
    int fd = listen_loopback(0, port);
    struct sockaddr_in addr = loopback(*port);
    for (int i = 0; i < 4; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM, 0);
        ck_assert_int_ge(fillers[i], 0);
        ck_assert_int_eq(fcntl(fillers[i], F_SETFL, O_NONBLOCK), 0);
        connect(fillers[i], (struct sockaddr *)&addr, sizeof addr); /* in progress, or done */
    }
    return fd;
}

START_TEST(a_connect_nobody_answers_fails_the_connect_timeout) {
    unsigned short port;
    int fillers[4];
    int fd = full_backlog(&port, fillers);
    struct poetry_client_limits limits;
    poetry_client_limits_default(&limits);
    limits.connect_timeout = 0.3;
    struct outcome o = {0};
    deferred_unref(download(port, &limits, &o));
    run_reactor();
    ck_assert_int_eq(o.fired, 1);
    ck_assert_int_eq(o.code, POETRY_CLIENT_ERR_CONNECT_TIMED_OUT);
    ck_assert_str_eq(o.message, "connect timed out after 0.3 s");
    for (int i = 0; i < 4; i++)
        close(fillers[i]);
    close(fd);
}
END_TEST

static int cancel_it(void *arg) {
    deferred_cancel(arg);
    return 0;
}

START_TEST(cancelling_a_connected_download_stops_it) {
    unsigned short port;
    struct server s = {.behaviour = SILENT, .fd = -1};
    s.listen_fd = listen_loopback(8, &port);
    struct outcome o = {0};
    struct deferred *d = download(port, NULL, &o);
    ck_assert_int_eq(reactor_call_later(reactor, 0, serve, &s, NULL), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 0.2, cancel_it, d, NULL), 0);
    run_reactor();
    ck_assert_int_eq(o.fired, 1);
    ck_assert_int_eq(o.code, DEFERRED_ERR_CANCELLED);
    deferred_unref(d);
    close(s.fd);
    close(s.listen_fd);
}
END_TEST

START_TEST(cancelling_a_download_still_connecting_stops_it) {
    unsigned short port;
    int fillers[4];
    int fd = full_backlog(&port, fillers);
    struct outcome o = {0};
    struct deferred *d = download(port, NULL, &o); /* connect timeout 30 s: the cancel comes first */
    ck_assert_int_eq(reactor_call_later(reactor, 0.2, cancel_it, d, NULL), 0);
    run_reactor();
    ck_assert_int_eq(o.fired, 1);
    ck_assert_int_eq(o.code, DEFERRED_ERR_CANCELLED);
    deferred_unref(d);
    for (int i = 0; i < 4; i++)
        close(fillers[i]);
    close(fd);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("poetry client");
    TCase *protocol = tcase_create("protocol");
    tcase_add_checked_fixture(protocol, setup, teardown);
    tcase_add_test(protocol, the_protocol_on_any_transport_makes_a_clean_close_the_poem);
    tcase_add_test(protocol, the_protocol_gives_up_past_max_size_and_drops_the_bytes);
    tcase_add_test(protocol, a_protocol_that_gives_up_reports_its_own_reason_not_the_close);
    suite_add_tcase(suite, protocol);
    TCase *get = tcase_create("get");
    tcase_add_checked_fixture(get, setup, teardown);
    tcase_set_timeout(get, 30);
    tcase_add_test(get, a_clean_close_is_the_whole_poem);
    tcase_add_test(get, a_server_that_closes_at_once_sends_the_empty_poem);
    tcase_add_test(get, a_reset_is_a_failure_and_the_partial_poem_is_dropped);
    tcase_add_test(get, a_refused_connect_is_a_failure);
    tcase_add_test(get, exactly_max_size_is_a_poem);
    tcase_add_test(get, one_byte_past_max_size_fails_with_efbig_and_says_the_limit);
    tcase_add_test(get, the_defaults_are_twisteds_and_chapter_fives);
    tcase_add_test(get, a_silent_server_fails_the_idle_timeout);
    tcase_add_test(get, bytes_that_keep_coming_push_the_idle_timeout_back);
    tcase_add_test(get, a_download_that_takes_too_long_fails_the_total_timeout);
    tcase_add_test(get, a_connect_nobody_answers_fails_the_connect_timeout);
    tcase_add_test(get, cancelling_a_connected_download_stops_it);
    tcase_add_test(get, cancelling_a_download_still_connecting_stops_it);
    suite_add_tcase(suite, get);
    return run_suite_as_tap(suite);
}
