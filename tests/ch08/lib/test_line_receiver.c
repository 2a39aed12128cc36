/* Chapter 8's line receiver, driven without sockets: lines in one read and split at every boundary,
 * "\r\n" split across reads, a multi-byte delimiter, the length limit (a line of exactly the maximum,
 * one byte more, no delimiter at all), raw mode switched in the middle of a chunk and back, a lose
 * from inside a callback, bytes given from inside a callback. Twisted's twisted/protocols/test/
 * test_basic.py (LineReceiverTests) is the specification. */
#include "check_main.h"
#include "line_receiver.h"
#include "result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A receiver that logs what it hears: "L[line]" per line, "R[bytes]" per raw chunk (consecutive raw
 * chunks merged, since how raw bytes are cut is not part of the contract), "X[bytes]" per exceeded. */
struct recorder {
    struct line_receiver lr;
    char log[1 << 16];
    size_t used;
    char last;         /* the kind of the last entry */
    size_t raw_wanted; /* "RAW n" switches to raw mode for n bytes */
    bool custom_exceeded;
};

static void log_entry(struct recorder *r, char kind, const char *bytes, size_t len) {
    if (kind == 'R' && r->last == 'R') {
        r->used--; /* drop the ']' and extend the last raw entry */
    } else {
        ck_assert_uint_lt(r->used + 2, sizeof r->log);
        r->log[r->used++] = kind;
        r->log[r->used++] = '[';
    }
    ck_assert_uint_lt(r->used + len + 1, sizeof r->log);
    memcpy(r->log + r->used, bytes, len);
    r->used += len;
    r->log[r->used++] = ']';
    r->log[r->used] = '\0';
    r->last = kind;
}

static void on_line(struct line_receiver *lr, const char *line, size_t len) {
    struct recorder *r = (struct recorder *)lr;
    log_entry(r, 'L', line, len);
    unsigned n;
    char text[32];
    if (len < sizeof text) {
        memcpy(text, line, len);
        text[len] = '\0';
        if (sscanf(text, "RAW %u", &n) == 1) {
            r->raw_wanted = n;
            line_receiver_set_raw_mode(lr);
        } else if (strcmp(text, "stop") == 0) {
            line_receiver_lose_connection(lr);
        } else if (strcmp(text, "feed") == 0) {
            line_receiver_data_received(lr, "fed\r\n", 5);
        } else if (strcmp(text, "DELIM") == 0) {
            ck_assert_int_eq(line_receiver_set_delimiter(lr, "\n", 1), 0);
        }
    }
}

static void on_raw(struct line_receiver *lr, const char *bytes, size_t len) {
    struct recorder *r = (struct recorder *)lr;
    size_t take = len < r->raw_wanted ? len : r->raw_wanted;
    log_entry(r, 'R', bytes, take);
    r->raw_wanted -= take;
    if (r->raw_wanted == 0)
        line_receiver_set_line_mode(lr, bytes + take, len - take);
}

static void on_exceeded(struct line_receiver *lr, const char *bytes, size_t len) {
    log_entry((struct recorder *)lr, 'X', bytes, len);
}

static const struct line_receiver_ops recorder_ops = {.line_received = on_line, .raw_data_received = on_raw};
static const struct line_receiver_ops custom_ops = {
    .line_received = on_line, .raw_data_received = on_raw, .line_length_exceeded = on_exceeded};

static struct recorder *recorder_new(bool custom_exceeded) {
    struct recorder *r = calloc(1, sizeof *r);
    ck_assert_ptr_nonnull(r);
    line_receiver_init(&r->lr, custom_exceeded ? &custom_ops : &recorder_ops);
    return r;
}

static void recorder_free(struct recorder *r) {
    line_receiver_clear(&r->lr);
    free(r);
}

static void feed(struct recorder *r, const char *bytes, size_t len) {
    line_receiver_data_received(&r->lr, bytes, len);
}

/* Feeds stream in the pieces cut at the points cuts[0..n) (ascending), to a fresh receiver with the
 * given delimiter and maximum, and checks the log is expected. */
static void check_cut(const char *stream, size_t len, const size_t *cuts, size_t n, const char *delimiter,
                      size_t max_length, bool custom, const char *expected) {
    struct recorder *r = recorder_new(custom);
    if (delimiter != NULL)
        ck_assert_int_eq(line_receiver_set_delimiter(&r->lr, delimiter, strlen(delimiter)), 0);
    if (max_length > 0)
        r->lr.max_length = max_length;
    size_t at = 0;
    for (size_t i = 0; i <= n; i++) {
        size_t end = i < n ? cuts[i] : len;
        feed(r, stream + at, end - at);
        at = end;
    }
    ck_assert_msg(strcmp(r->log, expected) == 0, "cut at %zu pieces (first cut %zu): got %s, want %s", n + 1,
                  n > 0 ? cuts[0] : len, r->log, expected);
    recorder_free(r);
}

