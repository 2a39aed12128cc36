/* line_receiver.c: lines out of a byte stream. See line_receiver.h for the contracts.
 *
 * Two buffers. `buffer` holds the bytes not yet delivered; a callback gets a pointer into it, so while
 * a callback runs (delivering), the buffer never moves: bytes given then (a reentrant
 * line_receiver_data_received, or set_line_mode's extra) wait in `pending`, and join the buffer once
 * the callback has returned. */
#include "line_receiver.h"
#include "transport.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Appends len bytes to *buf (of *used bytes, *capacity allocated). Returns 0 or -ENOMEM. */
static int append(char **buf, size_t *used, size_t *capacity, const char *bytes, size_t len) {
    if (len == 0)
        return 0;
    if (len > SIZE_MAX / 2 - *used)
        return -ENOMEM;
    if (*used + len > *capacity) {
        size_t bigger = *capacity ? *capacity : 256;
        while (bigger < *used + len)
            bigger *= 2;
        char *grown = realloc(*buf, bigger);
        if (grown == NULL)
            return -ENOMEM;
        *buf = grown;
        *capacity = bigger;
    }
    memcpy(*buf + *used, bytes, len);
    *used += len;
    return 0;
}

/* Out of memory: the stream is broken (a byte is lost), so the connection cannot go on. */
static void fail(struct line_receiver *lr) {
    lr->disconnecting = true;
    if (lr->protocol.transport != NULL)
        transport_abort_connection(lr->protocol.transport);
}

/* Adds bytes to the undelivered ones, first dropping what has been delivered if that makes room. */
static int buffer_append(struct line_receiver *lr, const char *bytes, size_t len) {
    if (lr->start > 0 && lr->len + len > lr->capacity) {
        memmove(lr->buffer, lr->buffer + lr->start, lr->len - lr->start);
        lr->len -= lr->start;
        lr->scan -= lr->start;
        lr->start = 0;
    }
    return append(&lr->buffer, &lr->len, &lr->capacity, bytes, len);
}

/* Where the delimiter first occurs in buffer[from..len), or len. */
static size_t find_delimiter(const struct line_receiver *lr, size_t from) {
    size_t d = lr->delimiter_len;
    if (lr->len < d)
        return lr->len;
    for (size_t i = from; i + d <= lr->len; i++) {
        const char *hit = memchr(lr->buffer + i, lr->delimiter[0], lr->len - i - d + 1);
        if (hit == NULL)
            return lr->len;
        i = (size_t)(hit - lr->buffer);
        if (memcmp(hit, lr->delimiter, d) == 0)
            return i;
    }
    return lr->len;
}

/* Hands everything undelivered to line_length_exceeded (or closes), emptying the buffer. */
static void exceeded(struct line_receiver *lr) {
    const char *rest = lr->buffer + lr->start;
    size_t n = lr->len - lr->start;
    lr->start = lr->scan = lr->len;
    if (lr->ops->line_length_exceeded != NULL)
        lr->ops->line_length_exceeded(lr, rest, n);
    else
        line_receiver_lose_connection(lr);
}

/* >> deliver */
/* Delivers what the buffer holds, in the current mode, until it is empty, only a partial line is left,
 * or the connection is being lost. Runs with lr->delivering set. */
static void deliver_buffer(struct line_receiver *lr) {
    while (!lr->disconnecting && lr->start < lr->len) {
        if (lr->raw_mode) {
            const char *bytes = lr->buffer + lr->start;
            size_t n = lr->len - lr->start;
            lr->start = lr->scan = lr->len;
            if (lr->ops->raw_data_received != NULL)
                lr->ops->raw_data_received(lr, bytes, n);
            continue;
        }
        size_t from = lr->scan > lr->start ? lr->scan : lr->start;
        size_t at = find_delimiter(lr, from);
        if (at == lr->len) { /* no whole line yet: remember how far we looked, and guard the limit */
            size_t undelivered = lr->len - lr->start;
            size_t keep = lr->delimiter_len - 1; /* a delimiter may have begun at the very end */
            lr->scan = lr->len - (undelivered < keep ? undelivered : keep);
            if (undelivered >= lr->delimiter_len && undelivered - lr->delimiter_len >= lr->max_length)
                exceeded(lr);
            return;
        }
        const char *line = lr->buffer + lr->start;
        size_t n = at - lr->start;
        if (n > lr->max_length) {
            exceeded(lr);
            return;
        }
        lr->start = lr->scan = at + lr->delimiter_len;
        if (lr->ops->line_received != NULL)
            lr->ops->line_received(lr, line, n);
    }
}
/* << deliver */

