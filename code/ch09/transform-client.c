/* transform-client: get-poetry with a transformation server behind it (the Twisted Introduction's
 * part 13).
 *
 * Downloads a poem from each poetry server, all at the same time, as get-poetry does (poetry_client.h),
 * then sends each one to the transformation server (transform_client.h) and writes what comes back.
 * The chain of each download has one callback that returns a Deferred: the transform request. While
 * the request runs, the chain waits; when it fails — the server has no such transform, closes without
 * a reply, refuses or resets — its errback falls back to the original poem, with a warning, and the
 * task still succeeds. A download that fails is a failed task, as in get-poetry. The tasks, their
 * chains and the output in order are poetry_tasks.h's, which get-poetry shares; the request is this
 * program's step in each chain. */
#include "address.h"
#include "cli.h"
#include "deferred.h"
#include "failure.h"
#include "poem.h"
#include "poetry_client.h"
#include "poetry_tasks.h"
#include "reactor.h"
#include "result.h"
#include "transform_client.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "transform-client";

/* What this program adds to its tasks (poetry_tasks.h): where its poems go to be transformed. */
struct clients {
    const char *transform;         /* the transform's name (--transform, default cummingsify) */
    struct sockaddr_in xform_addr; /* the transformation server */
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

/* >> fallback */
/* A transform under way: its task, and the original poem to fall back to (the job's until the end). */
struct transform_job {
    struct poetry_task *task;
    struct poem *original;
};

/* The transform worked: the original goes, the transformed poem goes on down the chain. */
static struct deferred_result transformed(struct deferred_result result, void *arg) {
    struct transform_job *job = arg;
    struct poem *poem = result.value;
    struct clients *tc = job->task->all->hooks.context;
    fprintf(stderr, "Task %d: transformed %zu bytes with %s\n", job->task->number, poem->len, tc->transform);
    poem_free(job->original);
    free(job);
    return result;
}

/* The transform failed: one warning line, and the chain goes on with the original poem — back on
 * the callback track, so the task still succeeds (the Twisted Introduction's part 13). */
static struct deferred_result keep_original(struct deferred_result result, void *arg) {
    struct transform_job *job = arg;
    struct clients *tc = job->task->all->hooks.context;
    cli_warn(program, "task %d: transform %s failed: %s; using the original", job->task->number,
             cli_quote(tc->transform), failure_message(result.failure));
    deferred_result_free(result);
    struct poem *original = job->original;
    free(job);
    return deferred_value(original, poem_free);
}

/* The step (poetry_tasks.h), a callback that returns a Deferred: the transform request. The chain
 * waits for it, then goes on with whatever its own pair left: the transformed poem, or the original. */
static struct deferred_result transform_poem(struct deferred_result result, void *arg) {
    struct poetry_task *task = arg;
    struct poetry_tasks *all = task->all;
    struct clients *tc = all->hooks.context;
    struct transform_job *job = malloc(sizeof *job);
    struct deferred *request = NULL;
    int err = job == NULL ? -ENOMEM
                          : transform_client_request_limited(all->reactor, &tc->xform_addr, tc->transform,
                                                             result.value, &all->limits, &request);
    if (err != 0) { /* no request: the same fallback, at once */
        free(job);
        cli_warn(program, "task %d: transform %s failed: %s; using the original", task->number,
                 cli_quote(tc->transform), result_strerror(err));
        return result;
    }
    *job = (struct transform_job){.task = task, .original = result.value};
    deferred_add_callbacks(request, transformed, job, keep_original, job);
    return deferred_wait_for(request); /* the chain takes our reference */
}
/* << fallback */

int main(int argc, char **argv) {
    int stdout_closed = cli_open_standard_fds();
    struct clients tc = {.transform = "cummingsify"};
    struct poetry_client_limits limits; /* for the downloads and the transform requests */
    poetry_client_limits_default(&limits);
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
            tc.transform = value;
            continue;
        }
        if (poetry_tasks_limit_option(argc, argv, &i, program, &limits)) /* --max-size, --*-timeout */
            continue;
        if (argv[i][0] == '-')
            cli_fail(EXIT_USAGE, program, "unknown option %s (try --help)", cli_quote(argv[i]));
        argv[++count] = argv[i];
    }
    if (count == 0)
        cli_fail(EXIT_USAGE, program, "no transformation server given (try --help)");
    int err = address_parse(argv[1], &tc.xform_addr);
    if (err != 0)
        cli_fail(EXIT_USAGE, program, "bad address %s: %s", cli_quote(argv[1]), address_strerror(err));
    count -= 1; /* the poetry servers: argv[2] .. argv[count + 1] */
    if (count == 0)
        cli_fail(EXIT_USAGE, program, "no poetry server given after the transformation server (try --help)");

    /* Check every address, then download every poem and write them in order (poetry_tasks.h). */
    struct poetry_tasks_hooks hooks = {.step = transform_poem, .context = &tc};
    return poetry_tasks_main(program, count, &argv[2], &limits, &hooks, stdout_closed);
}
