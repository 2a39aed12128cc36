/* poetry-proxy: a caching poetry proxy (the Twisted Introduction's part 14).
 *
 * To its clients it is a poetry server: each connection gets the poem, then a clean close. Behind it
 * is one real poetry server, HOST:PORT, which it asks as a client (poetry_client.h) — but only once
 * for many clients: the poetry cache (poetry_cache.h) starts one fetch for the first client, lets the
 * clients that come while it runs wait for that same fetch, and answers later clients from the kept
 * poem at once, until --expire seconds have passed. A fetch that fails is not kept: the clients that
 * waited for it are reset, since a clean close would tell them "that was the whole poem". */
#include "address.h"
#include "cli.h"
#include "deferred.h"
#include "failure.h"
#include "poem.h"
#include "poetry_cache.h"
#include "poetry_client.h"
#include "protocol.h"
#include "reactor.h"
#include "tcp.h"
#include "transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "poetry-proxy";

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: poetry-proxy [--port PORT] [--iface ADDR] [--expire SECONDS] [HOST:]PORT\n"
            "\n"
            "Serves the poem of the poetry server at HOST:PORT to every client that connects, fetching\n"
            "it once for all the clients that come while a fetch is running and keeping it for those that\n"
            "come later. A client whose fetch failed is reset. The first line on stdout names the port.\n"
            "\n"
            "  --port PORT       port to listen on; 0 (the default) picks a free one\n"
            "  --iface ADDR      IPv4 address to listen on (default 127.0.0.1)\n"
            "  --expire SECONDS  keep a fetched poem this long (default: for as long as the proxy runs;\n"
            "                    0: never keep it, only share a fetch that is running)\n"
            "  --help            print this help and exit\n");
}

/* What every connection shares. */
struct proxy {
    struct factory factory; /* first: the library's factory pointer is also the proxy's */
    struct reactor *reactor;
    struct sockaddr_in upstream;
    char upstream_text[ADDRESS_TEXT_MAX];
    struct poetry_cache *cache;
};

/* Says how a fetch ended, and passes its result on to the cache unchanged. */
static struct deferred_result log_fetch(struct deferred_result result, void *arg) {
    struct proxy *proxy = arg;
    size_t waiting = poetry_cache_stats(proxy->cache).waiting;
    if (result.kind == DEFERRED_VALUE)
        fprintf(stderr, "Fetched %zu bytes from %s for %zu waiting\n", ((struct poem *)result.value)->len,
                proxy->upstream_text, waiting);
    else
        fprintf(stderr, "Fetch from %s failed: %s; resetting %zu waiting\n", proxy->upstream_text,
                failure_message(result.failure), waiting);
    return result;
}

/* >> fetch */
/* The cache's fetch: one download from the real server, with poetry_client.h's default limits. */
static int fetch_from_upstream(void *ctx, struct deferred **out) {
    struct proxy *proxy = ctx;
    fprintf(stderr, "Fetching the poem from %s\n", proxy->upstream_text);
    int err = poetry_client_get(proxy->reactor, &proxy->upstream, NULL, out);
    if (err == 0)
        deferred_add_both(*out, log_fetch, proxy); /* out of memory: the fetch goes on, unlogged */
    return err;
}
/* << fetch */

/* >> proxy-protocol */
/* One client's connection, and the Deferred that brings its poem. */
struct proxy_protocol {
    struct protocol base;
    struct proxy *proxy;
    struct deferred *poem; /* the cache's answer (our reference); NULL before the connection is up */
    char who[ADDRESS_TEXT_MAX];
};

/* The poem has come (a copy of our own): send it, then close cleanly once it has gone out. */
static struct deferred_result send_poem(struct deferred_result result, void *arg) {
    struct proxy_protocol *pp = arg;
    struct poem *poem = result.value;
    if (transport_write(pp->base.transport, poem->bytes, poem->len) == 0)
        transport_lose_connection(pp->base.transport);
    else
        transport_abort_connection(pp->base.transport); /* out of memory: never a clean, short close */
    deferred_result_free(result);
    return deferred_none();
}

/* No poem: reset the client, which would take a clean close for a whole (empty) poem. A client that
 * has left already (we cancelled its wait) has nothing to be told. */
static struct deferred_result reset_client(struct deferred_result result, void *arg) {
    struct proxy_protocol *pp = arg;
    if (pp->base.transport != NULL) {
        fprintf(stderr, "No poem for %s: %s\n", pp->who, failure_message(result.failure));
        transport_abort_connection(pp->base.transport);
    }
    deferred_result_free(result);
    return deferred_none();
}

