/* netstring-probe: sends a transformation server well-formed and malformed requests, one connection
 * each, and says how it reacted to each -- once you finish its protocol.
 *
 * The exercise (see README.md): the cases, the connects and the report are done; the probe's protocol
 * is not. Look for the TODO. */
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

static const char *program = "netstring-probe";

/* The cases, in order: a name and the bytes sent. */
static const struct probe_case {
    const char *name, *bytes;
} cases[] = {
    {"good", "17:cummingsify.HELLO,"},
    {"leading-zero", "017:cummingsify.HELLO,"},
    {"missing-comma", "17:cummingsify.HELLO!"},
    {"not-a-number", "x:cummingsify.HELLO,"},
    {"too-long", "100000:"},
};
#define CASES (sizeof cases / sizeof cases[0])

static struct reactor *reactor;
static size_t finished;

/* One probe: its case, and what came back. */
struct probe {
    struct protocol base;
    const struct probe_case *c;
    char reply[256];
    size_t reply_len;
    char verdict[300];
};
static struct probe probes[CASES];

/* TODO: the probe's protocol. connection_made sends the case's bytes (and must not close: the server
 * answers, or closes, first); data_received keeps what comes back; connection_lost writes the verdict:
 * "reply BYTES" (what came back, as it came), "closed without a reply", "reset" (ECONNRESET), or
 * "error: WHY" for any other end. When the last probe finishes, stop the reactor. As given, it sends
 * nothing and closes at once, so every verdict is "closed without a reply". */
static void probe_made(struct protocol *p, struct transport *t) {
    (void)p;
    transport_lose_connection(t);
}

static void probe_data(struct protocol *p, const char *bytes, size_t len) {
    (void)p, (void)bytes, (void)len;
}

static void probe_lost(struct protocol *p, int reason) {
    (void)reason;
    struct probe *probe = (struct probe *)p;
    snprintf(probe->verdict, sizeof probe->verdict, "closed without a reply");
    if (++finished == CASES)
        reactor_stop(reactor);
}

static const struct protocol_ops probe_ops = {
    .connection_made = probe_made, .data_received = probe_data, .connection_lost = probe_lost};

/* ---- the rest is done ---- */

struct probe_factory {
    struct factory base;
    struct probe *probe;
};

static struct protocol *build(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    return &((struct probe_factory *)f)->probe->base;
}

static void failed(struct factory *f, struct connector *c, int reason) {
    (void)c;
    struct probe *probe = ((struct probe_factory *)f)->probe;
    snprintf(probe->verdict, sizeof probe->verdict, "connect failed: %s", reactor_strerror(reason));
    if (++finished == CASES)
        reactor_stop(reactor);
}

static const struct factory_ops probe_factory_ops = {.build_protocol = build,
                                                     .client_connection_failed = failed};

int main(int argc, char **argv) {
    cli_open_standard_fds();
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        printf(
            "usage: netstring-probe [HOST:]PORT\n\nSends a transformation server one good and several "
            "malformed requests, one connection each,\nand prints how it reacted to each.\n");
        return EXIT_ALL_WELL;
    }
    if (argc != 2)
        cli_fail(EXIT_USAGE, program, "one address: [HOST:]PORT (try --help)");
    struct sockaddr_in addr;
    if (address_parse(argv[1], &addr) != 0)
        cli_fail(EXIT_USAGE, program, "bad address %s", cli_quote(argv[1]));
    reactor = reactor_new();
    if (reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    struct probe_factory factories[CASES];
    for (size_t i = 0; i < CASES; i++) {
        probes[i] = (struct probe){.base.ops = &probe_ops, .c = &cases[i]};
        factories[i] = (struct probe_factory){{&probe_factory_ops}, &probes[i]};
        int err = reactor_connect_tcp(reactor, &addr, &factories[i].base, 10, NULL);
        if (err != 0)
            cli_fail(EXIT_SOME_FAILED, program, "cannot connect: %s", reactor_strerror(err));
    }
    reactor_run(reactor);
    reactor_free(reactor);
    for (size_t i = 0; i < CASES; i++)
        printf("%s: %s\n", cases[i].name, probes[i].verdict);
    cli_close_stdout(program);
    return EXIT_ALL_WELL;
}
