/* get-poetry: the poetry client, with a Deferred per poem.
 *
 * Chapter 5's client ended each download by calling task_finished from inside the protocol. Here the
 * download knows nothing about what happens next: get_poetry starts it and returns a Deferred that
 * fires with the poem, or errbacks with why there is none (krondo's parts 6 to 10). What to do with a
 * poem is a chain of callbacks that main builds: report it, optionally transform it (--transform
 * cummingsify, which fails now and then, on purpose, and falls back to the original poem), keep it
 * for its turn on stdout, and count the task as ended. Same command line and output as chapter 5's,
 * with its limits (--connect-timeout 30 s, --idle-timeout 60 s, --max-size 64 MiB) and its checked
 * stdout. */
#include "address.h"
#include "cli.h"
#include "deferred.h"
#include "failure.h"
#include "protocol.h"
#include "reactor.h"
#include "result.h"
#include "tcp.h"
#include "transport.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *program = "get-poetry";

/* >> poem */
/* A poem: a growing buffer, and the value a download's Deferred fires with (freed by poem_free). */
struct poem {
    char *bytes;
    size_t len;
    size_t capacity;
};

static void poem_free(void *value) {
    struct poem *poem = value;
    if (poem != NULL)
        free(poem->bytes);
    free(poem);
}
/* << poem */

/* Failure kinds of this program's own, beside the library's codes (chapter 5's numbers). */
enum {
    POETRY_TIMED_OUT = -20001,         /* a download took longer than --timeout */
    POETRY_IDLE = -20002,              /* --idle-timeout: no byte came for that long */
    POETRY_CONNECT_TIMED_OUT = -20003, /* --connect-timeout: the connect did not settle in time */
    POETRY_TRANSFORM_FAILED = -20004,  /* cummingsify failed (on purpose, at --fail-rate) */
};

/* The largest poem one download may bring: --max-size, 64 MiB unless it says otherwise. */
static size_t max_size = (size_t)64 << 20;

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

/* How long a download may take, each in seconds; 0 turns that limit off. */
struct limits {
    double timeout;         /* --timeout: the whole download, from its start (default: none) */
    double connect_timeout; /* --connect-timeout: the connect (default 30, as Twisted's connectTCP) */
    double idle_timeout;    /* --idle-timeout: a connected download without a byte (default 60) */
};

/* >> download */
/* One download: the client factory of its connection, the protocol's bytes, and the Deferred it will
 * fire. It holds one reference to the Deferred; get_poetry gives the caller another. */
struct download {
    struct factory factory; /* first: the library's factory pointer is the download's */
    struct reactor *reactor;
    struct deferred *done;
    struct poem *poem;
    struct limits limits;
    struct connector *connector; /* while connecting */
    struct transport *transport; /* while connected */
    struct delayed_call *timer;  /* gives up after --timeout */
    struct delayed_call *idle;   /* while connected, if --idle-timeout: pushed back by every byte */
    int gave_up; /* why the download gave itself up (a POETRY_* code, -EFBIG, -ENOMEM), or 0 */
    int number;  /* for progress lines */
    const char *who;
};

/* The failure a download ends with, when it gave itself up or the connection failed. */
static struct failure *download_failure(const struct download *dl, int reason) {
    switch (reason) {
    case POETRY_TIMED_OUT:
        return failure_new(reason, "timed out after %g s", dl->limits.timeout);
    case POETRY_CONNECT_TIMED_OUT:
        return failure_new(reason, "connect timed out after %g s", dl->limits.connect_timeout);
    case POETRY_IDLE:
        return failure_new(reason, "no byte for %g s", dl->limits.idle_timeout);
    case -EFBIG:
        return failure_new(reason, "poem larger than --max-size (%zu bytes)", max_size);
    case -ENOMEM:
        return failure_new(reason, "out of memory");
    default:
        return failure_from_code(reason);
    }
}

/* The download is over (reason: REACTOR_CONNECTION_DONE or a negative code): fire the Deferred with
 * the poem or a failure. The Deferred's chain runs inside this call. The download itself is freed by
 * the connector's last call (the factory must outlive it), or by get_poetry if the connect never began. */
