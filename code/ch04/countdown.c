/* countdown: counts down on the reactor's clock, then stops the reactor.
 *
 * Each tick prints a number and schedules the next tick with reactor_call_later; nothing else happens in
 * between, and the process sleeps in select() until the next tick is due. */
#include "cli.h"
#include "reactor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "countdown";

struct countdown {
    struct reactor *reactor;
    long remaining;
    double interval;
};

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: countdown [--from N] [--interval SECONDS]\n"
            "\n"
            "Counts down from N (default 5), one number every SECONDS (default 1), then stops.\n");
}

/* >> tick */
/* Prints the next number and schedules itself again, or stops the reactor when the count is done. */
static int tick(void *arg) {
    struct countdown *countdown = arg;
    if (countdown->remaining == 0) {
        printf("Stop!\n");
        fflush(stdout);
        return reactor_stop(countdown->reactor);
    }
    printf("%ld...\n", countdown->remaining--);
    fflush(stdout);
    return reactor_call_later(countdown->reactor, countdown->interval, tick, countdown, NULL);
}
/* << tick */

int main(int argc, char **argv) {
    struct countdown countdown = {.remaining = 5, .interval = 1.0};
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        } else if (cli_option(argc, argv, &i, "--from", &value, program)) {
            if (cli_parse_count(value, 1000000, &countdown.remaining) != 0)
                cli_fail(EXIT_USAGE, program, "bad count %s: not a whole number from 1 to 1000000", cli_quote(value));
        } else if (cli_option(argc, argv, &i, "--interval", &value, program)) {
            if (cli_parse_seconds(value, &countdown.interval) != 0)
                cli_fail(EXIT_USAGE, program, "bad interval %s: not a number of seconds >= 0", cli_quote(value));
        } else {
            cli_fail(EXIT_USAGE, program, "unexpected argument %s (try --help)", cli_quote(argv[i]));
        }
    }

    /* >> main */
    countdown.reactor = reactor_new();
    if (countdown.reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    int err = reactor_call_when_running(countdown.reactor, tick, &countdown);
    if (err == 0)
        err = reactor_run(countdown.reactor);
    reactor_free(countdown.reactor);
    /* << main */
    if (err != 0)
        cli_fail(EXIT_SOME_FAILED, program, "%s", reactor_strerror(err));
    return EXIT_ALL_WELL;
}
