/* rot13-server: a transformation server with a transform of your own, rot13 -- once you write it.
 *
 * The exercise (see README.md): the server is done; the transform is not. Look for the TODO. */
#include "address.h"
#include "cli.h"
#include "netstring.h"
#include "reactor.h"
#include "tcp.h"
#include "transform_protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "rot13-server";

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: rot13-server [--port PORT] [--iface ADDR]\n"
            "\n"
            "A poetry transformation server (one netstring NAME.POEM in, one netstring out) with the\n"
            "transform rot13 beside cummingsify, shout and fail. The first line on stdout names the port.\n");
}

/* The new transform: len bytes of in, transformed into out (len bytes). Returns 0.
 * TODO: rot13. Each ASCII letter moves 13 places along the alphabet, wrapping around ('a' -> 'n',
 * 'n' -> 'a', 'Z' -> 'M'), keeping its case; every other byte is copied unchanged. As given, it copies
 * every byte unchanged. */
static int rot13(const char *in, size_t len, char *out) {
    memcpy(out, in, len);
    return 0;
}

/* One request: "rot13.POEM" is ours; anything else goes to the library's handling. */
static void on_request(struct netstring_receiver *nr, const char *request, size_t len) {
    struct transform_server *ts = (struct transform_server *)nr;
    if (len >= 6 && memcmp(request, "rot13.", 6) == 0) {
        char *poem = malloc(len - 6 + 1);
        if (poem != NULL && rot13(request + 6, len - 6, poem) == 0)
            netstring_send_string(nr, poem, len - 6);
        free(poem);
        netstring_receiver_lose_connection(nr);
        return;
    }
    transform_server_handle(ts, request, len);
}

static void on_lost(struct netstring_receiver *nr, int reason) {
    (void)reason;
    free(nr);
}

static const struct netstring_receiver_ops rot13_ops = {.string_received = on_request,
                                                        .connection_lost = on_lost};

static struct protocol *build(struct factory *f, const struct sockaddr_in *addr) {
    (void)f, (void)addr;
    struct transform_server *ts = malloc(sizeof *ts);
    if (ts == NULL)
        return NULL;
    transform_server_init(ts, NULL);
    ts->nr.ops = &rot13_ops; /* our requests first; the rest as the library's server does */
    return &ts->nr.protocol;
}

static const struct factory_ops factory_ops = {.build_protocol = build};

int main(int argc, char **argv) {
    cli_open_standard_fds();
    struct sockaddr_in listen_addr = {.sin_family = AF_INET};
    address_parse_host(ADDRESS_DEFAULT_HOST, &listen_addr);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        } else if (!cli_server_address_option(argc, argv, &i, &listen_addr, program)) {
            cli_fail(EXIT_USAGE, program, "unknown option %s (try --help)", cli_quote(argv[i]));
        }
    }
    struct factory factory = {&factory_ops};
    struct reactor *reactor = reactor_new();
    if (reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    struct listening_port *port;
    int err = reactor_listen_tcp(reactor, &listen_addr, &factory, &port);
    if (err != 0)
        cli_fail(EXIT_SOME_FAILED, program, "cannot listen: %s", reactor_strerror(err));
    printf("Serving transforms on port %u.\n", (unsigned)listening_port_number(port));
    fflush(stdout);
    err = reactor_run(reactor);
    listening_port_free(port);
    reactor_free(reactor);
    return err == 0 ? EXIT_ALL_WELL : EXIT_SOME_FAILED;
}