static void download_finished(struct download *dl, int reason) {
    struct delayed_call **pending[] = {&dl->timer, &dl->idle};
    for (size_t i = 0; i < sizeof pending / sizeof pending[0]; i++) {
        if (*pending[i] != NULL) {            /* over, so it can no longer time out */
            delayed_call_cancel(*pending[i]); /* fails harmlessly if it is the call running now */
            delayed_call_release(*pending[i]);
            *pending[i] = NULL;
        }
    }
    struct deferred *done = dl->done;
    if (dl->gave_up != 0)
        reason = dl->gave_up;
    if (reason != REACTOR_CONNECTION_DONE) {
        poem_free(dl->poem);
        deferred_errback(done, download_failure(dl, reason));
    } else {
        deferred_callback(done, dl->poem, poem_free); /* the Deferred owns the poem now */
    }
    dl->poem = NULL;
    dl->done = NULL;
    deferred_unref(done);
}
/* << download */

/* >> poetry-protocol */
/* The protocol of one download: it collects the bytes into the download's poem. */
struct poetry_protocol {
    struct protocol base;
    struct download *dl;
};

static void poetry_data_received(struct protocol *p, const char *bytes, size_t len) {
    struct download *dl = ((struct poetry_protocol *)p)->dl;
    fprintf(stderr, "Task %d: read %zu bytes from %s\n", dl->number, len, dl->who);
    if (dl->idle != NULL)
        delayed_call_reset(dl->idle, dl->limits.idle_timeout); /* a byte came: the wait starts again */
    int err = poem_append(dl->poem, bytes, len);
    if (err != 0 && dl->gave_up == 0) {
        dl->gave_up = err; /* -EFBIG (past --max-size) or -ENOMEM: give this download up */
        transport_abort_connection(p->transport);
    }
}

static void poetry_connection_lost(struct protocol *p, int reason) {
    struct download *dl = ((struct poetry_protocol *)p)->dl;
    free(p);
    dl->transport = NULL;
    download_finished(dl, reason);
}

static int download_idle(void *arg);

/* The connection is up: from now on, every --idle-timeout seconds must bring a byte. */
static void poetry_connection_made(struct protocol *p, struct transport *transport) {
    struct download *dl = ((struct poetry_protocol *)p)->dl;
    dl->transport = transport;
    double idle = dl->limits.idle_timeout;
    if (idle > 0 && reactor_call_later(dl->reactor, idle, download_idle, dl, &dl->idle) != 0) {
        dl->gave_up = -ENOMEM; /* out of memory: give this download up */
        transport_abort_connection(transport);
    }
}

static const struct protocol_ops poetry_protocol_ops = {
    .connection_made = poetry_connection_made,
    .data_received = poetry_data_received,
    .connection_lost = poetry_connection_lost,
};

static struct protocol *download_build_protocol(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    struct download *dl = (struct download *)f;
    struct poetry_protocol *poetry = calloc(1, sizeof *poetry);
    if (poetry == NULL)
        return NULL; /* the library closes the connection and fails the connect */
    poetry->base.ops = &poetry_protocol_ops;
    poetry->dl = dl;
    dl->connector = NULL;
    return &poetry->base;
}

static void download_connection_failed(struct factory *f, struct connector *connector, int reason) {
    (void)connector;
    struct download *dl = (struct download *)f;
    dl->connector = NULL;
    if (reason == -ETIMEDOUT && dl->limits.connect_timeout > 0 && dl->gave_up == 0)
        dl->gave_up = POETRY_CONNECT_TIMED_OUT; /* the connector's timeout, not the kernel's */
    download_finished(dl, reason);
    free(dl); /* the connector's last call */
}

/* The connection is over: the protocol has fired the Deferred already; this is the last call. */
static void download_connection_lost(struct factory *f, struct connector *connector, int reason) {
    (void)connector;
    (void)reason;
    free(f);
}

static const struct factory_ops download_factory_ops = {
    .build_protocol = download_build_protocol,
    .client_connection_failed = download_connection_failed,
    .client_connection_lost = download_connection_lost,
};
/* << poetry-protocol */

/* The download took too long: stop the connect, or abort the connection; either way the download
 * ends (at once, or on the next turn) and its Deferred errbacks as timed out. */
static int download_timed_out(void *arg) {
    struct download *dl = arg;
    delayed_call_release(dl->timer); /* this call is running: nothing left to cancel */
    dl->timer = NULL;
    if (dl->gave_up == 0)
        dl->gave_up = POETRY_TIMED_OUT;
    if (dl->connector != NULL)
        connector_stop(dl->connector);
    else if (dl->transport != NULL)
        transport_abort_connection(dl->transport);
    return 0;
}

/* The download's idle timeout: connected, but no byte for --idle-timeout seconds (a server that
 * stalls, or a connection whose other end has silently gone). */
static int download_idle(void *arg) {
    struct download *dl = arg;
    delayed_call_release(dl->idle); /* this call is running: nothing left to cancel */
    dl->idle = NULL;
    if (dl->gave_up == 0)
        dl->gave_up = POETRY_IDLE;
    if (dl->transport != NULL)
        transport_abort_connection(dl->transport);
    return 0;
}

