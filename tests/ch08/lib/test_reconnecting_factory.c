/* Chapter 8's reconnecting client factory on the task clock, with a seeded generator and a fake
 * connect (no sockets): Twisted's defaults, the delays (times e, capped at 3,600 s), the jitter drawn
 * as Python's random.normalvariate draws it, max retries, reset-delay, stop-trying cancelling a pending
 * retry, and no retry for a connection the reactor's shutdown ended. Then once over loopback: a client
 * that reconnects after the server closes, and whose last connection is lost to the shutdown. */
#include "check_main.h"
#include "reactor.h"
#include "reconnecting_factory.h"
#include "task_clock.h"
#include "tcp.h"
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static struct task_clock *clock_;
static int connects; /* calls of the fake connect */
static double connected_at[64];
static int connect_result; /* what the fake connect returns */

static int fake_connect(struct reconnecting_factory *rf, void *arg) {
    (void)rf;
    (void)arg;
    if (connects < 64)
        connected_at[connects] = task_clock_seconds(clock_);
    connects++;
    return connect_result;
}

static int user_failed, user_lost;
static struct protocol *no_protocol(struct factory *f, const struct sockaddr_in *addr) {
    (void)f;
    (void)addr;
    return NULL;
}
static void user_failed_hook(struct factory *f, struct connector *c, int reason) {
    (void)f, (void)c, (void)reason;
    user_failed++;
}
static void user_lost_hook(struct factory *f, struct connector *c, int reason) {
    (void)f, (void)c, (void)reason;
    user_lost++;
}
static const struct factory_ops user_ops = {.build_protocol = no_protocol,
                                            .client_connection_failed = user_failed_hook,
                                            .client_connection_lost = user_lost_hook};

static struct reconnecting_factory rf;

static void setup(void) {
    clock_ = task_clock_new();
    ck_assert_ptr_nonnull(clock_);
    connects = 0;
    connect_result = 0;
    user_failed = user_lost = 0;
    reconnecting_factory_init(&rf, &user_ops, task_clock_scheduler(clock_), fake_connect, NULL);
    reconnecting_factory_seed(&rf, 42);
}

static void teardown(void) {
    reconnecting_factory_clear(&rf);
    task_clock_free(clock_);
}

/* The library tells the factory the attempt failed (the connector is the library's; NULL here). */
static void fail_attempt(int reason) {
    rf.base.ops->client_connection_failed(&rf.base, NULL, reason);
}

START_TEST(twisted_defaults) {
    ck_assert(rf.initial_delay == 1.0);
    ck_assert(rf.factor == 2.7182818284590451);
    ck_assert(fabs(rf.factor - exp(1.0)) < 1e-15);
    ck_assert(rf.jitter == 0.11962656472);
    ck_assert(rf.max_delay == 3600.0);
    ck_assert_int_eq(rf.max_retries, -1);
    ck_assert(rf.delay == 1.0);
    ck_assert(rf.continue_trying);
}
END_TEST

START_TEST(delays_grow_by_e_up_to_the_maximum) {
    rf.jitter = 0;
    double want = 1.0;
    for (int i = 0; i < 12; i++) {
        fail_attempt(-ECONNREFUSED);
        ck_assert_int_eq(user_failed, i + 1); /* the owner's hook is told too */
        want = fmin(want * exp(1.0), 3600.0);
        ck_assert_msg(fabs(rf.delay - want) < 1e-9 * want, "retry %d: delay %g, want %g", i + 1, rf.delay,
                      want);
        double start = task_clock_seconds(clock_);
        task_clock_advance(clock_, want * (1 - 1e-9));
        ck_assert_int_eq(connects, i); /* not yet */
        task_clock_advance(clock_, want * 2e-9);
        ck_assert_int_eq(connects, i + 1);
        ck_assert(fabs(connected_at[i] - start - want) < 1e-6 * want);
    }
    ck_assert(rf.delay == 3600.0);
    ck_assert_int_eq(rf.retries, 12);
}
END_TEST

/* A uniform source that plays back fixed values. */
struct playback {
    const double *values;
    size_t next, count;
};
static double play(void *arg) {
    struct playback *p = arg;
    ck_assert_uint_lt(p->next, p->count);
    return p->values[p->next++];
}

START_TEST(jitter_is_pythons_normalvariate) {
    /* Expected values: Python's random.normalvariate(mu, sigma) with random() returning these. */
    const double a[] = {0.9, 0.2};
    struct playback pa = {a, 0, 2};
    ck_assert(fabs(reconnecting_factory_normal_variate(play, &pa, 10, 2) - 11.715527769921414) < 1e-12);
    const double b[] = {0.99, 0.9, 0.3, 0.6}; /* the first pair is rejected */
    struct playback pb = {b, 0, 4};
    ck_assert(fabs(reconnecting_factory_normal_variate(play, &pb, 100, 12) - 89.70683338047152) < 1e-12);
    ck_assert_uint_eq(pb.next, 4);
    /* Through the factory: a uniform 0.5 means z = 0, the delay itself. */
    const double half[] = {0.5, 0.5};
    struct playback ph = {half, 0, 2};
    reconnecting_factory_set_random(&rf, play, &ph);
    fail_attempt(-ECONNREFUSED);
    ck_assert(fabs(rf.delay - exp(1.0)) < 1e-12);
}
END_TEST

