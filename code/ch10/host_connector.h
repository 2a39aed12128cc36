/* host_connector.h: connecting to what a client's "HOST:PORT" names — an address at once, or a host
 * name resolved off the loop (resolver.h) and then each of its addresses in turn until one answers.
 *
 * A name often has several addresses: "localhost" is ::1 and 127.0.0.1, and getaddrinfo may put ::1
 * first although the server listens on 127.0.0.1 only. A client that tried the first address alone
 * would fail where `nc localhost PORT` succeeds. Twisted's counterpart: HostnameEndpoint, which races
 * the addresses a little apart ("happy eyeballs", RFC 8305); here they are tried one after another. */
#ifndef HOST_CONNECTOR_H
#define HOST_CONNECTOR_H

#include "address_any.h"
#include "protocol.h"
#include "reactor.h"

struct host_connector; /* opaque */

/* >> host-connector */
/* Connects to target. A literal address is connected to at once, as reactor_connect_tcp_any does; a
 * name is resolved first (resolver_resolve: in the thread pool), then its addresses are tried in the
 * order the resolver gave, each with timeout_seconds, until one connects. The factory hears what
 * reactor_connect_tcp's would, once: build_protocol (with the address that answered) and the
 * protocol's calls, then client_connection_lost; or, when nothing connected, client_connection_failed
 * with the last address's reason, or with the resolver's code (RESOLVER_ERR_*; the connector argument
 * is then NULL). Returns 0, or what kept anything from starting (-ENOMEM; for a literal address, what
 * reactor_connect_tcp_any returns): the factory is not told. *out (if not NULL) is the library's,
 * freed after the factory's last call. The factory must outlive it. */
int host_connector_start(struct reactor *reactor, const struct address_target *target,
                         struct factory *factory, double timeout_seconds, struct host_connector **out);

/* Gives up, resolving or connecting: client_connection_failed runs with REACTOR_ERR_CONNECT_CANCELLED
 * before this returns, and the host connector is freed. (A lookup under way cannot be stopped: its
 * answer is dropped when it comes.) Returns 0, or REACTOR_ERR_NOT_CONNECTING once connected. */
int host_connector_stop(struct host_connector *hc);

/* Optional: report(arg, addr, reason, next) runs each time an address fails and another, next, is to
 * be tried — for progress lines. */
typedef void (*host_connector_report_fn)(void *arg, const struct address_any *addr, int reason,
                                         const struct address_any *next);
void host_connector_set_report(struct host_connector *hc, host_connector_report_fn report, void *arg);
/* << host-connector */

#endif