/* Delivers the buffer, then whatever callbacks added to pending meanwhile, until nothing is left. */
static void deliver(struct line_receiver *lr) {
    lr->delivering = true;
    for (;;) {
        deliver_buffer(lr);
        if (lr->pending_len == 0 || lr->disconnecting)
            break;
        int err = buffer_append(lr, lr->pending, lr->pending_len);
        lr->pending_len = 0;
        if (err != 0) {
            fail(lr);
            break;
        }
    }
    lr->delivering = false;
    if (lr->start == lr->len || lr->disconnecting) { /* nothing kept: don't hold memory while idle */
        free(lr->buffer);
        lr->buffer = NULL;
        lr->start = lr->len = lr->capacity = lr->scan = 0;
    }
    if (lr->disconnecting) {
        free(lr->pending);
        lr->pending = NULL;
        lr->pending_len = lr->pending_capacity = 0;
    }
}

void line_receiver_data_received(struct line_receiver *lr, const char *bytes, size_t len) {
    if (lr->disconnecting || len == 0)
        return;
    int err = lr->delivering ? append(&lr->pending, &lr->pending_len, &lr->pending_capacity, bytes, len)
                             : buffer_append(lr, bytes, len);
    if (err != 0) {
        fail(lr);
        return;
    }
    if (!lr->delivering)
        deliver(lr);
}

void line_receiver_set_raw_mode(struct line_receiver *lr) {
    lr->raw_mode = true;
}

void line_receiver_set_line_mode(struct line_receiver *lr, const char *extra, size_t len) {
    lr->raw_mode = false;
    lr->scan = lr->start;
    if (len > 0)
        line_receiver_data_received(lr, extra, len);
}

int line_receiver_set_delimiter(struct line_receiver *lr, const char *delimiter, size_t len) {
    if (len == 0 || len > LINE_RECEIVER_DELIMITER_MAX)
        return LINE_RECEIVER_ERR_DELIMITER;
    memcpy(lr->delimiter, delimiter, len);
    lr->delimiter_len = len;
    lr->scan = lr->start; /* search the undelivered bytes again, for the new delimiter */
    return 0;
}

int line_receiver_send_line(struct line_receiver *lr, const char *line, size_t len) {
    struct transport *t = lr->protocol.transport;
    if (t == NULL)
        return REACTOR_ERR_DISCONNECTING;
    int err = transport_write(t, line, len);
    return err != 0 ? err : transport_write(t, lr->delimiter, lr->delimiter_len);
}

void line_receiver_lose_connection(struct line_receiver *lr) {
    lr->disconnecting = true;
    if (lr->protocol.transport != NULL)
        transport_lose_connection(lr->protocol.transport);
}

void line_receiver_clear(struct line_receiver *lr) {
    free(lr->buffer);
    free(lr->pending);
    lr->buffer = lr->pending = NULL;
    lr->start = lr->len = lr->capacity = lr->scan = 0;
    lr->pending_len = lr->pending_capacity = 0;
}

void line_receiver_init(struct line_receiver *lr, const struct line_receiver_ops *ops) {
    *lr = (struct line_receiver){.protocol = {.ops = &line_receiver_protocol_ops},
                                 .ops = ops,
                                 .max_length = LINE_RECEIVER_DEFAULT_MAX_LENGTH,
                                 .delimiter = "\r\n",
                                 .delimiter_len = 2};
}

const char *line_receiver_strerror(int code) {
    return result_strerror(code);
}

static void lr_connection_made(struct protocol *p, struct transport *t) {
    (void)t;
    struct line_receiver *lr = (struct line_receiver *)p;
    if (lr->ops->connection_made != NULL)
        lr->ops->connection_made(lr);
}

static void lr_data_received(struct protocol *p, const char *bytes, size_t len) {
    line_receiver_data_received((struct line_receiver *)p, bytes, len);
}

static void lr_connection_lost(struct protocol *p, int reason) {
    struct line_receiver *lr = (struct line_receiver *)p;
    line_receiver_clear(lr);
    if (lr->ops->connection_lost != NULL)
        lr->ops->connection_lost(lr, reason); /* may free lr */
}

const struct protocol_ops line_receiver_protocol_ops = {
    .connection_made = lr_connection_made,
    .data_received = lr_data_received,
    .connection_lost = lr_connection_lost,
};
