/* pipes-epoll.c: the pipe chain on a bare epoll loop — no timers, no callbacks tables, no abstraction.
 * The floor the libraries are measured against. Linux only. */
#include "pipes.h"
#include <sys/epoll.h>

int main(int argc, char **argv) {
    pipes_setup(argc, argv);
    int ep = epoll_create1(0);
    if (ep < 0)
        BENCH_DIE("epoll_create1: %s", strerror(errno));
    for (long i = 0; i < pipes_n; i++) {
        struct epoll_event e = {.events = EPOLLIN, .data.u64 = (uint64_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, pipes_rfd(i), &e) != 0)
            BENCH_DIE("epoll_ctl: %s", strerror(errno));
    }
    /* The floor has no batching: a remove and an add are two system calls. */
    double t0 = bench_now();
    for (long i = 0; i < pipes_n; i++)
        epoll_ctl(ep, EPOLL_CTL_DEL, pipes_rfd(i), &(struct epoll_event){0});
    for (long i = 0; i < pipes_n; i++) {
        struct epoll_event e = {.events = EPOLLIN, .data.u64 = (uint64_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, pipes_rfd(i), &e) != 0)
            BENCH_DIE("epoll_ctl: %s", strerror(errno));
    }
    pipes_setup_us = (bench_now() - t0) * 1e6;
    struct epoll_event ready[256];
    pipes_start();
    for (int done = 0; !done;) {
        int k = epoll_wait(ep, ready, 256, -1);
        if (k < 0 && errno != EINTR)
            BENCH_DIE("epoll_wait: %s", strerror(errno));
        for (int j = 0; j < k && !done; j++)
            done = pipes_on_read((long)ready[j].data.u64);
    }
    pipes_report("epoll");
    return 0;
}
