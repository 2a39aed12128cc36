/* resolver.h: turning a host name into addresses, off the reactor's thread.
 *
 * getaddrinfo blocks — for as long as the name servers take, seconds when one does not answer — and
 * the reactor must never block. So resolver_resolve hands the lookup to the thread pool
 * (thread_pool_defer) and returns a Deferred that fires on the reactor's thread. Twisted's counterpart:
 * the reactor's resolver (reactor.resolve, installResolver), which is getaddrinfo in the thread pool too.
 *
 * The lookup itself is a plain blocking function, a resolver_fn, that the program or a test replaces
 * (resolver_install): a test answers from a table, never from the network's DNS. */
#ifndef RESOLVER_H
#define RESOLVER_H

#include "address_any.h"
#include "deferred.h"
#include "reactor.h"

#include <stddef.h>

/* The codes of the resolver range (result.h). */
enum {
    RESOLVER_ERR_NOT_FOUND = -10751,  /* no such name (getaddrinfo's EAI_NONAME) */
    RESOLVER_ERR_NO_ADDRESS = -10752, /* the name exists, but has no IPv4 or IPv6 address */
    RESOLVER_ERR_AGAIN = -10753,      /* a temporary failure: the name server did not answer (EAI_AGAIN) */
    RESOLVER_ERR_FAILED = -10754,     /* any other failure of the lookup (EAI_FAIL, ...) */
    RESOLVER_ERR_HOSTS_FILE = -10755, /* resolver_hosts_file could not read its file */
};

/* >> addresses */
/* What a name resolves to: count addresses, in the order to try them. One allocation: free() frees it. */
struct resolver_addresses {
    size_t count;
    struct address_any addresses[];
};
/* << addresses */

/* A resolver_addresses with room for count addresses (count set, addresses zeroed), or NULL when out
 * of memory. */
struct resolver_addresses *resolver_addresses_new(size_t count);

/* >> resolver-fn */
/* A blocking lookup: stores the addresses of host, each with port (host byte order), in a new *out
 * (the caller's, freed with free) and returns 0; or returns a RESOLVER_ERR_* code or -ENOMEM and leaves
 * *out alone. It runs on a thread of the pool, several at once: it must be thread-safe and must not
 * touch the reactor. context is what was installed with it. */
typedef int (*resolver_fn)(void *context, const char *host, unsigned short port,
                           struct resolver_addresses **out);
/* << resolver-fn */

/* The system's resolver: getaddrinfo (files, DNS, ... as /etc/nsswitch.conf says), every IPv4 and IPv6
 * address in the order it returns them (RFC 6724's: often ::1 before 127.0.0.1). context is unused. */
int resolver_getaddrinfo(void *context, const char *host, unsigned short port,
                         struct resolver_addresses **out);

/* A resolver that reads only a hosts(5) file — context is its path (a const char *) — and never asks
 * DNS: the addresses of every line that names host (case-insensitive), in file order. Returns
 * RESOLVER_ERR_NOT_FOUND if no line does, RESOLVER_ERR_HOSTS_FILE if the file cannot be read. For tests,
 * and for a program run with RESOLVER_HOSTS_FILE set (resolver_install_from_environment). */
int resolver_hosts_file(void *context, const char *host, unsigned short port,
                        struct resolver_addresses **out);

/* Installs fn (with its context) as the resolver that resolver_resolve uses from now on, for every
 * reactor in the process; NULL puts resolver_getaddrinfo back. Call it from the reactor's thread (the
 * lookups already under way keep the resolver they started with). */
void resolver_install(resolver_fn fn, void *context);

/* If the environment variable RESOLVER_HOSTS_FILE is set, installs resolver_hosts_file on the file it
 * names (so that a test never waits on DNS) and returns 1; else changes nothing and returns 0. */
int resolver_install_from_environment(void);

/* >> resolve */
/* Resolves host with the installed resolver on the reactor's thread pool, never on the reactor's thread,
 * and stores in *out a Deferred (the caller's reference) that fires on the reactor's thread with a
 * struct resolver_addresses * (freed by the Deferred, or by whoever takes it: free) of at least one
 * address, each with port; or errbacks with the resolver's code (RESOLVER_ERR_*, -ENOMEM) and a message
 * that names host. Returns 0, or -ENOMEM (nothing started, *out untouched). */
int resolver_resolve(struct reactor *r, const char *host, unsigned short port, struct deferred **out);
/* << resolve */

#endif