START_TEST(seeded_jitter_is_reproducible_and_near_the_delay) {
    double first[50], mean_ratio = 0;
    bool jittered = false;
    for (int run = 0; run < 2; run++) {
        reconnecting_factory_clear(&rf);
        reconnecting_factory_init(&rf, &user_ops, task_clock_scheduler(clock_), fake_connect, NULL);
        reconnecting_factory_seed(&rf, 7);
        rf.max_delay = 1e300; /* no cap: check each draw against its mean */
        for (int i = 0; i < 50; i++) {
            double before = rf.delay;
            fail_attempt(-ECONNREFUSED);
            double mean = before * rf.factor;
            double ratio = rf.delay / mean;
            ck_assert_msg(ratio > 1 - 7 * rf.jitter && ratio < 1 + 7 * rf.jitter, "draw %d: ratio %g", i,
                          ratio);
            if (fabs(ratio - 1) > 1e-9)
                jittered = true;
            if (run == 0) {
                first[i] = rf.delay;
                mean_ratio += ratio / 50;
            } else {
                ck_assert_msg(rf.delay == first[i], "seed 7, draw %d: %g then %g", i, first[i], rf.delay);
            }
        }
    }
    ck_assert(jittered);
    ck_assert(mean_ratio > 0.9 && mean_ratio < 1.1);
    /* Another seed, other delays. */
    reconnecting_factory_clear(&rf);
    reconnecting_factory_init(&rf, &user_ops, task_clock_scheduler(clock_), fake_connect, NULL);
    reconnecting_factory_seed(&rf, 8);
    fail_attempt(-ECONNREFUSED);
    ck_assert(rf.delay != first[0]);
}
END_TEST

START_TEST(max_retries_bounds_the_retries) {
    rf.max_retries = 3;
    for (int i = 0; i < 3; i++) {
        fail_attempt(-ECONNREFUSED);
        ck_assert_int_eq(rf.last_error, 0);
        task_clock_advance(clock_, 10000);
    }
    ck_assert_int_eq(connects, 3);
    fail_attempt(-ECONNREFUSED);
    ck_assert_int_eq(rf.last_error, RECONNECTING_FACTORY_ERR_MAX_RETRIES);
    task_clock_advance(clock_, 10000);
    ck_assert_int_eq(connects, 3);
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock_)), 0);
}
END_TEST

START_TEST(reset_delay_starts_over) {
    rf.jitter = 0;
    for (int i = 0; i < 4; i++) {
        fail_attempt(-ECONNREFUSED);
        task_clock_advance(clock_, 10000);
    }
    ck_assert(rf.delay > 50);
    reconnecting_factory_reset_delay(&rf); /* a good connection */
    ck_assert(rf.delay == 1.0);
    ck_assert_int_eq(rf.retries, 0);
    rf.base.ops->client_connection_lost(&rf.base, NULL, REACTOR_CONNECTION_DONE);
    ck_assert_int_eq(user_lost, 1);
    ck_assert(fabs(rf.delay - exp(1.0)) < 1e-12); /* e again, not e^5 */
}
END_TEST

START_TEST(stop_trying_cancels_a_pending_retry) {
    fail_attempt(-ECONNREFUSED);
    ck_assert_ptr_nonnull(rf.call);
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock_)), 1);
    reconnecting_factory_stop_trying(&rf);
    ck_assert_ptr_null(rf.call);
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock_)), 0);
    task_clock_advance(clock_, 10000);
    ck_assert_int_eq(connects, 0);
    fail_attempt(-ECONNREFUSED); /* no more retries */
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock_)), 0);
    ck_assert_int_eq(reconnecting_factory_retry(&rf), RECONNECTING_FACTORY_ERR_STOPPED);
    reconnecting_factory_reset_delay(&rf); /* Twisted's resetDelay also starts trying again */
    ck_assert_int_eq(reconnecting_factory_retry(&rf), 0);
}
END_TEST

START_TEST(no_retry_after_the_reactor_shut_down) {
    rf.base.ops->client_connection_lost(&rf.base, NULL, REACTOR_ERR_CONNECTION_LOST);
    ck_assert_int_eq(rf.last_error, REACTOR_ERR_SHUTTING_DOWN);
    ck_assert_ptr_null(rf.call);
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock_)), 0);
    ck_assert_int_eq(user_lost, 1);
}
END_TEST

