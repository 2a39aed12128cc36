/* Chapter 3's reactor at its edges, checked against Twisted's behaviour (issue 6): what shutdown tells,
 * what the reactor refuses once it no longer runs, and NULL callbacks. Uses reactor.h only, so it runs
 * against every later snapshot. */
#include "check_main.h"
#include "reactor.h"
#include "test_helpers.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What happened, in order: "a:lost b:lost ". */
static char events[512];

static void note(const char *event) {
    size_t used = strlen(events);
    snprintf(events + used, sizeof events - used, "%s ", event);
}

/* A descriptor whose connection_lost can do one thing to the reactor. */
struct victim {
    struct descriptor base;
    const char *name;
    struct reactor *reactor;
    int losses;
    struct victim *remove_on_lost; /* connection_lost removes this other descriptor (reader and writer) */
    int added_on_lost;             /* what reactor_add_reader of extra returned in connection_lost */
    int added_writer_on_lost;      /* the same for reactor_add_writer */
    struct victim *extra;          /* what connection_lost tries to add, if not NULL */
    int cwr_on_lost;               /* what call_when_running returned in connection_lost */
    bool try_cwr;
    int run_on_lost;               /* what reactor_run returned in connection_lost */
    bool try_run;
};

static int victim_read(struct descriptor *d) {
    (void)d;
    return 0;
}
static int victim_write(struct descriptor *d) {
    (void)d;
    return 0;
}

static int never_called(void *arg) {
    (void)arg;
    note("called");
    return 0;
}

static void victim_lost(struct descriptor *d, int reason) {
    struct victim *v = (struct victim *)d;
    v->losses++;
    char event[64];
    snprintf(event, sizeof event, "%s:lost%s", v->name, reason == REACTOR_ERR_CONNECTION_LOST ? "" : "(?)");
    note(event);
    if (v->remove_on_lost != NULL) {
        reactor_remove_reader(v->reactor, &v->remove_on_lost->base);
        reactor_remove_writer(v->reactor, &v->remove_on_lost->base);
    }
    if (v->extra != NULL) {
        v->added_on_lost = reactor_add_reader(v->reactor, &v->extra->base);
        v->added_writer_on_lost = reactor_add_writer(v->reactor, &v->extra->base);
    }
    if (v->try_cwr)
        v->cwr_on_lost = reactor_call_when_running(v->reactor, never_called, NULL);
    if (v->try_run)
        v->run_on_lost = reactor_run(v->reactor);
}

static const struct descriptor_ops victim_ops = {
    .do_read = victim_read, .do_write = victim_write, .connection_lost = victim_lost};

static int stop_it(void *arg) {
    ck_assert_int_eq(reactor_stop(arg), 0);
    return 0;
}

static struct reactor *reactor;
static int pipe_a[2], pipe_b[2], pipe_c[2];
static struct victim a, b, c;

static void setup(void) {
    events[0] = '\0';
    unsetenv("REACTOR_TRACE");
    reactor = reactor_new();
    ck_assert_ptr_nonnull(reactor);
    make_pipe(pipe_a);
    make_pipe(pipe_b);
    make_pipe(pipe_c);
    /* a's fd is lower than b's: shutdown reaches a first. Nothing is ever written, so no do_read runs. */
    a = (struct victim){.base = {.fd = pipe_a[0], .ops = &victim_ops}, .name = "a", .reactor = reactor};
    b = (struct victim){.base = {.fd = pipe_b[0], .ops = &victim_ops}, .name = "b", .reactor = reactor};
    c = (struct victim){.base = {.fd = pipe_c[0], .ops = &victim_ops}, .name = "c", .reactor = reactor};
    ck_assert_int_lt(a.base.fd, b.base.fd);
}

static void teardown(void) {
    reactor_free(reactor);
    close_pipe(pipe_a);
    close_pipe(pipe_b);
    close_pipe(pipe_c);
}

