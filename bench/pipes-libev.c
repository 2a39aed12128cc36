/* pipes-libev.c: the pipe chain on libev (ev_io watchers; epoll on Linux). */
#include "pipes.h"
#include <ev.h>

static void on_read(struct ev_loop *loop, ev_io *w, int revents) {
    (void)revents;
    if (pipes_on_read((long)(intptr_t)w->data))
        ev_break(loop, EVBREAK_ALL);
}

int main(int argc, char **argv) {
    pipes_setup(argc, argv);
    struct ev_loop *loop = ev_default_loop(0);
    ev_io *io = malloc((size_t)pipes_n * sizeof *io);
    if (loop == NULL || io == NULL)
        BENCH_DIE("out of memory");
    for (long i = 0; i < pipes_n; i++) {
        ev_io_init(&io[i], on_read, pipes_rfd(i), EV_READ);
        io[i].data = (void *)(intptr_t)i;
        ev_io_start(loop, &io[i]);
    }
    double t0 = bench_now();
    for (long i = 0; i < pipes_n; i++)
        ev_io_stop(loop, &io[i]);
    for (long i = 0; i < pipes_n; i++)
        ev_io_start(loop, &io[i]);
    ev_run(loop, EVRUN_NOWAIT);
    pipes_setup_us = (bench_now() - t0) * 1e6;
    pipes_start();
    ev_run(loop, 0);
    pipes_report("libev");
    return 0;
}
