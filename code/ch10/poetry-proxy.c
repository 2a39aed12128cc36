/* poetry-proxy: a caching poetry proxy (the Twisted Introduction's part 14).
 *
 * To its clients it is a poetry server: each connection gets the poem, then a clean close. Behind it
 * is one real poetry server, HOST:PORT, which it asks as a client (poetry_client.h) — but only once
 * for many clients: the poetry cache (poetry_cache.h) starts one fetch for the first client, lets the
 * clients that come while it runs wait for that same fetch, and answers later clients from the kept
 * poem at once, until --expire seconds have passed. A fetch that fails is not kept: the clients that
 * waited for it are reset, since a clean close would tell them "that was the whole poem".
 *
 * The proxy itself (its factory and protocol) is the module poetry_proxy.h; this file is its command line. */
#include "address.h"
#include "cli.h"
#include "poetry_cache.h"
#include "poetry_proxy.h"
#include "reactor.h"
#include "tcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "poetry-proxy";

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: poetry-proxy [--port PORT] [--iface ADDR] [--expire SECONDS] [HOST:]PORT\n"
            "\n"
            "Serves the poem of the poetry server at HOST:PORT to every client that connects, fetching\n"
            "it once for all the clients that come while a fetch is running and keeping it for those that\n"
            "come later. A client whose fetch failed is reset. The first line on stdout names the port.\n"
            "\n"
            "  --port PORT       port to listen on; 0 (the default) picks a free one\n"
            "  --iface ADDR      IPv4 address to listen on (default 127.0.0.1)\n"
            "  --expire SECONDS  keep a fetched poem this long (default: for as long as the proxy runs;\n"
            "                    0: never keep it, only share a fetch that is running)\n"
            "  --help            print this help and exit\n");
}

int main(int argc, char **argv) {
    cli_open_standard_fds(); /* so that the listening socket can never be fd 1 */
    struct sockaddr_in listen_addr = {.sin_family = AF_INET};
    address_parse_host(ADDRESS_DEFAULT_HOST, &listen_addr);
    double expire = POETRY_CACHE_FOREVER;
    const char *upstream = NULL;
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        } else if (cli_server_address_option(argc, argv, &i, &listen_addr, program)) {
            continue;
        } else if (cli_option(argc, argv, &i, "--expire", &value, program)) {
            if (cli_parse_seconds(value, &expire) != 0)
                cli_fail(EXIT_USAGE, program, "bad expiry %s: not a number of seconds >= 0",
                         cli_quote(value));
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(EXIT_USAGE, program, "unknown option %s (try --help)", cli_quote(argv[i]));
        } else if (upstream == NULL) {
            upstream = argv[i];
        } else {
            cli_fail(EXIT_USAGE, program, "one server only: unexpected %s (try --help)", cli_quote(argv[i]));
        }
    }
    if (upstream == NULL)
        cli_fail(EXIT_USAGE, program, "no server given (try --help)");
    struct sockaddr_in upstream_addr;
    int err = address_parse(upstream, &upstream_addr);
    if (err != 0)
        cli_fail(EXIT_USAGE, program, "bad address %s: %s", cli_quote(upstream), address_strerror(err));

    /* >> main */
    struct reactor *reactor = cli_new_reactor(program);
    struct poetry_proxy proxy;
    if (poetry_proxy_init(&proxy, reactor, &upstream_addr, expire, stderr) != 0)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    struct listening_port *port;
    err = reactor_listen_tcp(reactor, &listen_addr, &proxy.factory, &port);
    if (err != 0) {
        char where[ADDRESS_TEXT_MAX];
        cli_fail(EXIT_SOME_FAILED, program, "cannot listen on %s: %s",
                 address_format(&listen_addr, where, sizeof where), reactor_strerror(err));
    }
    printf("Serving proxy for %s on port %u.\n", proxy.upstream_text, (unsigned)listening_port_number(port));
    fflush(stdout);
    err = reactor_run(reactor); /* until killed */
    /* << main */
    listening_port_free(port);
    poetry_proxy_release(&proxy);
    reactor_free(reactor);
    return err == 0 ? EXIT_ALL_WELL : EXIT_SOME_FAILED;
}
