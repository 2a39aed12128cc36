/* countdown-loop: chapter 4's countdown, on a looping call.
 *
 * The starter: the command line, the program, and making and freeing the countdown are done. The
 * countdown itself is not: look for the TODOs. Same command line and output as countdown. */
#include "cli.h"
#include "countdown_loop.h"
#include "looping_call.h"
#include "reactor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "countdown-loop";

struct countdown {
    struct looping_call *loop;
    long remaining;
    FILE *out;
    countdown_done_fn done;
    void *done_arg;
};

/* The looping call's function: called every interval while the loop runs. */
static int countdown_tick(void *arg, long intervals) {
    struct countdown *countdown = arg;
    (void)countdown;
    (void)intervals;
    /* TODO: write the next number, or "Stop!" when there is none left, and then end the loop. */
    return 0;
}

/* TODO: the countdown's done function (countdown->done) must hear when the loop has ended. */

struct countdown *countdown_new(struct scheduler *scheduler, long from, FILE *out, countdown_done_fn done,
                                void *done_arg) {
    if (from < 1)
        return NULL;
    struct countdown *countdown = calloc(1, sizeof *countdown);
    if (countdown == NULL)
        return NULL;
    countdown->loop = looping_call_new(scheduler, countdown_tick, countdown);
    if (countdown->loop == NULL) {
        free(countdown);
        return NULL;
    }
    countdown->remaining = from;
    countdown->out = out;
    countdown->done = done;
    countdown->done_arg = done_arg;
    return countdown;
}

int countdown_start(struct countdown *countdown, double interval) {
    /* TODO: start the loop (see countdown_loop.h for when the first number comes). */
    (void)countdown;
    (void)interval;
    return -ENOSYS;
}

void countdown_free(struct countdown *countdown) {
    if (countdown == NULL)
        return;
    looping_call_free(countdown->loop);
    free(countdown);
}

/* The program. */

struct run {
    struct reactor *reactor;
    struct countdown *countdown;
    double interval;
    int err;
};

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: countdown-loop [--from N] [--interval SECONDS]\n"
            "\n"
            "Counts down from N (default 5), one number every SECONDS (default 1), then stops; on a\n"
            "looping call.\n");
}

/* The countdown is over: so is the program. */
static void finished(void *arg, int status) {
    struct run *run = arg;
    run->err = status;
    reactor_stop(run->reactor);
}

static int start(void *arg) {
    struct run *run = arg;
    int err = countdown_start(run->countdown, run->interval);
    if (err != 0) {
        run->err = err;
        reactor_stop(run->reactor);
    }
    return 0;
}

int main(int argc, char **argv) {
    struct run run = {.interval = 1.0};
    long from = 5;
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        } else if (cli_option(argc, argv, &i, "--from", &value, program)) {
            if (cli_parse_count(value, 1000000, &from) != 0)
                cli_fail(EXIT_USAGE, program, "bad count '%s': not a whole number from 1 to 1000000", value);
        } else if (cli_option(argc, argv, &i, "--interval", &value, program)) {
            if (cli_parse_seconds(value, &run.interval) != 0)
                cli_fail(EXIT_USAGE, program, "bad interval '%s': not a number of seconds >= 0", value);
        } else {
            cli_fail(EXIT_USAGE, program, "unexpected argument '%s' (try --help)", argv[i]);
        }
    }

    run.reactor = reactor_new();
    if (run.reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    run.countdown = countdown_new(reactor_scheduler(run.reactor), from, stdout, finished, &run);
    if (run.countdown == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    int err = reactor_call_when_running(run.reactor, start, &run);
    if (err == 0)
        err = reactor_run(run.reactor);
    countdown_free(run.countdown);
    reactor_free(run.reactor);
    if (err != 0)
        cli_fail(EXIT_SOME_FAILED, program, "%s", reactor_strerror(err));
    if (run.err != 0)
        cli_fail(EXIT_SOME_FAILED, program, "%s", looping_call_strerror(run.err));
    return EXIT_ALL_WELL;
}
