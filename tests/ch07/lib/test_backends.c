/* Chapter 7's backends: choosing one (by name, by REACTOR_BACKEND, the default), and what every backend
 * must get right — hang-ups after the last input, signals, close-on-exec, descriptors beyond select()'s
 * limit, the stale-readiness case, closed fds that were never removed, and epoll's batched changes.
 * Each behaviour is checked on every backend this build has. */
#define _GNU_SOURCE /* syscall(): the epoll_ctl counter below calls the kernel directly */
#include "backend.h"
#include "check_main.h"
#include "reactor.h"
#include "test_helpers.h"

#include <dirent.h>
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
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/epoll.h>
/* Counts the epoll backend's system calls: this definition takes the place of libc's for the library
 * linked into this test, and makes the same call. */
static long epoll_ctl_calls;
int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event) {
    epoll_ctl_calls++;
    return (int)syscall(SYS_epoll_ctl, epfd, op, fd, event);
}
#endif

static void setup(void) {
    unsetenv("REACTOR_TRACE");
    unsetenv("REACTOR_BACKEND");
}

static struct reactor *new_on(const char *backend) {
    struct reactor *reactor = NULL;
    int err = reactor_new_on(backend, &reactor);
    ck_assert_msg(err == 0, "reactor_new_on(%s): %s", backend, reactor_strerror(err));
    ck_assert_str_eq(reactor_backend(reactor), backend);
    return reactor;
}

/* ---- a probe: a descriptor that records what the reactor did to it ---- */

struct probe {
    struct descriptor base;
    struct reactor *reactor;
    int reads;     /* do_read calls */
    int spurious;  /* do_read calls that found nothing to read (EAGAIN): readiness that was not ours */
    size_t bytes;  /* bytes read */
    size_t chunk;  /* read at most this many bytes per do_read */
    int writes;    /* do_write calls */
    int lost;      /* connection_lost calls */
    int reason;    /* the last reason */
    bool stop_when_lost;
    void (*on_read)(struct probe *self); /* called after each read, if set */
};

static int probe_read(struct descriptor *d) {
    struct probe *p = (struct probe *)d;
    char buf[4096];
    size_t want = p->chunk != 0 && p->chunk < sizeof buf ? p->chunk : sizeof buf;
    p->reads++;
    ssize_t n = read(d->fd, buf, want);
    if (n < 0 && errno == EAGAIN) {
        p->spurious++;
        return 0;
    }
    if (n < 0)
        return -errno;
    if (n == 0)
        return REACTOR_CONNECTION_DONE;
    p->bytes += (size_t)n;
    if (p->on_read != NULL)
        p->on_read(p);
    return 0;
}

static int probe_write(struct descriptor *d) {
    struct probe *p = (struct probe *)d;
    p->writes++;
    if (write(d->fd, "x", 1) < 0)
        return -errno;
    return 0;
}

static void probe_lost(struct descriptor *d, int reason) {
    struct probe *p = (struct probe *)d;
    p->lost++;
    p->reason = reason;
    if (p->stop_when_lost)
        reactor_stop(p->reactor);
}

static const struct descriptor_ops probe_ops = {
    .do_read = probe_read, .do_write = probe_write, .connection_lost = probe_lost};

static void probe_init(struct probe *p, int fd, struct reactor *reactor) {
    *p = (struct probe){.base = {.fd = fd, .ops = &probe_ops}, .reactor = reactor};
}

static int stop_reactor(void *arg) {
    reactor_stop(arg);
    return 0;
}

/* Runs the reactor with a safety stop after `seconds`, so that a hang is a failed assertion. */
static void run_for(struct reactor *reactor, double seconds) {
    ck_assert_int_eq(reactor_call_later(reactor, seconds, stop_reactor, reactor, NULL), 0);
    ck_assert_int_eq(reactor_run(reactor), 0);
}

/* ---- choosing a backend ---- */

