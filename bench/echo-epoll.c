/* echo-epoll.c: the TCP echo server on a bare epoll loop (the floor). See tcpbench.h. */
#include "tcpbench.h"
#include <sys/epoll.h>

int main(void) {
    int lfd = tcp_listen(), ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN, .data.fd = lfd}, ready[256];
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &e);
    char buf[65536];
    for (;;) {
        int n = epoll_wait(ep, ready, 256, -1);
        for (int k = 0; k < n; k++) {
            int fd = ready[k].data.fd;
            if (fd == lfd) {
                int c;
                while ((c = accept(lfd, NULL, NULL)) >= 0) {
                    tcp_tune(c);
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
                continue;
            }
            ssize_t r = read(fd, buf, sizeof buf);
            if (r > 0) {
                if (write(fd, buf, (size_t)r) < 0) { /* the client left: next time read says so */
                }
            } else if (r == 0 || errno != EAGAIN) {
                close(fd);
            }
        }
    }
}
