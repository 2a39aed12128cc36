/* echo-reactor.c: the TCP echo server on this workbook's reactor: chapter 5's protocol, factory and
 * listening port, on the backend REACTOR_BACKEND names. See tcpbench.h. */
#include "tcpbench.h"

#include "protocol.h"
#include "reactor.h"
#include "tcp.h" /* the reactor's: listen, connect */
#include "transport.h"

static void data_received(struct protocol *p, const char *bytes, size_t len) {
    transport_write(p->transport, bytes, len);
}

static void connection_lost(struct protocol *p, int reason) {
    (void)reason;
    free(p);
}

static const struct protocol_ops echo_ops = {.data_received = data_received, .connection_lost = connection_lost};

static struct protocol *build(struct factory *f, const struct sockaddr_in *addr) {
    (void)f, (void)addr;
    struct protocol *p = calloc(1, sizeof *p);
    if (p != NULL)
        p->ops = &echo_ops;
    return p;
}

static const struct factory_ops factory_ops = {.build_protocol = build};

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    bench_need_fds(20000);
    struct reactor *reactor = reactor_new();
    if (reactor == NULL)
        BENCH_DIE("reactor_new failed");
    struct factory factory = {.ops = &factory_ops};
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct listening_port *port;
    int err = reactor_listen_tcp(reactor, &a, &factory, &port);
    if (err != 0)
        BENCH_DIE("reactor_listen_tcp: %s", reactor_strerror(err));
    printf("port %u\n", (unsigned)listening_port_number(port));
    fflush(stdout);
    return reactor_run(reactor) == 0 ? 0 : 1;
}