START_TEST(the_build_lists_its_backends_best_first) {
    const char *const *names = backend_names();
    size_t count = 0;
    bool has_select = false, has_poll = false;
    for (; names[count] != NULL; count++) {
        ck_assert_ptr_nonnull(backend_find(names[count]));
        ck_assert_str_eq(backend_find(names[count])->name, names[count]);
        has_select |= strcmp(names[count], "select") == 0;
        has_poll |= strcmp(names[count], "poll") == 0;
    }
    ck_assert_msg(has_select && has_poll, "every build has select and poll");
    ck_assert_str_eq(backend_best()->name, names[0]);
    if (backend_find("epoll") != NULL)
        ck_assert_str_eq(names[0], "epoll");
    else
        ck_assert_str_eq(names[0], "poll");
    ck_assert_ptr_null(backend_find("kqueue"));
    ck_assert_int_eq(backend_find("select")->fd_limit, FD_SETSIZE);
}
END_TEST

START_TEST(a_reactor_runs_on_the_backend_asked_for) {
    for (const char *const *name = backend_names(); *name != NULL; name++) {
        struct reactor *reactor = new_on(*name);
        reactor_free(reactor);
    }
}
END_TEST

START_TEST(a_bad_name_is_its_own_error) {
    struct reactor *reactor = (struct reactor *)&reactor; /* not NULL: the call must set it */
    ck_assert_int_eq(reactor_new_on("kqueue", &reactor), BACKEND_ERR_UNKNOWN);
    ck_assert_ptr_null(reactor);
    ck_assert_int_ne(BACKEND_ERR_UNKNOWN, -ENOMEM);
    ck_assert_msg(strstr(reactor_strerror(BACKEND_ERR_UNKNOWN), "backend") != NULL, "%s",
                  reactor_strerror(BACKEND_ERR_UNKNOWN));
    ck_assert_msg(strstr(reactor_strerror(BACKEND_ERR_UNKNOWN), "select") != NULL,
                  "the message lists the backends: %s", reactor_strerror(BACKEND_ERR_UNKNOWN));
}
END_TEST

START_TEST(reactor_backend_chooses_for_any_program) {
    ck_assert_int_eq(setenv("REACTOR_BACKEND", "poll", 1), 0);
    struct reactor *reactor = reactor_new();
    ck_assert_ptr_nonnull(reactor);
    ck_assert_str_eq(reactor_backend(reactor), "poll");
    reactor_free(reactor);
    ck_assert_int_eq(setenv("REACTOR_BACKEND", "select", 1), 0);
    reactor = reactor_new();
    ck_assert_str_eq(reactor_backend(reactor), "select");
    reactor_free(reactor);
    /* An explicit name wins over the variable. */
    ck_assert_int_eq(reactor_new_on("poll", &reactor), 0);
    ck_assert_str_eq(reactor_backend(reactor), "poll");
    reactor_free(reactor);
    unsetenv("REACTOR_BACKEND");
    reactor = reactor_new();
    ck_assert_str_eq(reactor_backend(reactor), backend_best()->name);
    reactor_free(reactor);
}
END_TEST

START_TEST(a_bad_reactor_backend_says_so_on_stderr) {
    ck_assert_int_eq(setenv("REACTOR_BACKEND", "kqueue", 1), 0);
    struct capture c;
    capture_begin(&c);
    struct reactor *reactor = reactor_new();
    char *err = capture_end(&c);
    ck_assert_ptr_null(reactor);
    ck_assert_msg(strstr(err, "REACTOR_BACKEND=kqueue") != NULL && strstr(err, "backend") != NULL, "stderr: %s",
                  err);
    free(err);
    reactor = NULL;
    ck_assert_int_eq(reactor_new_on(NULL, &reactor), BACKEND_ERR_UNKNOWN);
    ck_assert_ptr_null(reactor);
}
END_TEST

