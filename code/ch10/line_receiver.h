/* line_receiver.h: a protocol on a protocol — bytes in, lines out (Twisted's
 * twisted.protocols.basic.LineReceiver).
 *
 * TCP delivers a stream, not messages: a line may arrive in pieces, and one read may hold many lines.
 * The line receiver buffers what it is given and calls line_received once per whole line, without its
 * delimiter ("\r\n" unless you set another), in order. A line longer than max_length (16,384 unless you
 * set another) goes to line_length_exceeded instead, whose default closes the connection: a peer that
 * never sends a delimiter cannot make us buffer without end. It can also switch to raw mode (every
 * byte to raw_data_received, as it comes) and back, mid-stream: bytes after the switch go to the new
 * mode, even those that arrived in the same read.
 *
 * Use: embed struct line_receiver first in your protocol's struct, call line_receiver_init, and hand
 * &lr->protocol to the library (its ops are line_receiver_protocol_ops). The parser itself
 * (line_receiver_data_received) needs no transport, so tests and fuzzers drive it directly. */
#ifndef LINE_RECEIVER_H
#define LINE_RECEIVER_H

#include "protocol.h"
#include "result.h"

#include <stdbool.h>
#include <stddef.h>

/* Result codes, in the line/netstring range of the one code space (result.h). */
enum {
    LINE_RECEIVER_ERR_DELIMITER = -10601,     /* a delimiter that is empty or longer than the maximum */
    LINE_RECEIVER_ERR_LINE_TOO_LONG = -10602, /* the peer sent a line longer than max_length */
};

#define LINE_RECEIVER_DEFAULT_MAX_LENGTH 16384 /* Twisted's LineReceiver.MAX_LENGTH */
#define LINE_RECEIVER_DELIMITER_MAX 16         /* the longest delimiter line_receiver_set_delimiter takes */

struct line_receiver;

/* What a line receiver tells its owner. Any may be NULL (nothing to do; a NULL line_length_exceeded is
 * the default, which closes the connection). The bytes passed belong to the receiver and are valid only
 * during the call. Any of them may switch modes, change the delimiter or the maximum, send, or lose the
 * connection; after a lose, nothing more is delivered. */
struct line_receiver_ops {
    void (*connection_made)(struct line_receiver *lr);
    /* One whole line, without its delimiter (len may be 0). */
    void (*line_received)(struct line_receiver *lr, const char *line, size_t len);
    /* Raw mode: bytes as they come (len > 0). */
    void (*raw_data_received)(struct line_receiver *lr, const char *bytes, size_t len);
    /* A line longer than max_length: bytes is everything buffered from its start (the line, and what
     * followed it if the delimiter came). The buffer is then empty. Default (NULL): closes the
     * connection (line_receiver_lose_connection). */
    void (*line_length_exceeded)(struct line_receiver *lr, const char *bytes, size_t len);
    /* As protocol_ops.connection_lost; the receiver's buffer is already freed. */
    void (*connection_lost)(struct line_receiver *lr, int reason);
};

/* >> line-receiver-struct */
struct line_receiver {
    struct protocol protocol; /* first: the library sees this part */
    const struct line_receiver_ops *ops;
    size_t max_length; /* the longest line accepted; change it at any time */
    /* The rest is the receiver's own. */
    char delimiter[LINE_RECEIVER_DELIMITER_MAX];
    size_t delimiter_len;
    bool raw_mode;
    bool disconnecting; /* lose_connection was called (or the default too-long hook ran) */
    bool delivering;    /* inside a callback: new bytes wait in pending (see line_receiver.c) */
    char *buffer;       /* bytes buffer[start..len) are not delivered yet; searched up to scan */
    size_t start, len, capacity, scan;
    char *pending; /* bytes given while delivering, for after the current ones */
    size_t pending_len, pending_capacity;
};
/* << line-receiver-struct */

/* The protocol ops that feed the receiver: data_received, connection_made and connection_lost
 * forward to the receiver's ops. */
extern const struct protocol_ops line_receiver_protocol_ops;

/* Readies lr: line mode, "\r\n", LINE_RECEIVER_DEFAULT_MAX_LENGTH, lr->protocol.ops set to
 * line_receiver_protocol_ops. Allocates nothing. */
void line_receiver_init(struct line_receiver *lr, const struct line_receiver_ops *ops);

/* Frees the buffers (connection_lost does it; call it yourself if you drive the parser by hand), never
 * from inside a callback. The receiver may be used again: it is then empty. */
void line_receiver_clear(struct line_receiver *lr);

/* Sets the delimiter (1..LINE_RECEIVER_DELIMITER_MAX bytes, any bytes). Returns 0 or
 * LINE_RECEIVER_ERR_DELIMITER (the delimiter is unchanged). Takes effect for the bytes not yet delivered. */
int line_receiver_set_delimiter(struct line_receiver *lr, const char *delimiter, size_t len);

/* >> line-receiver-api */
/* The parser: takes len bytes from the peer and delivers every whole line (or, in raw mode, the
 * bytes) before it returns. Called from inside a callback, the bytes are delivered after the current
 * ones. Does nothing after a lose. Out of memory aborts the connection (nothing more is delivered). */
void line_receiver_data_received(struct line_receiver *lr, const char *bytes, size_t len);

/* Switches to raw mode: the bytes not yet delivered, and all that come later, go to raw_data_received. */
void line_receiver_set_raw_mode(struct line_receiver *lr);

/* Switches to line mode, then parses extra (len bytes; NULL if 0) as if it had just arrived, as
 * Twisted's setLineMode(extra) does: from raw_data_received, the rest of a chunk that belongs to lines. */
void line_receiver_set_line_mode(struct line_receiver *lr, const char *extra, size_t len);

/* Writes line then the delimiter to the transport. Returns transport_write's result, or
 * REACTOR_ERR_DISCONNECTING when there is no transport. */
int line_receiver_send_line(struct line_receiver *lr, const char *line, size_t len);

/* Closes the connection cleanly (transport_lose_connection, if there is a transport) and delivers
 * nothing more. */
void line_receiver_lose_connection(struct line_receiver *lr);
/* << line-receiver-api */

/* Names the codes (wraps result_strerror). */
const char *line_receiver_strerror(int code);

#endif
