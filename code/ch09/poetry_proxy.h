/* poetry_proxy.h: the caching poetry proxy's serving side — its factory and its protocol (the Twisted
 * Introduction's part 14).
 *
 * To its clients the proxy is a poetry server: each connection gets the poem, then a clean close.
 * Behind it is one real poetry server, which it asks as a client (poetry_client.h) through the poetry
 * cache (poetry_cache.h): one fetch for all the clients that come while it runs, the kept poem for those
 * that come later. A fetch that fails is not kept: the clients that waited for it are reset, since a
 * clean close would tell them "that was the whole poem".
 *
 * Chapter 8's poetry-proxy.c is a thin main around this module, so that chapter 10 can run the same
 * protocol on the memory reactor and string transports, with no socket. A struct poetry_proxy is the
 * factory: hand &proxy->factory to reactor_listen_tcp (or call its build_protocol yourself).
 *
 * OWNERSHIP: the proxy owns its cache; the caller owns the struct poetry_proxy, which must outlive
 * every listening port made with its factory and every connection it built (release it after the
 * reactor has shut down, or after every connection is over). Protocols live on the heap: build_protocol
 * makes them (NULL when out of memory: the library then resets that one connection) and each frees
 * itself in connection_lost. Not thread-safe; every call from the reactor's thread. */
#ifndef POETRY_PROXY_H
#define POETRY_PROXY_H

#include "address.h"
#include "poetry_cache.h"
#include "protocol.h"
#include "reactor.h"

#include <netinet/in.h>
#include <stdio.h>

/* >> proxy */
/* What every connection shares. */
struct poetry_proxy {
    struct factory factory; /* first: the library's factory pointer is also the proxy's */
    struct reactor *reactor;
    struct sockaddr_in upstream;          /* the real poetry server */
    char upstream_text[ADDRESS_TEXT_MAX]; /* ... as text, for the log */
    struct poetry_cache *cache;           /* the proxy's own */
    FILE *log; /* "Fetching the poem from ADDR", "ADDR waits for the poem", ...; NULL: silent */
};
/* << proxy */

/* Readies proxy to serve the poem of the poetry server at upstream (copied), fetched on reactor with
 * poetry_client.h's default limits, and kept `expire` seconds on reactor's clock (0: not at all, only
 * shared by the clients waiting for a fetch; POETRY_CACHE_FOREVER: as long as the proxy lives). Each
 * connection asks the cache when it is made, writes the poem then loses the connection (a clean close);
 * a failed fetch aborts the connections waiting for it (a reset); a client that leaves early cancels
 * only its own wait. log (may be NULL) gets one line per event; the reactor and log must outlive the
 * proxy. Returns 0, or -EINVAL (expire negative or not a number) or -ENOMEM (then nothing is to be
 * released). */
int poetry_proxy_init(struct poetry_proxy *proxy, struct reactor *reactor, const struct sockaddr_in *upstream,
                      double expire, FILE *log);

/* Frees what poetry_proxy_init made: the cache, its kept poem and a fetch in flight (cancelled; a
 * client still waiting for it is reset). Call it once no listening port uses the factory. NULL is
 * allowed. */
void poetry_proxy_release(struct poetry_proxy *proxy);

/* The proxy's cache, for logs and tests (poetry_cache_stats, poetry_cache_expire). Owned by proxy. */
struct poetry_cache *poetry_proxy_cache(struct poetry_proxy *proxy);

#endif