START_TEST(the_trace_names_the_backend) {
    for (const char *const *name = backend_names(); *name != NULL; name++) {
        ck_assert_int_eq(setenv("REACTOR_TRACE", "1", 1), 0);
        struct reactor *reactor = new_on(*name);
        struct capture c;
        capture_begin(&c);
        reactor_call_when_running(reactor, stop_reactor, reactor);
        ck_assert_int_eq(reactor_run(reactor), 0);
        char *err = capture_end(&c);
        char expected[64];
        snprintf(expected, sizeof expected, "the %s backend", *name);
        ck_assert_msg(strstr(err, expected) != NULL, "trace on %s: %s", *name, err);
        free(err);
        reactor_free(reactor);
    }
}
END_TEST

/* ---- limits ---- */

/* Raises the soft limit on open files to the hard one; returns the limit. */
static int raise_fd_limit(void) {
    struct rlimit limit;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &limit), 0);
    if (limit.rlim_max == RLIM_INFINITY || limit.rlim_max > 1 << 20)
        limit.rlim_max = 1 << 20;
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &limit), 0);
    return (int)limit.rlim_cur;
}

START_TEST(select_refuses_fds_beyond_fd_setsize_and_the_others_take_them) {
    int limit = raise_fd_limit();
    if (limit <= FD_SETSIZE + 1) {
        fprintf(stderr, "# cannot check: the limit on open files (%d) is not above FD_SETSIZE\n", limit);
        return;
    }
    int fds[2];
    make_pipe(fds);
    int high = limit - 1; /* the highest fd the process may have */
    ck_assert_int_eq(dup2(fds[0], high), high);
    for (const char *const *name = backend_names(); *name != NULL; name++) {
        struct reactor *reactor = new_on(*name);
        struct probe p;
        probe_init(&p, high, reactor);
        p.on_read = NULL;
        int err = reactor_add_reader(reactor, &p.base);
        if (strcmp(*name, "select") == 0) {
            ck_assert_int_eq(err, REACTOR_ERR_FD_RANGE);
            ck_assert_int_eq(reactor_add_writer(reactor, &p.base), REACTOR_ERR_FD_RANGE);
            ck_assert_msg(strstr(reactor_strerror(err), "FD_SETSIZE") != NULL, "%s", reactor_strerror(err));
        } else {
            ck_assert_msg(err == 0, "%s: fd %d: %s", *name, high, reactor_strerror(err));
            ck_assert_int_eq(write(fds[1], "x", 1), 1);
            reactor_call_later(reactor, 0.05, stop_reactor, reactor, NULL);
            ck_assert_int_eq(reactor_run(reactor), 0);
            ck_assert_msg(p.bytes == 1, "%s: fd %d read %zu bytes", *name, high, p.bytes);
        }
        reactor_free(reactor);
    }
    close(high);
    close_pipe(fds);
}
END_TEST

/* ---- hang-ups come after the last input ---- */

static void hangup_after_input(const char *name, bool socket_pair) {
    int fds[2];
    if (socket_pair) {
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        ck_assert_int_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    } else {
        make_pipe(fds);
    }
    char tail[3000];
    memset(tail, 'x', sizeof tail);
    ck_assert_int_eq(write(fds[1], tail, sizeof tail), (ssize_t)sizeof tail);
    close(fds[1]); /* the peer hangs up with input still pending */
    struct reactor *reactor = new_on(name);
    struct probe p;
    probe_init(&p, fds[0], reactor);
    p.chunk = 100; /* 30 turns to read it all: the hang-up is seen on every one of them */
    p.stop_when_lost = true;
    ck_assert_int_eq(reactor_add_reader(reactor, &p.base), 0);
    run_for(reactor, 5);
    ck_assert_msg(p.bytes == sizeof tail, "%s: read %zu of %zu bytes before the hang-up", name, p.bytes, sizeof tail);
    ck_assert_msg(p.lost == 1, "%s: lost %d times", name, p.lost);
    ck_assert_msg(p.reason == REACTOR_CONNECTION_DONE, "%s: a hang-up while reading is a clean close, not %s", name,
                  reactor_strerror(p.reason));
    reactor_free(reactor);
    close(fds[0]);
}

