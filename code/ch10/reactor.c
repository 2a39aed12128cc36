/* reactor.c: the reactor. See reactor.h for the contracts.
 *
 * It is chapter 2's loop with the poetry taken out: the loop no longer knows what a task is. Whoever
 * wants to hear about a file descriptor registers a struct descriptor, and the loop calls its do_read
 * or do_write when the backend says the fd is ready. Chapter 7 moved the waiting into backends
 * (backend.h: select, poll, epoll): this file tells the backend what each fd waits for, and never
 * knows which one runs. */
#include "reactor.h"
#include "backend.h"
#include "reactor_internal.h"
#include "reactor_tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <limits.h>
#include <stdint.h>
#include <time.h>

/* >> state */
/* Who is watching one fd. */
struct registration {
    struct descriptor *reader;
    struct descriptor *writer;
    /* The wait after which each was added (reactor->waits then): readiness that a wait reported before
     * a descriptor was added is not its own (the stale-readiness case: see dispatch). */
    uint64_t reader_since, writer_since;
    uintptr_t last; /* the last descriptor added on this fd, as a number (it may be freed since) */
    bool lost;      /* a descriptor on this fd was lost since: its owner has likely closed the fd */
};

/* A call_when_running callback waiting for reactor_run. */
struct pending_call {
    const char *name;
    reactor_callback fn;
    void *arg;
};

enum reactor_state {
    REACTOR_NEW,           /* made, not yet run */
    REACTOR_RUNNING,       /* inside reactor_run, before shutdown */
    REACTOR_SHUTTING_DOWN, /* telling the descriptors they are lost: no longer running (as in Twisted) */
    REACTOR_STOPPED,       /* reactor_run has returned: it cannot run again */
};

struct reactor {
    /* The registrations, indexed by fd: table[fd] for fd < table_size; grown as needed. Dispatch looks
     * each ready fd up here after the wait, so a descriptor removed meanwhile is not found. */
    struct registration *table;
    int table_size;
    const struct backend_ops *backend; /* how the loop waits: the backend's operations ... */
    void *backend_state;               /* ... and its state */
    uint64_t waits;                    /* how many waits have begun */
    struct pending_call *calls; /* call_when_running callbacks, in the order given */
    size_t call_count;
    size_t call_capacity;
    struct scheduler *scheduler; /* the delayed calls, on the monotonic clock */
    enum reactor_state state;
    bool stopping;       /* reactor_stop was called: the current turn is the last */
    bool last_pass_done; /* the delayed calls' pass after the stop has run */
    bool trace;          /* REACTOR_TRACE was set when the reactor was made */
    unsigned long turn;  /* turns of the loop so far, for the trace */
    struct reactor_threads *threads; /* chapter 9: calls from other threads, and their waker ... */
    int waker_fd;                    /* ... which the backend watches, outside the table (internal) */
    struct shutdown_hook *hooks;     /* chapter 9: reactor_add_shutdown_hook's, in the order added */
    /* Chapter 10's seam (reactor_tcp.h): how it listens and connects (NULL: sockets), and whether the
     * scheduler is a test's, which the test frees. */
    const struct reactor_tcp_ops *tcp;
    void *tcp_state;
    bool borrowed_scheduler;
};
/* << state */

/* >> trace */
/* Prints one trace line, "reactor: ...", when the trace is on. */
__attribute__((format(printf, 2, 3))) static void trace(const struct reactor *reactor, const char *format, ...) {
    if (!reactor->trace)
        return;
    va_list args;
    va_start(args, format);
    fprintf(stderr, "reactor: ");
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
}

/* A list of fds for the trace. It holds any fd, however large, so that a backend without select()'s
 * FD_SETSIZE limit (chapter 7) can trace with it too. */
struct fd_list {
    int *fds;
    size_t count;
    size_t capacity;
    bool incomplete; /* memory ran out: some fds are missing */
};

