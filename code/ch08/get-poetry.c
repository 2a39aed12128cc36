/* get-poetry: the poetry client, with a protocol and a client factory.
 *
 * Chapter 4's client did everything itself: it opened the socket, waited for the connect to settle,
 * read until the end and closed. All of that now lives in the library (tcp.h, transport.h), and
 * what is left here is what is particular to poetry: a protocol that collects the bytes
 * (krondo's PoetryProtocol), and a client factory per download (PoetryClientFactory) that makes the
 * protocol and hears when the connect fails. Same command line and output as chapter 4's, plus two
 * limits on by default, so that no download can hang for ever: --connect-timeout (30 s) and
 * --idle-timeout (60 s without a byte). */
#include "address.h"
#include "cli.h"
#include "protocol.h"
#include "reactor.h"
#include "tcp.h"
#include "transport.h"

#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *program = "get-poetry";

/* A poem as it arrives: a growing buffer. */
struct poem {
    char *bytes;
    size_t len;
    size_t capacity;
};

/* >> task */
enum task_state {
    TASK_RUNNING, /* connecting or receiving */
    TASK_DONE,    /* the server closed the connection: the poem is complete */
    TASK_FAILED,  /* the connect or the connection failed, or it took too long; error says why */
};

struct downloads;
struct poetry_protocol;

/* One download. The task is the client factory of its connection: the library calls it to build the
 * protocol and to say the connect failed. */
struct task {
    struct factory factory; /* first, so that the library's factory pointer is also the task's */
    int number;             /* 1-based, as the user counts the arguments */
    struct sockaddr_in addr;
    char who[ADDRESS_TEXT_MAX];
    enum task_state state;
    int error; /* why it failed: -errno, a REACTOR_ERR_* code or TASK_TIMED_OUT */
    struct poem poem;
    double started;
    struct connector *connector;      /* while connecting */
    struct poetry_protocol *protocol; /* while connected */
    struct delayed_call *timeout;     /* the pending call that gives up on the download, if --timeout */
    struct delayed_call *idle;        /* while connected, if --idle-timeout: pushed back by every byte */
    int gave_up; /* why the task gave the download up itself (a TASK_* code below, -EFBIG, -ENOMEM), or 0 */
    struct downloads *all;
};

/* Why a task ends when one of its timeouts fires: neither -errno nor a reactor code, so that the
 * report can say how long it waited. */
enum {
    TASK_TIMED_OUT = -20001,         /* --timeout: the whole download took too long */
    TASK_IDLE = -20002,              /* --idle-timeout: no byte came for that long */
    TASK_CONNECT_TIMED_OUT = -20003, /* --connect-timeout: the connect did not settle in time */
};

/* Every task, and what the tasks share: the reactor, and how far the output has got. */
struct downloads {
    struct reactor *reactor;
    struct task *tasks;
    int count;
    int ended;      /* tasks done or failed */
    int written;    /* the first task whose poem is not yet on stdout */
    double timeout; /* seconds a download may take, from its start; 0 for no limit */
    double connect_timeout; /* seconds a connect may take; 0: as long as the kernel tries */
    double idle_timeout;    /* seconds a connected download may go without a byte; 0 for no limit */
};
/* << task */

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: get-poetry [--timeout SECONDS] [--connect-timeout SECONDS] [--idle-timeout SECONDS]\n"
            "                  [--max-size BYTES] [HOST:]PORT ...\n"
            "\n"
            "Downloads a poem from each server, all at the same time, and writes the poems to stdout\n"
            "in the order given. HOST is an IPv4 address and defaults to 127.0.0.1. A download is given\n"
            "up, and counts as failed, when it takes longer than --timeout (default: no limit), when its\n"
            "connect takes longer than --connect-timeout (default 30), or when no byte arrives for\n"
            "--idle-timeout seconds (default 60); 0 turns a limit off. A poem larger than --max-size\n"
            "BYTES (default 64M; K, M, G suffixes) fails its download. Progress and timing go to stderr.\n"
            "Exit status: 0 all poems arrived, 1 some download failed or stdout could not be written,\n"
            "2 bad command line.\n");
}

/* The largest poem one download may bring: --max-size, 64 MiB unless it says otherwise. */
static size_t max_size = (size_t)64 << 20;

