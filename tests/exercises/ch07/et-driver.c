/* The driver of the ch07/edge-triggered test: 48 KiB in a pipe, the writer closed, a reactor on the
 * edge-triggered backend with the counting reader; prints the bytes read and how the reader ended. */
#include "edge_triggered.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct reactor *reactor;
static int lost_reason = 0;

static void lost(struct descriptor *d, int reason) {
    (void)d;
    lost_reason = reason;
    reactor_stop(reactor);
}

static int safety_stop(void *arg) {
    (void)arg;
    reactor_stop(reactor);
    return 0;
}

int main(void) {
    int fds[2];
    static char data[48 * 1024];
    memset(data, 'x', sizeof data);
    if (pipe(fds) != 0 || fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0 || write(fds[1], data, sizeof data) != (ssize_t)sizeof data)
        return 3;
    close(fds[1]);
    if (reactor_new_with(edge_triggered_backend(), &reactor) != 0)
        return 3;
    static const struct descriptor_ops ops = {.do_read = counting_reader_do_read, .connection_lost = lost};
    struct counting_reader r = {.base = {.fd = fds[0], .ops = &ops}};
    reactor_add_reader(reactor, &r.base);
    reactor_call_later(reactor, 2.0, safety_stop, NULL, NULL);
    reactor_run(reactor);
    printf("read %zu of %zu bytes; %s\n", r.bytes, sizeof data,
           lost_reason == REACTOR_CONNECTION_DONE ? "closed cleanly" : lost_reason == REACTOR_ERR_CONNECTION_LOST ? "never saw the end" : reactor_strerror(lost_reason));
    reactor_free(reactor);
    close(fds[0]);
    return 0;
}