static void fd_list_add(struct fd_list *list, int fd) {
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 16;
        int *bigger = realloc(list->fds, capacity * sizeof *bigger);
        if (bigger == NULL) {
            list->incomplete = true;
            return;
        }
        list->fds = bigger;
        list->capacity = capacity;
    }
    list->fds[list->count++] = fd;
}

static void fd_list_free(struct fd_list *list) {
    free(list->fds);
    *list = (struct fd_list){0};
}

/* Writes the fds of list as "{3, 5, 7}" into buf, ending with "...}" if they don't fit in len bytes. */
static const char *format_fds(const struct fd_list *list, char *buf, size_t len) {
    size_t used = (size_t)snprintf(buf, len, "{");
    bool cut = list->incomplete;
    for (size_t i = 0; i < list->count && !cut; i++) {
        if (used + 16 > len)
            cut = true;
        else
            used += (size_t)snprintf(buf + used, len - used, used > 1 ? ", %d" : "%d", list->fds[i]);
    }
    if (cut)
        used += (size_t)snprintf(buf + used, len - used, "...");
    snprintf(buf + used, len - used, "}");
    return buf;
}
/* << trace */

/* The descriptor's name for messages: its log_prefix, or "fd N" written into buf. */
static const char *descriptor_name(struct descriptor *d, char *buf, size_t len) {
    const char *name = d->ops->log_prefix ? d->ops->log_prefix(d) : NULL;
    if (name != NULL)
        return name;
    snprintf(buf, len, "fd %d", d->fd);
    return buf;
}

const char *reactor_strerror(int code) {
    return result_strerror(code);
}

/* >> clock */
/* The reactor's clock: CLOCK_MONOTONIC counts seconds from some fixed point and never jumps backwards
 * (or forwards) when someone sets the time of day, so a delay measured on it is a real delay. */
static double monotonic_seconds(void *unused) {
    (void)unused;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}
/* << clock */

/* >> add-waker */
/* Chapter 9: the waker of calls from threads, watched by the backend but kept out of the table, so that
 * remove_all, shutdown and the trace never see it: it is the reactor's own, not a descriptor. */
static int add_waker(struct reactor *reactor) {
    int err = reactor_threads_new(&reactor->threads);
    if (err != 0)
        return err;
    reactor->waker_fd = reactor_threads_waker_fd(reactor->threads);
    err = reactor->waker_fd >= reactor->backend->fd_limit
              ? REACTOR_ERR_FD_RANGE
              : reactor->backend->watch(reactor->backend_state, reactor->waker_fd, 0, BACKEND_READABLE, true);
    if (err != 0)
        reactor_threads_free(reactor->threads);
    return err;
}

struct reactor_threads *reactor_threads_of(struct reactor *reactor) {
    return reactor->threads;
}

/* A shutdown hook (reactor_internal.h). */
struct shutdown_hook {
    void (*fn)(void *arg);
    void *arg;
    struct shutdown_hook *next;
};

int reactor_add_shutdown_hook(struct reactor *reactor, void (*fn)(void *arg), void *arg) {
    if (reactor->state == REACTOR_SHUTTING_DOWN || reactor->state == REACTOR_STOPPED)
        return REACTOR_ERR_SHUTTING_DOWN;
    struct shutdown_hook *hook = malloc(sizeof *hook), **end = &reactor->hooks;
    if (hook == NULL)
        return -ENOMEM;
    *hook = (struct shutdown_hook){fn, arg, NULL};
    while (*end != NULL)
        end = &(*end)->next;
    *end = hook;
    return 0;
}

/* Calls the hooks, each once, in order, and lets go of them. */
static void run_shutdown_hooks(struct reactor *reactor) {
    while (reactor->hooks != NULL) {
        struct shutdown_hook *hook = reactor->hooks;
        reactor->hooks = hook->next;
        hook->fn(hook->arg);
        free(hook);
    }
}
/* << add-waker */

