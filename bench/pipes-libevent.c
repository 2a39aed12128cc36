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
    for (long i = 0; i < pipes_n; i++) {
        struct event *ev = event_new(base, pipes_rfd(i), EV_READ | EV_PERSIST, on_read, (void *)(intptr_t)i);
        if (ev == NULL || event_add(ev, NULL) != 0)
            BENCH_DIE("event_add failed");
    }
    pipes_start();
    event_base_dispatch(base);
    pipes_report("libevent");
    return 0;
}
