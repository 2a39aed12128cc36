/* Chapter 8's poetry servers (poetry_server.h) with a real reactor. The slow server keeps its pace on
 * whatever scheduler it is given (a task clock here: no sleeping), sends the whole poem, and when a
 * client leaves early — it resets, or it closes and the next slice cannot go — ends that connection
 * only, with no slice left pending and nothing left allocated (the sanitizer build checks leaks). The
 * fast server sends the whole poem at once. The clients are the library's own poetry clients. */
#include "check_main.h"
#include "deferred.h"
#include "failure.h"
#include "poem.h"
#include "poetry_client.h"
#include "poetry_server.h"
#include "reactor.h"
#include "scheduler.h"
#include "task_clock.h"
#include "tcp.h"
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct reactor *reactor;
static struct delayed_call *guard;
static size_t downloads_ended; /* Deferreds of the test's poetry clients that have fired */

static int give_up(void *arg) {
    (void)arg;
    ck_abort_msg("the reactor was still running after 20 s");
    return 0;
}

static void setup(void) {
    signal(SIGPIPE, SIG_IGN);
    downloads_ended = 0;
    reactor = reactor_new();
    ck_assert_ptr_nonnull(reactor);
    ck_assert_int_eq(reactor_call_later(reactor, 20, give_up, NULL, &guard), 0);
}

static void teardown(void) {
    reactor_free(reactor);
}

static char *pattern(size_t len) {
    char *bytes = malloc(len);
    ck_assert_ptr_nonnull(bytes);
    for (size_t i = 0; i < len; i++)
        bytes[i] = (char)('a' + i % 26);
    return bytes;
}

/* Stops the reactor once the server has no connection left, `ends` have ended and `downloads` of the
 * test's clients have their outcome; until then looks again every 10 ms, moving the task clock (if
 * any) by `step` each time. */
struct watch {
    struct poetry_server *server;
    size_t ends, downloads;
    struct task_clock *clock;
    double step;
};

static int watch_server(void *arg) {
    struct watch *w = arg;
    if (w->server->active == 0 && w->server->served + w->server->left_early >= w->ends &&
        downloads_ended >= w->downloads) {
        reactor_stop(reactor);
        return 0;
    }
    if (w->clock != NULL)
        task_clock_advance(w->clock, w->step);
    return reactor_call_later(reactor, 0.01, watch_server, w, NULL);
}

static void run_until_ended(struct watch *w) {
    ck_assert_int_eq(reactor_call_later(reactor, 0, watch_server, w, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    delayed_call_cancel(guard);
    delayed_call_release(guard);
}

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

/* ---- The slow protocol on a socketpair, paced by a task clock ---- */

/* Gives the server a connection on one end of a socketpair; returns the other end (non-blocking). */
static int connect_socketpair(struct poetry_server *server) {
    int fds[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ck_assert_int_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    ck_assert_int_eq(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
    struct transport *t = NULL;
    ck_assert_int_eq(transport_new(reactor, fds[0], &t), 0);
    struct sockaddr_in peer = loopback(1);
    struct protocol *p = server->factory.ops->build_protocol(&server->factory, &peer);
    ck_assert_ptr_nonnull(p);
    transport_attach(t, p, NULL, NULL); /* connection_made: the first slice goes out now */
    return fds[1];
}

/* What the peer can read now, without waiting: the byte count (0 if nothing). */
static size_t read_now(int fd, char *into, size_t room) {
    ssize_t n = recv(fd, into, room, 0);
    if (n < 0) {
        ck_assert_msg(errno == EAGAIN || errno == EWOULDBLOCK, "recv: %s", strerror(errno));
        return 0;
    }
    return (size_t)n;
}

START_TEST(the_slow_server_sends_a_slice_every_delay_on_its_clock) {
    static const char poem[] = "Tyger Tyger, burning bright,\n"; /* 29 bytes: 10 + 10 + 9 */
    struct task_clock *clock = task_clock_new();
    ck_assert_ptr_nonnull(clock);
    struct poetry_server server;
    poetry_server_init_slow(&server, task_clock_scheduler(clock), poem, 29, 10, 1.0, NULL, NULL);
    int peer = connect_socketpair(&server);
    ck_assert_uint_eq(server.active, 1);
    char got[64];
    size_t have = read_now(peer, got, sizeof got);
    ck_assert_uint_eq(have, 10); /* the first slice at once */
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock)), 1);
    task_clock_advance(clock, 0.99);
    ck_assert_uint_eq(read_now(peer, got + have, sizeof got - have), 0); /* not before its time */
    task_clock_advance(clock, 0.01);
    have += read_now(peer, got + have, sizeof got - have);
    ck_assert_uint_eq(have, 20);
    task_clock_advance(clock, 1.0);
    have += read_now(peer, got + have, sizeof got - have);
    ck_assert_uint_eq(have, 29); /* the last, shorter slice */
    ck_assert(memcmp(got, poem, 29) == 0);
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock)), 0); /* nothing after the last */
    struct watch w = {.server = &server, .ends = 1};
    run_until_ended(&w); /* the clean close goes out on a turn of the reactor */
    ck_assert_uint_eq(server.served, 1);
    ck_assert_uint_eq(server.left_early, 0);
    ck_assert_uint_eq(read_now(peer, got, sizeof got), 0); /* end of file */
    close(peer);
    task_clock_free(clock);
}
END_TEST