/* >> choose-backend */
/* The backend a reactor gets: the one named (by the caller, else by REACTOR_BACKEND), else the best. */
static const struct backend_ops *choose_backend(const char *name) {
    if (name == NULL || name[0] == '\0')
        name = getenv("REACTOR_BACKEND");
    if (name == NULL || name[0] == '\0')
        return backend_best();
    return backend_find(name);
}

int reactor_new_on(const char *backend_name, struct reactor **out) {
    *out = NULL;
    const struct backend_ops *backend = choose_backend(backend_name);
    if (backend == NULL)
        return BACKEND_ERR_UNKNOWN;
    return reactor_new_with(backend, out);
}

int reactor_new_with(const struct backend_ops *backend, struct reactor **out) {
    *out = NULL;
    struct reactor *reactor = calloc(1, sizeof *reactor);
    if (reactor == NULL)
        return -ENOMEM;
    reactor->scheduler = scheduler_new(monotonic_seconds, NULL, "reactor");
    if (reactor->scheduler == NULL) {
        free(reactor);
        return -ENOMEM;
    }
    int err = backend->create(&reactor->backend_state);
    if (err != 0) {
        scheduler_free(reactor->scheduler);
        free(reactor);
        return err;
    }
    reactor->backend = backend;
    err = add_waker(reactor);
    if (err != 0) {
        backend->destroy(reactor->backend_state);
        scheduler_free(reactor->scheduler);
        free(reactor);
        return err;
    }
    const char *trace = getenv("REACTOR_TRACE");
    reactor->trace = trace != NULL && trace[0] != '\0' && strcmp(trace, "0") != 0;
    reactor->state = REACTOR_NEW;
    *out = reactor;
    return 0;
}
/* << choose-backend */

struct reactor *reactor_new(void) {
    struct reactor *reactor;
    int err = reactor_new_on(NULL, &reactor);
    if (err == BACKEND_ERR_UNKNOWN)
        fprintf(stderr, "reactor: REACTOR_BACKEND=%s: %s\n", getenv("REACTOR_BACKEND"), reactor_strerror(err));
    else if (err != 0 && err != -ENOMEM)
        fprintf(stderr, "reactor: cannot make the %s backend: %s\n", choose_backend(NULL)->name,
                reactor_strerror(err));
    return reactor;
}

const char *reactor_backend(const struct reactor *reactor) {
    return reactor->backend->name;
}

void reactor_free(struct reactor *reactor) {
    if (reactor == NULL)
        return;
    run_shutdown_hooks(reactor); /* a reactor that never shut down: the hooks' owners let go now */
    reactor_threads_free(reactor->threads);
    if (!reactor->borrowed_scheduler)
        scheduler_free(reactor->scheduler);
    reactor->backend->destroy(reactor->backend_state);
    free(reactor->table);
    free(reactor->calls);
    free(reactor);
}

/* >> add-remove */
/* Returns the registration of fd, growing the table to hold it; NULL if fd is out of range (*err is
 * then REACTOR_ERR_FD_RANGE) or memory ran out (-ENOMEM). */
static struct registration *registration_for(struct reactor *reactor, int fd, int *err) {
    if (fd < 0 || fd >= reactor->backend->fd_limit) {
        *err = REACTOR_ERR_FD_RANGE; /* negative, or select() cannot watch it (FD_SETSIZE) */
        return NULL;
    }
    if (fd >= reactor->table_size) {
        int size = reactor->table_size ? reactor->table_size : 16;
        while (size <= fd)
            size = size <= INT_MAX / 2 ? size * 2 : INT_MAX;
        struct registration *bigger = realloc(reactor->table, (size_t)size * sizeof *bigger);
        if (bigger == NULL) {
            *err = -ENOMEM;
            return NULL;
        }
        memset(bigger + reactor->table_size, 0, (size_t)(size - reactor->table_size) * sizeof *bigger);
        reactor->table = bigger;
        reactor->table_size = size;
    }
    return &reactor->table[fd];
}