/* Every way to cut the stream once and twice, and byte by byte, gives the same log. */
static void check_every_split(const char *stream, const char *delimiter, size_t max_length, bool custom,
                              const char *expected) {
    size_t len = strlen(stream);
    check_cut(stream, len, NULL, 0, delimiter, max_length, custom, expected);
    for (size_t a = 0; a <= len; a++) {
        check_cut(stream, len, &a, 1, delimiter, max_length, custom, expected);
        for (size_t b = a; b <= len; b++) {
            size_t cuts[2] = {a, b};
            check_cut(stream, len, cuts, 2, delimiter, max_length, custom, expected);
        }
    }
    size_t *all = malloc((len + 1) * sizeof *all);
    for (size_t i = 0; i < len; i++)
        all[i] = i + 1;
    check_cut(stream, len, all, len, delimiter, max_length, custom, expected);
    free(all);
}

START_TEST(lines_in_one_read) {
    struct recorder *r = recorder_new(false);
    feed(r, "a\r\nbb\r\n\r\nccc", 12);
    ck_assert_str_eq(r->log, "L[a]L[bb]L[]");
    feed(r, "\r\n", 2);
    ck_assert_str_eq(r->log, "L[a]L[bb]L[]L[ccc]");
    recorder_free(r);
}
END_TEST

START_TEST(every_split_of_crlf_lines) {
    check_every_split("hello\r\nworld\r\n\r\nbare\rcr\nlf\r\nlast", NULL, 0, false,
                      "L[hello]L[world]L[]L[bare\rcr\nlf]");
}
END_TEST

START_TEST(crlf_split_across_reads) {
    struct recorder *r = recorder_new(false);
    feed(r, "abc\r", 4);
    ck_assert_str_eq(r->log, "");
    feed(r, "\ndef\r", 5);
    ck_assert_str_eq(r->log, "L[abc]");
    feed(r, "\n", 1);
    ck_assert_str_eq(r->log, "L[abc]L[def]");
    recorder_free(r);
}
END_TEST

START_TEST(multi_byte_delimiter) {
    check_every_split("one<END>two<E<END>thr<ENDx<END><END>", "<END>", 0, false,
                      "L[one]L[two<E]L[thr<ENDx]L[]");
    check_every_split("aaa\r\nbbbaabcc", "aab", 0, false, "L[aaa\r\nbbb]");
}
END_TEST

START_TEST(delimiter_rules) {
    struct recorder *r = recorder_new(false);
    ck_assert_int_eq(line_receiver_set_delimiter(&r->lr, "", 0), LINE_RECEIVER_ERR_DELIMITER);
    ck_assert_int_eq(line_receiver_set_delimiter(&r->lr, "12345678901234567", 17),
                     LINE_RECEIVER_ERR_DELIMITER);
    feed(r, "x\r\n", 3); /* still the default */
    ck_assert_str_eq(r->log, "L[x]");
    ck_assert_int_eq(line_receiver_set_delimiter(&r->lr, "\0", 1), 0); /* any byte, NUL too */
    feed(r, "y\0z", 3);
    ck_assert_str_eq(r->log, "L[x]L[y]");
    ck_assert_str_eq(result_strerror(LINE_RECEIVER_ERR_DELIMITER), "a line delimiter must be 1 to 16 bytes");
    recorder_free(r);
}
END_TEST

START_TEST(delimiter_changed_mid_chunk) {
    /* "DELIM" switches to "\n": the bytes after it in the same read are cut at "\n". */
    check_every_split("a\r\nDELIM\r\nb\r\nc\n", NULL, 0, false, "L[a]L[DELIM]L[b\r]L[c]");
}
END_TEST

START_TEST(line_of_exactly_the_maximum) {
    size_t max = LINE_RECEIVER_DEFAULT_MAX_LENGTH;
    char *bytes = malloc(max + 3);
    memset(bytes, 'a', max);
    memcpy(bytes + max, "\r\n", 2);
    struct recorder *r = recorder_new(false);
    ck_assert_uint_eq(r->lr.max_length, 16384);
    feed(r, bytes, max + 1); /* the line and the '\r': max + 1 bytes buffered, still allowed */
    ck_assert_uint_eq(r->used, 0);
    ck_assert(!r->lr.disconnecting);
    feed(r, "\n", 1);
    ck_assert_uint_eq(r->used, max + 3); /* "L[" + max + "]" */
    ck_assert(!r->lr.disconnecting);
    recorder_free(r);
    check_every_split("0123456789\r\n0123456789\r\n", NULL, 10, true, "L[0123456789]L[0123456789]");
    free(bytes);
}
END_TEST