/* Why a download failed, in words: the reactor's, except for the two ways a poem cannot be kept. */
static const char *task_strerror(int error) {
    static char why[64];
    if (error == -EFBIG) {
        snprintf(why, sizeof why, "poem larger than --max-size (%zu bytes)", max_size);
        return why;
    }
    if (error == -ENOMEM)
        return "out of memory";
    return reactor_strerror(error);
}

/* Seconds on a clock that never jumps backwards (unlike the time of day). */
static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Appends len bytes to the poem, which may not grow past max_size bytes. Returns 0, -EFBIG or -ENOMEM. */
static int poem_append(struct poem *poem, const char *bytes, size_t len) {
    if (len > max_size - poem->len)
        return -EFBIG;
    if (poem->len + len > poem->capacity) {
        size_t capacity = poem->capacity ? poem->capacity : 4096;
        while (capacity < poem->len + len)
            capacity *= 2;
        if (capacity > max_size)
            capacity = max_size;
        char *bigger = realloc(poem->bytes, capacity);
        if (bigger == NULL)
            return -ENOMEM;
        poem->bytes = bigger;
        poem->capacity = capacity;
    }
    memcpy(poem->bytes + poem->len, bytes, len);
    poem->len += len;
    return 0;
}

/* >> write-in-order */
/* Writes, in argument order, every finished poem that no unfinished task precedes. *next is the index
 * of the first task not yet written; failed tasks are skipped, as their partial poems are not written. */
static void write_finished_poems(struct task *tasks, int count, int *next) {
    while (*next < count && tasks[*next].state != TASK_RUNNING) {
        struct task *task = &tasks[*next];
        if (task->state == TASK_DONE) /* exits if stdout fails: the poem is lost, and so would the rest be */
            cli_write_stdout(program, task->poem.bytes, task->poem.len);
        *next += 1;
    }
}
/* << write-in-order */

/* >> task-finished */
/* The download is over, well or badly (reason: REACTOR_CONNECTION_DONE or a negative code). Reports,
 * writes whatever poems can now go out in order, and stops the reactor after the last task. */
static void task_finished(struct task *task, int reason) {
    struct downloads *all = task->all;
    struct delayed_call **pending[] = {&task->timeout, &task->idle};
    for (size_t i = 0; i < sizeof pending / sizeof pending[0]; i++) {
        if (*pending[i] != NULL) { /* the download is over, so it can no longer time out */
            delayed_call_cancel(*pending[i]); /* fails harmlessly if it is the call running now */
            delayed_call_release(*pending[i]);
            *pending[i] = NULL;
        }
    }
    task->connector = NULL;
    task->protocol = NULL;
    if (task->gave_up != 0)
        reason = task->gave_up;
    task->error = reason == REACTOR_CONNECTION_DONE ? 0 : reason;
    task->state = task->error ? TASK_FAILED : TASK_DONE;
    if (task->error == TASK_TIMED_OUT)
        cli_warn(program, "task %d: %s: timed out after %g s", task->number, task->who, all->timeout);
    else if (task->error == TASK_CONNECT_TIMED_OUT)
        cli_warn(program, "task %d: %s: connect timed out after %g s", task->number, task->who,
                 all->connect_timeout);
    else if (task->error == TASK_IDLE)
        cli_warn(program, "task %d: %s: no byte for %g s", task->number, task->who, all->idle_timeout);
    else if (task->error)
        cli_warn(program, "task %d: %s: %s", task->number, task->who, task_strerror(task->error));
    else
        fprintf(stderr, "Task %d: got %zu bytes of poetry from %s in %.1fs\n", task->number, task->poem.len,
                task->who, now_seconds() - task->started);
    write_finished_poems(all->tasks, all->count, &all->written);
    all->ended += 1;
    if (all->ended == all->count)
        reactor_stop(all->reactor);
}
/* << task-finished */

/* >> poetry-protocol */
/* The protocol of one download: it collects the bytes, and hands the poem to its task at the end. */
struct poetry_protocol {
    struct protocol base;
    struct task *task;
    struct poem poem;
};

static int task_idle(void *arg);

/* The connection is up: from now on, every --idle-timeout seconds must bring a byte. */
static void poetry_connection_made(struct protocol *p, struct transport *transport) {
    struct task *task = ((struct poetry_protocol *)p)->task;
    double idle = task->all->idle_timeout;
    if (idle > 0 && reactor_call_later(task->all->reactor, idle, task_idle, task, &task->idle) != 0)
        transport_abort_connection(transport); /* out of memory: give this download up */
}

