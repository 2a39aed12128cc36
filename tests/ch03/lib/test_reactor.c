/* Chapter 3's reactor: registering descriptors, dispatch, call-when-running, stop and shutdown, the
 * trace. These tests run against every later snapshot too, so they use reactor.h and nothing else of
 * the library. Each test drives a real reactor over pipes and socket pairs. */
#include "check_main.h"
#include "reactor.h"
#include "test_helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What happened, in order, across every callback and descriptor of one test: "a b c ". */
static char events[1024];

static void note(const char *event) {
    size_t used = strlen(events);
    snprintf(events + used, sizeof events - used, "%s ", event);
}

static void setup(void) {
    events[0] = '\0';
    unsetenv("REACTOR_TRACE");
}

/* ---- helpers (make_pipe, close_pipe, capture_begin/_end, the clocks: tests/support/test_helpers.h) ---- */

static void poke(int fd) {
    ck_assert_int_eq(write(fd, "x", 1), 1);
}

/* ---- a descriptor that records what the reactor does to it, and can be told what to do ---- */

struct probe {
    struct descriptor base;
    const char *name;
    struct reactor *reactor;
    int reads, writes, losses, reason;
    int read_result;            /* what do_read returns */
    int write_result;           /* what do_write returns */
    bool drain;                 /* do_read empties the fd */
    int stop_on_read;           /* stop the reactor on this read (1 = the first); 0 never */
    int stop_on_write;          /* the same for writes */
    bool stop_on_lost;          /* connection_lost stops the reactor */
    bool remove_self_on_read;   /* do_read removes this probe as a reader */
    struct probe *kill_on_read; /* do_read removes this other probe and frees it */
    int poke_on_read;           /* do_read writes a byte to this fd (-1: none) */
    int poke_on_lost;           /* connection_lost writes a byte to this fd (-1: none) */
};

static int probe_read(struct descriptor *d) {
    struct probe *p = (struct probe *)d;
    p->reads++;
    char event[64];
    snprintf(event, sizeof event, "%s:read", p->name);
    note(event);
    if (p->drain) {
        char buf[256];
        while (read(d->fd, buf, sizeof buf) > 0)
            continue;
    }
    if (p->remove_self_on_read)
        reactor_remove_reader(p->reactor, d);
    if (p->kill_on_read != NULL) {
        reactor_remove_reader(p->reactor, &p->kill_on_read->base);
        reactor_remove_writer(p->reactor, &p->kill_on_read->base);
        free(p->kill_on_read);
        p->kill_on_read = NULL;
    }
    if (p->poke_on_read >= 0)
        poke(p->poke_on_read);
    if (p->stop_on_read == p->reads)
        ck_assert_int_eq(reactor_stop(p->reactor), 0);
    return p->read_result;
}

static int probe_write(struct descriptor *d) {
    struct probe *p = (struct probe *)d;
    p->writes++;
    char event[64];
    snprintf(event, sizeof event, "%s:write", p->name);
    note(event);
    if (p->stop_on_write == p->writes)
        ck_assert_int_eq(reactor_stop(p->reactor), 0);
    return p->write_result;
}

static void probe_lost(struct descriptor *d, int reason) {
    struct probe *p = (struct probe *)d;
    p->losses++;
    p->reason = reason;
    char event[64];
    snprintf(event, sizeof event, "%s:lost", p->name);
    note(event);
    if (p->poke_on_lost >= 0)
        poke(p->poke_on_lost);
    if (p->stop_on_lost)
        ck_assert_int_eq(reactor_stop(p->reactor), 0);
}

static const char *probe_name(struct descriptor *d) {
    return ((struct probe *)d)->name;
}

static const struct descriptor_ops probe_ops = {
    .do_read = probe_read,
    .do_write = probe_write,
    .connection_lost = probe_lost,
    .log_prefix = probe_name,
};

static void probe_init(struct probe *p, const char *name, int fd, struct reactor *reactor) {
    memset(p, 0, sizeof *p);
    p->base.fd = fd;
    p->base.ops = &probe_ops;
    p->name = name;
    p->reactor = reactor;
    p->poke_on_read = -1;
    p->poke_on_lost = -1;
}

