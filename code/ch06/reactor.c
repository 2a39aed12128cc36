/* reactor.c: the reactor, on select(). See reactor.h for the contracts.
 *
 * It is chapter 2's loop with the poetry taken out: the loop no longer knows what a task is. Whoever
 * wants to hear about a file descriptor registers a struct descriptor, and the loop calls its do_read
 * or do_write when select() says the fd is ready. */
#include "reactor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

/* >> state */
/* Who is watching one fd. */
struct registration {
    struct descriptor *reader;
    struct descriptor *writer;
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
     * each ready fd up here after select() returns, so a descriptor removed meanwhile is not found. */
    struct registration *table;
    int table_size;
    struct pending_call *calls; /* call_when_running callbacks, in the order given */
    size_t call_count;
    size_t call_capacity;
    struct scheduler *scheduler; /* the delayed calls, on the monotonic clock */
    enum reactor_state state;
    bool stopping;       /* reactor_stop was called: the current turn is the last */
    bool last_pass_done; /* the delayed calls' pass after the stop has run */
    bool trace;          /* REACTOR_TRACE was set when the reactor was made */
    unsigned long turn;  /* turns of the loop so far, for the trace */
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

struct reactor *reactor_new(void) {
    struct reactor *reactor = calloc(1, sizeof *reactor);
    if (reactor == NULL)
        return NULL;
    reactor->scheduler = scheduler_new(monotonic_seconds, NULL, "reactor");
    if (reactor->scheduler == NULL) {
        free(reactor);
        return NULL;
    }
    const char *trace = getenv("REACTOR_TRACE");
    reactor->trace = trace != NULL && trace[0] != '\0' && strcmp(trace, "0") != 0;
    reactor->state = REACTOR_NEW;
    return reactor;
}

void reactor_free(struct reactor *reactor) {
    if (reactor == NULL)
        return;
    scheduler_free(reactor->scheduler);
    free(reactor->table);
    free(reactor->calls);
    free(reactor);
}

/* >> add-remove */
/* Returns the registration of fd, growing the table to hold it; NULL if fd is out of range (*err is
 * then REACTOR_ERR_FD_RANGE) or memory ran out (-ENOMEM). */
static struct registration *registration_for(struct reactor *reactor, int fd, int *err) {
    if (fd < 0 || fd >= FD_SETSIZE) {
        *err = REACTOR_ERR_FD_RANGE; /* select() cannot watch it; chapter 7 lifts this limit */
        return NULL;
    }
    if (fd >= reactor->table_size) {
        int size = reactor->table_size ? reactor->table_size : 16;
        while (size <= fd)
            size *= 2;
        if (size > FD_SETSIZE)
            size = FD_SETSIZE;
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

int reactor_add_reader(struct reactor *reactor, struct descriptor *d) {
    if (d->ops->do_read == NULL)
        return -EINVAL; /* dispatch would call through a NULL pointer */
    if (reactor->state == REACTOR_SHUTTING_DOWN)
        return REACTOR_ERR_SHUTTING_DOWN; /* shutdown would never tell it: refuse it now */
    int err = 0;
    struct registration *r = registration_for(reactor, d->fd, &err);
    if (r == NULL)
        return err;
    r->reader = d;
    return 0;
}

int reactor_add_writer(struct reactor *reactor, struct descriptor *d) {
    if (d->ops->do_write == NULL)
        return -EINVAL; /* dispatch would call through a NULL pointer */
    if (reactor->state == REACTOR_SHUTTING_DOWN)
        return REACTOR_ERR_SHUTTING_DOWN; /* shutdown would never tell it: refuse it now */
    int err = 0;
    struct registration *r = registration_for(reactor, d->fd, &err);
    if (r == NULL)
        return err;
    r->writer = d;
    return 0;
}

/* The registration of fd if the table has one, without growing it. */
static struct registration *registration_of(struct reactor *reactor, int fd) {
    return fd >= 0 && fd < reactor->table_size ? &reactor->table[fd] : NULL;
}

void reactor_remove_reader(struct reactor *reactor, struct descriptor *d) {
    struct registration *r = registration_of(reactor, d->fd);
    if (r != NULL && r->reader == d)
        r->reader = NULL;
}

void reactor_remove_writer(struct reactor *reactor, struct descriptor *d) {
    struct registration *r = registration_of(reactor, d->fd);
    if (r != NULL && r->writer == d)
        r->writer = NULL;
}

size_t reactor_remove_all(struct reactor *reactor) {
    size_t removed = 0;
    for (int fd = 0; fd < reactor->table_size; fd++) {
        struct registration *r = &reactor->table[fd];
        removed += (r->reader != NULL) + (r->writer != NULL && r->writer != r->reader);
        r->reader = NULL;
        r->writer = NULL;
    }
    return removed;
}
/* << add-remove */

/* >> lose */
/* Ends a descriptor: removes it as reader and writer, then tells its owner why. After this the reactor
 * never touches d again: connection_lost may close the fd and free the memory. */
static void lose(struct reactor *reactor, struct descriptor *d, int reason) {
    char buf[32];
    trace(reactor, "turn %lu: %s: lost: %s", reactor->turn, descriptor_name(d, buf, sizeof buf),
          reactor_strerror(reason));
    reactor_remove_reader(reactor, d);
    reactor_remove_writer(reactor, d);
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
    trace(reactor, "turn %lu: %s: %s", reactor->turn, descriptor_name(d, buf, sizeof buf), what);
    int reason = which(d);
    if (reason != 0)
        lose(reactor, d, reason);
    return reason;
}

/* Serves every fd that select() found ready. Each is looked up in the table now, not before select():
 * a descriptor that an earlier callback of this turn removed (or freed) is simply not found. */
static void dispatch(struct reactor *reactor, const fd_set *readable, const fd_set *writable, int limit) {
    for (int fd = 0; fd < limit; fd++) {
        struct registration *r = registration_of(reactor, fd);
        if (FD_ISSET(fd, readable) && r != NULL && r->reader != NULL) {
            if (handle(reactor, r->reader, r->reader->ops->do_read, "do_read") != 0)
                continue; /* lost while reading: no do_write this turn */
        }
        r = registration_of(reactor, fd);
        if (FD_ISSET(fd, writable) && r != NULL && r->writer != NULL)
            handle(reactor, r->writer, r->writer->ops->do_write, "do_write");
    }
}
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

/* >> wait-time */
/* Turns the scheduler's timeout into select()'s: NULL (wait as long as it takes) when nothing is
 * scheduled, else the time to the next call, rounded UP to a whole microsecond — rounded down, a call
 * 0.4 µs away would give a zero timeout, and the loop would spin until it was due. */
static struct timeval *wait_time(double seconds, struct timeval *tv) {
    if (seconds < 0)
        return NULL;
    double micros = ceil(seconds * 1e6);
    tv->tv_sec = (time_t)(micros / 1e6);
    tv->tv_usec = (suseconds_t)(micros - (double)tv->tv_sec * 1e6);
    return tv;
}
/* << wait-time */

/* Traces "turn N: READING {fds}, WRITING {fds}SUFFIX" for the fds of the two sets below limit. */
static void trace_fds(const struct reactor *reactor, const char *reading_label, const char *writing_label,
                      const fd_set *readable, const fd_set *writable, int limit, const char *suffix) {
    struct fd_list reading = {0}, writing = {0};
    for (int fd = 0; fd < limit; fd++) {
        if (FD_ISSET(fd, readable))
            fd_list_add(&reading, fd);
        if (FD_ISSET(fd, writable))
            fd_list_add(&writing, fd);
    }
    char reading_text[256], writing_text[256];
    trace(reactor, "turn %lu: %s %s, %s %s%s", reactor->turn, reading_label,
          format_fds(&reading, reading_text, sizeof reading_text), writing_label,
          format_fds(&writing, writing_text, sizeof writing_text), suffix);
    fd_list_free(&reading);
    fd_list_free(&writing);
}

/* >> turn */
/* One turn of the loop: run the delayed calls that are due, tell select() what every descriptor waits
 * for and how long until the next call, sleep until then or until something is ready, and dispatch.
 * Returns 0, or -errno if select() failed in a way the loop cannot get past. */
static int run_one_turn(struct reactor *reactor) {
    reactor->turn++;
    size_t ran = scheduler_run_due(reactor->scheduler);
    if (ran > 0)
        trace(reactor, "turn %lu: ran %zu delayed call%s", reactor->turn, ran, ran == 1 ? "" : "s");
    if (reactor->stopping) {
        reactor->last_pass_done = true; /* a delayed call stopped the reactor: this was the last pass */
        return 0;                       /* and don't go to sleep first */
    }

    fd_set readable, writable;
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    int limit = 0; /* one more than the highest fd watched */
    for (int fd = 0; fd < reactor->table_size; fd++) {
        if (reactor->table[fd].reader != NULL)
            FD_SET(fd, &readable);
        if (reactor->table[fd].writer != NULL)
            FD_SET(fd, &writable);
        if (reactor->table[fd].reader != NULL || reactor->table[fd].writer != NULL)
            limit = fd + 1;
    }
    struct timeval tv;
    struct timeval *timeout = wait_time(scheduler_timeout(reactor->scheduler), &tv);
    if (reactor->trace) {
        char how_long[40] = ", forever";
        if (timeout != NULL)
            snprintf(how_long, sizeof how_long, ", for %ld.%06lds", (long)tv.tv_sec, (long)tv.tv_usec);
        trace_fds(reactor, "waiting for readers", "writers", &readable, &writable, limit, how_long);
    }

    /* Sleeps until a descriptor is ready or the next delayed call is due: an idle reactor uses no CPU. */
    if (select(limit, &readable, &writable, NULL, timeout) < 0) {
        int err = errno;
        trace(reactor, "turn %lu: select: %s", reactor->turn, strerror(err));
        if (err == EINTR)
            return 0; /* a signal woke us: just go round again */
        if (err == EBADF) {
            lose_closed_fds(reactor);
            return 0;
        }
        return -err;
    }

    if (reactor->trace)
        trace_fds(reactor, "ready to read", "to write", &readable, &writable, limit, "");
    dispatch(reactor, &readable, &writable, limit);
    return 0;
}
/* << turn */

/* >> shutdown */
/* Tells every descriptor that is still registered when its turn comes that it is lost, once, in fd
 * order. Twisted removes them all first and then tells each; in C that would touch a descriptor whose
 * owner removed and freed it from an earlier connection_lost, so each fd is looked up only when its turn
 * comes, and a descriptor removed meanwhile is not told. Nothing can be added meanwhile (the reactor
 * refuses registrations once shutting down), so walking the table itself, which holds any fd, is a
 * complete snapshot: no fd_set, no FD_SETSIZE limit. */
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
    trace(reactor, "running");
    run_pending_calls(reactor);

    int result = 0;
    while (!reactor->stopping && result == 0)
        result = run_one_turn(reactor);
    if (result != 0)
        fprintf(stderr, "reactor: select failed: %s\n", reactor_strerror(result));
    /* As in Twisted, whose loop runs the due calls on the turn that fires shutdown: a call made for "now"
     * just before a stop (in a do_read, say) still runs, once, before shutdown. A stop from a delayed
     * call has had that pass already. */
    if (result == 0 && !reactor->last_pass_done) {
        size_t ran = scheduler_run_due(reactor->scheduler);
        if (ran > 0)
            trace(reactor, "stopping: ran %zu delayed call%s", ran, ran == 1 ? "" : "s");
    }

    shut_down(reactor);
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
