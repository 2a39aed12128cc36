/* pipes-libevent.c: the pipe chain on libevent 2 (persistent read events; epoll on Linux). */
#include "pipes.h"
#include <event2/event.h>

static struct event_base *base;

static void on_read(evutil_socket_t fd, short what, void *arg) {
    (void)fd, (void)what;
    if (pipes_on_read((long)(intptr_t)arg))
        event_base_loopbreak(base);
}

int main(int argc, char **argv) {
    pipes_setup(argc, argv);
    base = event_base_new();
    if (base == NULL)
        BENCH_DIE("event_base_new failed");
    struct event **evs = malloc((size_t)pipes_n * sizeof *evs);
    if (evs == NULL)
        BENCH_DIE("out of memory");
    for (long i = 0; i < pipes_n; i++) {
        struct event *ev = event_new(base, pipes_rfd(i), EV_READ | EV_PERSIST, on_read, (void *)(intptr_t)i);
        if (ev == NULL || event_add(ev, NULL) != 0)
            BENCH_DIE("event_add failed");
        evs[i] = ev;
    }
    event_base_loop(base, EVLOOP_NONBLOCK);
    double t0 = bench_now();
    for (long i = 0; i < pipes_n; i++)
        event_del(evs[i]);
    for (long i = 0; i < pipes_n; i++)
        event_add(evs[i], NULL);
    event_base_loop(base, EVLOOP_NONBLOCK);
    pipes_setup_us = (bench_now() - t0) * 1e6;
    pipes_start();
    event_base_dispatch(base);
    pipes_report("libevent");
    return 0;
}