/* ---- call_when_running ---- */

static int note_a(void *arg) { (void)arg; note("a"); return 0; }
static int note_b(void *arg) { (void)arg; note("b"); return 0; }
static int note_c(void *arg) { (void)arg; note("c"); return 0; }

static int stop_it(void *arg) {
    ck_assert_int_eq(reactor_stop(arg), 0);
    return 0;
}

START_TEST(call_when_running_is_fifo_and_waits_for_run) {
    struct reactor *reactor = reactor_new();
    ck_assert_ptr_nonnull(reactor);
    ck_assert_int_eq(reactor_call_when_running(reactor, note_a, NULL), 0);
    ck_assert_int_eq(reactor_call_when_running(reactor, note_b, NULL), 0);
    ck_assert_int_eq(reactor_call_when_running(reactor, note_c, NULL), 0);
    ck_assert_int_eq(reactor_call_when_running(reactor, stop_it, reactor), 0);
    ck_assert_str_eq(events, ""); /* nothing runs before reactor_run */
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "a b c ");
    reactor_free(reactor);
}
END_TEST

static int add_another(void *arg) {
    note("before");
    ck_assert_int_eq(reactor_call_when_running(arg, note_a, NULL), 0);
    note("after");
    return 0;
}

START_TEST(call_when_running_while_running_calls_at_once) {
    struct reactor *reactor = reactor_new();
    reactor_call_when_running(reactor, add_another, reactor);
    reactor_call_when_running(reactor, note_b, NULL);
    reactor_call_when_running(reactor, stop_it, reactor);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "before a after b ");
    reactor_free(reactor);
}
END_TEST

static int fail_with_eio(void *arg) {
    (void)arg;
    note("fail");
    return -EIO;
}

START_TEST(failing_callback_is_reported_and_the_next_runs) {
    struct reactor *reactor = reactor_new();
    reactor_call_when_running(reactor, fail_with_eio, NULL);
    reactor_call_when_running(reactor, note_a, NULL);
    reactor_call_when_running(reactor, stop_it, reactor);
    struct capture c;
    capture_begin(&c);
    int result = reactor_run(reactor);
    char *err = capture_end(&c);
    ck_assert_int_eq(result, 0);
    ck_assert_str_eq(events, "fail a ");
    char expected[128];
    snprintf(expected, sizeof expected, "reactor: fail_with_eio failed: %s\n", strerror(EIO));
    ck_assert_str_eq(err, expected);
    free(err);
    reactor_free(reactor);
}
END_TEST

/* ---- run and stop ---- */

START_TEST(stop_when_not_running_is_an_error) {
    struct reactor *reactor = reactor_new();
    ck_assert_int_eq(reactor_stop(reactor), REACTOR_ERR_NOT_RUNNING);
    reactor_call_when_running(reactor, stop_it, reactor);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(reactor_stop(reactor), REACTOR_ERR_NOT_RUNNING); /* after it has stopped */
    reactor_free(reactor);
}
END_TEST

static int stop_twice(void *arg) {
    ck_assert_int_eq(reactor_stop(arg), 0);
    ck_assert_int_eq(reactor_stop(arg), REACTOR_ERR_NOT_RUNNING);
    note("stopped twice");
    return 0;
}

START_TEST(second_stop_is_an_error) {
    struct reactor *reactor = reactor_new();
    reactor_call_when_running(reactor, stop_twice, reactor);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "stopped twice ");
    reactor_free(reactor);
}
END_TEST

START_TEST(run_twice_is_not_restartable) {
    struct reactor *reactor = reactor_new();
    reactor_call_when_running(reactor, stop_it, reactor);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(reactor_run(reactor), REACTOR_ERR_NOT_RESTARTABLE);
    reactor_free(reactor);
}
END_TEST

static int run_again(void *arg) {
    ck_assert_int_eq(reactor_run(arg), REACTOR_ERR_ALREADY_RUNNING);
    note("refused");
    return 0;
}

START_TEST(run_inside_the_loop_is_already_running) {
    struct reactor *reactor = reactor_new();
    reactor_call_when_running(reactor, run_again, reactor);
    reactor_call_when_running(reactor, stop_it, reactor);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "refused ");
    reactor_free(reactor);
}
END_TEST