START_TEST(a_hang_up_is_a_clean_close_after_the_pending_input_on_a_pipe) {
    for (const char *const *name = backend_names(); *name != NULL; name++)
        hangup_after_input(*name, false);
}
END_TEST

START_TEST(a_hang_up_is_a_clean_close_after_the_pending_input_on_a_socket) {
    for (const char *const *name = backend_names(); *name != NULL; name++)
        hangup_after_input(*name, true);
}
END_TEST

START_TEST(a_writer_whose_peer_is_gone_is_lost_once) {
    for (const char *const *name = backend_names(); *name != NULL; name++) {
        int fds[2];
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        ck_assert_int_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
        close(fds[1]);
        struct sigaction ignore = {.sa_handler = SIG_IGN}, saved;
        sigaction(SIGPIPE, &ignore, &saved);
        struct reactor *reactor = new_on(*name);
        struct probe p;
        probe_init(&p, fds[0], reactor);
        p.stop_when_lost = true;
        ck_assert_int_eq(reactor_add_writer(reactor, &p.base), 0);
        run_for(reactor, 5);
        ck_assert_msg(p.lost == 1, "%s: lost %d times", *name, p.lost);
        ck_assert_msg(p.reason < 0, "%s: the writer's loss is an error, not %s", *name, reactor_strerror(p.reason));
        reactor_free(reactor);
        close(fds[0]);
        sigaction(SIGPIPE, &saved, NULL);
    }
}
END_TEST

/* ---- signals ---- */

static volatile sig_atomic_t alarms;
static void on_alarm(int signal) {
    (void)signal;
    alarms++;
}

START_TEST(a_signal_during_the_wait_is_retried) {
    struct sigaction action = {.sa_handler = on_alarm}, saved; /* no SA_RESTART: the wait fails with EINTR */
    sigemptyset(&action.sa_mask);
    ck_assert_int_eq(sigaction(SIGALRM, &action, &saved), 0);
    for (const char *const *name = backend_names(); *name != NULL; name++) {
        alarms = 0;
        int fds[2];
        make_pipe(fds);
        struct reactor *reactor = new_on(*name);
        struct probe p;
        probe_init(&p, fds[0], reactor);
        ck_assert_int_eq(reactor_add_reader(reactor, &p.base), 0);
        struct itimerval every = {.it_interval = {0, 20000}, .it_value = {0, 20000}};
        ck_assert_int_eq(setitimer(ITIMER_REAL, &every, NULL), 0);
        run_for(reactor, 0.3); /* nothing is ever ready: the reactor waits, and is interrupted */
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &off, NULL);
        ck_assert_msg(alarms >= 3, "%s: %d signals", *name, (int)alarms);
        ck_assert_msg(p.reads == 0, "%s: a signal is not an event (%d reads)", *name, p.reads);
        ck_assert_msg(p.lost == 1 && p.reason == REACTOR_ERR_CONNECTION_LOST, "%s: lost %d times, %s", *name, p.lost,
                      reactor_strerror(p.reason)); /* by the shutdown, not before */
        reactor_free(reactor);
        close_pipe(fds);
    }
    sigaction(SIGALRM, &saved, NULL);
}
END_TEST

/* ---- close-on-exec ---- */

/* Marks in open[] (size n) the fds this process has open. */
static void open_fds(bool *open, int n) {
    for (int fd = 0; fd < n; fd++)
        open[fd] = fcntl(fd, F_GETFD) >= 0;
}

START_TEST(a_backend_opens_only_close_on_exec_fds) {
    enum { N = 256 };
    for (const char *const *name = backend_names(); *name != NULL; name++) {
        bool before[N], after[N];
        open_fds(before, N);
        struct reactor *reactor = new_on(*name);
        open_fds(after, N);
        for (int fd = 0; fd < N; fd++)
            if (after[fd] && !before[fd])
                ck_assert_msg(fcntl(fd, F_GETFD) & FD_CLOEXEC, "%s: fd %d is not close-on-exec", *name, fd);
        reactor_free(reactor);
        open_fds(after, N);
        for (int fd = 0; fd < N; fd++)
            ck_assert_msg(after[fd] == before[fd], "%s: fd %d left open (or closed) by reactor_free", *name, fd);
    }
}
END_TEST

