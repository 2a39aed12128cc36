/* multipoetry: one server process, several poems, each on a port of its own -- once you finish it.
 *
 * The exercise (see README.md), krondo part 11's last: serve every poem named on the command line, each
 * on a port of its own, from one process and one reactor. Every connection gets the whole poem at once
 * (as fastpoetry sends it), then the connection is closed. As given, only the first poem is served;
 * look for the TODO in main. */
#include "address.h"
#include "cli.h"
#include "protocol.h"
#include "reactor.h"
#include "tcp.h"
#include "transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "multipoetry";

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: multipoetry [--iface ADDR] POEM...\n"
            "\n"
            "Serves each poem file on a port of its own, all at once, to every client that connects to\n"
            "that port, then closes the connection. Each port is one the kernel picks. The first lines\n"
            "on stdout, one per poem in the order given, are 'Serving POEM on port PORT.'.\n"
            "\n"
            "  --iface ADDR      IPv4 address to listen on (default 127.0.0.1)\n"
            "  --help            print this help and exit\n");
}

/* A poem file, as read from the command line. */
struct poem_file {
    const char *path; /* as given on the command line */
    char *bytes;
    size_t len;
};

/* What the connections share: the poem they serve. */
struct poetry_server {
    struct factory factory; /* first: the library's factory pointer is also the server's */
    const struct poem_file *poem;
};

/* One client's connection. */
struct fast_protocol {
    struct protocol base;
    struct poetry_server *server;
};

static void send_poem(struct protocol *p, struct transport *transport) {
    const struct poem_file *poem = ((struct fast_protocol *)p)->server->poem;
    struct sockaddr_in peer = transport_get_peer(transport);
    char who[ADDRESS_TEXT_MAX];
    fprintf(stderr, "Sending %s (%zu bytes) to %s\n", poem->path, poem->len, address_format(&peer, who, sizeof who));
    if (transport_write(transport, poem->bytes, poem->len) != 0)
        transport_abort_connection(transport); /* out of memory: this client gets nothing */
    else
        transport_lose_connection(transport); /* once the queue has drained */
}

static void free_protocol(struct protocol *p, int reason) {
    (void)reason;
    free(p);
}

static const struct protocol_ops fast_protocol_ops = {.connection_made = send_poem, .connection_lost = free_protocol};

static struct protocol *build_fast_protocol(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    struct fast_protocol *fast = calloc(1, sizeof *fast);
    if (fast == NULL)
        return NULL; /* the library closes this connection; the server goes on */
    fast->base.ops = &fast_protocol_ops;
    fast->server = (struct poetry_server *)f;
    return &fast->base;
}

static const struct factory_ops poetry_factory_ops = {.build_protocol = build_fast_protocol};

int main(int argc, char **argv) {
    struct sockaddr_in listen_addr = {.sin_family = AF_INET};
    address_parse_host(ADDRESS_DEFAULT_HOST, &listen_addr);
    int count = 0; /* the poems, moved up to argv[1] .. argv[count] */
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        } else if (cli_option(argc, argv, &i, "--iface", &value, program)) {
            if (address_parse_host(value, &listen_addr) != 0)
                cli_fail(EXIT_USAGE, program, "bad interface '%s': %s", value, address_strerror(ADDRESS_ERR_HOST));
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(EXIT_USAGE, program, "unknown option '%s' (try --help)", argv[i]);
        } else {
            argv[++count] = argv[i];
        }
    }
    if (count == 0)
        cli_fail(EXIT_USAGE, program, "no poem file given (try --help)");

    /* Every poem is read before any port opens: a typo in the last name should not leave the others
     * half served. */
    struct poem_file *poems = calloc((size_t)count, sizeof *poems);
    if (poems == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    for (int i = 0; i < count; i++) {
        poems[i].path = argv[i + 1];
        int err = cli_read_file(poems[i].path, &poems[i].bytes, &poems[i].len);
        if (err != 0)
            cli_fail(EXIT_USAGE, program, "cannot read poem '%s': %s", poems[i].path, strerror(err));
    }

    /* TODO: only the first poem is served. Every poem needs a port of its own, and a client of that
     * port must get that port's poem: when a client connects, how does its protocol know which poem to
     * send? Print one line per port, in the order of the poems, and free what you make. */
    struct poetry_server server = {.factory.ops = &poetry_factory_ops, .poem = &poems[0]};
    struct reactor *reactor = reactor_new();
    if (reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    struct listening_port *port;
    int err = reactor_listen_tcp(reactor, &listen_addr, &server.factory, &port);
    if (err != 0) {
        char where[ADDRESS_TEXT_MAX];
        cli_fail(EXIT_SOME_FAILED, program, "cannot listen on %s: %s",
                 address_format(&listen_addr, where, sizeof where), reactor_strerror(err));
    }
    printf("Serving %s on port %u.\n", poems[0].path, (unsigned)listening_port_number(port));
    fflush(stdout);

    err = reactor_run(reactor); /* until killed */
    listening_port_free(port);
    reactor_free(reactor);
    for (int i = 0; i < count; i++)
        free(poems[i].bytes);
    free(poems);
    return err == 0 ? EXIT_ALL_WELL : EXIT_SOME_FAILED;
}
