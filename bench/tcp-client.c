/* tcp-client.c: the one load client of the TCP benchmark, a bare epoll loop, the same for every server.
 * --conns C connections to 127.0.0.1:--port, each sending --size bytes and waiting for them to come
 * back, over and over, for --ms milliseconds (after 10% of that as warm-up). Prints:
 *   tcp C SIZE ROUNDTRIPS SECONDS ROUNDTRIPS_PER_S */
#include "tcpbench.h"
#include <sys/epoll.h>

struct conn {
    int fd;
    size_t got; /* bytes of the reply read so far */
};

int main(int argc, char **argv) {
    long port = bench_opt(argc, argv, "port", 0), conns = bench_opt(argc, argv, "conns", 1);
    long size = bench_opt(argc, argv, "size", 64), ms = bench_opt(argc, argv, "ms", 2000);
    if (port <= 0 || conns < 1 || size < 1 || size > 4096)
        BENCH_DIE("usage: tcp-client --port P [--conns C] [--size S] [--ms T]");
    signal(SIGPIPE, SIG_IGN);
    if (bench_need_fds(conns + 64) != 0)
        exit(1);
    int ep = epoll_create1(0);
    struct conn *c = calloc((size_t)conns, sizeof *c);
    char msg[4096], buf[4096];
    memset(msg, 'm', sizeof msg);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (long i = 0; i < conns; i++) {
        /* A refused connect is tried again from a new socket: right after a run with thousands of
         * connections, a new source port can match one of their TIME_WAIT entries, which refuses it. */
        for (int attempt = 0;; attempt++) {
            c[i].fd = socket(AF_INET, SOCK_STREAM, 0);
            if (c[i].fd >= 0 && connect(c[i].fd, (struct sockaddr *)&a, sizeof a) == 0)
                break;
            if (c[i].fd < 0 || errno != ECONNREFUSED || attempt == 20)
                BENCH_DIE("connect %ld: %s", i, strerror(errno));
            close(c[i].fd);
        }
        tcp_tune(c[i].fd);
        struct epoll_event e = {.events = EPOLLIN, .data.u64 = (uint64_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &e);
    }
    for (long i = 0; i < conns; i++)
        if (write(c[i].fd, msg, (size_t)size) != size)
            BENCH_DIE("write: %s", strerror(errno));
    double start = bench_now(), warm = start + (double)ms / 1e4, end = warm + (double)ms / 1e3, t0 = 0;
    long count = 0;
    struct epoll_event ready[256];
    for (;;) {
        double now = bench_now();
        if (t0 == 0 && now >= warm) {
            t0 = now;
            count = 0;
        }
        if (now >= end)
            break;
        int n = epoll_wait(ep, ready, 256, 100);
        if (n < 0 && errno != EINTR)
            BENCH_DIE("epoll_wait: %s", strerror(errno));
        for (int k = 0; k < n; k++) {
            struct conn *x = &c[ready[k].data.u64];
            ssize_t r = read(x->fd, buf, sizeof buf);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN)
                    continue;
                BENCH_DIE("the server closed or failed: %s", r == 0 ? "closed" : strerror(errno));
            }
            x->got += (size_t)r;
            if (x->got >= (size_t)size) {
                x->got -= (size_t)size;
                count++;
                if (write(x->fd, msg, (size_t)size) != size)
                    BENCH_DIE("write: %s", strerror(errno));
            }
        }
    }
    double s = bench_now() - t0;
    printf("tcp %ld %ld %ld %.3f %.0f\n", conns, size, count, s, (double)count / s);
    return 0;
}