/* The client goes after the first slice. Its end of the pair is closed, so the next slice cannot be
 * written: the connection fails, the server counts a client that left early, and no slice is left
 * pending on the clock. */
START_TEST(a_client_that_closes_early_leaves_no_slice_pending) {
    char *poem = pattern(1000);
    struct task_clock *clock = task_clock_new();
    ck_assert_ptr_nonnull(clock);
    struct poetry_server server;
    poetry_server_init_slow(&server, task_clock_scheduler(clock), poem, 1000, 10, 5.0, NULL, NULL);
    int peer = connect_socketpair(&server);
    char got[16];
    ck_assert_uint_eq(read_now(peer, got, sizeof got), 10);
    close(peer);
    struct watch w = {.server = &server, .ends = 1, .clock = clock, .step = 5.0};
    run_until_ended(&w);
    ck_assert_uint_eq(server.active, 0);
    ck_assert_uint_eq(server.left_early, 1);
    ck_assert_uint_eq(server.served, 0);
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock)), 0);
    task_clock_free(clock);
    free(poem);
}
END_TEST

/* ---- The servers on a listening port, and the library's poetry clients ---- */

struct outcome {
    int fired;
    struct poem *poem;
    int code;
};

static struct deferred_result got_poem(struct deferred_result result, void *arg) {
    struct outcome *o = arg;
    o->fired++;
    downloads_ended++;
    o->poem = result.value;
    return deferred_none();
}

static struct deferred_result got_failure(struct deferred_result result, void *arg) {
    struct outcome *o = arg;
    o->fired++;
    downloads_ended++;
    o->code = failure_code(result.failure);
    deferred_result_free(result);
    return deferred_none();
}

static struct listening_port *listen_on_loopback(struct poetry_server *server, struct sockaddr_in *to) {
    struct sockaddr_in any = loopback(0);
    struct listening_port *port = NULL;
    ck_assert_int_eq(reactor_listen_tcp(reactor, &any, &server->factory, &port), 0);
    *to = loopback(listening_port_number(port));
    return port;
}

static void get_poem(const struct sockaddr_in *to, const struct poetry_client_limits *limits,
                     struct outcome *o) {
    struct deferred *d = NULL;
    ck_assert_int_eq(poetry_client_get(reactor, to, limits, &d), 0);
    ck_assert_int_eq(deferred_add_callbacks(d, got_poem, o, got_failure, o), 0);
    deferred_unref(d);
}

START_TEST(the_slow_server_serves_three_clients_the_whole_poem) {
    char *poem = pattern(3000);
    struct poetry_server server;
    poetry_server_init_slow(&server, reactor_scheduler(reactor), poem, 3000, 500, 0.01, NULL, NULL);
    struct sockaddr_in to;
    struct listening_port *port = listen_on_loopback(&server, &to);
    struct outcome o[3] = {{0}};
    for (int i = 0; i < 3; i++)
        get_poem(&to, NULL, &o[i]);
    struct watch w = {.server = &server, .ends = 3, .downloads = 3};
    run_until_ended(&w);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(o[i].fired, 1);
        ck_assert_ptr_nonnull(o[i].poem);
        ck_assert_uint_eq(o[i].poem->len, 3000);
        ck_assert(memcmp(o[i].poem->bytes, poem, 3000) == 0);
        poem_free(o[i].poem);
    }
    ck_assert_uint_eq(server.served, 3);
    ck_assert_uint_eq(server.left_early, 0);
    ck_assert_uint_eq(scheduler_pending(reactor_scheduler(reactor)), 0);
    listening_port_free(port);
    free(poem);
}
END_TEST