static void poetry_data_received(struct protocol *p, const char *bytes, size_t len) {
    struct poetry_protocol *poetry = (struct poetry_protocol *)p;
    struct task *task = poetry->task;
    fprintf(stderr, "Task %d: read %zu bytes from %s\n", task->number, len, task->who);
    if (task->idle != NULL)
        delayed_call_reset(task->idle, task->all->idle_timeout); /* a byte came: the wait starts again */
    int err = poem_append(&poetry->poem, bytes, len);
    if (err != 0 && task->gave_up == 0) {
        task->gave_up = err; /* -EFBIG (past --max-size) or -ENOMEM: give this download up */
        transport_abort_connection(p->transport);
    }
}

/* The last call: the poem (complete after a clean close, partial otherwise) goes to the task, which
 * now owns its bytes, and the protocol frees itself. */
static void poetry_connection_lost(struct protocol *p, int reason) {
    struct poetry_protocol *poetry = (struct poetry_protocol *)p;
    struct task *task = poetry->task;
    task->poem = poetry->poem;
    free(poetry);
    task_finished(task, reason);
}

static const struct protocol_ops poetry_protocol_ops = {
    .connection_made = poetry_connection_made,
    .data_received = poetry_data_received,
    .connection_lost = poetry_connection_lost,
};
/* << poetry-protocol */

/* >> poetry-factory */
/* build_protocol: the connect succeeded. A new protocol for this task's connection. */
static struct protocol *task_build_protocol(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    struct task *task = (struct task *)f;
    struct poetry_protocol *poetry = calloc(1, sizeof *poetry);
    if (poetry == NULL)
        return NULL; /* the library closes the connection and fails the connect */
    poetry->base.ops = &poetry_protocol_ops;
    poetry->task = task;
    task->connector = NULL;
    task->protocol = poetry;
    return &poetry->base;
}

/* client_connection_failed: no connection, so no protocol; the task ends here. */
static void task_connection_failed(struct factory *f, struct connector *connector, int reason) {
    (void)connector;
    struct task *task = (struct task *)f;
    if (reason == -ETIMEDOUT && task->all->connect_timeout > 0 && task->gave_up == 0)
        task->gave_up = TASK_CONNECT_TIMED_OUT; /* the connector's timeout, not the kernel's */
    task_finished(task, reason);
}

static const struct factory_ops task_factory_ops = {
    .build_protocol = task_build_protocol,
    .client_connection_failed = task_connection_failed,
    /* client_connection_lost: nothing to add; the protocol's connection_lost has ended the task. */
};
/* << poetry-factory */

/* >> timed-out */
/* The task's timeout: the download took too long. Connecting, it stops the connector (the factory
 * hears client_connection_failed at once); connected, it aborts the connection (the protocol hears
 * connection_lost on the next turn). Either way the task ends as timed out. */
static int task_timed_out(void *arg) {
    struct task *task = arg;
    delayed_call_release(task->timeout); /* this call is running: nothing left to cancel */
    task->timeout = NULL;
    if (task->gave_up == 0)
        task->gave_up = TASK_TIMED_OUT;
    if (task->protocol != NULL)
        transport_abort_connection(task->protocol->base.transport);
    else if (task->connector != NULL)
        connector_stop(task->connector);
    return 0;
}
/* << timed-out */

/* The task's idle timeout: connected, but no byte for --idle-timeout seconds (a server that stalls, or
 * a connection whose other end has silently gone). */
static int task_idle(void *arg) {
    struct task *task = arg;
    delayed_call_release(task->idle); /* this call is running: nothing left to cancel */
    task->idle = NULL;
    if (task->gave_up == 0)
        task->gave_up = TASK_IDLE;
    if (task->protocol != NULL)
        transport_abort_connection(task->protocol->base.transport);
    return 0;
}

/* >> start-downloads */
/* Starts every download once the reactor runs (so that a task that fails at once can already stop it).
 * A task whose connect cannot even begin ends right here. */