START_TEST(a_connect_that_cannot_begin_is_retried) {
    connect_result = -EMFILE;
    rf.jitter = 0;
    fail_attempt(-ECONNREFUSED);
    task_clock_advance(clock_, 3); /* e: the connect fails at once, and is retried after e^2 */
    ck_assert_int_eq(connects, 1);
    ck_assert_int_eq(rf.last_error, 0);
    ck_assert(fabs(rf.delay - exp(2.0)) < 1e-9);
    connect_result = REACTOR_ERR_SHUTTING_DOWN; /* but not when the reactor is going away */
    task_clock_advance(clock_, 8);
    ck_assert_int_eq(connects, 2);
    ck_assert_int_eq(rf.last_error, REACTOR_ERR_SHUTTING_DOWN);
    ck_assert_uint_eq(scheduler_pending(task_clock_scheduler(clock_)), 0);
}
END_TEST

/* ---- over loopback ---- */

static struct reactor *reactor;
static int server_connections, client_connections;

static void server_made(struct protocol *p, struct transport *t) {
    (void)p;
    if (++server_connections < 3)
        transport_lose_connection(t); /* go away: the client comes back */
}
static void free_lost(struct protocol *p, int reason) {
    (void)reason;
    free(p);
}
static const struct protocol_ops server_protocol_ops = {.connection_made = server_made,
                                                        .connection_lost = free_lost};
static struct protocol *server_build(struct factory *f, const struct sockaddr_in *addr) {
    (void)f, (void)addr;
    struct protocol *p = calloc(1, sizeof *p);
    p->ops = &server_protocol_ops;
    return p;
}
static const struct factory_ops server_factory_ops = {.build_protocol = server_build};

static struct reconnecting_factory client;
static void client_made(struct protocol *p, struct transport *t) {
    (void)p, (void)t;
    reconnecting_factory_reset_delay(&client);
    if (++client_connections == 3)
        reactor_stop(reactor); /* this connection is lost to the shutdown */
}
static const struct protocol_ops client_protocol_ops = {.connection_made = client_made,
                                                        .connection_lost = free_lost};
static struct protocol *client_build(struct factory *f, const struct sockaddr_in *addr) {
    (void)f, (void)addr;
    struct protocol *p = calloc(1, sizeof *p);
    p->ops = &client_protocol_ops;
    return p;
}
static const struct factory_ops client_user_ops = {.build_protocol = client_build};

static int give_up(void *arg) {
    (void)arg;
    ck_abort_msg("still running after 20 s");
    return 0;
}

START_TEST(reconnects_over_loopback_and_not_after_shutdown) {
    signal(SIGPIPE, SIG_DFL);
    reactor = reactor_new();
    struct factory server = {&server_factory_ops};
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct listening_port *port = NULL;
    ck_assert_int_eq(reactor_listen_tcp(reactor, &addr, &server, &port), 0);
    addr.sin_port = htons(listening_port_number(port));
    reconnecting_factory_init(&client, &client_user_ops, reactor_scheduler(reactor), NULL, NULL);
    client.initial_delay = client.delay = 0.01;
    client.factor = 1;
    ck_assert_int_eq(reconnecting_factory_connect_tcp(&client, reactor, &addr, 5), 0);
    ck_assert_int_eq(reactor_call_later(reactor, 20, give_up, NULL, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(server_connections, 3);
    ck_assert_int_eq(client_connections, 3);
    ck_assert_int_eq(client.last_error, REACTOR_ERR_SHUTTING_DOWN); /* the shutdown's loss: no retry */
    ck_assert_ptr_null(client.call);
    reconnecting_factory_clear(&client);
    listening_port_free(port);
    reactor_free(reactor);
}
END_TEST

static Suite *reconnecting_suite(void) {
    Suite *s = suite_create("reconnecting factory");
    TCase *tc = tcase_create("on the task clock");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, twisted_defaults);
    tcase_add_test(tc, delays_grow_by_e_up_to_the_maximum);
    tcase_add_test(tc, jitter_is_pythons_normalvariate);
    tcase_add_test(tc, seeded_jitter_is_reproducible_and_near_the_delay);
    tcase_add_test(tc, max_retries_bounds_the_retries);
    tcase_add_test(tc, reset_delay_starts_over);
    tcase_add_test(tc, stop_trying_cancels_a_pending_retry);
    tcase_add_test(tc, no_retry_after_the_reactor_shut_down);
    tcase_add_test(tc, a_connect_that_cannot_begin_is_retried);
    suite_add_tcase(s, tc);
    TCase *loop = tcase_create("over loopback");
    tcase_set_timeout(loop, 30);
    tcase_add_test(loop, reconnects_over_loopback_and_not_after_shutdown);
    suite_add_tcase(s, loop);
    return s;
}

int main(void) {
    return run_suite_as_tap(reconnecting_suite());
}
