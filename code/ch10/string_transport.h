/* string_transport.h: a transport with no socket behind it — the test's stand-in for the TCP one
 * (chapter 10; Twisted's twisted.internet.testing.StringTransport).
 *
 * A protocol attached to a string transport runs exactly as on TCP: it writes, loses, half-closes or
 * aborts through transport.h, and is called back through its ops. Nothing leaves the process: every
 * write is kept for the test to read, a lose or an abort is only recorded (connection_lost waits until
 * the test says the connection is over, string_transport_finish), and the test hands the protocol its
 * bytes and its ends by hand. The variant made by string_transport_new_with_disconnection finishes the
 * connection itself when the protocol loses it, as Twisted's StringTransportWithDisconnection does.
 *
 * Ownership: the test (or the double that made it: memory_reactor.h, connected_pair.h) owns the string
 * transport and frees it; it outlives the protocol's connection_lost, so what was written can still be
 * read afterwards. The protocol is its owner's: the transport never frees it. */
#ifndef STRING_TRANSPORT_H
#define STRING_TRANSPORT_H

#include "protocol.h"
#include "result.h"
#include "scheduler.h"
#include "transport.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

/* >> codes */
/* Result codes, in the testing range of the one code space (result.h). */
enum {
    STRING_TRANSPORT_ERR_NOT_READING = -10811, /* deliver after the protocol lost or aborted its connection */
    STRING_TRANSPORT_ERR_OVER = -10812,        /* deliver or an end after connection_lost was called */
    STRING_TRANSPORT_ERR_NO_PROTOCOL = -10813, /* deliver or an end before string_transport_attach */
};
/* << codes */

struct string_transport; /* opaque */

/* Makes a string transport with Twisted's addresses: host 10.0.0.1:12345, peer 192.168.1.1:54321.
 * Returns it, or NULL when out of memory. Free it with string_transport_free. */
struct string_transport *string_transport_new(void);

/* The same, but transport_lose_connection finishes the connection: once it returns, connection_lost
 * (REACTOR_CONNECTION_DONE) is called — on the scheduler's next pass, scheduled for 0 s from now (a
 * later turn, as the TCP transport does), or, if scheduler is NULL, from inside lose_connection itself,
 * as Twisted's StringTransportWithDisconnection does (only for protocols that touch nothing of theirs
 * after a lose: connection_lost may free them). */
struct string_transport *string_transport_new_with_disconnection(struct scheduler *scheduler);

/* Frees the transport (and a pending disconnection). It does not call the protocol: finish it first if
 * the protocol must hear the end. NULL is allowed. */
void string_transport_free(struct string_transport *st);

/* The transport, for transport.h's functions (protocols get it in connection_made). */
struct transport *string_transport_transport(struct string_transport *st);

/* The addresses transport_get_peer and transport_get_host report. */
void string_transport_set_peer(struct string_transport *st, const struct sockaddr_in *peer);
void string_transport_set_host(struct string_transport *st, const struct sockaddr_in *host);

/* >> attach */
/* Gives the transport its protocol (sets p->transport) and calls connection_made, as the reactor does
 * for a new connection. after_lost (may be NULL) is called right after the protocol's connection_lost,
 * with the same reason: how a connector hears of the end (transport.h's transport_lost_fn). Once only. */
void string_transport_attach(struct string_transport *st, struct protocol *p, transport_lost_fn after_lost,
                             void *arg);

/* Hands len > 0 bytes to the protocol's data_received, as one read would. Returns 0, or
 * STRING_TRANSPORT_ERR_NOT_READING once the protocol has lost or aborted the connection (the TCP
 * transport stops reading then: the bytes are dropped), STRING_TRANSPORT_ERR_OVER after
 * connection_lost, STRING_TRANSPORT_ERR_NO_PROTOCOL before attach, -EINVAL for len 0. */
int string_transport_deliver(struct string_transport *st, const void *bytes, size_t len);

/* The peer has finished writing (it half-closed, or closed): as the TCP transport does, calls the
 * protocol's read_connection_lost if it has one (and it goes on; if it had already half-closed its own
 * side, the connection is over and connection_lost(REACTOR_CONNECTION_DONE) follows), else
 * connection_lost(REACTOR_CONNECTION_DONE). Returns 0 or the errors of deliver. */
int string_transport_end_of_input(struct string_transport *st);

/* The connection is over: calls the protocol's connection_lost(reason) (p->transport is NULL by then),
 * then after_lost. Returns 0, STRING_TRANSPORT_ERR_OVER if that has happened already, or
 * STRING_TRANSPORT_ERR_NO_PROTOCOL. */
int string_transport_finish(struct string_transport *st, int reason);
/* << attach */

/* >> inspect */
/* Everything written so far, in order (len in *len; NULL when nothing); owned by the transport, valid
 * until the next write or clear. Twisted's value(). */
const char *string_transport_written(const struct string_transport *st, size_t *len);

/* How many transport_write calls were accepted (of any length). */
size_t string_transport_write_count(const struct string_transport *st);

/* Forgets what was written (Twisted's clear()); the count of writes stays. */
void string_transport_clear(struct string_transport *st);

/* What the protocol asked for: lose_connection (Twisted's disconnecting), abort_connection,
 * lose_write_connection (a half-close). Recorded only: nothing is called. */
bool string_transport_lose_requested(const struct string_transport *st);
bool string_transport_abort_requested(const struct string_transport *st);
bool string_transport_write_closed(const struct string_transport *st);

/* Whether connection_lost has been called, and with what (0 until then). */
bool string_transport_over(const struct string_transport *st);
int string_transport_lost_reason(const struct string_transport *st);

/* Whether the peer's end of input was reported (string_transport_end_of_input). */
bool string_transport_input_ended(const struct string_transport *st);
/* << inspect */

/* ---- For the doubles that carry bytes between two transports (connected_pair.h). ---- */

/* The bytes written but not yet taken by string_transport_take (len in *len). */
const char *string_transport_unsent(const struct string_transport *st, size_t *len);

/* Marks n of the unsent bytes as taken (n at most what is unsent). */
void string_transport_take(struct string_transport *st, size_t n);

/* The protocol attached (NULL before attach). */
struct protocol *string_transport_protocol(const struct string_transport *st);

#endif
