/* connected_pair.h: two protocols joined by string transports, and a pump that moves their bytes
 * (chapter 10; Twisted's twisted.test.iosim: connect, IOPump, FakeTransport).
 *
 * Each side's writes stay in its string transport until the test pumps: connected_pair_pump hands
 * every byte written on one side to the other's data_received, both ways, round after round, until
 * neither side has anything more to say. Ends travel the same way, after the bytes written before
 * them: a lose_connection reaches the peer as a clean end of input, a half-close as read_connection_lost
 * (or the end, for a protocol without it), an abort as a reset (-ECONNRESET), and each side hears its
 * own connection_lost when the connection is over for it, as over TCP.
 *
 * Beyond Twisted: a chunker (chunker.h) splits every delivery into random pieces, so a test proves a
 * protocol does not depend on how TCP happens to cut the stream; and connected_pair_drop_at breaks
 * the connection at a chosen byte of one direction (a peer that vanishes mid-message). */
#ifndef CONNECTED_PAIR_H
#define CONNECTED_PAIR_H

#include "chunker.h"
#include "protocol.h"
#include "result.h"
#include "string_transport.h"

#include <stdbool.h>
#include <stddef.h>

/* >> codes */
/* Result codes, in the testing range of the one code space (result.h). */
enum {
    CONNECTED_PAIR_ERR_NOT_QUIET = -10821, /* the pump went on for CONNECTED_PAIR_MAX_ROUNDS rounds */
};
/* << codes */

/* How many rounds a pump may take before it gives up (two protocols that answer each other forever).
 * A round carries everything written so far, both ways: it is one exchange, however many bytes. */
#define CONNECTED_PAIR_MAX_ROUNDS 10000

/* The two sides. */
enum connected_pair_side { CONNECTED_PAIR_CLIENT, CONNECTED_PAIR_SERVER };

struct connected_pair; /* opaque */

/* >> pair-api */
/* Joins client and server on two new string transports (owned by the pair): the server's host
 * 127.0.0.1:8000 is the client's peer, the client's host 127.0.0.1:40000 the server's peer. Calls the
 * server's connection_made, then the client's (as Twisted's iosim does). Nothing moves until a pump.
 * Stores the pair in *out and returns 0, or returns -ENOMEM. */
int connected_pair_new(struct protocol *client, struct protocol *server, struct connected_pair **out);

/* Joins two string transports that already have their protocols (the memory reactor's, from
 * memory_reactor_complete_connect and memory_reactor_accept). The pair does not own them. Returns 0 or
 * -ENOMEM. */
int connected_pair_join(struct string_transport *client, struct string_transport *server,
                        struct connected_pair **out);

/* Frees the pair (and the transports it made). Protocols still connected are not told. NULL allowed. */
void connected_pair_free(struct connected_pair *pair);

/* Splits every delivery with chunker (NULL: each delivery whole, the default). The chunker is the
 * caller's, and must outlive its use. */
void connected_pair_set_chunker(struct connected_pair *pair, struct chunker *chunker);

/* Breaks the connection once `byte` bytes have gone from `from` to the other side: the byte at that
 * offset never arrives, and both sides' connection_lost get `reason` (say -ECONNRESET). A byte at the
 * very end (the length of all `from` sends) breaks it instead of the clean end that would follow. */
void connected_pair_drop_at(struct connected_pair *pair, enum connected_pair_side from, size_t byte,
                            int reason);

/* Moves bytes and ends both ways until both sides are quiet. Returns 0, or CONNECTED_PAIR_ERR_NOT_QUIET
 * after CONNECTED_PAIR_MAX_ROUNDS rounds. Never from inside a protocol's callback. */
int connected_pair_pump(struct connected_pair *pair);
/* << pair-api */

/* What the pump tells a trace, about side `to`: `len` bytes were handed to it (bytes not NULL); or it
 * heard the end of its peer's writing (bytes NULL, lost 0); or its connection_lost was called with
 * `lost` (bytes NULL, lost not 0). */
typedef void (*connected_pair_trace_fn)(void *arg, enum connected_pair_side to, const char *bytes, size_t len,
                                        int lost);

/* Calls trace(arg, ...) for every piece the pump delivers and every end it carries (NULL: none). For
 * the chapter's pump-trace, and for a test that wants to see the conversation. */
void connected_pair_set_trace(struct connected_pair *pair, connected_pair_trace_fn trace, void *arg);

/* A side's string transport (owned as said above). */
struct string_transport *connected_pair_transport(struct connected_pair *pair, enum connected_pair_side side);

/* How many bytes have gone from `from` to the other side so far. */
size_t connected_pair_delivered(const struct connected_pair *pair, enum connected_pair_side from);

/* Whether both sides have had connection_lost. */
bool connected_pair_over(const struct connected_pair *pair);

#endif
