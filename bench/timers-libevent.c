/* timers-libevent.c: the timer benchmark on libevent 2 (event_base + evtimer). The events live in one
 * array (evtimer_assign), as a libevent user who knows the count would keep them.
 * Prints: timers libevent N schedule_s cancel_s run_s total_s cpu_s */
#include "bench.h"
#include <event2/event.h>

static long fired;

static void on_timer(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what, (void)arg;
    fired++;
}

int main(int argc, char **argv) {
    long n = bench_opt(argc, argv, "count", 1000000);
    struct timeval *delay = malloc((size_t)n * sizeof *delay);
    struct event_base *base = event_base_new();
    struct event *ev = malloc((size_t)n * event_get_struct_event_size());
    if (((delay == NULL || ev == NULL) && n > 0) || base == NULL)
        BENCH_DIE("out of memory");
    for (long i = 0; i < n; i++) {
        double d = bench_rand01();
        delay[i].tv_sec = 0;
        delay[i].tv_usec = (suseconds_t)(d * 1e6);
    }
    size_t size = event_get_struct_event_size();
#define EV(i) ((struct event *)((char *)ev + (size_t)(i) * size))
    long expected = n - (bench_opt(argc, argv, "cancel", 1) ? n / 2 : 0); /* --cancel 0: none cancelled */

    double cpu0 = bench_cpu(), t0 = bench_now();
    for (long i = 0; i < n; i++) {
        evtimer_assign(EV(i), base, on_timer, NULL);
        if (evtimer_add(EV(i), &delay[i]) != 0)
            BENCH_DIE("evtimer_add failed");
    }
    double t1 = bench_now();
    for (long i = 1; i < n && expected < n; i += 2)
        evtimer_del(EV(i));
    double t2 = bench_now(), cpu2 = bench_cpu();
    event_base_dispatch(base); /* returns when no event is pending */
    double t3 = bench_now(), cpu = bench_cpu() - cpu0;
    if (fired != expected)
        BENCH_DIE("fired %ld of %ld", fired, expected);

    printf("timers libevent %ld %.4f %.4f %.4f %.4f %.4f %.4f\n", n, t1 - t0, t2 - t1, t3 - t2, t3 - t0, cpu,
           bench_cpu() - cpu2); /* the last: CPU of the run alone */
    event_base_free(base);
    free(ev);
    free(delay);
    return 0;
}
