/* netstring_dump PORT: connects to 127.0.0.1:PORT, receives netstrings with chapter 8's netstring
 * receiver, and writes each one to stdout framed again as a netstring; exits 0 after a clean close
 * with no format error, 1 otherwise. The program test builds it against the snapshot's library, to
 * check our receiver against Twisted's sendString. */
#include "netstring.h"
#include "reactor.h"
#include "tcp.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct reactor *reactor;
static int status = 1;

static void on_string(struct netstring_receiver *nr, const char *bytes, size_t len) {
    (void)nr;
    char *framed = malloc(len + 32);
    size_t n = netstring_format(bytes, len, framed, len + 32);
    fwrite(framed, 1, n, stdout);
    free(framed);
}

static void on_lost(struct netstring_receiver *nr, int reason) {
    status = reason == REACTOR_CONNECTION_DONE && netstring_receiver_broken(nr) == 0 ? 0 : 1;
    if (status != 0)
        fprintf(stderr, "netstring_dump: %s\n",
                result_strerror(netstring_receiver_broken(nr) ? netstring_receiver_broken(nr) : reason));
    reactor_stop(reactor);
}

static const struct netstring_receiver_ops ops = {.string_received = on_string, .connection_lost = on_lost};
static struct netstring_receiver receiver;

static struct protocol *build(struct factory *f, const struct sockaddr_in *addr) {
    (void)f, (void)addr;
    netstring_receiver_init(&receiver, &ops);
    return &receiver.protocol;
}

static void failed(struct factory *f, struct connector *c, int reason) {
    (void)f, (void)c;
    fprintf(stderr, "netstring_dump: connect: %s\n", result_strerror(reason));
    reactor_stop(reactor);
}

static const struct factory_ops factory_ops = {.build_protocol = build, .client_connection_failed = failed};

int main(int argc, char **argv) {
    if (argc != 2)
        return 2;
    reactor = reactor_new();
    struct factory factory = {&factory_ops};
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1]))};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (reactor_connect_tcp(reactor, &addr, &factory, 10, NULL) != 0)
        return 1;
    reactor_run(reactor);
    reactor_free(reactor);
    return status;
}
