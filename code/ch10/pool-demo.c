/* pool-demo: blocking work off the loop (chapter 9). Starts JOBS pieces of work on the reactor's thread
 * pool with thread_pool_defer; each one blocks (it sleeps, standing for a getaddrinfo or a disk read)
 * in four steps and reports each step back through reactor_call_from_thread. Meanwhile a looping call
 * on the reactor's thread prints a tick: the loop never stops while the work blocks. Each job's
 * Deferred fires on the reactor's thread; the last one stops the reactor.
 *
 *   pool-demo [--jobs N] [--work SECONDS] [--threads N] [--tick SECONDS]
 *
 * Prints one line per event on stdout ("tick 3", "job 2: 50%", "job 2: done, on the reactor's thread").
 * Exit 0; 2 for a bad command line. */
#include "cli.h"
#include "looping_call.h"
#include "reactor_threads.h"
#include "thread_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *program = "pool-demo";

static void usage(FILE *out) {
    fprintf(out, "usage: pool-demo [--jobs N] [--work SECONDS] [--threads N] [--tick SECONDS]\n"
                 "Runs N pieces of blocking work (default 3, each SECONDS long, default 0.4) on the\n"
                 "reactor's thread pool (at most --threads threads, default 10), while the reactor ticks\n"
                 "every --tick seconds (default 0.1). Each job reports its progress from its thread.\n");
}

static struct reactor *reactor;
static pthread_t reactor_thread;
static double work_seconds = 0.4;
static long jobs = 3, jobs_done;

/* >> progress */
/* A progress report, made on a worker and printed on the reactor's thread. */
struct progress {
    long job;
    int percent;
};

static void print_progress(void *arg) {
    struct progress *p = arg;
    printf("job %ld: %d%%\n", p->job, p->percent);
    free(p);
}

/* The blocking work: four sleeps, each reported. It runs on a worker thread, so it may block as long
 * as it likes, and it touches nothing of the reactor's but reactor_call_from_thread. */
static struct deferred_result blocking_job(void *arg) {
    long job = (long)(intptr_t)arg;
    double step = work_seconds / 4;
    for (int percent = 25; percent <= 100; percent += 25) {
        nanosleep(&(struct timespec){(time_t)step, (long)((step - (double)(time_t)step) * 1e9)}, NULL);
        struct progress *p = malloc(sizeof *p);
        if (p != NULL) {
            *p = (struct progress){job, percent};
            if (reactor_call_from_thread(reactor, print_progress, p) != 0)
                free(p);
        }
    }
    return deferred_value((void *)(intptr_t)job, NULL);
}
/* << progress */

/* >> job-done */
static struct deferred_result job_done(struct deferred_result result, void *arg) {
    (void)arg;
    printf("job %ld: done, on the %s thread\n", (long)(intptr_t)result.value,
           pthread_equal(pthread_self(), reactor_thread) ? "reactor's" : "WRONG");
    if (++jobs_done == jobs)
        reactor_stop(reactor);
    return result;
}
/* << job-done */

static int tick(void *arg, long intervals) {
    (void)intervals;
    static long ticks;
    (void)arg;
    printf("tick %ld\n", ++ticks);
    return 0;
}

int main(int argc, char **argv) {
    if (cli_open_standard_fds())
        return EXIT_SOME_FAILED;
    long threads = 10;
    double tick_seconds = 0.1;
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            cli_close_stdout(program);
            return EXIT_ALL_WELL;
        } else if (cli_option(argc, argv, &i, "--jobs", &value, program)) {
            if (cli_parse_count(value, 1000, &jobs) != 0)
                cli_fail(EXIT_USAGE, program, "--jobs %s: not a number from 1 to 1000", cli_quote(value));
        } else if (cli_option(argc, argv, &i, "--threads", &value, program)) {
            if (cli_parse_count(value, 1000, &threads) != 0)
                cli_fail(EXIT_USAGE, program, "--threads %s: not a number from 1 to 1000", cli_quote(value));
        } else if (cli_option(argc, argv, &i, "--work", &value, program)) {
            if (cli_parse_seconds(value, &work_seconds) != 0 || work_seconds > 60)
                cli_fail(EXIT_USAGE, program, "--work %s: not a number of seconds up to 60",
                         cli_quote(value));
        } else if (cli_option(argc, argv, &i, "--tick", &value, program)) {
            if (cli_parse_seconds(value, &tick_seconds) != 0 || tick_seconds <= 0 || tick_seconds > 60)
                cli_fail(EXIT_USAGE, program, "--tick %s: not a number of seconds above 0, up to 60",
                         cli_quote(value));
        } else {
            fprintf(stderr, "%s: unknown argument %s\n", program, cli_quote(argv[i]));
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* a line at a time, so that the order shows */
    reactor = cli_new_reactor(program);
    reactor_thread = pthread_self();

    /* >> start-jobs */
    struct thread_pool *pool;
    int err = thread_pool_of(reactor, &pool);
    if (err == 0)
        err = thread_pool_adjust(pool, 0, (size_t)threads);
    struct deferred **deferreds = calloc((size_t)jobs, sizeof *deferreds);
    if (deferreds == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    for (long job = 1; job <= jobs && err == 0; job++) {
        err = thread_pool_defer(reactor, blocking_job, (void *)(intptr_t)job, &deferreds[job - 1]);
        if (err == 0)
            err = deferred_add_callback(deferreds[job - 1], job_done, NULL);
    }
    /* << start-jobs */
    struct looping_call *ticker = looping_call_new(reactor_scheduler(reactor), tick, NULL);
    if (err != 0 || ticker == NULL || looping_call_start(ticker, tick_seconds, false) != 0)
        cli_fail(EXIT_SOME_FAILED, program, "cannot start: %s", reactor_strerror(err ? err : -ENOMEM));
    err = reactor_run(reactor);
    looping_call_free(ticker);
    for (long job = 0; job < jobs; job++)
        deferred_unref(deferreds[job]);
    free(deferreds);
    reactor_free(reactor);
    cli_close_stdout(program);
    return err == 0 ? EXIT_ALL_WELL : EXIT_SOME_FAILED;
}
