/* fastpoetry: a poetry server that sends the whole poem at once, to many clients at a time.
 *
 * krondo part 11's first server: the protocol writes the poem in connection_made and loses the
 * connection; the transport sends what the socket takes now and the rest as it drains, then closes.
 * There is no loop, no accept and no send in this file: the library does all of that, and from chapter 8
 * on the protocol lives in poetry_server.c. */
#include "address.h"
#include "cli.h"
#include "poetry_server.h"
#include "reactor.h"
#include "tcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "fastpoetry";

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: fastpoetry [--port PORT] [--iface ADDR] POEM\n"
            "\n"
            "Serves the poem in the file POEM, all at once, to every client that connects, then closes\n"
            "the connection. The first line on stdout names the port.\n"
            "\n"
            "  --port PORT       port to listen on; 0 (the default) picks a free one\n"
            "  --iface ADDR      IPv4 address to listen on (default 127.0.0.1)\n"
            "  --help            print this help and exit\n");
}

int main(int argc, char **argv) {
    cli_open_standard_fds(); /* so that the listening socket can never be fd 1 */
    const char *poem_path = NULL;
    struct sockaddr_in listen_addr = {.sin_family = AF_INET};
    address_parse_host(ADDRESS_DEFAULT_HOST, &listen_addr);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        } else if (cli_server_address_option(argc, argv, &i, &listen_addr, program)) {
            continue;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(EXIT_USAGE, program, "unknown option %s (try --help)", cli_quote(argv[i]));
        } else if (poem_path == NULL) {
            poem_path = argv[i];
        } else {
            cli_fail(EXIT_USAGE, program, "one poem only: unexpected %s", cli_quote(argv[i]));
        }
    }
    if (poem_path == NULL)
        cli_fail(EXIT_USAGE, program, "no poem file given (try --help)");

    char *poem = NULL;
    size_t poem_len = 0;
    int err = cli_read_file(poem_path, &poem, &poem_len);
    if (err != 0)
        cli_fail(EXIT_USAGE, program, "cannot read poem %s: %s", cli_quote(poem_path), cli_file_strerror(err));
    struct poetry_server server; /* the fast protocol is poetry_server.c's */
    poetry_server_init_fast(&server, poem, poem_len, stderr, program);

    struct reactor *reactor = cli_new_reactor(program);
    struct listening_port *port;
    err = reactor_listen_tcp(reactor, &listen_addr, &server.factory, &port);
    if (err != 0) {
        char where[ADDRESS_TEXT_MAX];
        cli_fail(EXIT_SOME_FAILED, program, "cannot listen on %s: %s",
                 address_format(&listen_addr, where, sizeof where), reactor_strerror(err));
    }
    printf("Serving %s on port %u.\n", cli_printable(poem_path), (unsigned)listening_port_number(port));
    fflush(stdout);
    err = reactor_run(reactor); /* until killed */
    listening_port_free(port);
    reactor_free(reactor);
    free(poem);
    return err == 0 ? EXIT_ALL_WELL : EXIT_SOME_FAILED;
}