/* What fd waits for, as the backend's bits. */
static unsigned wanted(const struct registration *r) {
    return (r->reader != NULL ? BACKEND_READABLE : 0u) | (r->writer != NULL ? BACKEND_WRITABLE : 0u);
}

/* Puts d in the reader or writer slot of its fd and tells the backend. A descriptor that is not the
 * last one added on this fd, or one added after a loss, is `fresh` to the backend: the file behind the
 * number may be new. Returns 0, or the backend's error (and nothing changes). */
static int add(struct reactor *reactor, struct descriptor *d, bool reading) {
    if (reactor->state == REACTOR_SHUTTING_DOWN)
        return REACTOR_ERR_SHUTTING_DOWN; /* shutdown would never tell it: refuse it now */
    int err = 0;
    struct registration *r = registration_for(reactor, d->fd, &err);
    if (r == NULL)
        return err;
    struct descriptor **slot = reading ? &r->reader : &r->writer;
    if (*slot == d)
        return 0; /* already added: nothing changes */
    unsigned old = wanted(r);
    bool fresh = r->last != (uintptr_t)d || r->lost;
    struct descriptor *before = *slot;
    *slot = d;
    if (wanted(r) != old || fresh) {
        err = reactor->backend->watch(reactor->backend_state, d->fd, old, wanted(r), fresh);
        if (err != 0) {
            *slot = before;
            return err;
        }
    }
    r->last = (uintptr_t)d;
    r->lost = false;
    if (reading)
        r->reader_since = reactor->waits;
    else
        r->writer_since = reactor->waits;
    return 0;
}

int reactor_add_reader(struct reactor *reactor, struct descriptor *d) {
    if (d->ops->do_read == NULL)
        return -EINVAL; /* dispatch would call through a NULL pointer */
    return add(reactor, d, true);
}

int reactor_add_writer(struct reactor *reactor, struct descriptor *d) {
    if (d->ops->do_write == NULL)
        return -EINVAL; /* dispatch would call through a NULL pointer */
    return add(reactor, d, false);
}

/* The registration of fd if the table has one, without growing it. */
static struct registration *registration_of(struct reactor *reactor, int fd) {
    return fd >= 0 && fd < reactor->table_size ? &reactor->table[fd] : NULL;
}

/* Empties the reader or writer slot of fd and tells the backend. Stopping never fails: a backend only
 * ever frees, or notes the change in memory it already has. */
static void clear(struct reactor *reactor, int fd, struct registration *r, struct descriptor **slot) {
    unsigned old = wanted(r);
    *slot = NULL;
    reactor->backend->watch(reactor->backend_state, fd, old, wanted(r), false);
}

void reactor_remove_reader(struct reactor *reactor, struct descriptor *d) {
    struct registration *r = registration_of(reactor, d->fd);
    if (r != NULL && r->reader == d)
        clear(reactor, d->fd, r, &r->reader);
}

void reactor_remove_writer(struct reactor *reactor, struct descriptor *d) {
    struct registration *r = registration_of(reactor, d->fd);
    if (r != NULL && r->writer == d)
        clear(reactor, d->fd, r, &r->writer);
}

size_t reactor_remove_all(struct reactor *reactor) {
    size_t removed = 0;
    for (int fd = 0; fd < reactor->table_size; fd++) {
        struct registration *r = &reactor->table[fd];
        if (r->reader == NULL && r->writer == NULL)
            continue;
        removed += (r->reader != NULL) + (r->writer != NULL && r->writer != r->reader);
        unsigned old = wanted(r);
        r->reader = NULL;
        r->writer = NULL;
        reactor->backend->watch(reactor->backend_state, fd, old, 0, false);
    }
    return removed;
}
/* << add-remove */

/* >> lose */
/* Ends a descriptor: removes it as reader and writer, then tells its owner why. After this the reactor
 * never touches d again: connection_lost may close the fd and free the memory. */
