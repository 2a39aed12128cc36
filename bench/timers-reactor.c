/* timers-reactor.c: the timer benchmark on this workbook's reactor (code/ch05): N calls scheduled with
 * reactor_call_later at random delays in [0, 1) s, every other one cancelled, then the reactor runs until
 * the rest have fired. Prints: timers reactor N schedule_s cancel_s run_s total_s cpu_s */
#include "bench.h"
#include "reactor.h"

static struct reactor *reactor;
static long fired, expected;

static int on_timer(void *arg) {
    (void)arg;
    if (++fired == expected)
        reactor_stop(reactor);
    return 0;
}

static int stop_now(void *arg) {
    (void)arg;
    return reactor_stop(reactor);
}

int main(int argc, char **argv) {
    long n = bench_opt(argc, argv, "count", 1000000);
    double *delay = malloc((size_t)n * sizeof *delay);
    struct delayed_call **call = malloc((size_t)n * sizeof *call);
    if ((delay == NULL || call == NULL) && n > 0)
        BENCH_DIE("out of memory");
    for (long i = 0; i < n; i++)
        delay[i] = bench_rand01();
    expected = n - (bench_opt(argc, argv, "cancel", 1) ? n / 2 : 0); /* --cancel 0: none cancelled */
    reactor = reactor_new();
    if (reactor == NULL)
        BENCH_DIE("reactor_new failed");

    double cpu0 = bench_cpu(), t0 = bench_now();
    for (long i = 0; i < n; i++) {
        int err = reactor_call_later(reactor, delay[i], on_timer, NULL, &call[i]);
        if (err != 0)
            BENCH_DIE("reactor_call_later: %s", reactor_strerror(err));
    }
    double t1 = bench_now();
    for (long i = 1; i < n && expected < n; i += 2)
        delayed_call_cancel(call[i]);
    double t2 = bench_now(), cpu2 = bench_cpu();
    if (expected == 0)
        reactor_call_when_running(reactor, stop_now, NULL);
    int err = reactor_run(reactor);
    double t3 = bench_now(), cpu = bench_cpu() - cpu0;
    if (err != 0 || fired != expected)
        BENCH_DIE("reactor_run: %s; fired %ld of %ld", reactor_strerror(err), fired, expected);

    printf("timers reactor %ld %.4f %.4f %.4f %.4f %.4f %.4f\n", n, t1 - t0, t2 - t1, t3 - t2, t3 - t0, cpu,
           bench_cpu() - cpu2); /* the last: CPU of the run alone */
    for (long i = 0; i < n; i++)
        delayed_call_release(call[i]);
    reactor_free(reactor);
    free(call);
    free(delay);
    return 0;
}
