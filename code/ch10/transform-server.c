/* transform-server: the poetry transformation service (the Twisted Introduction's part 12).
 *
 * A client sends one netstring, `NAME.POEM`; the server answers with one netstring holding the
 * transformed poem and closes. An unknown transform, a malformed request or a transform that fails:
 * the server closes without a reply. The protocol is a netstring receiver (netstring.h) with the
 * request handling of transform_protocol.h on top: protocols on protocols. */
#include "address.h"
#include "address_any.h"
#include "cli.h"
#include "reactor.h"
#include "tcp.h"
#include "transform_protocol.h"
#include "transforms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "transform-server";

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: transform-server [--port PORT] [--iface ADDR]\n"
            "\n"
            "Serves poetry transformations. A request is one netstring NAME.POEM; the reply is one\n"
            "netstring with the transformed poem, then the server closes (no reply: the request failed).\n"
            "The transforms:");
    for (int i = 0; transform_names[i] != NULL; i++)
        fprintf(out, " %s", transform_names[i]);
    fprintf(out,
            ".\nThe first line on stdout names the port.\n"
            "\n"
            "  --port PORT       port to listen on; 0 (the default) picks a free one\n"
            "  --iface ADDR      IPv4 or IPv6 address to listen on (default 127.0.0.1; ::1 for IPv6)\n"
            "  --help            print this help and exit\n");
}

/* >> transform-factory */
static void free_server_protocol(struct transform_server *ts, int reason) {
    (void)reason;
    free(ts);
}

static struct protocol *build_transform_protocol(struct factory *f, const struct sockaddr_in *addr) {
    (void)f, (void)addr;
    struct transform_server *ts = malloc(sizeof *ts);
    if (ts == NULL)
        return NULL; /* the library resets this connection; the server goes on */
    transform_server_init(ts, stderr);
    ts->on_lost = free_server_protocol;
    return &ts->nr.protocol;
}

static const struct factory_ops transform_factory_ops = {.build_protocol = build_transform_protocol};
/* << transform-factory */

int main(int argc, char **argv) {
    cli_open_standard_fds(); /* so that the listening socket can never be fd 1 */
    struct address_any listen_addr;
    address_parse_iface(ADDRESS_DEFAULT_HOST, &listen_addr);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        } else if (cli_server_address_option_any(argc, argv, &i, &listen_addr, program)) {
            continue;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(EXIT_USAGE, program, "unknown option %s (try --help)", cli_quote(argv[i]));
        } else {
            cli_fail(EXIT_USAGE, program, "unexpected argument %s (try --help)", cli_quote(argv[i]));
        }
    }
    struct factory factory = {.ops = &transform_factory_ops};
    struct reactor *reactor = cli_new_reactor(program);
    struct listening_port *port;
    int err = reactor_listen_tcp_any(reactor, &listen_addr, &factory, &port);
    if (err != 0) {
        char where[ADDRESS_ANY_TEXT_MAX];
        cli_fail(EXIT_SOME_FAILED, program, "cannot listen on %s: %s",
                 address_format_any(&listen_addr.u.sa, where, sizeof where), reactor_strerror(err));
    }
    printf("Serving transforms on port %u.\n", (unsigned)listening_port_number(port));
    fflush(stdout);
    err = reactor_run(reactor); /* until killed */
    listening_port_free(port);
    reactor_free(reactor);
    return err == 0 ? EXIT_ALL_WELL : EXIT_SOME_FAILED;
}