static void lose(struct reactor *reactor, struct descriptor *d, int reason) {
    char buf[32];
    if (reactor->trace)
        trace(reactor, "turn %lu: %s: lost: %s", reactor->turn, descriptor_name(d, buf, sizeof buf),
          reactor_strerror(reason));
    reactor_remove_reader(reactor, d);
    reactor_remove_writer(reactor, d);
    struct registration *r = registration_of(reactor, d->fd);
    if (r != NULL)
        r->lost = true; /* its owner is about to close the fd: a descriptor added next may be on a new file */
    d->ops->connection_lost(d, reason);
}

/* Ends whatever is registered on fd (the reader, then the writer if it is another descriptor), each
 * looked up only when its turn comes, since the first one's connection_lost may remove the second. */
static void lose_fd(struct reactor *reactor, int fd, int reason) {
    struct registration *r = registration_of(reactor, fd);
    struct descriptor *first = r ? r->reader : NULL;
    if (first != NULL)
        lose(reactor, first, reason);
    r = registration_of(reactor, fd);
    if (r != NULL && r->writer != NULL && r->writer != first)
        lose(reactor, r->writer, reason);
}
/* << lose */

/* >> call-when-running */
/* Calls one callback; a failure is reported, and the caller goes on with the next. */
static void run_callback(struct reactor *reactor, const char *name, reactor_callback fn, void *arg) {
    trace(reactor, "calling %s", name);
    int result = fn(arg);
    if (result < 0)
        fprintf(stderr, "reactor: %s failed: %s\n", name, reactor_strerror(result));
}

int reactor_call_when_running_named(struct reactor *reactor, const char *name, reactor_callback fn, void *arg) {
    if (fn == NULL)
        return -EINVAL;
    if (reactor->state == REACTOR_SHUTTING_DOWN || reactor->state == REACTOR_STOPPED)
        return REACTOR_ERR_SHUTTING_DOWN; /* it would never run */
    if (reactor->state == REACTOR_RUNNING) {
        run_callback(reactor, name, fn, arg);
        return 0;
    }
    if (reactor->call_count == reactor->call_capacity) {
        size_t capacity = reactor->call_capacity ? reactor->call_capacity * 2 : 8;
        struct pending_call *bigger = realloc(reactor->calls, capacity * sizeof *bigger);
        if (bigger == NULL)
            return -ENOMEM;
        reactor->calls = bigger;
        reactor->call_capacity = capacity;
    }
    reactor->calls[reactor->call_count++] = (struct pending_call){.name = name, .fn = fn, .arg = arg};
    return 0;
}

/* Runs the queued callbacks in the order they were added. The reactor is already running, so a callback
 * that adds another one sees it called at once, not queued. */
static void run_pending_calls(struct reactor *reactor) {
    for (size_t i = 0; i < reactor->call_count; i++)
        run_callback(reactor, reactor->calls[i].name, reactor->calls[i].fn, reactor->calls[i].arg);
    free(reactor->calls);
    reactor->calls = NULL;
    reactor->call_count = reactor->call_capacity = 0;
}
/* << call-when-running */

/* >> dispatch */
/* Calls do_read or do_write (which) on d. A reason returned means d is finished: it is lost. */
static int handle(struct reactor *reactor, struct descriptor *d, int (*which)(struct descriptor *),
                  const char *what) {
    char buf[32];
    if (reactor->trace) /* not just inside trace(): the name costs a snprintf, on every event */
        trace(reactor, "turn %lu: %s: %s", reactor->turn, descriptor_name(d, buf, sizeof buf), what);
    int reason = which(d);
    if (reason != 0)
        lose(reactor, d, reason);
    return reason;
}

/* The reader (or writer) of fd if it was added before the current wait began, else NULL. One added
 * since is not told about this wait's readiness: that was the readiness of whatever had the fd then,
 * possibly another file under a reused number (the stale-readiness case). Level-triggered backends
 * report it again on the next wait if it is the new one's too. Looked up afresh each time: any callback
 * may remove descriptors, or grow (move) the table. */
