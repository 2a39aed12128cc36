/* shout-lines: a line server on chapter 8's line receiver. Every line a client sends comes back in
 * capitals; a line longer than the limit is answered "line too long" and the connection is closed;
 * "quit" closes it.
 *
 * The exercise (see README.md): a protocol on the line receiver, its length limit and its
 * line_length_exceeded hook. */
#include "address.h"
#include "cli.h"
#include "line_receiver.h"
#include "reactor.h"
#include "tcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "shout-lines";
static long max_line = 80;

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: shout-lines [--port PORT] [--iface ADDR] [--max-line N]\n"
            "\n"
            "Sends every line (ending in CRLF) back in capitals. A line longer than N bytes (default 80)\n"
            "is answered \"line too long\" and the connection closed; \"quit\" closes it.\n"
            "The first line on stdout names the port.\n");
}

static void shout_line(struct line_receiver *lr, const char *line, size_t len) {
    if (len == 4 && memcmp(line, "quit", 4) == 0) {
        line_receiver_lose_connection(lr);
        return;
    }
    char *loud = malloc(len + 1);
    if (loud == NULL) {
        line_receiver_lose_connection(lr);
        return;
    }
    for (size_t i = 0; i < len; i++)
        loud[i] = line[i] >= 'a' && line[i] <= 'z' ? (char)(line[i] - 'a' + 'A') : line[i];
    line_receiver_send_line(lr, loud, len);
    free(loud);
}

static void too_long(struct line_receiver *lr, const char *bytes, size_t len) {
    (void)bytes, (void)len;
    line_receiver_send_line(lr, "line too long", 13);
    line_receiver_lose_connection(lr);
}

static void free_receiver(struct line_receiver *lr, int reason) {
    (void)reason;
    free(lr);
}

static const struct line_receiver_ops shout_ops = {
    .line_received = shout_line, .line_length_exceeded = too_long, .connection_lost = free_receiver};

static struct protocol *build(struct factory *f, const struct sockaddr_in *addr) {
    (void)f, (void)addr;
    struct line_receiver *lr = malloc(sizeof *lr);
    if (lr == NULL)
        return NULL;
    line_receiver_init(lr, &shout_ops);
    lr->max_length = (size_t)max_line;
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
