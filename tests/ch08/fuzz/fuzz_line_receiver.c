/* A libFuzzer target for the line receiver (line_receiver.h), fed through the memory transport.
 * The stream may switch modes and settings with its own lines: "raw N" (the next N bytes are raw),
 * "delim X" (the delimiter becomes X), "max N" (max_length becomes N), "lose". Control byte 1: bit 0
 * chooses a custom line_length_exceeded (else the default, which closes), the rest an initial
 * max_length (0: the default).
 *
 * The oracle: everything delivered is the stream itself, in order, with nothing lost or repeated — each
 * line is the next bytes, followed by the delimiter of the moment, holds no delimiter and is at most
 * max_length long; raw bytes and exceeded bytes are the next bytes; and what is left undelivered at
 * the end is less than a line's worth. */
#include "fuzz_common.h"
#include "line_receiver.h"
#include "memory_transport.h"

#include <string.h>

struct fuzz_lr {
    struct line_receiver lr;
    const char *stream;
    size_t fed, off; /* bytes given so far; bytes accounted for by deliveries */
    size_t raw_left;
};

static bool contains(const char *hay, size_t n, const char *needle, size_t m) {
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

static size_t number(const char *text, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len && i < 6 && text[i] >= '0' && text[i] <= '9'; i++)
        n = n * 10 + (size_t)(text[i] - '0');
    return n;
}

static void on_line(struct line_receiver *lr, const char *line, size_t len) {
    struct fuzz_lr *f = (struct fuzz_lr *)lr;
    size_t d = lr->delimiter_len;
    FUZZ_CHECK(len <= lr->max_length);
    FUZZ_CHECK(f->off + len + d <= f->fed);
    FUZZ_CHECK(memcmp(f->stream + f->off, line, len) == 0);
    FUZZ_CHECK(memcmp(f->stream + f->off + len, lr->delimiter, d) == 0);
    FUZZ_CHECK(!contains(line, len, lr->delimiter, d));
    FUZZ_CHECK(!contains(f->stream + f->off, len + d - 1, lr->delimiter, d)); /* the first one */
    f->off += len + d;
    if (len > 4 && memcmp(line, "raw ", 4) == 0) {
        f->raw_left = number(line + 4, len - 4);
        line_receiver_set_raw_mode(lr);
    } else if (len > 6 && memcmp(line, "delim ", 6) == 0) {
        int err = line_receiver_set_delimiter(lr, line + 6, len - 6);
        FUZZ_CHECK((err == 0) == (len - 6 <= LINE_RECEIVER_DELIMITER_MAX));
    } else if (len > 4 && memcmp(line, "max ", 4) == 0) {
        lr->max_length = number(line + 4, len - 4);
    } else if (len == 4 && memcmp(line, "lose", 4) == 0) {
        line_receiver_lose_connection(lr);
    }
}

static void on_raw(struct line_receiver *lr, const char *bytes, size_t len) {
    struct fuzz_lr *f = (struct fuzz_lr *)lr;
    FUZZ_CHECK(len > 0 && f->off + len <= f->fed);
    FUZZ_CHECK(memcmp(f->stream + f->off, bytes, len) == 0);
    size_t take = len < f->raw_left ? len : f->raw_left;
    f->off += take;
    f->raw_left -= take;
    if (f->raw_left == 0)
        line_receiver_set_line_mode(lr, bytes + take, len - take);
}

static void on_exceeded(struct line_receiver *lr, const char *bytes, size_t len) {
    struct fuzz_lr *f = (struct fuzz_lr *)lr;
    FUZZ_CHECK(f->off + len == f->fed); /* everything undelivered */
    FUZZ_CHECK(memcmp(f->stream + f->off, bytes, len) == 0);
    /* And it really is too long: its first line (up to the delimiter, or all of it) is over the limit. */
    size_t d = lr->delimiter_len, first = 0;
    while (first + d <= len && memcmp(bytes + first, lr->delimiter, d) != 0)
        first++;
    if (first + d > len)
        FUZZ_CHECK(len >= d && len - d >= lr->max_length);
    else
        FUZZ_CHECK(first > lr->max_length);
    f->off += len;
}

static const struct line_receiver_ops default_ops = {.line_received = on_line, .raw_data_received = on_raw};
static const struct line_receiver_ops custom_ops = {
    .line_received = on_line, .raw_data_received = on_raw, .line_length_exceeded = on_exceeded};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2)
        return 0;
    struct fuzz_lr f = {.stream = (const char *)data + 2};
    line_receiver_init(&f.lr, data[1] & 1 ? &custom_ops : &default_ops);
    if (data[1] >> 1)
        f.lr.max_length = data[1] >> 1;
    struct transport *t = memory_transport_new(&f.lr.protocol);
    if (t == NULL)
        return 0;
    struct pieces p;
    pieces_init(&p, data[0], size - 2);
    for (size_t n; (n = next_piece(&p)) > 0;) {
        size_t at = f.fed;
        f.fed += n;
        if (!memory_transport_deliver(t, f.stream + at, n)) {
            f.fed = at;
            break;
        }
    }
    if (!f.lr.disconnecting && !f.lr.raw_mode) {
        /* Left undelivered: a partial line, short of the limit, with no delimiter in it. */
        size_t left = f.fed - f.off, d = f.lr.delimiter_len;
        FUZZ_CHECK(left == f.lr.len - f.lr.start);
        FUZZ_CHECK(!contains(f.stream + f.off, left, f.lr.delimiter, d));
        FUZZ_CHECK(left < d || left - d < f.lr.max_length);
    }
    if (!f.lr.disconnecting && f.lr.raw_mode)
        FUZZ_CHECK(f.off == f.fed); /* raw bytes are delivered as they come */
    memory_transport_finish(t, REACTOR_CONNECTION_DONE);
    return 0;
}