static struct descriptor *reader_of(struct reactor *reactor, int fd) {
    struct registration *r = registration_of(reactor, fd);
    return r != NULL && r->reader != NULL && r->reader_since < reactor->waits ? r->reader : NULL;
}

static struct descriptor *writer_of(struct reactor *reactor, int fd) {
    struct registration *r = registration_of(reactor, fd);
    return r != NULL && r->writer != NULL && r->writer_since < reactor->waits ? r->writer : NULL;
}

/* Serves one ready fd, as Twisted's _doReadOrWrite does. Input first: while input is ready, a hang-up
 * or error waits, so the tail of what the peer sent is read (do_read sees the end of file itself). A
 * hang-up or error with nothing left to read ends the connection: cleanly (REACTOR_CONNECTION_DONE)
 * for a reader, as lost (REACTOR_ERR_CONNECTION_LOST) for a writer that has no room to write either;
 * one that has room is called, and learns the precise error from its write (a refused connect, EPIPE).
 * A read that reports a reason skips the write. */
static void dispatch_one(struct reactor *reactor, const struct backend_event *event) {
    int fd = event->fd;
    unsigned events = event->events;
    bool broken = (events & (BACKEND_HANGUP | BACKEND_ERROR)) != 0;
    if (event->error != 0) { /* the backend cannot watch it (closed without being removed: -EBADF) */
        if (reader_of(reactor, fd) != NULL || writer_of(reactor, fd) != NULL)
            lose_fd(reactor, fd, event->error);
        return;
    }
    struct descriptor *reader = reader_of(reactor, fd);
    if (reader != NULL && (events & BACKEND_READABLE)) {
        if (handle(reactor, reader, reader->ops->do_read, "do_read") != 0)
            return; /* lost while reading: no do_write this turn */
    } else if (reader != NULL && broken) {
        lose(reactor, reader, REACTOR_CONNECTION_DONE); /* a hang-up while reading is a clean close */
        return;
    }
    struct descriptor *writer = writer_of(reactor, fd);
    if (writer != NULL && (events & BACKEND_WRITABLE))
        handle(reactor, writer, writer->ops->do_write, "do_write");
    else if (writer != NULL && broken && !(events & BACKEND_READABLE))
        lose(reactor, writer, REACTOR_ERR_CONNECTION_LOST);
}

/* >> dispatch-waker */
/* Serves every fd the backend found ready, in the order it gave them. */
static void dispatch(struct reactor *reactor, const struct backend_event *events, int count) {
    for (int i = 0; i < count; i++) {
        if (events[i].fd == reactor->waker_fd) { /* chapter 9: a thread woke us; the calls run next turn */
            trace(reactor, "turn %lu: woken by a call from a thread", reactor->turn);
            reactor_threads_drain(reactor->threads);
            continue;
        }
        dispatch_one(reactor, &events[i]);
    }
}
/* << dispatch-waker */
/* << dispatch */

/* >> ebadf */
/* select() said EBADF: some registered fd was closed without being removed. Finds them and loses them
 * (as Twisted's select reactor does), so that one owner's mistake cannot spin the loop for everyone. */
static void lose_closed_fds(struct reactor *reactor) {
    for (int fd = 0; fd < reactor->table_size; fd++) {
        struct registration *r = &reactor->table[fd];
        if ((r->reader != NULL || r->writer != NULL) && fcntl(fd, F_GETFD) < 0 && errno == EBADF)
            lose_fd(reactor, fd, -EBADF);
    }
}
/* << ebadf */

struct scheduler *reactor_scheduler(struct reactor *reactor) {
    return reactor->scheduler;
}

double reactor_seconds(struct reactor *reactor) {
    return scheduler_seconds(reactor->scheduler);
}