/* ---- the stale-readiness case ---- */

/* Puts the read end of the pipe fds under the number `number` (which is free). */
static void move_fd(int fds[2], int number) {
    if (fds[0] == number)
        return;
    ck_assert_int_eq(dup2(fds[0], number), number);
    close(fds[0]);
    fds[0] = number;
}

/* Two pipes are ready in the same wait. Whichever is served first closes the other, puts a new, empty
 * pipe under the same fd number and registers a new descriptor on it. The wait's "fd N is readable" was
 * about the old pipe: the new descriptor must not be told. */
struct stale_case {
    struct probe a, b, fresh;
    int pipe_a[2], pipe_b[2], pipe_new[2];
    struct reactor *reactor;
    bool swapped;
};
static struct stale_case stale;

static int write_new_pipe(void *arg) {
    (void)arg;
    ck_assert_int_eq(write(stale.pipe_new[1], "n", 1), 1);
    return 0;
}

static void swap_the_other(struct probe *self) {
    if (stale.swapped)
        return;
    stale.swapped = true;
    struct probe *other = self == &stale.a ? &stale.b : &stale.a;
    int *other_pipe = self == &stale.a ? stale.pipe_b : stale.pipe_a;
    int number = other->base.fd;
    reactor_remove_reader(stale.reactor, &other->base);
    close(other_pipe[0]);
    make_pipe(stale.pipe_new);
    move_fd(stale.pipe_new, number); /* the same number, another (empty) pipe */
    other_pipe[0] = -1;
    probe_init(&stale.fresh, number, stale.reactor);
    ck_assert_int_eq(reactor_add_reader(stale.reactor, &stale.fresh.base), 0);
    reactor_call_later(stale.reactor, 0.05, write_new_pipe, NULL, NULL);
}

START_TEST(readiness_of_a_closed_fd_is_not_given_to_its_successor) {
    for (const char *const *name = backend_names(); *name != NULL; name++) {
        memset(&stale, 0, sizeof stale);
        stale.reactor = new_on(*name);
        make_pipe(stale.pipe_a);
        make_pipe(stale.pipe_b);
        probe_init(&stale.a, stale.pipe_a[0], stale.reactor);
        probe_init(&stale.b, stale.pipe_b[0], stale.reactor);
        stale.a.on_read = stale.b.on_read = swap_the_other;
        stale.a.chunk = stale.b.chunk = 1;
        ck_assert_int_eq(reactor_add_reader(stale.reactor, &stale.a.base), 0);
        ck_assert_int_eq(reactor_add_reader(stale.reactor, &stale.b.base), 0);
        ck_assert_int_eq(write(stale.pipe_a[1], "ab", 2), 2);
        ck_assert_int_eq(write(stale.pipe_b[1], "ab", 2), 2);
        run_for(stale.reactor, 0.2);
        ck_assert_msg(stale.swapped, "%s: nothing was read", *name);
        ck_assert_msg(stale.fresh.spurious == 0, "%s: the new descriptor was called for the old pipe's input",
                      *name);
        ck_assert_msg(stale.fresh.bytes == 1, "%s: the new pipe's byte was %s", *name,
                      stale.fresh.bytes ? "read twice?" : "not read");
        reactor_free(stale.reactor);
        for (int i = 0; i < 2; i++) {
            if (stale.pipe_a[i] >= 0)
                close(stale.pipe_a[i]);
            if (stale.pipe_b[i] >= 0)
                close(stale.pipe_b[i]);
            close(stale.pipe_new[i]);
        }
    }
}
END_TEST

/* ---- closed fds that were never removed ---- */

/* A registered descriptor's fd is closed without being removed (its owner's mistake), or removed and
 * closed while a copy of the file stays open elsewhere (dup, fork); a new file takes the number, and a
 * new descriptor is added on it. The new one must get its own input, and only that. */