START_TEST(free_null_is_allowed) {
    reactor_free(NULL);
}
END_TEST

/* ---- readers and writers ---- */

static int poke_pipe(void *arg) {
    note("poke");
    poke(*(int *)arg);
    return 0;
}

START_TEST(reader_gets_do_read_when_the_pipe_is_written) {
    struct reactor *reactor = reactor_new();
    int fds[2];
    make_pipe(fds);
    struct probe p;
    probe_init(&p, "p", fds[0], reactor);
    p.drain = true;
    p.stop_on_read = 1;
    ck_assert_int_eq(reactor_add_reader(reactor, &p.base), 0);
    reactor_call_when_running(reactor, poke_pipe, &fds[1]);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "poke p:read p:lost ");
    ck_assert_int_eq(p.reads, 1);
    ck_assert_int_eq(p.writes, 0);
    ck_assert_int_eq(p.reason, REACTOR_ERR_CONNECTION_LOST); /* still registered at shutdown */
    reactor_free(reactor);
    close_pipe(fds);
}
END_TEST

START_TEST(connection_done_is_lost_once_and_removed) {
    struct reactor *reactor = reactor_new();
    int fds[2];
    make_pipe(fds);
    struct probe p;
    probe_init(&p, "p", fds[0], reactor);
    p.read_result = REACTOR_CONNECTION_DONE;
    p.stop_on_lost = true;
    reactor_add_reader(reactor, &p.base);
    poke(fds[1]); /* not drained: it would be readable again on every turn if it were still registered */
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(p.reads, 1);
    ck_assert_int_eq(p.losses, 1); /* not told again at shutdown: it was removed */
    ck_assert_int_eq(p.reason, REACTOR_CONNECTION_DONE);
    ck_assert_uint_eq(reactor_remove_all(reactor), 0);
    reactor_free(reactor);
    close_pipe(fds);
}
END_TEST

START_TEST(read_error_is_lost_and_the_loop_goes_on) {
    struct reactor *reactor = reactor_new();
    int a_fds[2], b_fds[2];
    make_pipe(a_fds);
    make_pipe(b_fds);
    struct probe a, b;
    probe_init(&a, "a", a_fds[0], reactor);
    a.read_result = -EIO;
    a.poke_on_lost = b_fds[1]; /* b becomes readable only after a has failed */
    probe_init(&b, "b", b_fds[0], reactor);
    b.drain = true;
    b.stop_on_read = 1;
    reactor_add_reader(reactor, &a.base);
    reactor_add_reader(reactor, &b.base);
    poke(a_fds[1]);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(a.reads, 1);
    ck_assert_int_eq(a.losses, 1);
    ck_assert_int_eq(a.reason, -EIO);
    ck_assert_int_eq(b.reads, 1);
    ck_assert_str_eq(events, "a:read a:lost b:read b:lost ");
    reactor_free(reactor);
    close_pipe(a_fds);
    close_pipe(b_fds);
}
END_TEST