/* Traces "turn N: waiting for readers {fds}, writers {fds}SUFFIX (BACKEND)" from the table. */
static void trace_waiting(const struct reactor *reactor, const char *suffix) {
    struct fd_list reading = {0}, writing = {0};
    for (int fd = 0; fd < reactor->table_size; fd++) {
        if (reactor->table[fd].reader != NULL)
            fd_list_add(&reading, fd);
        if (reactor->table[fd].writer != NULL)
            fd_list_add(&writing, fd);
    }
    char reading_text[256], writing_text[256];
    trace(reactor, "turn %lu: waiting for readers %s, writers %s%s (%s)", reactor->turn,
          format_fds(&reading, reading_text, sizeof reading_text),
          format_fds(&writing, writing_text, sizeof writing_text), suffix, reactor->backend->name);
    fd_list_free(&reading);
    fd_list_free(&writing);
}

/* Traces "turn N: ready to read {fds}, to write {fds}, hung up {fds}" from the backend's events. */
static void trace_ready(const struct reactor *reactor, const struct backend_event *events, int count) {
    struct fd_list reading = {0}, writing = {0}, broken = {0};
    for (int i = 0; i < count; i++) {
        if (events[i].events & BACKEND_READABLE)
            fd_list_add(&reading, events[i].fd);
        if (events[i].events & BACKEND_WRITABLE)
            fd_list_add(&writing, events[i].fd);
        if ((events[i].events & (BACKEND_HANGUP | BACKEND_ERROR)) || events[i].error != 0)
            fd_list_add(&broken, events[i].fd);
    }
    char reading_text[256], writing_text[256], broken_text[256];
    trace(reactor, "turn %lu: ready to read %s, to write %s, hung up or failed %s", reactor->turn,
          format_fds(&reading, reading_text, sizeof reading_text),
          format_fds(&writing, writing_text, sizeof writing_text),
          format_fds(&broken, broken_text, sizeof broken_text));
    fd_list_free(&reading);
    fd_list_free(&writing);
    fd_list_free(&broken);
}

/* >> turn */
/* One turn of the loop: run the delayed calls that are due, wait (in the backend, which knows what every
 * fd waits for) until the next call is due or something is ready, and dispatch.
 * Returns 0, or -errno if the wait failed in a way the loop cannot get past. */
static int run_one_turn(struct reactor *reactor) {
    reactor->turn++;
    /* >> turn-threads */
    size_t from_threads = reactor_threads_run_queued(reactor->threads); /* chapter 9 */
    if (from_threads > 0)
        trace(reactor, "turn %lu: ran %zu call%s from threads", reactor->turn, from_threads,
              from_threads == 1 ? "" : "s");
    /* << turn-threads */
    size_t ran = scheduler_run_due(reactor->scheduler);
    if (ran > 0)
        trace(reactor, "turn %lu: ran %zu delayed call%s", reactor->turn, ran, ran == 1 ? "" : "s");
    if (reactor->stopping) {
        reactor->last_pass_done = true; /* a delayed call stopped the reactor: this was the last pass */
        return 0;                       /* and don't go to sleep first */
    }

    double timeout = scheduler_timeout(reactor->scheduler);
    if (reactor->trace) {
        char how_long[40] = ", forever";
        if (timeout >= 0)
            snprintf(how_long, sizeof how_long, ", for %.6fs", timeout);
        trace_waiting(reactor, how_long);
    }

    /* Sleeps until a descriptor is ready or the next delayed call is due: an idle reactor uses no CPU.
     * A signal ends the wait with no events (the backend retries nothing: the loop goes round, and the
     * timeout is computed again). */
    const struct backend_event *events = NULL;
    reactor->waits++;
    int count = reactor->backend->wait(reactor->backend_state, timeout, &events);
    if (count < 0) {
        trace(reactor, "turn %lu: %s: %s", reactor->turn, reactor->backend->name, strerror(-count));
        if (count == -EBADF) { /* select(): some fd was closed without being removed */
            lose_closed_fds(reactor);
            return 0;
        }
        return count;
    }

    if (reactor->trace)
        trace_ready(reactor, events, count);
    dispatch(reactor, events, count);
    return 0;
}
/* << turn */

