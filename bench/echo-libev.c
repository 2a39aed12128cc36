/* echo-libev.c: the TCP echo server on libev. See tcpbench.h. */
#include "tcpbench.h"
#include <ev.h>

static char buf[65536];

static void on_data(struct ev_loop *loop, ev_io *w, int revents) {
    (void)revents;
    ssize_t r = read(w->fd, buf, sizeof buf);
    if (r > 0) {
        if (write(w->fd, buf, (size_t)r) < 0) {
        }
    } else if (r == 0 || errno != EAGAIN) {
        ev_io_stop(loop, w);
        close(w->fd);
        free(w);
    }
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents) {
    (void)revents;
    int c;
    while ((c = accept(w->fd, NULL, NULL)) >= 0) {
        tcp_tune(c);
        ev_io *io = malloc(sizeof *io);
        ev_io_init(io, on_data, c, EV_READ);
        ev_io_start(loop, io);
    }
}

int main(void) {
    struct ev_loop *loop = ev_default_loop(0);
    ev_io listener;
    ev_io_init(&listener, on_accept, tcp_listen(), EV_READ);
    ev_io_start(loop, &listener);
    ev_run(loop, 0);
    return 0;
}
