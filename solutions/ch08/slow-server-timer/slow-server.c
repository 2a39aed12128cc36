/* slow-server: a slow poetry server built on reactor_call_later that handles early disconnects.
 *
 * The exercise (see README.md): each connection gets --num-bytes of the poem every --delay seconds,
 * then a clean close; a client that leaves early ends its own connection, and its pending slice is
 * cancelled, so nothing ever runs for a protocol that is gone. The audit (given) checks that. */
#include "address.h"
#include "cli.h"
#include "protocol.h"
#include "reactor.h"
#include "scheduler.h"
#include "tcp.h"
#include "transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "slow-server";

/* What every connection shares. */
static struct reactor *reactor;
static char *poem;
static size_t poem_len;
static double delay = 0.5;   /* --delay */
static long num_bytes = 100; /* --num-bytes */

/* One client's connection. */
struct slow {
    struct protocol base;
    size_t sent;                     /* bytes of the poem written so far */
    struct delayed_call *next_slice; /* the pending call that sends the next slice, or NULL */
};

/* Sends the next slice; schedules the one after, or closes after the last. */
static int send_next_slice(void *arg) {
    struct slow *slow = arg;
    if (slow->next_slice != NULL) {
        delayed_call_release(slow->next_slice); /* this call is running: its handle is spent */
        slow->next_slice = NULL;
    }
    size_t slice = poem_len - slow->sent;
    if (slice > (size_t)num_bytes)
        slice = (size_t)num_bytes;
    int err = transport_write(slow->base.transport, poem + slow->sent, slice);
    if (err != 0)
        return err; /* the connection is failing: connection_lost comes next */
    slow->sent += slice;
    if (slow->sent == poem_len) {
        transport_lose_connection(slow->base.transport);
        return 0;
    }
    return reactor_call_later(reactor, delay, send_next_slice, slow, &slow->next_slice);
}

static void slow_connection_made(struct protocol *p, struct transport *transport) {
    struct slow *slow = (struct slow *)p;
    if (poem_len == 0)
        transport_lose_connection(transport);
    else if (send_next_slice(slow) != 0)
        transport_abort_connection(transport);
}

/* The last call: cancel the pending slice, or it would run for a protocol that has been freed. */
static void slow_connection_lost(struct protocol *p, int reason) {
    struct slow *slow = (struct slow *)p;
    if (slow->next_slice != NULL) {
        delayed_call_cancel(slow->next_slice);
        delayed_call_release(slow->next_slice);
    }
    if (slow->sent < poem_len)
        fprintf(stderr, "%s: a client left early, after %zu of %zu bytes: %s\n", program, slow->sent,
                poem_len, reactor_strerror(reason));
    free(slow);
}

/* ---- Given: the audit, the factory and main. ---- */

/* The audit: on the turn after a connection ends, says how many connections are open and how many
 * delayed calls are pending. Every open connection waits for at most one slice; a connection that
 * has ended must leave none behind. */
static size_t open_connections, audits_pending;

static int audit(void *arg) {
    (void)arg;
    audits_pending -= 1;
    size_t pending = scheduler_pending(reactor_scheduler(reactor)) - audits_pending;
    fprintf(stderr, "audit: %zu connections, %zu calls pending\n", open_connections, pending);
    return 0;
}

static void connection_lost_audited(struct protocol *p, int reason) {
    slow_connection_lost(p, reason); /* yours */
    open_connections -= 1;
    if (reactor_call_later(reactor, 0, audit, NULL, NULL) == 0)
        audits_pending += 1;
}

/* A poetry client has nothing to say: its half-close is no reason to stop the poem. */
static void ignore_half_close(struct protocol *p) {
    (void)p;
}

static const struct protocol_ops slow_ops = {.connection_made = slow_connection_made,
                                             .connection_lost = connection_lost_audited,
                                             .read_connection_lost = ignore_half_close};

static struct protocol *build(struct factory *f, const struct sockaddr_in *addr) {
    (void)f, (void)addr;
    struct slow *slow = calloc(1, sizeof *slow);
    if (slow == NULL)
        return NULL;
    slow->base.ops = &slow_ops;
    open_connections += 1;
    return &slow->base;
}

static const struct factory_ops factory_ops = {.build_protocol = build};

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: slow-server [--port PORT] [--iface ADDR] [--delay SECONDS] [--num-bytes N] POEM\n"
            "\n"
            "Serves POEM, N bytes every SECONDS, to many clients at once. The first line on stdout\n"
            "names the port; stderr gets an audit line after each connection ends.\n");
}

int main(int argc, char **argv) {
    cli_open_standard_fds();
    struct sockaddr_in listen_addr = {.sin_family = AF_INET};
    address_parse_host(ADDRESS_DEFAULT_HOST, &listen_addr);
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        } else if (cli_server_address_option(argc, argv, &i, &listen_addr, program)) {
            continue;
        } else if (cli_option(argc, argv, &i, "--delay", &value, program)) {
            if (cli_parse_seconds(value, &delay) != 0 || delay > CLI_MAX_DELAY_SECONDS)
                cli_fail(EXIT_USAGE, program, "bad delay %s", cli_quote(value));
        } else if (cli_option(argc, argv, &i, "--num-bytes", &value, program)) {
            if (cli_parse_count(value, 1L << 30, &num_bytes) != 0)
                cli_fail(EXIT_USAGE, program, "bad byte count %s", cli_quote(value));
        } else if (argv[i][0] == '-' || path != NULL) {
            cli_fail(EXIT_USAGE, program, "unexpected %s (try --help)", cli_quote(argv[i]));
        } else {
            path = argv[i];
        }
    }
    if (path == NULL)
        cli_fail(EXIT_USAGE, program, "no poem file given (try --help)");
    int err = cli_read_file(path, &poem, &poem_len);
    if (err != 0)
        cli_fail(EXIT_USAGE, program, "cannot read poem %s: %s", cli_quote(path), cli_file_strerror(err));
    struct factory factory = {&factory_ops};
    reactor = cli_new_reactor(program);
    struct listening_port *port;
    err = reactor_listen_tcp(reactor, &listen_addr, &factory, &port);
    if (err != 0)
        cli_fail(EXIT_SOME_FAILED, program, "cannot listen: %s", reactor_strerror(err));
    printf("Serving %s on port %u.\n", cli_printable(path), (unsigned)listening_port_number(port));
    fflush(stdout);
    err = reactor_run(reactor); /* until killed */
    listening_port_free(port);
    reactor_free(reactor);
    free(poem);
    return err == 0 ? EXIT_ALL_WELL : EXIT_SOME_FAILED;
}