/* >> shutdown */
/* Tells every descriptor that is still registered when its turn comes that it is lost, once, in fd
 * order. Twisted removes them all first and then tells each; in C that would touch a descriptor whose
 * owner removed and freed it from an earlier connection_lost, so each fd is looked up only when its turn
 * comes, and a descriptor removed meanwhile is not told. Nothing can be added meanwhile (the reactor
 * refuses registrations once shutting down), so walking the table itself, which holds any fd, is a
 * complete snapshot, whatever the backend. */
static void shut_down(struct reactor *reactor) {
    reactor->state = REACTOR_SHUTTING_DOWN;
    trace(reactor, "shutting down");
    for (int fd = 0; fd < reactor->table_size; fd++)
        lose_fd(reactor, fd, REACTOR_ERR_CONNECTION_LOST);
}
/* << shutdown */

/* >> run-loop */
int reactor_run(struct reactor *reactor) {
    if (reactor->state == REACTOR_RUNNING)
        return REACTOR_ERR_ALREADY_RUNNING;
    if (reactor->state != REACTOR_NEW)
        return REACTOR_ERR_NOT_RESTARTABLE; /* stopped, or shutting down (from a connection_lost) */
    reactor->state = REACTOR_RUNNING;
    trace(reactor, "running, on the %s backend", reactor->backend->name);
    run_pending_calls(reactor);

    int result = 0;
    while (!reactor->stopping && result == 0)
        result = run_one_turn(reactor);
    if (result != 0)
        fprintf(stderr, "reactor: %s failed: %s\n", reactor->backend->name, reactor_strerror(result));
    /* As in Twisted, whose loop runs the due calls on the turn that fires shutdown: a call made for "now"
     * just before a stop (in a do_read, say) still runs, once, before shutdown. A stop from a delayed
     * call has had that pass already. */
    if (result == 0 && !reactor->last_pass_done) {
        size_t ran = scheduler_run_due(reactor->scheduler);
        if (ran > 0)
            trace(reactor, "stopping: ran %zu delayed call%s", ran, ran == 1 ? "" : "s");
    }

    /* >> run-loop-end */
    shut_down(reactor);
    run_shutdown_hooks(reactor);               /* chapter 9: the thread pool stops here */
    reactor_threads_finish(reactor->threads); /* and calls from threads that came meanwhile run */
    /* << run-loop-end */
    reactor->state = REACTOR_STOPPED;
    trace(reactor, "stopped after %lu turn%s", reactor->turn, reactor->turn == 1 ? "" : "s");
    return result;
}
/* << run-loop */

/* >> stop */
int reactor_stop(struct reactor *reactor) {
    if (reactor->state != REACTOR_RUNNING || reactor->stopping)
        return REACTOR_ERR_NOT_RUNNING;
    reactor->stopping = true;
    trace(reactor, "stop requested: shutting down at the end of this turn");
    return 0;
}
/* << stop */

/* >> seam */
/* Chapter 10: the seams a test double uses (reactor.h, reactor_tcp.h). */
int reactor_new_with_scheduler(const struct backend_ops *backend, struct scheduler *scheduler,
                               struct reactor **out) {
    int err = reactor_new_with(backend, out);
    if (err != 0)
        return err;
    scheduler_free((*out)->scheduler);
    (*out)->scheduler = scheduler;
    (*out)->borrowed_scheduler = true;
    return 0;
}

void reactor_set_tcp(struct reactor *reactor, const struct reactor_tcp_ops *ops, void *state) {
    reactor->tcp = ops;
    reactor->tcp_state = state;
}

const struct reactor_tcp_ops *reactor_tcp(const struct reactor *reactor) {
    return reactor->tcp != NULL ? reactor->tcp : &reactor_tcp_sockets;
}

void *reactor_tcp_state(const struct reactor *reactor) {
    return reactor->tcp_state;
}
/* << seam */
