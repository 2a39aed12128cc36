/* get-poetry: the poetry client, with a Deferred per poem.
 *
 * Chapter 5's client ended each download by calling task_finished from inside the protocol. Here the
 * download knows nothing about what happens next: get_poetry starts it and returns a Deferred that
 * fires with the poem, or errbacks with why there is none (krondo's parts 6 to 10). What to do with a
 * poem is a chain of callbacks that main builds: report it, optionally transform it (--transform
 * cummingsify, which fails now and then, on purpose, and falls back to the original poem), keep it
 * for its turn on stdout, and count the task as ended. Same command line and output as chapter 5's,
 * with its limits (--connect-timeout 30 s, --idle-timeout 60 s, --max-size 64 MiB) and its checked
 * stdout. In chapter 8 the download itself (the poem, the protocol, the factory and the limits) moves
 * into poetry_client.h, where the transformation client and the proxy reuse it; this file keeps the
 * command line, the tasks and the output. */
#include "address.h"
#include "address_any.h"
#include "cli.h"
#include "deferred.h"
#include "failure.h"
#include "poem.h"
#include "poetry_client.h"
#include "reactor.h"
#include "resolver.h"
#include "result.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *program = "get-poetry";

/* Failure kinds of this program's own, beside the library's codes (chapter 5's number). The download's
 * own (timeouts, --max-size) are poetry_client.h's now. */
enum {
    POETRY_TRANSFORM_FAILED = -20004, /* cummingsify failed (on purpose, at --fail-rate) */
};

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
    struct address_target target;
    char who[ADDRESS_NAME_MAX + 8]; /* "HOST:PORT", "[V6]:PORT" */
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
    struct poetry_client_limits limits;
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
            "in the order given. HOST is an IPv4 address, an IPv6 address in brackets ([::1]:PORT) or\n"
            "a host name (each of its addresses is tried in turn); it defaults to 127.0.0.1. A download\n"
            "is given up, and counts as failed, when it takes longer than --timeout (default: no limit), when its\n"
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

/* Progress: a piece of task's poem came. */
static void task_read(void *arg, size_t len) {
    struct task *task = arg;
    fprintf(stderr, "Task %d: read %zu bytes from %s\n", task->number, len, task->who);
}

/* >> task-retry */
/* Chapter 9: an address of a name failed, and the next is tried. */
static void task_retry(void *arg, const struct address_any *addr, int reason, const struct address_any *next) {
    struct task *task = arg;
    char failed[ADDRESS_ANY_TEXT_MAX], trying[ADDRESS_ANY_TEXT_MAX];
    fprintf(stderr, "Task %d: %s: %s; trying %s\n", task->number,
            address_format_any(&addr->u.sa, failed, sizeof failed), reactor_strerror(reason),
            address_format_any(&next->u.sa, trying, sizeof trying));
}
/* << task-retry */

/* >> start-downloads */
/* Starts every download once the reactor runs, each with its chain. */
static int start_downloads(void *arg) {
    struct downloads *all = arg;
    for (int i = 0; i < all->count; i++) {
        struct task *task = &all->tasks[i];
        fprintf(stderr, "Task %d: get poetry from %s\n", task->number, task->who);
        task->started = now_seconds();
        struct deferred *d = NULL;
        if (poetry_client_get_target(all->reactor, &task->target, &all->limits, task_read, task, task_retry, task,
                                     &d) != 0)
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
    struct downloads all = {0};
    poetry_client_limits_default(&all.limits); /* --connect-timeout 30, --idle-timeout 60, --max-size 64M */
    bool seeded = false;
    int count = 0; /* the addresses, moved up to argv[1] .. argv[count] */
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        }
        if (cli_option(argc, argv, &i, "--max-size", &value, program)) {
            if (cli_parse_size(value, SIZE_MAX / 2, &all.limits.max_size) != 0)
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
        int err = address_parse_target(argv[i + 1], &tasks[i].target);
        if (err != 0) {
            free(tasks);
            cli_fail(EXIT_USAGE, program, "bad address %s: %s", cli_quote(argv[i + 1]), address_strerror(err));
        }
        tasks[i].number = i + 1;
        tasks[i].all = &all;
        if (tasks[i].target.is_name) /* a name of letters, digits, '-', '_' and dots: nothing to quote */
            snprintf(tasks[i].who, sizeof tasks[i].who, "%s:%u", tasks[i].target.host,
                     (unsigned)tasks[i].target.port);
        else
            address_format_any(&tasks[i].target.addr.u.sa, tasks[i].who, sizeof tasks[i].who);
    }
    if (stdout_closed)
        cli_fail(EXIT_SOME_FAILED, program, "cannot write to stdout: it is closed");

    /* >> main */
    resolver_install_from_environment(); /* RESOLVER_HOSTS_FILE: names from that file only, never DNS */
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