static int start_downloads(void *arg) {
    struct downloads *all = arg;
    for (int i = 0; i < all->count; i++) {
        struct task *task = &all->tasks[i];
        fprintf(stderr, "Task %d: get poetry from %s\n", task->number, task->who);
        task->started = now_seconds();
        int err = 0;
        if (all->timeout > 0)
            err = reactor_call_later(all->reactor, all->timeout, task_timed_out, task, &task->timeout);
        if (err == 0)
            err = reactor_connect_tcp(all->reactor, &task->addr, &task->factory, all->connect_timeout,
                                      &task->connector);
        if (err != 0)
            task_finished(task, err);
    }
    return 0;
}
/* << start-downloads */

int main(int argc, char **argv) {
    int stdout_closed = cli_open_standard_fds();
    double timeout = 0, connect_timeout = 30, idle_timeout = 60; /* as Twisted's connectTCP: 30 s */
    int count = 0; /* the addresses, moved up to argv[1] .. argv[count] */
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        }
        if (cli_option(argc, argv, &i, "--max-size", &value, program)) {
            if (cli_parse_size(value, SIZE_MAX / 2, &max_size) != 0)
                cli_fail(EXIT_USAGE, program, "bad size %s: not a number of bytes >= 1 (65536, 64K, 64M)",
                         cli_quote(value));
            continue;
        }
        if (cli_option(argc, argv, &i, "--connect-timeout", &value, program)) {
            if (cli_parse_seconds(value, &connect_timeout) != 0)
                cli_fail(EXIT_USAGE, program, "bad connect timeout %s: not a number of seconds >= 0", cli_quote(value));
            continue;
        }
        if (cli_option(argc, argv, &i, "--idle-timeout", &value, program)) {
            if (cli_parse_seconds(value, &idle_timeout) != 0)
                cli_fail(EXIT_USAGE, program, "bad idle timeout %s: not a number of seconds >= 0", cli_quote(value));
            continue;
        }
        if (cli_option(argc, argv, &i, "--timeout", &value, program)) {
            if (cli_parse_seconds(value, &timeout) != 0 || timeout == 0)
                cli_fail(EXIT_USAGE, program, "bad timeout %s: not a number of seconds > 0", cli_quote(value));
            continue;
        }
        if (argv[i][0] == '-')
            cli_fail(EXIT_USAGE, program, "unknown option %s (try --help)", cli_quote(argv[i]));
        argv[++count] = argv[i];
    }
    if (count == 0)
        cli_fail(EXIT_USAGE, program, "no server given (try --help)");

    /* Check every address before downloading anything: a typo should not cost a long wait. */
    struct task *tasks = calloc((size_t)count, sizeof *tasks);
    if (tasks == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    for (int i = 0; i < count; i++) {
        int err = address_parse(argv[i + 1], &tasks[i].addr);
        if (err != 0) {
            free(tasks);
            cli_fail(EXIT_USAGE, program, "bad address %s: %s", cli_quote(argv[i + 1]), address_strerror(err));
        }
        tasks[i].factory.ops = &task_factory_ops;
        tasks[i].number = i + 1;
        address_format(&tasks[i].addr, tasks[i].who, sizeof tasks[i].who);
    }
    if (stdout_closed)
        cli_fail(EXIT_SOME_FAILED, program, "cannot write to stdout: it is closed");

    /* >> main */
    struct downloads all = {.reactor = reactor_new(), .tasks = tasks, .count = count, .timeout = timeout,
                            .connect_timeout = connect_timeout, .idle_timeout = idle_timeout};
    if (all.reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    for (int i = 0; i < count; i++)
        tasks[i].all = &all;
    double start = now_seconds();
    reactor_call_when_running(all.reactor, start_downloads, &all);
    int err = reactor_run(all.reactor); /* returns once the last task has stopped it */
    reactor_free(all.reactor);
    if (err != 0)
        cli_fail(EXIT_SOME_FAILED, program, "reactor: %s", reactor_strerror(err));

    int failures = 0;
    for (int i = 0; i < count; i++) {
        failures += tasks[i].state != TASK_DONE;
        free(tasks[i].poem.bytes);
    }
    fprintf(stderr, "Got %d poem%s in %.1fs\n", count - failures, count - failures == 1 ? "" : "s",
            now_seconds() - start);
    /* << main */
    free(tasks);
    cli_close_stdout(program);
    return failures ? EXIT_SOME_FAILED : EXIT_ALL_WELL;
}