START_TEST(writer_gets_do_write) {
    struct reactor *reactor = reactor_new();
    int fds[2];
    make_pipe(fds);
    struct probe p;
    probe_init(&p, "w", fds[1], reactor); /* an empty pipe's write end is writable */
    p.stop_on_write = 1;
    ck_assert_int_eq(reactor_add_writer(reactor, &p.base), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(p.writes, 1);
    ck_assert_int_eq(p.reads, 0);
    ck_assert_int_eq(p.losses, 1);
    ck_assert_int_eq(p.reason, REACTOR_ERR_CONNECTION_LOST);
    reactor_free(reactor);
    close_pipe(fds);
}
END_TEST

START_TEST(a_failed_read_skips_the_write) {
    struct reactor *reactor = reactor_new();
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    poke(sv[1]); /* sv[0] is now readable and (always) writable */
    struct probe p;
    probe_init(&p, "rw", sv[0], reactor);
    p.read_result = -EIO;
    p.stop_on_lost = true;
    reactor_add_reader(reactor, &p.base);
    reactor_add_writer(reactor, &p.base);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, "rw:read rw:lost ");
    ck_assert_int_eq(p.writes, 0);
    ck_assert_int_eq(p.reason, -EIO);
    reactor_free(reactor);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

START_TEST(a_descriptor_removed_and_freed_in_the_same_turn_is_not_called) {
    struct reactor *reactor = reactor_new();
    int a_fds[2], b_fds[2];
    make_pipe(a_fds);
    make_pipe(b_fds);
    /* Both readable at once; whichever the reactor calls first removes and frees the other. */
    struct probe *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    probe_init(a, "a", a_fds[0], reactor);
    probe_init(b, "b", b_fds[0], reactor);
    a->kill_on_read = b;
    b->kill_on_read = a;
    a->drain = b->drain = true;
    a->stop_on_read = b->stop_on_read = 1;
    reactor_add_reader(reactor, &a->base);
    reactor_add_reader(reactor, &b->base);
    poke(a_fds[1]);
    poke(b_fds[1]);
    ck_assert_int_eq(reactor_run(reactor), 0);
    /* Exactly one was called; it survives, and shutdown told it so. */
    ck_assert(strcmp(events, "a:read a:lost ") == 0 || strcmp(events, "b:read b:lost ") == 0);
    struct probe *survivor = events[0] == 'a' ? a : b;
    ck_assert_int_eq(survivor->reads, 1);
    ck_assert_int_eq(survivor->losses, 1);
    free(survivor);
    reactor_free(reactor);
    close_pipe(a_fds);
    close_pipe(b_fds);
}
END_TEST

START_TEST(a_reader_can_remove_itself) {
    struct reactor *reactor = reactor_new();
    int a_fds[2], b_fds[2];
    make_pipe(a_fds);
    make_pipe(b_fds);
    struct probe a, b;
    probe_init(&a, "a", a_fds[0], reactor);
    a.remove_self_on_read = true; /* and leaves its byte unread: it would be ready again */
    a.poke_on_read = b_fds[1];
    probe_init(&b, "b", b_fds[0], reactor);
    b.stop_on_read = 2; /* b is not drained either: it reads on two turns in a row */
    reactor_add_reader(reactor, &a.base);
    reactor_add_reader(reactor, &b.base);
    poke(a_fds[1]);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(a.reads, 1);
    ck_assert_int_eq(a.losses, 0); /* removed, so not lost at shutdown */
    ck_assert_int_eq(b.reads, 2);
    ck_assert_int_eq(b.losses, 1);
    ck_assert_int_eq(b.reason, REACTOR_ERR_CONNECTION_LOST);
    reactor_free(reactor);
    close_pipe(a_fds);
    close_pipe(b_fds);
}
END_TEST

/* ---- shutdown and remove_all ---- */

START_TEST(shutdown_loses_every_descriptor_once) {
    struct reactor *reactor = reactor_new();
    int quiet[2], busy[2], sv[2];
    make_pipe(quiet);
    make_pipe(busy);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct probe reader, writer, both, stopper;
    probe_init(&reader, "reader", quiet[0], reactor); /* never ready */
    probe_init(&writer, "writer", quiet[1], reactor);
    probe_init(&both, "both", sv[0], reactor);
    probe_init(&stopper, "stopper", busy[0], reactor);
    stopper.stop_on_read = 1;
    reactor_add_reader(reactor, &reader.base);
    reactor_add_writer(reactor, &writer.base);
    reactor_add_reader(reactor, &both.base);
    reactor_add_writer(reactor, &both.base);
    reactor_add_reader(reactor, &stopper.base);
    poke(busy[1]);
    ck_assert_int_eq(reactor_run(reactor), 0);
    struct probe *all[] = {&reader, &writer, &both, &stopper};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        ck_assert_msg(all[i]->losses == 1, "%s lost %d times", all[i]->name, all[i]->losses);
        ck_assert_int_eq(all[i]->reason, REACTOR_ERR_CONNECTION_LOST);
    }
    ck_assert_uint_eq(reactor_remove_all(reactor), 0);
    reactor_free(reactor);
    close_pipe(quiet);
    close_pipe(busy);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

START_TEST(shutdown_with_no_turn_loses_every_descriptor) {
    struct reactor *reactor = reactor_new();
    int fds[2];
    make_pipe(fds);
    struct probe p;
    probe_init(&p, "p", fds[1], reactor);
    reactor_add_writer(reactor, &p.base);
    reactor_add_reader(reactor, &p.base);
    reactor_call_when_running(reactor, stop_it, reactor); /* stop before the first turn */
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(p.writes, 0);
    ck_assert_int_eq(p.losses, 1);
    ck_assert_int_eq(p.reason, REACTOR_ERR_CONNECTION_LOST);
    reactor_free(reactor);
    close_pipe(fds);
}
END_TEST

START_TEST(remove_all_counts_and_tells_nobody) {
    struct reactor *reactor = reactor_new();
    ck_assert_uint_eq(reactor_remove_all(reactor), 0);
    int fds[2], sv[2];
    make_pipe(fds);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct probe r, w, both;
    probe_init(&r, "r", fds[0], reactor);
    probe_init(&w, "w", fds[1], reactor);
    probe_init(&both, "both", sv[0], reactor);
    reactor_add_reader(reactor, &r.base);
    reactor_add_writer(reactor, &w.base);
    reactor_add_reader(reactor, &both.base);
    reactor_add_writer(reactor, &both.base);
    poke(fds[1]);
    poke(sv[1]);
    ck_assert_uint_eq(reactor_remove_all(reactor), 3);
    reactor_call_when_running(reactor, stop_it, reactor);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_str_eq(events, ""); /* no do_read, do_write or connection_lost for anyone */
    reactor_free(reactor);
    close_pipe(fds);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

/* ---- registration errors ---- */

START_TEST(an_fd_beyond_fd_setsize_is_refused) {
    struct rlimit saved;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
    if (saved.rlim_cur <= FD_SETSIZE) {
        struct rlimit raised = saved;
        raised.rlim_cur = FD_SETSIZE + 1;
        if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max <= FD_SETSIZE) {
            fprintf(stderr, "# skipped: the hard limit on open files is too low to open fd %d\n", FD_SETSIZE);
            return;
        }
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &raised), 0);
    }
    int fds[2];
    make_pipe(fds);
    ck_assert_int_eq(dup2(fds[0], FD_SETSIZE), FD_SETSIZE);
    /* This is about select()'s limit: from chapter 7 on, poll and epoll take any fd, so the test asks for
     * the select backend (earlier snapshots have only select, and ignore the variable). */
    ck_assert_int_eq(setenv("REACTOR_BACKEND", "select", 1), 0);
    struct reactor *reactor = reactor_new();
    unsetenv("REACTOR_BACKEND");
    struct probe p;
    probe_init(&p, "high", FD_SETSIZE, reactor);
    ck_assert_int_eq(reactor_add_reader(reactor, &p.base), REACTOR_ERR_FD_RANGE);
    ck_assert_int_eq(reactor_add_writer(reactor, &p.base), REACTOR_ERR_FD_RANGE);
    ck_assert_uint_eq(reactor_remove_all(reactor), 0);
    reactor_free(reactor);
    close(FD_SETSIZE);
    close_pipe(fds);
    setrlimit(RLIMIT_NOFILE, &saved);
}
END_TEST

