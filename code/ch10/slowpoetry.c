/* slowpoetry: a poetry server that is slow on purpose — now on the reactor, for many clients at once.
 *
 * Chapter 1's server slept between two sends, so it served one client at a time. Here each connection
 * has a protocol that sends NUM_BYTES, then asks the reactor to call it back in DELAY seconds for the
 * next slice (krondo part 11's exercise); while it waits, the reactor serves everyone else. A client
 * that leaves early only ends its own connection: the protocol cancels its pending call. Same command
 * line and first line as chapter 1's. */
#include "address.h"
#include "cli.h"
#include "protocol.h"
#include "reactor.h"
#include "tcp.h"
#include "transport.h"

#include <errno.h>
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

/* What every connection shares: the poem and the pace. */
struct server {
    struct factory factory; /* first: the library's factory pointer is also the server's */
    struct reactor *reactor;
    const char *poem;
    size_t poem_len;
    struct options opts;
};

/* >> slow-protocol */
/* One client's connection: how much of the poem it has had, and the call that sends the next slice. */
struct slow_protocol {
    struct protocol base;
    struct server *server;
    size_t sent;
    struct delayed_call *next_slice; /* pending between two slices */
    char who[ADDRESS_TEXT_MAX];
};

/* Sends the next slice; then either schedules the one after or, at the end, closes the connection
 * (cleanly: the transport sends what is queued first). */
static int send_next_slice(void *arg) {
    struct slow_protocol *slow = arg;
    struct server *server = slow->server;
    delayed_call_release(slow->next_slice); /* this call is running: the handle is spent */
    slow->next_slice = NULL;
    size_t slice = server->poem_len - slow->sent;
    if (slice > (size_t)server->opts.num_bytes)
        slice = (size_t)server->opts.num_bytes;
    int err = transport_write(slow->base.transport, server->poem + slow->sent, slice);
    if (err != 0)
        return err; /* the connection is failing: connection_lost comes next and says why */
    slow->sent += slice;
    if (slow->sent == server->poem_len) {
        transport_lose_connection(slow->base.transport);
        return 0;
    }
    return reactor_call_later(server->reactor, server->opts.delay, send_next_slice, slow, &slow->next_slice);
}

static void slow_connection_made(struct protocol *p, struct transport *transport) {
    struct slow_protocol *slow = (struct slow_protocol *)p;
    struct sockaddr_in peer = transport_get_peer(transport);
    address_format(&peer, slow->who, sizeof slow->who);
    fprintf(stderr, "Sending %zu bytes of poetry to %s\n", slow->server->poem_len, slow->who);
    if (slow->server->poem_len == 0)
        transport_lose_connection(transport);
    else if (send_next_slice(slow) != 0)
        transport_abort_connection(transport); /* out of memory */
}

/* The last call: the poem went out whole, or the client left early. Either way the pending slice, if
 * any, must not run, since its protocol is about to be freed. */
static void slow_connection_lost(struct protocol *p, int reason) {
    struct slow_protocol *slow = (struct slow_protocol *)p;
    if (slow->next_slice != NULL) {
        delayed_call_cancel(slow->next_slice);
        delayed_call_release(slow->next_slice);
    }
    if (slow->sent < slow->server->poem_len || reason != REACTOR_CONNECTION_DONE)
        cli_warn(program, "%s left early, after %zu of %zu bytes: %s", slow->who, slow->sent,
                 slow->server->poem_len,
                 reason == REACTOR_CONNECTION_DONE ? "it closed the connection" : reactor_strerror(reason));
    free(slow);
}

/* The client has finished writing (it shut down its side, as `nc -N` does). A poetry client has
 * nothing to say anyway, so that is no reason to stop: the poem goes on. Without this hook the
 * transport would take the client's half-close for the end and cut the poem short. */
static void slow_read_connection_lost(struct protocol *p) {
    (void)p;
}

static const struct protocol_ops slow_protocol_ops = {
    .connection_made = slow_connection_made,
    .connection_lost = slow_connection_lost,
    .read_connection_lost = slow_read_connection_lost,
};
/* << slow-protocol */

/* >> slow-factory */
static struct protocol *build_slow_protocol(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    struct slow_protocol *slow = calloc(1, sizeof *slow);
    if (slow == NULL)
        return NULL; /* the library closes this connection; the server goes on */
    slow->base.ops = &slow_protocol_ops;
    slow->server = (struct server *)f;
    return &slow->base;
}

static const struct factory_ops slow_factory_ops = {.build_protocol = build_slow_protocol};
/* << slow-factory */

int main(int argc, char **argv) {
    cli_open_standard_fds(); /* so that the listening socket can never be fd 1 */
    struct server server = {.factory.ops = &slow_factory_ops, .opts = parse_options(argc, argv)};
    char *poem = NULL;
    int err = cli_read_file(server.opts.poem_path, &poem, &server.poem_len);
    if (err != 0)
        cli_fail(EXIT_USAGE, program, "cannot read poem %s: %s", cli_quote(server.opts.poem_path),
                 cli_file_strerror(err));
    server.poem = poem;

    /* No SIGPIPE to ignore: the transport sends with MSG_NOSIGNAL, so a client that hangs up early
     * costs one failed send, never the whole server. */
    /* >> listen */
    server.reactor = cli_new_reactor(program);
    struct listening_port *port;
    err = reactor_listen_tcp(server.reactor, &server.opts.listen_addr, &server.factory, &port);
    if (err != 0) {
        char where[ADDRESS_TEXT_MAX];
        cli_fail(EXIT_SOME_FAILED, program, "cannot listen on %s: %s",
                 address_format(&server.opts.listen_addr, where, sizeof where), reactor_strerror(err));
    }
    printf("Serving %s on port %u.\n", cli_printable(server.opts.poem_path), (unsigned)listening_port_number(port));
    fflush(stdout);
    err = reactor_run(server.reactor); /* until killed: nothing here stops it */
    /* << listen */
    listening_port_free(port);
    reactor_free(server.reactor);
    free(poem);
    return err == 0 ? EXIT_ALL_WELL : EXIT_SOME_FAILED;
}
