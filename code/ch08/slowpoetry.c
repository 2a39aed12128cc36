/* slowpoetry: a poetry server that is slow on purpose — now on the reactor, for many clients at once.
 *
 * Chapter 1's server slept between two sends, so it served one client at a time. Here each connection
 * has a protocol that sends NUM_BYTES, then asks the reactor to call it back in DELAY seconds for the
 * next slice (krondo part 11's exercise); while it waits, the reactor serves everyone else. A client
 * that leaves early only ends its own connection: the protocol cancels its pending call. Same command
 * line and first line as chapter 1's. From chapter 8 on the protocol lives in poetry_server.c, so
 * that chapter 10 can test it without sockets; this file is the command line. */
#include "address.h"
#include "cli.h"
#include "poetry_server.h"
#include "reactor.h"
#include "tcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "slowpoetry";

struct options {
    const char *poem_path;
    struct sockaddr_in listen_addr;
    double delay;   /* seconds between two sends */
    long num_bytes; /* bytes per send */
};

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: slowpoetry [--port PORT] [--iface ADDR] [--delay SECONDS] [--num-bytes N] POEM\n"
            "\n"
            "Serves the poem in the file POEM to every client that connects, N bytes every SECONDS,\n"
            "many clients at once, then closes each connection. The first line on stdout names the port.\n"
            "\n"
            "  --port PORT       port to listen on; 0 (the default) picks a free one\n"
            "  --iface ADDR      IPv4 address to listen on (default 127.0.0.1)\n"
            "  --delay SECONDS   pause between two sends (default 0.7)\n"
            "  --num-bytes N     bytes per send (default 10)\n"
            "  --help            print this help and exit\n");
}

static struct options parse_options(int argc, char **argv) {
    struct options opts = {.poem_path = NULL, .delay = 0.7, .num_bytes = 10};
    opts.listen_addr.sin_family = AF_INET;
    address_parse_host(ADDRESS_DEFAULT_HOST, &opts.listen_addr);

    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            exit(EXIT_ALL_WELL);
        } else if (cli_server_address_option(argc, argv, &i, &opts.listen_addr, program)) {
            continue;
        } else if (cli_option(argc, argv, &i, "--delay", &value, program)) {
            if (cli_parse_seconds(value, &opts.delay) != 0 || opts.delay > CLI_MAX_DELAY_SECONDS)
                cli_fail(EXIT_USAGE, program, "bad delay %s: not a number of seconds from 0 to %g", cli_quote(value),
                         CLI_MAX_DELAY_SECONDS);
        } else if (cli_option(argc, argv, &i, "--num-bytes", &value, program)) {
            if (cli_parse_count(value, 1L << 30, &opts.num_bytes) != 0)
                cli_fail(EXIT_USAGE, program, "bad byte count %s: not a whole number >= 1", cli_quote(value));
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(EXIT_USAGE, program, "unknown option %s (try --help)", cli_quote(argv[i]));
        } else if (opts.poem_path == NULL) {
            opts.poem_path = argv[i];
        } else {
            cli_fail(EXIT_USAGE, program, "one poem only: unexpected %s", cli_quote(argv[i]));
        }
    }
    if (opts.poem_path == NULL)
        cli_fail(EXIT_USAGE, program, "no poem file given (try --help)");
    return opts;
}

int main(int argc, char **argv) {
    cli_open_standard_fds(); /* so that the listening socket can never be fd 1 */
    struct options opts = parse_options(argc, argv);
    char *poem = NULL;
    size_t poem_len = 0;
    int err = cli_read_file(opts.poem_path, &poem, &poem_len);
    if (err != 0)
        cli_fail(EXIT_USAGE, program, "cannot read poem %s: %s", cli_quote(opts.poem_path), cli_file_strerror(err));

    /* No SIGPIPE to ignore: the transport sends with MSG_NOSIGNAL, so a client that hangs up early
     * costs one failed send, never the whole server. */
    /* >> listen */
    struct reactor *reactor = cli_new_reactor(program);
    struct poetry_server server; /* the slow protocol is poetry_server.c's */
    poetry_server_init_slow(&server, reactor_scheduler(reactor), poem, poem_len, (size_t)opts.num_bytes, opts.delay,
                            stderr, program);
    struct listening_port *port;
    err = reactor_listen_tcp(reactor, &opts.listen_addr, &server.factory, &port);
    if (err != 0) {
        char where[ADDRESS_TEXT_MAX];
        cli_fail(EXIT_SOME_FAILED, program, "cannot listen on %s: %s",
                 address_format(&opts.listen_addr, where, sizeof where), reactor_strerror(err));
    }
    printf("Serving %s on port %u.\n", cli_printable(opts.poem_path), (unsigned)listening_port_number(port));
    fflush(stdout);
    err = reactor_run(reactor); /* until killed: nothing here stops it */
    /* << listen */
    listening_port_free(port);
    reactor_free(reactor);
    free(poem);
    return err == 0 ? EXIT_ALL_WELL : EXIT_SOME_FAILED;
}
