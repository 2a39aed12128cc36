/* tcpbench.h: what the TCP benchmark's echo servers share. Each server listens on 127.0.0.1, port 0, prints
 * "port N" as its first line, and echoes every byte back to the client that sent it, until killed.
 * tcp-client.c drives them all the same way. */
#ifndef TCPBENCH_H
#define TCPBENCH_H

#include "bench.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

/* A non-blocking listening socket on 127.0.0.1, any port; prints "port N" and flushes. */
static inline int tcp_listen(void) {
    signal(SIGPIPE, SIG_IGN);
    if (bench_need_fds(20000) != 0)
        bench_need_fds(4096);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, SOMAXCONN) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        BENCH_DIE("listen: %s", strerror(errno));
    fcntl(fd, F_SETFL, O_NONBLOCK);
    printf("port %u\n", (unsigned)ntohs(a.sin_port));
    fflush(stdout);
    return fd;
}

/* Makes an accepted socket non-blocking, with Nagle off (small messages go out at once). */
static inline void tcp_tune(int fd) {
    int one = 1;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

#endif