struct reuse_case {
    struct probe old, next;
    int old_pipe[2], new_pipe[2], copy;
    bool remove_first; /* remove the old descriptor, but keep a copy of its file open */
    struct reactor *reactor;
};
static struct reuse_case reuse;

static int write_reused(void *arg) {
    (void)arg;
    ck_assert_int_eq(write(reuse.new_pipe[1], "n", 1), 1);
    return 0;
}

static int reuse_the_number(void *arg) {
    (void)arg;
    int number = reuse.old_pipe[0];
    if (reuse.remove_first) {
        reactor_remove_reader(reuse.reactor, &reuse.old.base);
        reuse.copy = dup(number); /* the old pipe stays open: epoll keeps its entry */
        ck_assert_int_ge(reuse.copy, 0);
    }
    close(number);
    if (reuse.remove_first)
        ck_assert_int_eq(write(reuse.old_pipe[1], "old", 3), 3); /* the old file is readable: it fires */
    make_pipe(reuse.new_pipe);
    move_fd(reuse.new_pipe, number);
    probe_init(&reuse.next, number, reuse.reactor);
    ck_assert_int_eq(reactor_add_reader(reuse.reactor, &reuse.next.base), 0); /* replaces the old one */
    reactor_call_later(reuse.reactor, 0.05, write_reused, NULL, NULL);
    return 0;
}

static void reuse_an_fd(const char *name, bool remove_first) {
    memset(&reuse, 0, sizeof reuse);
    reuse.copy = -1;
    reuse.remove_first = remove_first;
    reuse.reactor = new_on(name);
    make_pipe(reuse.old_pipe);
    probe_init(&reuse.old, reuse.old_pipe[0], reuse.reactor);
    ck_assert_int_eq(reactor_add_reader(reuse.reactor, &reuse.old.base), 0);
    reactor_call_later(reuse.reactor, 0.02, reuse_the_number, NULL, NULL); /* after a wait or two */
    run_for(reuse.reactor, 0.3);
    ck_assert_msg(reuse.next.bytes == 1, "%s: the new file's byte was not read (%d reads)", name, reuse.next.reads);
    ck_assert_msg(reuse.next.spurious == 0, "%s: the new descriptor was called %d times for the old file", name,
                  reuse.next.spurious);
    ck_assert_msg(reuse.old.reads == 0 && reuse.old.lost == 0, "%s: the old descriptor was called", name);
    reactor_free(reuse.reactor);
    close_pipe(reuse.new_pipe);
    close(reuse.old_pipe[1]);
    if (reuse.copy >= 0)
        close(reuse.copy);
}

START_TEST(an_fd_closed_without_removal_does_not_confuse_the_next_file_on_its_number) {
    for (const char *const *name = backend_names(); *name != NULL; name++)
        reuse_an_fd(*name, false);
}
END_TEST

START_TEST(a_removed_file_kept_open_elsewhere_does_not_confuse_the_next_file_on_its_number) {
    for (const char *const *name = backend_names(); *name != NULL; name++)
        reuse_an_fd(*name, true);
}
END_TEST

/* ---- epoll: changes are batched per turn ---- */

enum { BATCH = 100 };
static struct probe batch[BATCH];
static int batch_pipes[BATCH][2];
static long calls_before, calls_after;

static int remove_and_add_back(void *arg) {
    struct reactor *reactor = arg;
    calls_before = epoll_ctl_calls;
    for (int i = 0; i < BATCH; i++)
        reactor_remove_reader(reactor, &batch[i].base);
    for (int i = 0; i < BATCH; i++)
        ck_assert_int_eq(reactor_add_reader(reactor, &batch[i].base), 0);
    return 0;
}

static int count_and_poke(void *arg) {
    (void)arg;
    calls_after = epoll_ctl_calls;
    ck_assert_int_eq(write(batch_pipes[BATCH / 2][1], "x", 1), 1);
    return 0;
}

