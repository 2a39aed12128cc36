/* counters: three countdowns on one reactor, each with its own count and pace; the reactor stops when
 * the last one is done.
 *
 *     counters 5:0.1 3:0.25 4:0.15
 *
 * The starter: the command line, the program around the counters and counters_start are done. Each
 * counter's tick is not: it says "done" at once, and the first counter to finish ends everything.
 * Look for the TODOs. */
#include "cli.h"
#include "counters.h"
#include "reactor.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "counters";

struct counter {
    struct counters *owner;
    int number;                /* K in "counter K: ..." */
    long remaining;            /* the next number to write; 0: "done" is next */
    double interval;
    struct delayed_call *next; /* the pending tick */
};

struct counters {
    struct scheduler *scheduler;
    FILE *out;
    counters_done_fn done;
    void *done_arg;
    size_t n;
    /* TODO: what must the counters share, so that only the last one to finish tells done? */
    struct counter counter[COUNTERS_MAX];
};

/* One tick of one counter. */
static int counter_tick(void *arg) {
    struct counter *counter = arg;
    struct counters *counters = counter->owner;
    delayed_call_release(counter->next); /* this call is running: nothing left to cancel */
    counter->next = NULL;
    /* TODO: while the counter has numbers left, write the next one ("counter K: N...") and schedule
     * the next tick, `interval` seconds from now (keep the handle in counter->next, so that
     * counters_free can cancel it). */
    fprintf(counters->out, "counter %d: done\n", counter->number);
    fflush(counters->out);
    /* TODO: tell done only after the last counter has finished, not after the first. */
    if (counters->done != NULL)
        counters->done(counters->done_arg);
    return 0;
}

struct counters *counters_start(struct scheduler *scheduler, const struct counter_spec *specs, size_t n,
                                FILE *out, counters_done_fn done, void *done_arg) {
    if (n < 1 || n > COUNTERS_MAX)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (specs[i].count < 0 || !(specs[i].interval >= 0))
            return NULL;
    struct counters *counters = calloc(1, sizeof *counters);
    if (counters == NULL)
        return NULL;
    counters->scheduler = scheduler;
    counters->out = out;
    counters->done = done;
    counters->done_arg = done_arg;
    counters->n = n;
    for (size_t i = 0; i < n; i++) {
        struct counter *counter = &counters->counter[i];
        counter->owner = counters;
        counter->number = (int)i + 1;
        counter->remaining = specs[i].count;
        counter->interval = specs[i].interval;
        if (scheduler_call_later(scheduler, 0, counter_tick, counter, &counter->next) != 0) {
            counters_free(counters);
            return NULL;
        }
    }
    return counters;
}

void counters_free(struct counters *counters) {
    if (counters == NULL)
        return;
    for (size_t i = 0; i < counters->n; i++) {
        struct counter *counter = &counters->counter[i];
        if (counter->next != NULL) {
            delayed_call_cancel(counter->next);
            delayed_call_release(counter->next);
        }
    }
    free(counters);
}

/* The program: three counters from the command line, on the reactor. */

struct run {
    struct reactor *reactor;
    struct counter_spec specs[3];
    struct counters *counters;
    bool failed;
};

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: counters N1:I1 N2:I2 N3:I3\n"
            "\n"
            "Runs three countdowns at once: counter K counts down from NK, one number every IK seconds,\n"
            "then says it is done. When all three are done, it prints 'all done' and exits.\n");
}

/* Parses "COUNT:SECONDS". Returns 0, or -1 leaving *spec alone. */
static int parse_spec(const char *text, struct counter_spec *spec) {
    const char *colon = strchr(text, ':');
    if (colon == NULL || colon == text || colon - text > 20)
        return -1;
    char count_text[24];
    memcpy(count_text, text, (size_t)(colon - text));
    count_text[colon - text] = '\0';
    long count;
    double interval;
    if (strcmp(count_text, "0") == 0)
        count = 0;
    else if (cli_parse_count(count_text, 1000000, &count) != 0)
        return -1;
    if (cli_parse_seconds(colon + 1, &interval) != 0)
        return -1;
    spec->count = count;
    spec->interval = interval;
    return 0;
}

static void all_done(void *arg) {
    struct run *run = arg;
    reactor_stop(run->reactor);
}

static int start(void *arg) {
    struct run *run = arg;
    run->counters = counters_start(reactor_scheduler(run->reactor), run->specs, 3, stdout, all_done, run);
    if (run->counters == NULL) {
        run->failed = true;
        reactor_stop(run->reactor);
        return -ENOMEM;
    }
    return 0;
}

int main(int argc, char **argv) {
    struct run run = {0};
    int given = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(EXIT_USAGE, program, "unknown option '%s' (try --help)", argv[i]);
        } else if (given == 3) {
            cli_fail(EXIT_USAGE, program, "too many counters: '%s' (three, try --help)", argv[i]);
        } else if (parse_spec(argv[i], &run.specs[given++]) != 0) {
            cli_fail(EXIT_USAGE, program,
                     "bad counter '%s': not COUNT:SECONDS (a whole number from 0 to 1000000, seconds >= 0)",
                     argv[i]);
        }
    }
    if (given != 3)
        cli_fail(EXIT_USAGE, program, "%d counters given, three needed (try --help)", given);

    run.reactor = reactor_new();
    if (run.reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    int err = reactor_call_when_running(run.reactor, start, &run);
    if (err == 0)
        err = reactor_run(run.reactor);
    counters_free(run.counters);
    reactor_free(run.reactor);
    if (err != 0 || run.failed)
        cli_fail(EXIT_SOME_FAILED, program, "%s", err != 0 ? reactor_strerror(err) : "out of memory");
    printf("all done\n");
    return EXIT_ALL_WELL;
}
