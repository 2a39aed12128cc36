/* timers-libev.c: the timer benchmark on libev (ev_timer, in one array). libev measures delays from the
 * loop's cached time (ev_now), which is not advanced while we schedule.
 * Prints: timers libev N schedule_s cancel_s run_s total_s cpu_s */
#include "bench.h"
#include <ev.h>

static long fired;

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)loop, (void)w, (void)revents;
    fired++;
}

int main(int argc, char **argv) {
    long n = bench_opt(argc, argv, "count", 1000000);
    double *delay = malloc((size_t)n * sizeof *delay);
    ev_timer *timer = malloc((size_t)n * sizeof *timer);
    struct ev_loop *loop = ev_default_loop(0);
    if (((delay == NULL || timer == NULL) && n > 0) || loop == NULL)
        BENCH_DIE("out of memory");
    for (long i = 0; i < n; i++)
        delay[i] = bench_rand01();
    long expected = n - (bench_opt(argc, argv, "cancel", 1) ? n / 2 : 0); /* --cancel 0: none cancelled */

    double cpu0 = bench_cpu(), t0 = bench_now();
    for (long i = 0; i < n; i++) {
        ev_timer_init(&timer[i], on_timer, delay[i], 0.);
        ev_timer_start(loop, &timer[i]);
    }
    double t1 = bench_now();
    for (long i = 1; i < n && expected < n; i += 2)
        ev_timer_stop(loop, &timer[i]);
    double t2 = bench_now(), cpu2 = bench_cpu();
    ev_run(loop, 0); /* returns when no watcher is active */
    double t3 = bench_now(), cpu = bench_cpu() - cpu0;
    if (fired != expected)
        BENCH_DIE("fired %ld of %ld", fired, expected);

    printf("timers libev %ld %.4f %.4f %.4f %.4f %.4f %.4f\n", n, t1 - t0, t2 - t1, t3 - t2, t3 - t0, cpu,
           bench_cpu() - cpu2); /* the last: CPU of the run alone */
    free(timer);
    free(delay);
    return 0;
}
