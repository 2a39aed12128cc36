/* pipes-libuv.c: the pipe chain on libuv. uv_poll_t is libuv's way to watch a descriptor it did not
 * open (its streams would read into buffers they allocate: another benchmark). */
#include "pipes.h"
#include <uv.h>

static void on_read(uv_poll_t *p, int status, int events) {
    (void)status, (void)events;
    if (pipes_on_read((long)(intptr_t)p->data))
        uv_stop(p->loop);
}

int main(int argc, char **argv) {
    pipes_setup(argc, argv);
    uv_loop_t *loop = uv_default_loop();
    uv_poll_t *poll = malloc((size_t)pipes_n * sizeof *poll);
    if (loop == NULL || poll == NULL)
        BENCH_DIE("out of memory");
    for (long i = 0; i < pipes_n; i++) {
        if (uv_poll_init(loop, &poll[i], pipes_rfd(i)) != 0)
            BENCH_DIE("uv_poll_init failed");
        poll[i].data = (void *)(intptr_t)i;
        uv_poll_start(&poll[i], UV_READABLE, on_read);
    }
    uv_run(loop, UV_RUN_NOWAIT);
    double t0 = bench_now();
    for (long i = 0; i < pipes_n; i++)
        uv_poll_stop(&poll[i]);
    for (long i = 0; i < pipes_n; i++)
        uv_poll_start(&poll[i], UV_READABLE, on_read);
    uv_run(loop, UV_RUN_NOWAIT);
    pipes_setup_us = (bench_now() - t0) * 1e6;
    pipes_start();
    uv_run(loop, UV_RUN_DEFAULT);
    pipes_report("libuv");
    return 0;
}