/* A client that gives up after the first slice (its max_size is 5 bytes: it aborts, and the server
 * reads a reset) while the next slice is an hour away: the server cancels that slice at once. The
 * other client, on the same server, is still being served: its slice is the only one left. */
struct leaving {
    struct poetry_server *server;
    size_t pending_then; /* the scheduler's pending calls when the first client had gone */
    size_t active_then;
};

static int watch_leaver(void *arg) {
    struct leaving *l = arg;
    if (l->server->left_early == 0)
        return reactor_call_later(reactor, 0.01, watch_leaver, l, NULL);
    l->pending_then = scheduler_pending(reactor_scheduler(reactor)); /* this call is running, not pending */
    l->active_then = l->server->active;
    reactor_stop(reactor);
    return 0;
}

START_TEST(a_client_that_resets_early_cancels_its_slice_and_no_other) {
    char *poem = pattern(100);
    struct poetry_server server;
    poetry_server_init_slow(&server, reactor_scheduler(reactor), poem, 100, 10, 3600, NULL, NULL);
    struct sockaddr_in to;
    struct listening_port *port = listen_on_loopback(&server, &to);
    struct poetry_client_limits small, patient;
    poetry_client_limits_default(&small);
    small.max_size = 5;
    small.idle_timeout = 0;
    patient = small;
    patient.max_size = 1000;
    struct outcome leaver = {0}, stayer = {0};
    get_poem(&to, &patient, &stayer);
    get_poem(&to, &small, &leaver);
    struct leaving l = {.server = &server};
    ck_assert_int_eq(reactor_call_later(reactor, 0, watch_leaver, &l, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0); /* its shutdown ends the other connection too */
    delayed_call_cancel(guard);
    delayed_call_release(guard);
    ck_assert_int_eq(leaver.code, -EFBIG);
    ck_assert_uint_eq(l.active_then, 1);  /* the other client */
    ck_assert_uint_eq(l.pending_then, 2); /* the guard and the other client's slice: not the leaver's */
    ck_assert_uint_eq(server.active, 0);
    ck_assert_uint_eq(server.left_early, 2); /* the other one, at the reactor's shutdown */
    ck_assert_int_eq(stayer.code, REACTOR_ERR_CONNECTION_LOST);
    ck_assert_uint_eq(scheduler_pending(reactor_scheduler(reactor)), 0);
    listening_port_free(port);
    free(poem);
}
END_TEST

/* The fast server: the whole poem in one write, then a clean close. */
START_TEST(the_fast_server_sends_the_whole_poem_at_once) {
    char *poem = pattern(200000);
    struct poetry_server server;
    poetry_server_init_fast(&server, poem, 200000, NULL, NULL);
    struct sockaddr_in to;
    struct listening_port *port = listen_on_loopback(&server, &to);
    struct outcome o = {0};
    get_poem(&to, NULL, &o);
    struct watch w = {.server = &server, .ends = 1, .downloads = 1};
    run_until_ended(&w);
    ck_assert_int_eq(o.fired, 1);
    ck_assert_ptr_nonnull(o.poem);
    ck_assert_uint_eq(o.poem->len, 200000);
    ck_assert(memcmp(o.poem->bytes, poem, 200000) == 0);
    ck_assert_uint_eq(server.served, 1);
    poem_free(o.poem);
    listening_port_free(port);
    free(poem);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("poetry server");
    TCase *tc = tcase_create("servers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, the_slow_server_sends_a_slice_every_delay_on_its_clock);
    tcase_add_test(tc, a_client_that_closes_early_leaves_no_slice_pending);
    tcase_add_test(tc, the_slow_server_serves_three_clients_the_whole_poem);
    tcase_add_test(tc, a_client_that_resets_early_cancels_its_slice_and_no_other);
    tcase_add_test(tc, the_fast_server_sends_the_whole_poem_at_once);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
