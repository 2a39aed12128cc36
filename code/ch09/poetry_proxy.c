/* poetry_proxy.c: the caching poetry proxy's factory and protocol (see poetry_proxy.h). */
#include "poetry_proxy.h"

#include "address_any.h"
#include "deferred.h"
#include "failure.h"
#include "poem.h"
#include "poetry_client.h"
#include "transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Says how a fetch ended, and passes its result on to the cache unchanged. */
static struct deferred_result log_fetch(struct deferred_result result, void *arg) {
    struct poetry_proxy *proxy = arg;
    size_t waiting = poetry_cache_stats(proxy->cache).waiting;
    if (proxy->log == NULL)
        return result;
    if (result.kind == DEFERRED_VALUE)
        fprintf(proxy->log, "Fetched %zu bytes from %s for %zu waiting\n", ((struct poem *)result.value)->len,
                proxy->upstream_text, waiting);
    else
        fprintf(proxy->log, "Fetch from %s failed: %s; resetting %zu waiting\n", proxy->upstream_text,
                failure_message(result.failure), waiting);
    return result;
}

/* >> fetch */
/* The cache's fetch: one download from the real server, with poetry_client.h's default limits. */
static int fetch_from_upstream(void *ctx, struct deferred **out) {
    struct poetry_proxy *proxy = ctx;
    if (proxy->log != NULL)
        fprintf(proxy->log, "Fetching the poem from %s\n", proxy->upstream_text);
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
    struct poetry_proxy *proxy;
    struct deferred *poem;          /* the cache's answer (our reference); NULL before the connection is up */
    char who[ADDRESS_ANY_TEXT_MAX]; /* chapter 9: a peer of either family */
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
        if (pp->proxy->log != NULL)
            fprintf(pp->proxy->log, "No poem for %s: %s\n", pp->who, failure_message(result.failure));
        transport_abort_connection(pp->base.transport);
    }
    deferred_result_free(result);
    return deferred_none();
}

static void proxy_connection_made(struct protocol *p, struct transport *transport) {
    struct proxy_protocol *pp = (struct proxy_protocol *)p;
    struct address_any peer = transport_get_peer_any(transport); /* chapter 9: either family */
    address_format_any(&peer.u.sa, pp->who, sizeof pp->who);
    if (poetry_cache_get(pp->proxy->cache, &pp->poem) != 0) {
        transport_abort_connection(transport); /* out of memory */
        return;
    }
    if (pp->proxy->log != NULL)
        fprintf(pp->proxy->log,
                deferred_called(pp->poem) ? "Serving the cached poem to %s\n" : "%s waits for the poem\n",
                pp->who);
    if (deferred_add_callbacks(pp->poem, send_poem, pp, reset_client, pp) != 0) /* may run now */
        transport_abort_connection(transport);
}

/* The last call. A client that leaves before its poem came stops waiting — only it: the fetch goes
 * on for the others (the cancel errbacks our Deferred, which reset_client takes quietly). */
static void proxy_connection_lost(struct protocol *p, int reason) {
    struct proxy_protocol *pp = (struct proxy_protocol *)p;
    if (pp->poem != NULL && !deferred_called(pp->poem) && pp->proxy->log != NULL)
        fprintf(pp->proxy->log, "%s left before its poem came: %s\n", pp->who,
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
    pp->proxy = (struct poetry_proxy *)f;
    return &pp->base;
}

static const struct factory_ops proxy_factory_ops = {.build_protocol = build_proxy_protocol};

int poetry_proxy_init(struct poetry_proxy *proxy, struct reactor *reactor, const struct sockaddr_in *upstream,
                      double expire, FILE *log) {
    *proxy = (struct poetry_proxy){.factory.ops = &proxy_factory_ops, .reactor = reactor, .log = log};
    proxy->upstream = *upstream;
    address_format(&proxy->upstream, proxy->upstream_text, sizeof proxy->upstream_text);
    return poetry_cache_new(reactor_scheduler(reactor), expire, fetch_from_upstream, proxy, &proxy->cache);
}

void poetry_proxy_release(struct poetry_proxy *proxy) {
    if (proxy == NULL)
        return;
    poetry_cache_free(proxy->cache);
    proxy->cache = NULL;
}

struct poetry_cache *poetry_proxy_cache(struct poetry_proxy *proxy) {
    return proxy->cache;
}
