/* shout-lines: a line server on chapter 8's line receiver -- once you finish it.
 *
 * The exercise (see README.md): the factory, the listening port and the command line are done; the
 * protocol is not. Look for the TODOs. */
#include "address.h"
#include "cli.h"
#include "line_receiver.h"
#include "reactor.h"
#include "tcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "shout-lines";
static long max_line = 80; /* --max-line */

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: shout-lines [--port PORT] [--iface ADDR] [--max-line N]\n"
            "\n"
            "Sends every line (ending in CRLF) back in capitals. A line longer than N bytes (default 80)\n"
            "is answered \"line too long\" and the connection closed; \"quit\" closes it.\n"
            "The first line on stdout names the port.\n");
}

/* TODO: every line comes back in capitals (ASCII letters only; every other byte unchanged), and the
 * line "quit" closes the connection. As given, lines come back unchanged and "quit" is shouted back. */
static void shout_line(struct line_receiver *lr, const char *line, size_t len) {
    line_receiver_send_line(lr, line, len);
}

/* TODO: a line longer than max_line bytes is answered "line too long", then the connection closes.
 * As given, nothing sets the limit (see build) and nothing answers: line_receiver.h has the hook. */

static void free_receiver(struct line_receiver *lr, int reason) {
    (void)reason;
    free(lr);
}

static const struct line_receiver_ops shout_ops = {.line_received = shout_line,
                                                   .connection_lost = free_receiver};

static struct protocol *build(struct factory *f, const struct sockaddr_in *addr) {
    (void)f, (void)addr;
    struct line_receiver *lr = malloc(sizeof *lr);
    if (lr == NULL)
        return NULL;
    line_receiver_init(lr, &shout_ops);
    return &lr->protocol;
}

static const struct factory_ops factory_ops = {.build_protocol = build};

int main(int argc, char **argv) {
    cli_open_standard_fds();
    struct sockaddr_in listen_addr = {.sin_family = AF_INET};
    address_parse_host(ADDRESS_DEFAULT_HOST, &listen_addr);
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        } else if (cli_server_address_option(argc, argv, &i, &listen_addr, program)) {
            continue;
        } else if (cli_option(argc, argv, &i, "--max-line", &value, program)) {
            if (cli_parse_count(value, 1000000, &max_line) != 0)
                cli_fail(EXIT_USAGE, program, "--max-line: not a number from 1 to 1000000: %s",
                         cli_quote(value));
        } else {
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
    printf("Serving shout on port %u.\n", (unsigned)listening_port_number(port));
    fflush(stdout);
    err = reactor_run(reactor);
    listening_port_free(port);
    reactor_free(reactor);
    return err == 0 ? EXIT_ALL_WELL : EXIT_SOME_FAILED;
}