START_TEST(line_one_byte_too_long_closes) {
    size_t max = LINE_RECEIVER_DEFAULT_MAX_LENGTH;
    char *bytes = malloc(max + 10);
    memset(bytes, 'a', max + 1);
    memcpy(bytes + max + 1, "\r\nok\r\n", 6);
    struct recorder *r = recorder_new(false);
    feed(r, bytes, max + 7);
    ck_assert_str_eq(r->log, ""); /* nothing delivered: not the long line, not what follows */
    ck_assert(r->lr.disconnecting);
    feed(r, "more\r\n", 6);
    ck_assert_str_eq(r->log, "");
    recorder_free(r);
    free(bytes);
}
END_TEST

START_TEST(too_long_without_delimiter) {
    /* max 10, delimiter 2: 11 bytes may still be a max-length line plus a '\r'; 12 cannot. */
    check_every_split("0123456789ab", NULL, 10, true, "X[0123456789ab]");
    struct recorder *r = recorder_new(true);
    r->lr.max_length = 10;
    feed(r, "0123456789a", 11);
    ck_assert_str_eq(r->log, "");
    feed(r, "b", 1);
    ck_assert_str_eq(r->log, "X[0123456789ab]");
    feed(r, "next\r\n", 6); /* the hook did not close: the buffer was emptied, lines go on */
    ck_assert_str_eq(r->log, "X[0123456789ab]L[next]");
    recorder_free(r);
}
END_TEST

START_TEST(too_long_with_delimiter_hands_over_the_rest) {
    /* In one read the hook gets the line and all that followed (cut elsewhere, it fires as soon as 12
     * bytes hold no delimiter, so what it gets depends on the cut, as in Twisted). */
    check_cut("0123456789X\r\nafter", 18, NULL, 0, NULL, 10, true, "X[0123456789X\r\nafter]");
    check_every_split("ok\r\n0123456789X\r\nafter", NULL, 10, false, "L[ok]"); /* default: closes */
}
END_TEST

START_TEST(raw_mode_mid_chunk) {
    check_every_split("first\r\nRAW 5\r\n12\r\n5second\r\nRAW 3\r\nabcRAW 0\r\nlast\r\n", NULL, 0, false,
                      "L[first]L[RAW 5]R[12\r\n5]L[second]L[RAW 3]R[abc]L[RAW 0]R[]L[last]");
}
END_TEST

START_TEST(raw_mode_outside_a_callback) {
    struct recorder *r = recorder_new(false);
    feed(r, "partial", 7);
    r->raw_wanted = 100;
    line_receiver_set_raw_mode(&r->lr);
    feed(r, "x", 1); /* the buffered partial line and the new byte, all raw */
    ck_assert_str_eq(r->log, "R[partialx]");
    recorder_free(r);
}
END_TEST

START_TEST(lose_from_a_callback_stops_delivery) {
    check_every_split("a\r\nstop\r\nb\r\n", NULL, 0, false, "L[a]L[stop]");
}
END_TEST

START_TEST(bytes_given_from_a_callback_come_after) {
    /* In one read, "y" had arrived before the callback fed "fed"; cut after "feed\r\n", it had not. */
    check_cut("feed\r\ny\r\n", 9, NULL, 0, NULL, 0, false, "L[feed]L[y]L[fed]");
    size_t cut = 6;
    check_cut("feed\r\ny\r\n", 9, &cut, 1, NULL, 0, false, "L[feed]L[fed]L[y]");
}
END_TEST

START_TEST(send_without_transport) {
    struct recorder *r = recorder_new(false);
    ck_assert_int_ne(line_receiver_send_line(&r->lr, "x", 1), 0);
    recorder_free(r);
}
END_TEST

static Suite *line_receiver_suite(void) {
    Suite *s = suite_create("line receiver");
    TCase *tc = tcase_create("line receiver");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, lines_in_one_read);
    tcase_add_test(tc, every_split_of_crlf_lines);
    tcase_add_test(tc, crlf_split_across_reads);
    tcase_add_test(tc, multi_byte_delimiter);
    tcase_add_test(tc, delimiter_rules);
    tcase_add_test(tc, delimiter_changed_mid_chunk);
    tcase_add_test(tc, line_of_exactly_the_maximum);
    tcase_add_test(tc, line_one_byte_too_long_closes);
    tcase_add_test(tc, too_long_without_delimiter);
    tcase_add_test(tc, too_long_with_delimiter_hands_over_the_rest);
    tcase_add_test(tc, raw_mode_mid_chunk);
    tcase_add_test(tc, raw_mode_outside_a_callback);
    tcase_add_test(tc, lose_from_a_callback_stops_delivery);
    tcase_add_test(tc, bytes_given_from_a_callback_come_after);
    tcase_add_test(tc, send_without_transport);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return run_suite_as_tap(line_receiver_suite());
}