START_TEST(a_negative_fd_is_refused) {
    struct reactor *reactor = reactor_new();
    struct probe p;
    probe_init(&p, "negative", -1, reactor);
    ck_assert_int_eq(reactor_add_reader(reactor, &p.base), REACTOR_ERR_FD_RANGE);
    ck_assert_int_eq(reactor_add_writer(reactor, &p.base), REACTOR_ERR_FD_RANGE);
    reactor_remove_reader(reactor, &p.base); /* removing what was never added changes nothing */
    reactor_remove_writer(reactor, &p.base);
    ck_assert_uint_eq(reactor_remove_all(reactor), 0);
    reactor_free(reactor);
}
END_TEST

static void lost_only(struct descriptor *d, int reason) {
    (void)d;
    (void)reason;
}

START_TEST(a_descriptor_without_the_operation_is_refused) {
    static const struct descriptor_ops no_read_or_write = {.connection_lost = lost_only};
    struct reactor *reactor = reactor_new();
    int fds[2];
    make_pipe(fds);
    struct descriptor d = {.fd = fds[0], .ops = &no_read_or_write};
    ck_assert_int_eq(reactor_add_reader(reactor, &d), -EINVAL);
    ck_assert_int_eq(reactor_add_writer(reactor, &d), -EINVAL);
    ck_assert_uint_eq(reactor_remove_all(reactor), 0);
    reactor_free(reactor);
    close_pipe(fds);
}
END_TEST