static void proxy_connection_made(struct protocol *p, struct transport *transport) {
    struct proxy_protocol *pp = (struct proxy_protocol *)p;
    struct sockaddr_in peer = transport_get_peer(transport);
    address_format(&peer, pp->who, sizeof pp->who);
    if (poetry_cache_get(pp->proxy->cache, &pp->poem) != 0) {
        transport_abort_connection(transport); /* out of memory */
        return;
    }
    fprintf(stderr, deferred_called(pp->poem) ? "Serving the cached poem to %s\n" : "%s waits for the poem\n",
            pp->who);
    if (deferred_add_callbacks(pp->poem, send_poem, pp, reset_client, pp) != 0) /* may run now */
        transport_abort_connection(transport);
}

/* The last call. A client that leaves before its poem came stops waiting — only it: the fetch goes
 * on for the others (the cancel errbacks our Deferred, which reset_client takes quietly). */
static void proxy_connection_lost(struct protocol *p, int reason) {
    struct proxy_protocol *pp = (struct proxy_protocol *)p;
    if (pp->poem != NULL && !deferred_called(pp->poem))
        fprintf(stderr, "%s left before its poem came: %s\n", pp->who,
                reason == REACTOR_CONNECTION_DONE ? "it closed the connection" : reactor_strerror(reason));
    if (pp->poem != NULL) {
        deferred_cancel(pp->poem); /* does nothing once it has fired */
        deferred_unref(pp->poem);
    }
    free(pp);
}

/* A client that finishes writing (as `nc -N` does) still gets its poem: a poetry client says nothing. */
static void proxy_read_connection_lost(struct protocol *p) {
    (void)p;
}

static const struct protocol_ops proxy_protocol_ops = {
    .connection_made = proxy_connection_made,
    .connection_lost = proxy_connection_lost,
    .read_connection_lost = proxy_read_connection_lost,
};
/* << proxy-protocol */

static struct protocol *build_proxy_protocol(struct factory *f, const struct sockaddr_in *addr) {
    (void)addr;
    struct proxy_protocol *pp = calloc(1, sizeof *pp);
    if (pp == NULL)
        return NULL; /* the library resets this connection; the proxy goes on */
    pp->base.ops = &proxy_protocol_ops;
    pp->proxy = (struct proxy *)f;
    return &pp->base;
}

static const struct factory_ops proxy_factory_ops = {.build_protocol = build_proxy_protocol};

int main(int argc, char **argv) {
    cli_open_standard_fds(); /* so that the listening socket can never be fd 1 */
    struct proxy proxy = {.factory.ops = &proxy_factory_ops};
    struct sockaddr_in listen_addr = {.sin_family = AF_INET};
    address_parse_host(ADDRESS_DEFAULT_HOST, &listen_addr);
    double expire = POETRY_CACHE_FOREVER;
    const char *upstream = NULL;
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        } else if (cli_server_address_option(argc, argv, &i, &listen_addr, program)) {
            continue;
        } else if (cli_option(argc, argv, &i, "--expire", &value, program)) {
            if (cli_parse_seconds(value, &expire) != 0)
                cli_fail(EXIT_USAGE, program, "bad expiry %s: not a number of seconds >= 0",
                         cli_quote(value));
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(EXIT_USAGE, program, "unknown option %s (try --help)", cli_quote(argv[i]));
        } else if (upstream == NULL) {
            upstream = argv[i];
        } else {
            cli_fail(EXIT_USAGE, program, "one server only: unexpected %s (try --help)", cli_quote(argv[i]));
        }
    }
    if (upstream == NULL)
        cli_fail(EXIT_USAGE, program, "no server given (try --help)");
    int err = address_parse(upstream, &proxy.upstream);
    if (err != 0)
        cli_fail(EXIT_USAGE, program, "bad address %s: %s", cli_quote(upstream), address_strerror(err));
    address_format(&proxy.upstream, proxy.upstream_text, sizeof proxy.upstream_text);

    /* >> main */
    proxy.reactor = cli_new_reactor(program);
    struct scheduler *scheduler = reactor_scheduler(proxy.reactor);
    if (poetry_cache_new(scheduler, expire, fetch_from_upstream, &proxy, &proxy.cache) != 0)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    struct listening_port *port;
    err = reactor_listen_tcp(proxy.reactor, &listen_addr, &proxy.factory, &port);
    if (err != 0) {
        char where[ADDRESS_TEXT_MAX];
        cli_fail(EXIT_SOME_FAILED, program, "cannot listen on %s: %s",
                 address_format(&listen_addr, where, sizeof where), reactor_strerror(err));
    }
    printf("Serving proxy for %s on port %u.\n", proxy.upstream_text, (unsigned)listening_port_number(port));
    fflush(stdout);
    err = reactor_run(proxy.reactor); /* until killed */
    /* << main */
    listening_port_free(port);
    poetry_cache_free(proxy.cache);
    reactor_free(proxy.reactor);
    return err == 0 ? EXIT_ALL_WELL : EXIT_SOME_FAILED;
}