START_TEST(epoll_removing_and_adding_back_in_one_turn_costs_no_system_call) {
#ifdef __linux__
    if (backend_find("epoll") == NULL) {
        fprintf(stderr, "# cannot check: this build has no epoll backend\n");
        return;
    }
    /* What the reactor registers of its own at its first wait (chapter 9 on: its waker), measured on a
     * reactor with nothing added, so that the count below is the 100 fds' alone. */
    struct reactor *empty = new_on("epoll");
    epoll_ctl_calls = 0;
    run_for(empty, 0.01);
    long own = epoll_ctl_calls;
    reactor_free(empty);
    struct reactor *reactor = new_on("epoll");
    epoll_ctl_calls = 0;
    for (int i = 0; i < BATCH; i++) {
        make_pipe(batch_pipes[i]);
        probe_init(&batch[i], batch_pipes[i][0], reactor);
        ck_assert_int_eq(reactor_add_reader(reactor, &batch[i].base), 0);
        reactor_remove_reader(reactor, &batch[i].base); /* changes within one turn cancel out */
        ck_assert_int_eq(reactor_add_reader(reactor, &batch[i].base), 0);
    }
    ck_assert_int_eq(epoll_ctl_calls, 0); /* nothing is made before the wait */
    reactor_call_later(reactor, 0.01, remove_and_add_back, reactor, NULL);
    reactor_call_later(reactor, 0.03, count_and_poke, reactor, NULL);
    run_for(reactor, 0.1);
    ck_assert_msg(calls_before - own == BATCH, "registering %d fds took %ld epoll_ctl calls (and the reactor's own %ld)",
                  BATCH, calls_before - own, own);
    ck_assert_int_le(own, 1);
    ck_assert_msg(calls_after == calls_before, "removing and adding back %d fds in one turn took %ld calls", BATCH,
                  calls_after - calls_before);
    ck_assert_int_eq(batch[BATCH / 2].bytes, 1); /* and they are still watched */
    reactor_free(reactor);
    for (int i = 0; i < BATCH; i++)
        close_pipe(batch_pipes[i]);
#endif
}
END_TEST

int main(void) {
    Suite *suite = suite_create("backends");
    TCase *choosing = tcase_create("choosing");
    TCase *behaviour = tcase_create("every-backend");
    TCase *epoll = tcase_create("epoll");
    TCase *cases[] = {choosing, behaviour, epoll};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tcase_add_checked_fixture(cases[i], setup, NULL);
        tcase_set_timeout(cases[i], 20);
        suite_add_tcase(suite, cases[i]);
    }
    tcase_add_test(choosing, the_build_lists_its_backends_best_first);
    tcase_add_test(choosing, a_reactor_runs_on_the_backend_asked_for);
    tcase_add_test(choosing, a_bad_name_is_its_own_error);
    tcase_add_test(choosing, reactor_backend_chooses_for_any_program);
    tcase_add_test(choosing, a_bad_reactor_backend_says_so_on_stderr);
    tcase_add_test(choosing, the_trace_names_the_backend);
    tcase_add_test(behaviour, select_refuses_fds_beyond_fd_setsize_and_the_others_take_them);
    tcase_add_test(behaviour, a_hang_up_is_a_clean_close_after_the_pending_input_on_a_pipe);
    tcase_add_test(behaviour, a_hang_up_is_a_clean_close_after_the_pending_input_on_a_socket);
    tcase_add_test(behaviour, a_writer_whose_peer_is_gone_is_lost_once);
    tcase_add_test(behaviour, a_signal_during_the_wait_is_retried);
    tcase_add_test(behaviour, a_backend_opens_only_close_on_exec_fds);
    tcase_add_test(behaviour, readiness_of_a_closed_fd_is_not_given_to_its_successor);
    tcase_add_test(behaviour, an_fd_closed_without_removal_does_not_confuse_the_next_file_on_its_number);
    tcase_add_test(behaviour, a_removed_file_kept_open_elsewhere_does_not_confuse_the_next_file_on_its_number);
    tcase_add_test(epoll, epoll_removing_and_adding_back_in_one_turn_costs_no_system_call);
    return run_suite_as_tap(suite);
}