START_TEST(adding_twice_is_harmless) {
    struct reactor *reactor = reactor_new();
    int fds[2];
    make_pipe(fds);
    struct probe p;
    probe_init(&p, "p", fds[0], reactor);
    p.drain = true;
    p.stop_on_read = 1;
    ck_assert_int_eq(reactor_add_reader(reactor, &p.base), 0);
    ck_assert_int_eq(reactor_add_reader(reactor, &p.base), 0);
    poke(fds[1]);
    ck_assert_int_eq(reactor_run(reactor), 0);
    ck_assert_int_eq(p.reads, 1);  /* called once in its turn, not twice */
    ck_assert_int_eq(p.losses, 1); /* and told once at shutdown */
    reactor_free(reactor);

    reactor = reactor_new();
    probe_init(&p, "p", fds[0], reactor);
    reactor_add_reader(reactor, &p.base);
    reactor_add_reader(reactor, &p.base);
    reactor_remove_reader(reactor, &p.base); /* one remove undoes both adds */
    ck_assert_uint_eq(reactor_remove_all(reactor), 0);
    reactor_free(reactor);
    close_pipe(fds);
}
END_TEST

START_TEST(every_code_has_a_name) {
    const int codes[] = {REACTOR_CONNECTION_DONE,     REACTOR_ERR_NOT_RUNNING,     REACTOR_ERR_ALREADY_RUNNING,
                         REACTOR_ERR_NOT_RESTARTABLE, REACTOR_ERR_CONNECTION_LOST, REACTOR_ERR_FD_RANGE};
    const size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *name = reactor_strerror(codes[i]);
        ck_assert_ptr_nonnull(name);
        ck_assert_msg(name[0] != '\0', "code %d has an empty name", codes[i]);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(name, reactor_strerror(codes[j]));
    }
    char expected[256];
    snprintf(expected, sizeof expected, "%s", strerror(ECONNREFUSED));
    ck_assert_str_eq(reactor_strerror(-ECONNREFUSED), expected);
    ck_assert_ptr_nonnull(reactor_strerror(-EIO));
}
END_TEST

/* ---- the cost of waiting ---- */

START_TEST(an_idle_reactor_uses_no_cpu) {
    int fds[2];
    make_pipe(fds);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        sleep_seconds(0.3);
        (void)!write(fds[1], "x", 1);
        _exit(0);
    }
    struct reactor *reactor = reactor_new();
    struct probe p;
    probe_init(&p, "p", fds[0], reactor);
    p.drain = true;
    p.stop_on_read = 1;
    reactor_add_reader(reactor, &p.base);
    double cpu = cpu_seconds(), wall = wall_seconds();
    ck_assert_int_eq(reactor_run(reactor), 0);
    cpu = cpu_seconds() - cpu;
    wall = wall_seconds() - wall;
    waitpid(child, NULL, 0);
    ck_assert_int_eq(p.reads, 1);
    ck_assert_msg(wall > 0.2, "run returned after %.3fs: it did not wait for the child", wall);
    /* A busy loop would burn about 0.3 s of CPU here; a sleeping one close to none. */
    ck_assert_msg(cpu < 0.1, "run used %.3fs of CPU in %.3fs of waiting", cpu, wall);
    reactor_free(reactor);
    close_pipe(fds);
}
END_TEST

/* ---- the trace ---- */

