/* netstring.h: a protocol on a protocol — messages framed as netstrings, `LEN:BYTES,` (Twisted's
 * twisted.protocols.basic.NetstringReceiver; the format is D. J. Bernstein's).
 *
 * LEN is the decimal length of BYTES, without leading zeros ("0" itself is fine: `0:,` is the empty
 * string). The receiver delivers each netstring whole, in order, however the reads split them. A peer
 * that breaks the format — a length that is not a number, leading zeros, a length over max_length
 * (99,999 unless you set another; refused as soon as the digits exceed it, before any of the body is
 * read), a missing comma — is a broken peer: the connection is closed and nothing more is delivered.
 *
 * Use: embed struct netstring_receiver first in your protocol's struct, call netstring_receiver_init
 * and hand &nr->protocol to the library. The parser (netstring_receiver_data_received) needs no
 * transport, so tests and fuzzers drive it directly. */
#ifndef NETSTRING_H
#define NETSTRING_H

#include "protocol.h"
#include "result.h"

#include <stdbool.h>
#include <stddef.h>

/* Result codes, in the line/netstring range of the one code space (result.h): why a peer is broken. */
enum {
    NETSTRING_ERR_LENGTH = -10611,    /* the length is not digits then ':' (or has leading zeros) */
    NETSTRING_ERR_TOO_LONG = -10612,  /* the length is over max_length */
    NETSTRING_ERR_COMMA = -10613,     /* the bytes are not followed by ',' */
    NETSTRING_ERR_NO_MEMORY = -10614, /* no memory for the body: the connection is aborted */
};

#define NETSTRING_DEFAULT_MAX_LENGTH 99999 /* Twisted's NetstringReceiver.MAX_LENGTH */

struct netstring_receiver;

/* What a netstring receiver tells its owner; any may be NULL. */
struct netstring_receiver_ops {
    void (*connection_made)(struct netstring_receiver *nr);
    /* One whole netstring's body (len may be 0). The bytes are valid only during the call. The callback
     * may send, lose the connection, or change max_length. */
    void (*string_received)(struct netstring_receiver *nr, const char *bytes, size_t len);
    /* The peer broke the format (reason: NETSTRING_ERR_*). Default (NULL): closes the connection, as
     * Twisted's brokenPeer does. Either way nothing more is delivered. */
    void (*broken_peer)(struct netstring_receiver *nr, int reason);
    /* As protocol_ops.connection_lost; the receiver's buffers are already freed. */
    void (*connection_lost)(struct netstring_receiver *nr, int reason);
};

/* >> netstring-struct */
struct netstring_receiver {
    struct protocol protocol; /* first: the library sees this part */
    const struct netstring_receiver_ops *ops;
    size_t max_length; /* the longest body accepted; change it between netstrings */
    /* The rest is the receiver's own. */
    enum { NETSTRING_LENGTH, NETSTRING_BODY, NETSTRING_COMMA } state;
    size_t length, digits; /* the length read so far, and how many digits it had */
    char *body;            /* length bytes, of which have have arrived */
    size_t have;
    int broken;         /* 0, or the NETSTRING_ERR_* that made the peer broken */
    bool disconnecting; /* lose_connection was called, or the peer is broken */
    bool delivering;    /* inside string_received: new bytes wait in pending */
    char *pending;
    size_t pending_len, pending_capacity;
};
/* << netstring-struct */

/* The protocol ops that feed the receiver (data_received; connection_made and connection_lost
 * forward to the receiver's ops). */
extern const struct protocol_ops netstring_receiver_protocol_ops;

/* Readies nr, with NETSTRING_DEFAULT_MAX_LENGTH and nr->protocol.ops set. Allocates nothing. */
void netstring_receiver_init(struct netstring_receiver *nr, const struct netstring_receiver_ops *ops);

/* Frees the buffers (connection_lost does it), never from inside a callback; nr is then as new. */
void netstring_receiver_clear(struct netstring_receiver *nr);

/* >> netstring-api */
/* The parser: takes len bytes from the peer and delivers every netstring they complete before it
 * returns (bytes given from inside string_received are parsed after the current ones). Does nothing
 * once the peer is broken or the connection is being lost. */
void netstring_receiver_data_received(struct netstring_receiver *nr, const char *bytes, size_t len);

/* Writes one netstring with len bytes to the transport. Returns transport_write's result, or
 * REACTOR_ERR_DISCONNECTING without a transport. */
int netstring_send_string(struct netstring_receiver *nr, const char *bytes, size_t len);

/* Frames len bytes as a netstring into out (of out_size bytes). Returns the framed length, which is
 * more than out_size (then out holds nothing useful) if out is too small; at most len + 22. */
size_t netstring_format(const char *bytes, size_t len, char *out, size_t out_size);
/* << netstring-api */

/* 0, or why the peer was found broken (NETSTRING_ERR_*). */
int netstring_receiver_broken(const struct netstring_receiver *nr);

/* Closes the connection cleanly (if there is a transport) and delivers nothing more. */
void netstring_receiver_lose_connection(struct netstring_receiver *nr);

/* Names the codes (wraps result_strerror). */
const char *netstring_strerror(int code);

#endif
