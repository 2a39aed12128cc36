/* transform-client: get-poetry with a transformation server behind it (the Twisted Introduction's
 * part 13).
 *
 * Downloads a poem from each poetry server, all at the same time, as get-poetry does (poetry_client.h),
 * then sends each one to the transformation server (transform_client.h) and writes what comes back.
 * The chain of each download has one callback that returns a Deferred: the transform request. While
 * the request runs, the chain waits; when it fails — the server has no such transform, closes without
 * a reply, refuses or resets — its errback falls back to the original poem, with a warning, and the
 * task still succeeds. A download that fails is a failed task, as in get-poetry. */
#include "address.h"
#include "cli.h"
#include "deferred.h"
#include "failure.h"
#include "poem.h"
#include "poetry_client.h"
#include "reactor.h"
#include "result.h"
#include "transform_client.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *program = "transform-client";

enum task_state {
    TASK_RUNNING, /* its chain has not finished */
    TASK_DONE,    /* a poem is waiting for its turn on stdout, or has been written */
    TASK_FAILED,  /* no poem: the failure has been reported */
};

struct clients;

/* One poetry server's task: where from, and what its chain left. */
struct task {
    int number; /* 1-based, as the user counts the poetry servers */
    struct sockaddr_in addr;
    char who[ADDRESS_TEXT_MAX];
    enum task_state state;
    struct poem *poem; /* TASK_DONE: the poem, transformed or not (the task's) */
    double started;
    struct clients *all;
};

/* Every task, and what they share. */
struct clients {
    struct reactor *reactor;
    struct task *tasks;
    int count;
    int ended;                          /* tasks whose chain has finished */
    int written;                        /* the first task whose poem is not yet on stdout */
    struct poetry_client_limits limits; /* for the downloads and the transform requests */
    const char *transform;              /* the transform's name (--transform, default cummingsify) */
    struct sockaddr_in xform_addr;      /* the transformation server */
};

static void print_usage(FILE *out) {
    fprintf(
        out,
        "usage: transform-client [--transform NAME] [--connect-timeout SECONDS] [--idle-timeout SECONDS]\n"
        "                        [--max-size BYTES] XFORM_HOST:PORT [HOST:]PORT ...\n"
        "\n"
        "Downloads a poem from each poetry server, all at the same time, has the transformation\n"
        "server at XFORM_HOST:PORT transform each one (--transform NAME, default cummingsify; the\n"
        "server's transform-server --help lists its transforms) and writes the poems to stdout in\n"
        "the order given. HOST is an IPv4 address and defaults to 127.0.0.1. When a transform fails\n"
        "(no such transform, the server closes without a reply, refuses or resets), the original\n"
        "poem is written instead, with a warning on stderr.\n"
        "A download or a request is given up when its connect takes longer than --connect-timeout\n"
        "(default 30) or when no byte arrives for --idle-timeout seconds (default 60); 0 turns a\n"
        "limit off. A poem or a reply larger than --max-size BYTES (default 64M; K, M, G suffixes)\n"
        "fails it.\n"
        "Progress and timing go to stderr. Exit status: 0 every poem arrived (transformed or not),\n"
        "1 some download failed or stdout could not be written, 2 bad command line.\n");
}

/* Seconds on a clock that never jumps backwards (unlike the time of day). */
static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writes, in argument order, every finished poem that no unfinished task precedes. */
static void write_finished_poems(struct clients *all) {
    while (all->written < all->count && all->tasks[all->written].state != TASK_RUNNING) {
        struct task *task = &all->tasks[all->written];
        if (task->state == TASK_DONE) /* exits if stdout fails: the poem is lost, and so would the rest be */
            cli_write_stdout(program, task->poem->bytes, task->poem->len);
        all->written += 1;
    }
}

/* >> fallback */
/* A transform under way: its task, and the original poem to fall back to (the job's until the end). */
struct transform_job {
    struct task *task;
    struct poem *original;
};

/* The transform worked: the original goes, the transformed poem goes on down the chain. */
static struct deferred_result transformed(struct deferred_result result, void *arg) {
    struct transform_job *job = arg;
    struct poem *poem = result.value;
    fprintf(stderr, "Task %d: transformed %zu bytes with %s\n", job->task->number, poem->len,
            job->task->all->transform);
    poem_free(job->original);
    free(job);
    return result;
}

/* The transform failed: one warning line, and the chain goes on with the original poem — back on
 * the callback track, so the task still succeeds (the Twisted Introduction's part 13). */
static struct deferred_result keep_original(struct deferred_result result, void *arg) {
    struct transform_job *job = arg;
    struct clients *all = job->task->all;
    cli_warn(program, "task %d: transform %s failed: %s; using the original", job->task->number,
             cli_quote(all->transform), failure_message(result.failure));
    deferred_result_free(result);
    struct poem *original = job->original;
    free(job);
    return deferred_value(original, poem_free);
}

/* The callback that returns a Deferred: the transform request. The chain waits for it, then goes on
 * with whatever its own pair left: the transformed poem, or the original. */
static struct deferred_result transform_poem(struct deferred_result result, void *arg) {
    struct task *task = arg;
    struct clients *all = task->all;
    struct transform_job *job = malloc(sizeof *job);
    struct deferred *request = NULL;
    int err = job == NULL ? -ENOMEM
                          : transform_client_request_limited(all->reactor, &all->xform_addr, all->transform,
                                                             result.value, &all->limits, &request);
    if (err != 0) { /* no request: the same fallback, at once */
        free(job);
        cli_warn(program, "task %d: transform %s failed: %s; using the original", task->number,
                 cli_quote(all->transform), result_strerror(err));
        return result;
    }
    *job = (struct transform_job){.task = task, .original = result.value};
    deferred_add_callbacks(request, transformed, job, keep_original, job);
    return deferred_wait_for(request); /* the chain takes our reference */
}
/* << fallback */