/* >> get-poetry */
/* Starts downloading a poem from addr and returns a Deferred (the caller's reference) that fires with
 * the poem (a struct poem *, freed by poem_free) or errbacks with why it failed: a failure from the
 * connection's code, POETRY_TIMED_OUT, POETRY_CONNECT_TIMED_OUT or POETRY_IDLE when one of the limits
 * ran out, or -EFBIG for a poem past --max-size. Returns NULL only when out of memory. `number` and
 * `who` (static while it runs) are for the progress lines. */
static struct deferred *get_poetry(struct reactor *reactor, const struct sockaddr_in *addr,
                                   const struct limits *limits, int number, const char *who) {
    struct deferred *d = deferred_new();
    struct download *dl = calloc(1, sizeof *dl);
    struct poem *poem = calloc(1, sizeof *poem);
    if (d == NULL || dl == NULL || poem == NULL) {
        deferred_unref(d);
        free(dl);
        free(poem);
        return NULL;
    }
    *dl = (struct download){.factory.ops = &download_factory_ops,
                            .reactor = reactor,
                            .done = deferred_ref(d),
                            .poem = poem,
                            .limits = *limits,
                            .number = number,
                            .who = who};
    int err = 0;
    if (limits->timeout > 0)
        err = reactor_call_later(reactor, limits->timeout, download_timed_out, dl, &dl->timer);
    if (err == 0)
        err = reactor_connect_tcp(reactor, addr, &dl->factory, limits->connect_timeout, &dl->connector);
    if (err != 0) { /* d has fired (errback) already: the caller's callbacks will run as they are added */
        download_finished(dl, err);
        free(dl);
    }
    return d;
}
/* << get-poetry */

/* >> task */
enum task_state {
    TASK_RUNNING, /* its chain has not finished */
    TASK_DONE,    /* a poem is waiting for its turn on stdout, or has been written */
    TASK_FAILED,  /* no poem: the failure has been reported */
};

struct downloads;

/* One argument's download, as main sees it: where from, and what its chain left. */
struct task {
    int number; /* 1-based, as the user counts the arguments */
    struct sockaddr_in addr;
    char who[ADDRESS_TEXT_MAX];
    enum task_state state;
    struct poem *poem; /* TASK_DONE: the poem (the task's) */
    double started;
    struct downloads *all;
};

/* Every task, and what they share. */
struct downloads {
    struct reactor *reactor;
    struct task *tasks;
    int count;
    int ended;   /* tasks whose chain has finished */
    int written; /* the first task whose poem is not yet on stdout */
    struct limits limits;
    const char *transform; /* NULL or "cummingsify" */
    double fail_rate;
    uint64_t random; /* the transform's random state (--seed) */
};
/* << task */

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: get-poetry [--timeout SECONDS] [--connect-timeout SECONDS] [--idle-timeout SECONDS]\n"
            "                  [--max-size BYTES] [--transform cummingsify [--fail-rate P] [--seed N]]\n"
            "                  [HOST:]PORT ...\n"
            "\n"
            "Downloads a poem from each server, all at the same time, and writes the poems to stdout\n"
            "in the order given. HOST is an IPv4 address and defaults to 127.0.0.1. A download is given\n"
            "up, and counts as failed, when it takes longer than --timeout (default: no limit), when its\n"
            "connect takes longer than --connect-timeout (default 30), or when no byte arrives for\n"
            "--idle-timeout seconds (default 60); 0 turns a limit off. A poem larger than --max-size\n"
            "BYTES (default 64M; K, M, G suffixes) fails its download.\n"
            "--transform cummingsify lowercases each poem; it fails (on purpose) with probability P\n"
            "(--fail-rate, 0 to 1, default 0), and then the original poem is written instead. --seed\n"
            "makes the failures repeatable (default: from the clock).\n"
            "Progress and timing go to stderr. Exit status: 0 all poems arrived, 1 some download\n"
            "failed or stdout could not be written, 2 bad command line.\n");
}

