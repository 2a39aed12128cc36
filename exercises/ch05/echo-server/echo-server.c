/* echo-server: a server that sends back every byte it receives, to many clients at once -- once you
 * finish it.
 *
 * The exercise (see README.md): the factory and the listening port are done; the echo protocol is not.
 * Look for the TODO. */
#include "address.h"
#include "cli.h"
#include "protocol.h"
#include "reactor.h"
#include "tcp.h"
#include "transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "echo-server";

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: echo-server [--port PORT] [--iface ADDR]\n"
            "\n"
            "Sends back to every client whatever it sends, many clients at once, until the client\n"
            "closes the connection. The first line on stdout names the port.\n"
            "\n"
            "  --port PORT       port to listen on; 0 (the default) picks a free one\n"
            "  --iface ADDR      IPv4 address to listen on (default 127.0.0.1)\n"
            "  --help            print this help and exit\n");
}

/* One client's connection. */
struct echo_protocol {
    struct protocol base;
};

/* TODO: the echo protocol. As given, the protocol does nothing: a client's bytes are read and dropped,
 * and nothing is ever sent back. Everything a client sends must come back to it, every byte, in order,
 * however much it sends before it reads. And each protocol lives on the heap (see build_echo_protocol):
 * when is the last moment it is needed? protocol.h says what the library calls, when, and with what. */
static void echo_connection_made(struct protocol *p, struct transport *transport) {
    (void)p;
    (void)transport;
}

static void echo_data_received(struct protocol *p, const char *bytes, size_t len) {
    (void)p;
    (void)bytes;
    (void)len;
}

static void echo_connection_lost(struct protocol *p, int reason) {
    (void)p;
    (void)reason;
}

static const struct protocol_ops echo_protocol_ops = {
    .connection_made = echo_connection_made,
    .data_received = echo_data_received,
    .connection_lost = echo_connection_lost,
};

/* The factory: one new echo protocol per client. */
static struct protocol *build_echo_protocol(struct factory *f, const struct sockaddr_in *addr) {
    (void)f;
    (void)addr;
    struct echo_protocol *echo = calloc(1, sizeof *echo);
    if (echo == NULL)
        return NULL; /* the library closes this connection; the server goes on */
    echo->base.ops = &echo_protocol_ops;
    return &echo->base;
}

static const struct factory_ops echo_factory_ops = {.build_protocol = build_echo_protocol};

int main(int argc, char **argv) {
    struct sockaddr_in listen_addr = {.sin_family = AF_INET};
    address_parse_host(ADDRESS_DEFAULT_HOST, &listen_addr);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        } else if (cli_server_address_option(argc, argv, &i, &listen_addr, program)) {
            continue;
        } else if (argv[i][0] == '-') {
            cli_fail(EXIT_USAGE, program, "unknown option '%s' (try --help)", argv[i]);
        } else {
            cli_fail(EXIT_USAGE, program, "unexpected argument '%s' (try --help)", argv[i]);
        }
    }

    struct factory factory = {.ops = &echo_factory_ops};
    struct reactor *reactor = reactor_new();
    if (reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    struct listening_port *port;
    int err = reactor_listen_tcp(reactor, &listen_addr, &factory, &port);
    if (err != 0) {
        char where[ADDRESS_TEXT_MAX];
        cli_fail(EXIT_SOME_FAILED, program, "cannot listen on %s: %s",
                 address_format(&listen_addr, where, sizeof where), reactor_strerror(err));
    }
    printf("Serving echo on port %u.\n", (unsigned)listening_port_number(port));
    fflush(stdout);
    err = reactor_run(reactor); /* until killed */
    listening_port_free(port);
    reactor_free(reactor);
    return err == 0 ? EXIT_ALL_WELL : EXIT_SOME_FAILED;
}
