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
 * into poetry_client.h, where the transformation client and the proxy reuse it, and the tasks, their
 * chains and the output in order into poetry_tasks.h, which transform-client shares; this file keeps
 * the command line and its own step, the transform. */
#include "address.h"
#include "cli.h"
#include "deferred.h"
#include "failure.h"
#include "poem.h"
#include "poetry_client.h"
#include "poetry_tasks.h"
#include "reactor.h"
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
/* What this program adds to its tasks (poetry_tasks.h): the transform's settings. */
struct downloads {
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

/* A number in [0, 1) from xorshift64*: the same seed gives the same failures on every machine. */
static double next_random(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return (double)((x * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* >> transform */
/* cummingsify, krondo's transform: the poem in lower case (ASCII letters only, so UTF-8 passes
 * unchanged). It fails at the --fail-rate, on purpose. */
struct transform_job {
    struct poetry_task *task;
    struct poem *original; /* the job's until the end */
};

static struct deferred_result cummingsify(void *arg) {
    struct transform_job *job = arg;
    struct downloads *gp = job->task->all->hooks.context;
    if (next_random(&gp->random) < gp->fail_rate)
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

/* The step (poetry_tasks.h), a callback that returns a Deferred: the transform runs on a later turn
 * of the reactor (as a transform server's answer would come), and the chain waits for it. */
static struct deferred_result start_transform(struct deferred_result result, void *arg) {
    struct poetry_task *task = arg;
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

int main(int argc, char **argv) {
    int stdout_closed = cli_open_standard_fds();
    struct downloads gp = {0};
    struct poetry_client_limits limits;
    poetry_client_limits_default(&limits); /* --connect-timeout 30, --idle-timeout 60, --max-size 64M */
    bool seeded = false;
    int count = 0; /* the addresses, moved up to argv[1] .. argv[count] */
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        }
        if (poetry_tasks_limit_option(argc, argv, &i, program, &limits)) /* --max-size, --*-timeout */
            continue;
        if (cli_option(argc, argv, &i, "--timeout", &value, program)) {
            if (cli_parse_seconds(value, &limits.timeout) != 0 || limits.timeout == 0)
                cli_fail(EXIT_USAGE, program, "bad timeout %s: not a number of seconds > 0", cli_quote(value));
            continue;
        }
        if (cli_option(argc, argv, &i, "--transform", &value, program)) {
            if (strcmp(value, "cummingsify") != 0)
                cli_fail(EXIT_USAGE, program, "unknown transform %s (there is: cummingsify)", cli_quote(value));
            gp.transform = value;
            continue;
        }
        if (cli_option(argc, argv, &i, "--fail-rate", &value, program)) {
            char *end;
            gp.fail_rate = strtod(value, &end);
            if (*value == 0 || *end != 0 || !(gp.fail_rate >= 0 && gp.fail_rate <= 1))
                cli_fail(EXIT_USAGE, program, "bad fail rate %s: not a number from 0 to 1", cli_quote(value));
            continue;
        }
        if (cli_option(argc, argv, &i, "--seed", &value, program)) {
            char *end;
            errno = 0;
            unsigned long long seed = strtoull(value, &end, 10);
            if (*value == 0 || *value == '-' || *end != 0 || errno != 0)
                cli_fail(EXIT_USAGE, program, "bad seed %s: not a whole number >= 0", cli_quote(value));
            gp.random = seed;
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
        gp.random = (uint64_t)time(NULL);
    gp.random = gp.random * 0x9E3779B97F4A7C15ull + 1; /* never 0, which xorshift never leaves */

    /* Check every address, then download every poem and write them in order (poetry_tasks.h). */
    struct poetry_tasks_hooks hooks = {.step = gp.transform != NULL ? start_transform : NULL, .context = &gp};
    return poetry_tasks_main(program, count, &argv[1], &limits, &hooks, stdout_closed);
}
