/* The driver of exercise ch09/progress-report: runs count_primes_off_the_loop on a reactor with a
 * looping call ticking beside it, and prints what it saw, one fact a line, for progress-report.sh. */
#include "looping_call.h"
#include "progress.h"
#include "reactor_threads.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static struct reactor *reactor;
static pthread_t reactor_thread;
static int reports, last_percent, off_thread, out_of_order, dones;
static long ticks, ticks_at_first_report, ticks_at_done;

static void report(int percent, void *arg) {
    (void)arg;
    if (!pthread_equal(pthread_self(), reactor_thread))
        off_thread++;
    if (percent != last_percent + 10)
        out_of_order++;
    if (reports++ == 0)
        ticks_at_first_report = ticks;
    last_percent = percent;
    printf("report %d%%\n", percent);
}

static void done(long count, void *arg) {
    (void)arg;
    if (!pthread_equal(pthread_self(), reactor_thread))
        off_thread++;
    dones++;
    ticks_at_done = ticks;
    printf("done: %ld primes\n", count);
    reactor_stop(reactor);
}

static int tick(void *arg, long intervals) {
    (void)arg;
    (void)intervals;
    ticks++;
    return 0;
}

static int give_up(void *arg) {
    (void)arg;
    printf("gave up: no result after 60 s\n");
    reactor_stop(reactor);
    return 0;
}

int main(int argc, char **argv) {
    long limit = argc > 1 ? atol(argv[1]) : 1000000;
    setvbuf(stdout, NULL, _IOLBF, 0);
    reactor = reactor_new();
    if (reactor == NULL)
        return 1;
    reactor_thread = pthread_self();
    struct looping_call *ticker = looping_call_new(reactor_scheduler(reactor), tick, NULL);
    looping_call_start(ticker, 0.001, false);
    reactor_call_later(reactor, 60, give_up, NULL, NULL);
    int err = count_primes_off_the_loop(reactor, limit, report, done, NULL);
    printf("returned %d after %d reports, %d results\n", err, reports, dones);
    if (err == 0 && dones == 0) /* a result already in: the work ran here, blocking; nothing to wait for */
        reactor_run(reactor);
    printf("reports %d, out of order %d, results %d, calls off the reactor's thread %d\n", reports,
           out_of_order, dones, off_thread);
    printf("ticks while counting %ld\n", ticks_at_done - ticks_at_first_report);
    looping_call_free(ticker);
    reactor_free(reactor);
    return 0;
}
