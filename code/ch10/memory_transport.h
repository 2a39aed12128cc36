/* memory_transport.h: a transport with no socket behind it, for the fuzzers (chapter 10 grows it into
 * the string transport of the test doubles).
 *
 * It is a link-time stand-in: memory_transport.c defines the protocol-facing functions of
 * transport.h (transport_write, transport_lose_connection, ...) over a buffer, so a program linked
 * with it instead of transport.c and tcp.c runs protocols without a reactor. It is therefore not in
 * libreactor.a: link it with the protocol modules and result.c alone. */
#ifndef MEMORY_TRANSPORT_H
#define MEMORY_TRANSPORT_H

#include "protocol.h"
#include "transport.h"

#include <stdbool.h>
#include <stddef.h>

/* Makes a transport for p and calls p's connection_made. Returns NULL when out of memory. */
struct transport *memory_transport_new(struct protocol *p);

/* Gives len bytes to the protocol's data_received, as a read would; nothing once the protocol has lost
 * or aborted the connection (as the TCP transport stops reading). Returns false if nothing was given. */
bool memory_transport_deliver(struct transport *t, const char *bytes, size_t len);

/* What the protocol has written so far (len in *len); owned by the transport. */
const char *memory_transport_written(const struct transport *t, size_t *len);

/* Whether the protocol lost (1), aborted (2) or half-closed (3) the connection; 0 if none. */
int memory_transport_closed(const struct transport *t);

/* Ends the connection: calls the protocol's connection_lost(reason) and frees the transport. */
void memory_transport_finish(struct transport *t, int reason);

#endif