/* >> chain */
/* Progress: a piece of task's poem came. */
static void task_read(void *arg, size_t len) {
    struct task *task = arg;
    fprintf(stderr, "Task %d: read %zu bytes from %s\n", task->number, len, task->who);
}

/* The first callback: the download worked. Report it, and pass the poem on. */
static struct deferred_result got_poem(struct deferred_result result, void *arg) {
    struct task *task = arg;
    struct poem *poem = result.value;
    fprintf(stderr, "Task %d: got %zu bytes of poetry from %s in %.1fs\n", task->number, poem->len, task->who,
            now_seconds() - task->started);
    return result;
}

/* The download failed: one line on stderr. (A failed transform never gets here: it fell back.) */
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

/* The last pair, on both tracks: the task is over. Write what can be written; stop after the last. */
static struct deferred_result task_ended(struct deferred_result result, void *arg) {
    struct task *task = arg;
    struct clients *all = task->all;
    write_finished_poems(all);
    all->ended += 1;
    if (all->ended == all->count)
        reactor_stop(all->reactor);
    return result;
}

/* Starts every download once the reactor runs, each with its chain. */
static int start_downloads(void *arg) {
    struct clients *all = arg;
    for (int i = 0; i < all->count; i++) {
        struct task *task = &all->tasks[i];
        fprintf(stderr, "Task %d: get poetry from %s\n", task->number, task->who);
        task->started = now_seconds();
        struct deferred *d = NULL;
        if (poetry_client_get_watched(all->reactor, &task->addr, &all->limits, task_read, task, &d) != 0)
            d = deferred_fail(failure_from_code(-ENOMEM));
        if (d == NULL)
            cli_fail(EXIT_SOME_FAILED, program, "out of memory");
        /* >> the-chain */
        deferred_add_callback(d, got_poem, task);
        deferred_add_callback(d, transform_poem, task); /* returns a Deferred: the chain waits for it */
        deferred_add_callbacks(d, poem_ready, task, poem_failed, task);
        deferred_add_both(d, task_ended, task);
        /* << the-chain */
        deferred_unref(d); /* the download holds its own reference until it fires */
    }
    return 0;
}
/* << chain */

int main(int argc, char **argv) {
    int stdout_closed = cli_open_standard_fds();
    struct clients all = {.transform = "cummingsify"};
    poetry_client_limits_default(&all.limits);
    int count = 0; /* the addresses, moved up to argv[1] .. argv[count] */
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        }
        if (cli_option(argc, argv, &i, "--transform", &value, program)) {
            if (value[0] == '\0' || strchr(value, '.') != NULL)
                cli_fail(EXIT_USAGE, program, "bad transform name %s: empty, or it has a '.'",
                         cli_quote(value));
            all.transform = value;
            continue;
        }
        if (cli_option(argc, argv, &i, "--max-size", &value, program)) {
            if (cli_parse_size(value, SIZE_MAX / 2, &all.limits.max_size) != 0)
                cli_fail(EXIT_USAGE, program, "bad size %s: not a number of bytes >= 1 (65536, 64K, 64M)",
                         cli_quote(value));
            continue;
        }
        if (cli_option(argc, argv, &i, "--connect-timeout", &value, program)) {
            if (cli_parse_seconds(value, &all.limits.connect_timeout) != 0)
                cli_fail(EXIT_USAGE, program, "bad connect timeout %s: not a number of seconds >= 0",
                         cli_quote(value));
            continue;
        }
        if (cli_option(argc, argv, &i, "--idle-timeout", &value, program)) {
            if (cli_parse_seconds(value, &all.limits.idle_timeout) != 0)
                cli_fail(EXIT_USAGE, program, "bad idle timeout %s: not a number of seconds >= 0",
                         cli_quote(value));
            continue;
        }
        if (argv[i][0] == '-')
            cli_fail(EXIT_USAGE, program, "unknown option %s (try --help)", cli_quote(argv[i]));
        argv[++count] = argv[i];
    }
    if (count == 0)
        cli_fail(EXIT_USAGE, program, "no transformation server given (try --help)");
    int err = address_parse(argv[1], &all.xform_addr);
    if (err != 0)
        cli_fail(EXIT_USAGE, program, "bad address %s: %s", cli_quote(argv[1]), address_strerror(err));
    count -= 1; /* the poetry servers: argv[2] .. argv[count + 1] */
    if (count == 0)
        cli_fail(EXIT_USAGE, program, "no poetry server given after the transformation server (try --help)");

    /* Check every address before downloading anything: a typo should not cost a long wait. */
    struct task *tasks = calloc((size_t)count, sizeof *tasks);
    if (tasks == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    for (int i = 0; i < count; i++) {
        err = address_parse(argv[i + 2], &tasks[i].addr);
        if (err != 0) {
            free(tasks);
            cli_fail(EXIT_USAGE, program, "bad address %s: %s", cli_quote(argv[i + 2]),
                     address_strerror(err));
        }
        tasks[i].number = i + 1;
        tasks[i].all = &all;
        address_format(&tasks[i].addr, tasks[i].who, sizeof tasks[i].who);
    }
    if (stdout_closed)
        cli_fail(EXIT_SOME_FAILED, program, "cannot write to stdout: it is closed");

    all.reactor = cli_new_reactor(program);
    all.tasks = tasks;
    all.count = count;
    double start = now_seconds();
    reactor_call_when_running(all.reactor, start_downloads, &all);
    err = reactor_run(all.reactor); /* returns once the last task has stopped it */
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
    free(tasks);
    cli_close_stdout(program);
    return failures ? EXIT_SOME_FAILED : EXIT_ALL_WELL;
}
