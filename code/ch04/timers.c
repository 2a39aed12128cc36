/* timers: a few delayed calls on the reactor, to watch the order they run in.
 *
 * It schedules calls out of order, two for the same time, one it cancels and one it resets, then prints
 * each call as it runs, with the time it ran at. The calls run in time order; the two for the same time
 * run in the order they were scheduled; the cancelled one never runs; the reset one runs at its new time. */
#include "cli.h"
#include "reactor.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "timers";

struct timers {
    struct reactor *reactor;
    double unit;  /* seconds per unit of time */
    double start; /* reactor_seconds when scheduling began */
    bool failed;  /* scheduling failed (out of memory) */
};

static struct timers timers;

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: timers [--unit SECONDS]\n"
            "\n"
            "Schedules a few delayed calls, cancels one and resets another, and prints each call as it\n"
            "runs, with the time it ran at: in units of SECONDS (default 0.5), then in seconds.\n");
}

/* Prints "at T (S s): NAME", T being the time since the start in units, S the same in seconds. */
static int say(void *arg) {
    double seconds = reactor_seconds(timers.reactor) - timers.start;
    printf("at %.1f (%.2f s): %s\n", seconds / timers.unit, seconds, (const char *)arg);
    fflush(stdout);
    return 0;
}

static int say_and_stop(void *arg) {
    say(arg);
    return reactor_stop(timers.reactor);
}

/* Schedules name to run after `units` units of time. */
static int after(double units, int (*fn)(void *), const char *name, struct delayed_call **out) {
    return scheduler_call_later_named(reactor_scheduler(timers.reactor), units * timers.unit, name, fn,
                                      (void *)name, out);
}

/* >> schedule */
/* Schedules the calls, out of order, then cancels one and resets another. */
static int schedule(void *arg) {
    (void)arg;
    struct delayed_call *cancelled = NULL, *reset = NULL;
    timers.start = reactor_seconds(timers.reactor);
    int err = after(3, say_and_stop, "three, the last: stop", NULL);
    if (err == 0)
        err = after(1, say, "one", NULL);
    if (err == 0)
        err = after(2, say, "two", NULL);
    if (err == 0)
        err = after(2, say, "two again: same time, so after 'two'", NULL);
    if (err == 0)
        err = after(1.5, say, "one and a half (cancelled: never printed)", &cancelled);
    if (err == 0)
        err = after(4, say, "reset from 4 to 0.5", &reset);
    if (err == 0) {
        delayed_call_cancel(cancelled);
        delayed_call_reset(reset, 0.5 * timers.unit);
        printf("scheduled: 3, 1, 2, 2 again, 1.5 (then cancelled), 4 (then reset to 0.5)\n");
        fflush(stdout);
    } else {
        timers.failed = true;
        reactor_stop(timers.reactor);
    }
    delayed_call_release(cancelled);
    delayed_call_release(reset);
    return err;
}
/* << schedule */

int main(int argc, char **argv) {
    timers.unit = 0.5;
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        } else if (cli_option(argc, argv, &i, "--unit", &value, program)) {
            if (cli_parse_seconds(value, &timers.unit) != 0 || timers.unit == 0)
                cli_fail(EXIT_USAGE, program, "bad unit %s: not a number of seconds > 0", cli_quote(value));
        } else {
            cli_fail(EXIT_USAGE, program, "unexpected argument %s (try --help)", cli_quote(argv[i]));
        }
    }

    timers.reactor = reactor_new();
    if (timers.reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    int err = reactor_call_when_running(timers.reactor, schedule, NULL);
    if (err == 0)
        err = reactor_run(timers.reactor);
    reactor_free(timers.reactor);
    if (err != 0)
        cli_fail(EXIT_SOME_FAILED, program, "%s", reactor_strerror(err));
    return timers.failed ? EXIT_SOME_FAILED : EXIT_ALL_WELL;
}
