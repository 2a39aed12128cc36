/* multipoetry: one server process, several poems, each on a port of its own.
 *
 * The exercise (see README.md), krondo part 11's last: one reactor can listen on any number of ports.
 * Each port gets a factory of its own, and the factory is where a port's protocols find what they
 * serve: here, that port's poem. Every connection gets the whole poem at once (as fastpoetry sends
 * it), then the connection is closed. */
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

/* One poem, and the port it is served on. Its factory is the port's: every protocol it builds
 * finds the poem through it. */
struct poetry_service {
    struct factory factory; /* first: the library's factory pointer is also the service's */
    const char *path;       /* as given on the command line */
    char *poem;
    size_t poem_len;
    struct listening_port *port;
};

/* One client's connection, to one of the ports. */
struct fast_protocol {
    struct protocol base;
    struct poetry_service *service;
};

static void send_poem(struct protocol *p, struct transport *transport) {
    struct poetry_service *service = ((struct fast_protocol *)p)->service;
    struct sockaddr_in peer = transport_get_peer(transport);
    char who[ADDRESS_TEXT_MAX];
    fprintf(stderr, "Sending %s (%zu bytes) to %s\n", service->path, service->poem_len,
            address_format(&peer, who, sizeof who));
    if (transport_write(transport, service->poem, service->poem_len) != 0)
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
    fast->service = (struct poetry_service *)f; /* the factory of the port this client came to */
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
    struct poetry_service *services = calloc((size_t)count, sizeof *services);
    if (services == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    for (int i = 0; i < count; i++) {
        services[i].factory.ops = &poetry_factory_ops;
        services[i].path = argv[i + 1];
        int err = cli_read_file(services[i].path, &services[i].poem, &services[i].poem_len);
        if (err != 0)
            cli_fail(EXIT_USAGE, program, "cannot read poem '%s': %s", services[i].path, strerror(err));
    }

    struct reactor *reactor = reactor_new();
    if (reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    for (int i = 0; i < count; i++) {
        int err = reactor_listen_tcp(reactor, &listen_addr, &services[i].factory, &services[i].port);
        if (err != 0) {
            char where[ADDRESS_TEXT_MAX];
            cli_fail(EXIT_SOME_FAILED, program, "cannot listen on %s: %s",
                     address_format(&listen_addr, where, sizeof where), reactor_strerror(err));
        }
    }
    for (int i = 0; i < count; i++)
        printf("Serving %s on port %u.\n", services[i].path, (unsigned)listening_port_number(services[i].port));
    fflush(stdout);

    int err = reactor_run(reactor); /* until killed */
    for (int i = 0; i < count; i++)
        listening_port_free(services[i].port);
    reactor_free(reactor);
    for (int i = 0; i < count; i++)
        free(services[i].poem);
    free(services);
    return err == 0 ? EXIT_ALL_WELL : EXIT_SOME_FAILED;
}