/* Runs one reader that is ready once, capturing stderr; returns what was written there. */
static char *run_one_read_captured(void) {
    struct reactor *reactor = reactor_new();
    int fds[2];
    make_pipe(fds);
    struct probe p;
    probe_init(&p, "tracee", fds[0], reactor);
    p.drain = true;
    p.stop_on_read = 1;
    reactor_add_reader(reactor, &p.base);
    poke(fds[1]);
    struct capture c;
    capture_begin(&c);
    int result = reactor_run(reactor);
    char *err = capture_end(&c);
    ck_assert_int_eq(result, 0);
    ck_assert_int_eq(p.reads, 1);
    reactor_free(reactor);
    close_pipe(fds);
    return err;
}

START_TEST(trace_prints_each_turn_when_asked) {
    ck_assert_int_eq(setenv("REACTOR_TRACE", "1", 1), 0);
    char *err = run_one_read_captured();
    unsetenv("REACTOR_TRACE");
    ck_assert_msg(strncmp(err, "reactor:", 8) == 0, "trace: %s", err);
    for (const char *line = err; *line != '\0'; line = strchr(line, '\n') + 1) {
        ck_assert_msg(strncmp(line, "reactor:", 8) == 0, "a trace line without 'reactor:': %s", line);
        ck_assert_ptr_nonnull(strchr(line, '\n'));
    }
    ck_assert_msg(strstr(err, "turn 1") != NULL, "no 'turn 1' in the trace: %s", err);
    ck_assert_msg(strstr(err, "tracee") != NULL, "the trace does not name the descriptor: %s", err);
    free(err);
}
END_TEST

START_TEST(no_trace_unless_asked) {
    char *err = run_one_read_captured();
    ck_assert_str_eq(err, "");
    free(err);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("reactor");
    struct {
        const char *name;
        TCase *tc;
    } cases[] = {{"call-when-running", NULL}, {"run-and-stop", NULL}, {"dispatch", NULL},
                 {"shutdown", NULL},          {"registration", NULL}, {"idle-and-trace", NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cases[i].tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(cases[i].tc, setup, NULL);
        tcase_set_timeout(cases[i].tc, 10);
        suite_add_tcase(suite, cases[i].tc);
    }
    tcase_add_test(cases[0].tc, call_when_running_is_fifo_and_waits_for_run);
    tcase_add_test(cases[0].tc, call_when_running_while_running_calls_at_once);
    tcase_add_test(cases[0].tc, failing_callback_is_reported_and_the_next_runs);
    tcase_add_test(cases[1].tc, stop_when_not_running_is_an_error);
    tcase_add_test(cases[1].tc, second_stop_is_an_error);
    tcase_add_test(cases[1].tc, run_twice_is_not_restartable);
    tcase_add_test(cases[1].tc, run_inside_the_loop_is_already_running);
    tcase_add_test(cases[1].tc, free_null_is_allowed);
    tcase_add_test(cases[2].tc, reader_gets_do_read_when_the_pipe_is_written);
    tcase_add_test(cases[2].tc, connection_done_is_lost_once_and_removed);
    tcase_add_test(cases[2].tc, read_error_is_lost_and_the_loop_goes_on);
    tcase_add_test(cases[2].tc, writer_gets_do_write);
    tcase_add_test(cases[2].tc, a_failed_read_skips_the_write);
    tcase_add_test(cases[2].tc, a_descriptor_removed_and_freed_in_the_same_turn_is_not_called);
    tcase_add_test(cases[2].tc, a_reader_can_remove_itself);
    tcase_add_test(cases[3].tc, shutdown_loses_every_descriptor_once);
    tcase_add_test(cases[3].tc, shutdown_with_no_turn_loses_every_descriptor);
    tcase_add_test(cases[3].tc, remove_all_counts_and_tells_nobody);
    tcase_add_test(cases[4].tc, an_fd_beyond_fd_setsize_is_refused);
    tcase_add_test(cases[4].tc, a_negative_fd_is_refused);
    tcase_add_test(cases[4].tc, a_descriptor_without_the_operation_is_refused);
    tcase_add_test(cases[4].tc, adding_twice_is_harmless);
    tcase_add_test(cases[4].tc, every_code_has_a_name);
    tcase_add_test(cases[5].tc, an_idle_reactor_uses_no_cpu);
    tcase_add_test(cases[5].tc, trace_prints_each_turn_when_asked);
    tcase_add_test(cases[5].tc, no_trace_unless_asked);
    return run_suite_as_tap(suite);
}
