/* timers-libuv.c: the timer benchmark on libuv (uv_timer_t, in one array). libuv's timeouts are whole
 * milliseconds, measured from the loop's cached time (uv_now), which is not advanced while we schedule.
 * Prints: timers libuv N schedule_s cancel_s run_s total_s cpu_s */
#include "bench.h"
#include <uv.h>

static long fired;

static void on_timer(uv_timer_t *t) {
    (void)t;
    fired++;
}

int main(int argc, char **argv) {
    long n = bench_opt(argc, argv, "count", 1000000);
    uint64_t *delay = malloc((size_t)n * sizeof *delay);
    uv_timer_t *timer = malloc((size_t)n * sizeof *timer);
    uv_loop_t *loop = uv_default_loop();
    if (((delay == NULL || timer == NULL) && n > 0) || loop == NULL)
        BENCH_DIE("out of memory");
    for (long i = 0; i < n; i++)
        delay[i] = (uint64_t)(bench_rand01() * 1000.0);
    long expected = n - (bench_opt(argc, argv, "cancel", 1) ? n / 2 : 0); /* --cancel 0: none cancelled */

    double cpu0 = bench_cpu(), t0 = bench_now();
    for (long i = 0; i < n; i++) {
        uv_timer_init(loop, &timer[i]);
        uv_timer_start(&timer[i], on_timer, delay[i], 0);
    }
    double t1 = bench_now();
    for (long i = 1; i < n && expected < n; i += 2)
        uv_timer_stop(&timer[i]);
    double t2 = bench_now(), cpu2 = bench_cpu();
    uv_run(loop, UV_RUN_DEFAULT); /* returns when no handle is active */
    double t3 = bench_now(), cpu = bench_cpu() - cpu0;
    if (fired != expected)
        BENCH_DIE("fired %ld of %ld", fired, expected);

    printf("timers libuv %ld %.4f %.4f %.4f %.4f %.4f %.4f\n", n, t1 - t0, t2 - t1, t3 - t2, t3 - t0, cpu,
           bench_cpu() - cpu2); /* the last: CPU of the run alone */
    /* The timers are stopped but still initialised handles; a tidy program would uv_close each one.
     * Exiting is enough here. */
    free(delay);
    return 0;
}