/* Seconds on a clock that never jumps backwards (unlike the time of day). */
static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A number in [0, 1) from xorshift64*: the same seed gives the same failures on every machine. */
static double next_random(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return (double)((x * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* >> write-in-order */
/* Writes, in argument order, every finished poem that no unfinished task precedes. */
static void write_finished_poems(struct downloads *all) {
    while (all->written < all->count && all->tasks[all->written].state != TASK_RUNNING) {
        struct task *task = &all->tasks[all->written];
        if (task->state == TASK_DONE) /* exits if stdout fails: the poem is lost, and so would the rest be */
            cli_write_stdout(program, task->poem->bytes, task->poem->len);
        all->written += 1;
    }
}
/* << write-in-order */

/* >> transform */
/* cummingsify, krondo's transform: the poem in lower case (ASCII letters only, so UTF-8 passes
 * unchanged). It fails at the --fail-rate, on purpose. */
struct transform_job {
    struct task *task;
    struct poem *original; /* the job's until the end */
};

static struct deferred_result cummingsify(void *arg) {
    struct transform_job *job = arg;
    struct downloads *all = job->task->all;
    if (next_random(&all->random) < all->fail_rate)
        return deferred_failure(failure_new(POETRY_TRANSFORM_FAILED, "cummingsify failed"));
    struct poem *lower = calloc(1, sizeof *lower);
    if (lower == NULL || (lower->bytes = malloc(job->original->len + 1)) == NULL) {
        free(lower);
        return deferred_error(-ENOMEM);
    }
    for (size_t i = 0; i < job->original->len; i++) {
        char c = job->original->bytes[i];
        lower->bytes[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    lower->len = lower->capacity = job->original->len;
    return deferred_value(lower, poem_free);
}

/* The transform worked: the original goes. */
static struct deferred_result transformed(struct deferred_result result, void *arg) {
    struct transform_job *job = arg;
    poem_free(job->original);
    free(job);
    return result;
}

/* The transform failed: say so, and go on with the original poem (krondo's part 10). */
static struct deferred_result keep_original(struct deferred_result result, void *arg) {
    struct transform_job *job = arg;
    fprintf(stderr, "Task %d: %s; using the original poem\n", job->task->number,
            failure_message(result.failure));
    deferred_result_free(result);
    struct poem *original = job->original;
    free(job);
    return deferred_value(original, poem_free);
}

/* The callback that returns a Deferred: the transform runs on a later turn of the reactor (as a
 * transform server's answer would come), and the chain waits for it. */
static struct deferred_result start_transform(struct deferred_result result, void *arg) {
    struct task *task = arg;
    struct transform_job *job = malloc(sizeof *job);
    if (job == NULL)
        return result; /* no memory to transform: keep the poem as it is */
    *job = (struct transform_job){.task = task, .original = result.value};
    struct deferred *later;
    int err = deferred_later(reactor_scheduler(task->all->reactor), 0, cummingsify, job, &later);
    if (err != 0) {
        free(job);
        return result;
    }
    deferred_add_callbacks(later, transformed, job, keep_original, job);
    return deferred_wait_for(later); /* the chain takes our reference */
}
/* << transform */

/* >> chain */
/* The first callback: the download worked. Report it, and pass the poem on. */
static struct deferred_result got_poem(struct deferred_result result, void *arg) {
    struct task *task = arg;
    struct poem *poem = result.value;
    fprintf(stderr, "Task %d: got %zu bytes of poetry from %s in %.1fs\n", task->number, poem->len, task->who,
            now_seconds() - task->started);
    return result;
}

/* The download or the transform failed: one line on stderr. The failure is handled here. */
static struct deferred_result poem_failed(struct deferred_result result, void *arg) {
    struct task *task = arg;
    cli_warn(program, "task %d: %s: %s", task->number, task->who, failure_message(result.failure));
    deferred_result_free(result);
    task->state = TASK_FAILED;
    return deferred_none();
}

/* The poem, transformed or not, is ready: keep it for its turn on stdout. */
static struct deferred_result poem_ready(struct deferred_result result, void *arg) {
    struct task *task = arg;
    task->poem = result.value; /* the task's now */
    task->state = TASK_DONE;
    return deferred_none();
}

/* The last pair, on both tracks (Twisted's addBoth): the task is over, well or badly. Write what can
 * be written, and stop the reactor after the last task. */
static struct deferred_result task_ended(struct deferred_result result, void *arg) {
    struct task *task = arg;
    struct downloads *all = task->all;
    write_finished_poems(all);
    all->ended += 1;
    if (all->ended == all->count)
        reactor_stop(all->reactor);
    return result;
}

/* << chain */

/* >> start-downloads */
/* Starts every download once the reactor runs, each with its chain. */
static int start_downloads(void *arg) {
    struct downloads *all = arg;
    for (int i = 0; i < all->count; i++) {
        struct task *task = &all->tasks[i];
        fprintf(stderr, "Task %d: get poetry from %s\n", task->number, task->who);
        task->started = now_seconds();
        struct deferred *d = get_poetry(all->reactor, &task->addr, &all->limits, task->number, task->who);
        if (d == NULL)
            d = deferred_fail(failure_from_code(-ENOMEM));
        if (d == NULL)
            cli_fail(EXIT_SOME_FAILED, program, "out of memory");
        deferred_add_callback(d, got_poem, task);
        if (all->transform != NULL)
            deferred_add_callback(d, start_transform, task);
        deferred_add_callbacks(d, poem_ready, task, poem_failed, task);
        deferred_add_both(d, task_ended, task);
        deferred_unref(d); /* the download holds its own reference until it fires */
    }
    return 0;
}
/* << start-downloads */

int main(int argc, char **argv) {
    int stdout_closed = cli_open_standard_fds();
    struct downloads all = {.limits = {.connect_timeout = 30, .idle_timeout = 60}};
    bool seeded = false;
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
            if (cli_parse_seconds(value, &all.limits.connect_timeout) != 0)
                cli_fail(EXIT_USAGE, program, "bad connect timeout %s: not a number of seconds >= 0", cli_quote(value));
            continue;
        }
        if (cli_option(argc, argv, &i, "--idle-timeout", &value, program)) {
            if (cli_parse_seconds(value, &all.limits.idle_timeout) != 0)
                cli_fail(EXIT_USAGE, program, "bad idle timeout %s: not a number of seconds >= 0", cli_quote(value));
            continue;
        }
        if (cli_option(argc, argv, &i, "--timeout", &value, program)) {
            if (cli_parse_seconds(value, &all.limits.timeout) != 0 || all.limits.timeout == 0)
                cli_fail(EXIT_USAGE, program, "bad timeout %s: not a number of seconds > 0", cli_quote(value));
            continue;
        }
        if (cli_option(argc, argv, &i, "--transform", &value, program)) {
            if (strcmp(value, "cummingsify") != 0)
                cli_fail(EXIT_USAGE, program, "unknown transform %s (there is: cummingsify)", cli_quote(value));
            all.transform = value;
            continue;
        }
        if (cli_option(argc, argv, &i, "--fail-rate", &value, program)) {
            char *end;
            all.fail_rate = strtod(value, &end);
            if (*value == 0 || *end != 0 || !(all.fail_rate >= 0 && all.fail_rate <= 1))
                cli_fail(EXIT_USAGE, program, "bad fail rate %s: not a number from 0 to 1", cli_quote(value));
            continue;
        }
        if (cli_option(argc, argv, &i, "--seed", &value, program)) {
            char *end;
            errno = 0;
            unsigned long long seed = strtoull(value, &end, 10);
            if (*value == 0 || *value == '-' || *end != 0 || errno != 0)
                cli_fail(EXIT_USAGE, program, "bad seed %s: not a whole number >= 0", cli_quote(value));
            all.random = seed;
            seeded = true;
            continue;
        }
        if (argv[i][0] == '-')
            cli_fail(EXIT_USAGE, program, "unknown option %s (try --help)", cli_quote(argv[i]));
        argv[++count] = argv[i];
    }
    if (count == 0)
        cli_fail(EXIT_USAGE, program, "no server given (try --help)");
    if (!seeded)
        all.random = (uint64_t)time(NULL);
    all.random = all.random * 0x9E3779B97F4A7C15ull + 1; /* never 0, which xorshift never leaves */

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
        tasks[i].number = i + 1;
        tasks[i].all = &all;
        address_format(&tasks[i].addr, tasks[i].who, sizeof tasks[i].who);
    }
    if (stdout_closed)
        cli_fail(EXIT_SOME_FAILED, program, "cannot write to stdout: it is closed");

    /* >> main */
    all.reactor = cli_new_reactor(program);
    all.tasks = tasks;
    all.count = count;
    double start = now_seconds();
    reactor_call_when_running(all.reactor, start_downloads, &all);
    int err = reactor_run(all.reactor); /* returns once the last task has stopped it */
    reactor_free(all.reactor);
    if (err != 0)
        cli_fail(EXIT_SOME_FAILED, program, "reactor: %s", reactor_strerror(err));

    int failures = 0;
    for (int i = 0; i < count; i++) {
        failures += tasks[i].state != TASK_DONE;
        poem_free(tasks[i].poem);
    }
    fprintf(stderr, "Got %d poem%s in %.1fs\n", count - failures, count - failures == 1 ? "" : "s",
            now_seconds() - start);
    /* << main */
    free(tasks);
    cli_close_stdout(program);
    return failures ? EXIT_SOME_FAILED : EXIT_ALL_WELL;
}