static void run_until_stopped(void) {
    ck_assert_int_eq(reactor_call_when_running(reactor, stop_it, reactor), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
}

/* Scenario 7. Twisted's shutdown removes every descriptor, then tells each. In C, the owner of b may
 * free it as soon as it is removed, so a descriptor removed during shutdown (here by a's
 * connection_lost) is never told: the rule is "every descriptor still registered when its turn comes". */
START_TEST(a_descriptor_removed_during_shutdown_is_not_told) {
    a.remove_on_lost = &b;
    ck_assert_int_eq(reactor_add_reader(reactor, &a.base), 0);
    ck_assert_int_eq(reactor_add_reader(reactor, &b.base), 0);
    run_until_stopped();
    ck_assert_str_eq(events, "a:lost ");
    ck_assert_int_eq(a.losses, 1);
    ck_assert_int_eq(b.losses, 0);
}
END_TEST

START_TEST(every_descriptor_still_registered_is_told_once) {
    ck_assert_int_eq(reactor_add_reader(reactor, &a.base), 0);
    ck_assert_int_eq(reactor_add_writer(reactor, &a.base), 0);
    ck_assert_int_eq(reactor_add_writer(reactor, &b.base), 0);
    run_until_stopped();
    ck_assert_str_eq(events, "a:lost b:lost ");
    ck_assert_uint_eq(reactor_remove_all(reactor), 0);
}
END_TEST

/* Scenario 10: during shutdown the reactor no longer runs, so a new registration is refused (it would
 * never be told, and its owner would wait forever), and so is call_when_running. */
START_TEST(registering_during_shutdown_is_refused) {
    a.extra = &c;
    a.try_cwr = true;
    ck_assert_int_eq(reactor_add_reader(reactor, &a.base), 0);
    run_until_stopped();
    ck_assert_int_eq(a.added_on_lost, REACTOR_ERR_SHUTTING_DOWN);
    ck_assert_int_eq(a.added_writer_on_lost, REACTOR_ERR_SHUTTING_DOWN);
    ck_assert_int_eq(a.cwr_on_lost, REACTOR_ERR_SHUTTING_DOWN);
    ck_assert_int_eq(c.losses, 0);
    ck_assert_str_eq(events, "a:lost ");
    ck_assert_uint_eq(reactor_remove_all(reactor), 0); /* c was not registered */
}
END_TEST

START_TEST(run_from_connection_lost_is_not_restartable) {
    a.try_run = true;
    ck_assert_int_eq(reactor_add_reader(reactor, &a.base), 0);
    run_until_stopped();
    ck_assert_int_eq(a.run_on_lost, REACTOR_ERR_NOT_RESTARTABLE);
}
END_TEST

START_TEST(call_when_running_after_run_returned_is_refused) {
    run_until_stopped();
    ck_assert_int_eq(reactor_call_when_running(reactor, never_called, NULL), REACTOR_ERR_SHUTTING_DOWN);
    ck_assert_int_eq(reactor_run(reactor), REACTOR_ERR_NOT_RESTARTABLE);
    ck_assert_str_eq(events, "");
}
END_TEST

START_TEST(stop_during_shutdown_is_not_running) {
    /* Not new, but part of "no longer running": stop during shutdown is refused too. */
    run_until_stopped();
    ck_assert_int_eq(reactor_stop(reactor), REACTOR_ERR_NOT_RUNNING);
}
END_TEST

START_TEST(the_code_has_a_name) {
    ck_assert_ptr_nonnull(strstr(reactor_strerror(REACTOR_ERR_SHUTTING_DOWN), "shutting down"));
    ck_assert_str_eq(reactor_strerror(REACTOR_ERR_SHUTTING_DOWN), result_strerror(REACTOR_ERR_SHUTTING_DOWN));
}
END_TEST

/* Scenario 9: a NULL function is refused up front, rather than crashing when it is due. */
START_TEST(a_null_callback_is_refused) {
    ck_assert_int_eq(reactor_call_when_running_named(reactor, "null", NULL, NULL), -EINVAL);
    run_until_stopped(); /* nothing queued that could crash */
}
END_TEST

static int cwr_null_result = 1;
static int add_null_while_running(void *arg) {
    cwr_null_result = reactor_call_when_running_named(arg, "null", NULL, NULL);
    return reactor_stop(arg);
}

START_TEST(a_null_callback_is_refused_while_running) {
    ck_assert_int_eq(reactor_call_when_running(reactor, add_null_while_running, reactor), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(cwr_null_result, -EINVAL);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("reactor_shutdown");
    TCase *tc = tcase_create("shutdown");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_descriptor_removed_during_shutdown_is_not_told);
    tcase_add_test(tc, every_descriptor_still_registered_is_told_once);
    tcase_add_test(tc, registering_during_shutdown_is_refused);
    tcase_add_test(tc, run_from_connection_lost_is_not_restartable);
    tcase_add_test(tc, call_when_running_after_run_returned_is_refused);
    tcase_add_test(tc, stop_during_shutdown_is_not_running);
    tcase_add_test(tc, the_code_has_a_name);
    tcase_add_test(tc, a_null_callback_is_refused);
    tcase_add_test(tc, a_null_callback_is_refused_while_running);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
