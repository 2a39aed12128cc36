/* transform-proxy: a caching proxy for the poetry transformation service -- once you add the cache.
 *
 * To its clients it is a transformation server: one netstring NAME.POEM in, one netstring with the
 * transformed poem out, then the close (no reply: the transform failed). Behind it is the real server
 * at XFORM_HOST:PORT, which it asks with transform_client_request — but a request it has answered
 * before, the same transform of the same poem, it answers from memory.
 *
 * The exercise (see README.md): the proxy is done, but it remembers nothing, so every request goes to
 * the server. Look for the TODOs. */
#include "address.h"
#include "cli.h"
#include "deferred.h"
#include "netstring.h"
#include "poem.h"
#include "reactor.h"
#include "tcp.h"
#include "transform_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "transform-proxy";

static void print_usage(FILE *out) {
    fprintf(out, "usage: transform-proxy [--port PORT] [--iface ADDR] XFORM_HOST:PORT\n"
                 "\n"
                 "A caching proxy for the poetry transformation server at XFORM_HOST:PORT: the same\n"
                 "transform of the same poem is asked for once. The first line on stdout names the port.\n");
}

/* One reply kept: the request it answers (NAME.POEM, whole) and the transformed poem. */
struct kept {
    struct kept *next;
    char *request;
    size_t request_len;
    struct poem *reply;
};

struct proxy {
    struct factory factory; /* first */
    struct reactor *reactor;
    struct sockaddr_in upstream;
    struct kept *kept; /* the replies kept so far */
};

/* The reply kept for this request, or NULL.
 * TODO: look through the replies kept so far. As given, nothing is ever found. */
static const struct poem *find_reply(struct proxy *proxy, const char *request, size_t len) {
    (void)proxy, (void)request, (void)len;
    return NULL;
}

/* Keeps a copy of reply as the answer to request (copied too). Out of memory: keeps nothing.
 * TODO: keep it. As given, nothing is kept. */
static void keep_reply(struct proxy *proxy, const char *request, size_t len, const struct poem *reply) {
    (void)proxy, (void)request, (void)len, (void)reply;
}

/* One client's connection. */
struct client {
    struct netstring_receiver nr; /* first */
    struct proxy *proxy;
    char *request; /* a copy of the request, while its reply is on its way */
    size_t request_len;
    struct deferred *asked; /* the upstream's answer, while it is on its way */
};

static struct deferred_result got_reply(struct deferred_result result, void *arg) {
    struct client *c = arg;
    struct poem *reply = result.value;
    keep_reply(c->proxy, c->request, c->request_len, reply);
    netstring_send_string(&c->nr, reply->bytes, reply->len);
    netstring_receiver_lose_connection(&c->nr);
    deferred_result_free(result);
    return deferred_none();
}

/* No reply upstream (or the client left and we cancelled): close with no reply, keep nothing. */
static struct deferred_result no_reply(struct deferred_result result, void *arg) {
    struct client *c = arg;
    netstring_receiver_lose_connection(&c->nr);
    deferred_result_free(result);
    return deferred_none();
}

static void on_request(struct netstring_receiver *nr, const char *request, size_t len) {
    struct client *c = (struct client *)nr;
    const struct poem *kept = find_reply(c->proxy, request, len);
    if (kept != NULL) {
        netstring_send_string(nr, kept->bytes, kept->len);
        netstring_receiver_lose_connection(nr);
        return;
    }
    const char *dot = memchr(request, '.', len);
    char *name = dot != NULL ? strndup(request, (size_t)(dot - request)) : NULL;
    c->request = malloc(len > 0 ? len : 1);
    if (name == NULL || c->request == NULL) { /* malformed, or out of memory: no reply */
        free(name);
        netstring_receiver_lose_connection(nr);
        return;
    }
    memcpy(c->request, request, len);
    c->request_len = len;
    struct poem poem = {.bytes = (char *)dot + 1, .len = len - (size_t)(dot - request) - 1};
    int err = transform_client_request(c->proxy->reactor, &c->proxy->upstream, name, &poem, &c->asked);
    free(name);
    if (err != 0 || deferred_add_callbacks(c->asked, got_reply, c, no_reply, c) != 0)
        netstring_receiver_lose_connection(nr);
}

static void on_lost(struct netstring_receiver *nr, int reason) {
    (void)reason;
    struct client *c = (struct client *)nr;
    if (c->asked != NULL) {
        deferred_cancel(c->asked); /* a client that leaves stops its request (once it has fired: nothing) */
        deferred_unref(c->asked);
    }
    free(c->request);
    free(c);
}

static const struct netstring_receiver_ops client_ops = {.string_received = on_request,
                                                         .connection_lost = on_lost};

static struct protocol *build(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    struct client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    netstring_receiver_init(&c->nr, &client_ops);
    c->proxy = (struct proxy *)f;
    return &c->nr.protocol;
}

static const struct factory_ops factory_ops = {.build_protocol = build};

int main(int argc, char **argv) {
    cli_open_standard_fds();
    struct proxy proxy = {.factory.ops = &factory_ops};
    struct sockaddr_in listen_addr = {.sin_family = AF_INET};
    address_parse_host(ADDRESS_DEFAULT_HOST, &listen_addr);
    const char *upstream = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        } else if (cli_server_address_option(argc, argv, &i, &listen_addr, program)) {
            continue;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(EXIT_USAGE, program, "unknown option %s (try --help)", cli_quote(argv[i]));
        } else if (upstream == NULL) {
            upstream = argv[i];
        } else {
            cli_fail(EXIT_USAGE, program, "one server only: unexpected %s", cli_quote(argv[i]));
        }
    }
    if (upstream == NULL)
        cli_fail(EXIT_USAGE, program, "no server given (try --help)");
    int err = address_parse(upstream, &proxy.upstream);
    if (err != 0)
        cli_fail(EXIT_USAGE, program, "bad address %s: %s", cli_quote(upstream), address_strerror(err));
    proxy.reactor = cli_new_reactor(program);
    struct listening_port *port;
    err = reactor_listen_tcp(proxy.reactor, &listen_addr, &proxy.factory, &port);
    if (err != 0)
        cli_fail(EXIT_SOME_FAILED, program, "cannot listen: %s", reactor_strerror(err));
    printf("Serving transform proxy on port %u.\n", (unsigned)listening_port_number(port));
    fflush(stdout);
    err = reactor_run(proxy.reactor); /* until killed */
    listening_port_free(port);
    reactor_free(proxy.reactor);
    return err == 0 ? EXIT_ALL_WELL : EXIT_SOME_FAILED;
}
