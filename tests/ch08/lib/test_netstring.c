/* Chapter 8's netstring receiver, driven without sockets: netstrings split across reads at every
 * possible byte boundary and many in one read arrive whole and in order; `0:,`; leading zeros, a
 * missing comma, a length that is not a number and a length over the limit (refused before the body
 * is read) make the peer broken, which closes the connection and stops delivery. Twisted's
 * NetstringReceiverTests in twisted/protocols/test/test_basic.py are the specification. */
#include "check_main.h"
#include "netstring.h"
#include "result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct recorder {
    struct netstring_receiver nr;
    char log[1 << 17];
    size_t used;
    int broken_reason; /* from the custom broken_peer hook */
    bool feed_back;    /* string_received feeds "4:back," back in */
};

static void on_string(struct netstring_receiver *nr, const char *bytes, size_t len) {
    struct recorder *r = (struct recorder *)nr;
    ck_assert_uint_lt(r->used + len + 3, sizeof r->log);
    r->log[r->used++] = '[';
    memcpy(r->log + r->used, bytes, len);
    r->used += len;
    r->log[r->used++] = ']';
    r->log[r->used] = '\0';
    if (r->feed_back) {
        r->feed_back = false;
        netstring_receiver_data_received(nr, "4:back,", 7);
    }
    if (len == 4 && memcmp(bytes, "stop", 4) == 0)
        netstring_receiver_lose_connection(nr);
}

static void on_broken(struct netstring_receiver *nr, int reason) {
    ((struct recorder *)nr)->broken_reason = reason;
}

static const struct netstring_receiver_ops default_ops = {.string_received = on_string};
static const struct netstring_receiver_ops custom_ops = {.string_received = on_string,
                                                         .broken_peer = on_broken};

static struct recorder *recorder_new(const struct netstring_receiver_ops *ops) {
    struct recorder *r = calloc(1, sizeof *r);
    ck_assert_ptr_nonnull(r);
    netstring_receiver_init(&r->nr, ops);
    return r;
}

static void recorder_free(struct recorder *r) {
    netstring_receiver_clear(&r->nr);
    free(r);
}

static void feed(struct recorder *r, const char *bytes, size_t len) {
    netstring_receiver_data_received(&r->nr, bytes, len);
}

/* Feeds the stream cut at cuts[0..n) and checks the log and the broken reason (0: not broken). */
static void check_cut(const char *stream, size_t len, const size_t *cuts, size_t n, size_t max_length,
                      const char *expected, int broken) {
    struct recorder *r = recorder_new(&default_ops);
    if (max_length > 0)
        r->nr.max_length = max_length;
    size_t at = 0;
    for (size_t i = 0; i <= n; i++) {
        size_t end = i < n ? cuts[i] : len;
        feed(r, stream + at, end - at);
        at = end;
    }
    ck_assert_msg(strcmp(r->log, expected) == 0, "%zu pieces, first cut %zu: got %s, want %s", n + 1,
                  n > 0 ? cuts[0] : len, r->log, expected);
    ck_assert_msg(netstring_receiver_broken(&r->nr) == broken, "%zu pieces: broken %d, want %d", n + 1,
                  netstring_receiver_broken(&r->nr), broken);
    ck_assert(broken == 0 || r->nr.disconnecting);
    recorder_free(r);
}

static void check_every_split(const char *stream, size_t len, size_t max_length, const char *expected,
                              int broken) {
    check_cut(stream, len, NULL, 0, max_length, expected, broken);
    for (size_t a = 0; a <= len; a++) {
        check_cut(stream, len, &a, 1, max_length, expected, broken);
        for (size_t b = a; b <= len; b++) {
            size_t cuts[2] = {a, b};
            check_cut(stream, len, cuts, 2, max_length, expected, broken);
        }
    }
    size_t *all = malloc((len + 1) * sizeof *all);
    for (size_t i = 0; i < len; i++)
        all[i] = i + 1;
    check_cut(stream, len, all, len, max_length, expected, broken);
    free(all);
}

#define EVERY_SPLIT(stream, max, expected, broken)                                                           \
    check_every_split(stream, sizeof stream - 1, max, expected, broken)

START_TEST(one_netstring) {
    struct recorder *r = recorder_new(&default_ops);
    feed(r, "3:abc,", 6);
    ck_assert_str_eq(r->log, "[abc]");
    ck_assert_int_eq(netstring_receiver_broken(&r->nr), 0);
    recorder_free(r);
}
END_TEST

START_TEST(many_in_one_read_in_order) {
    EVERY_SPLIT("3:abc,0:,5:hello,12:hello world!,1:,,", 0, "[abc][][hello][hello world!][,]", 0);
}
END_TEST

START_TEST(empty_netstring) {
    EVERY_SPLIT("0:,0:,", 0, "[][]", 0);
}
END_TEST

START_TEST(binary_bytes_pass) {
    EVERY_SPLIT("4:\0\r\n:,3:\xc3\xa9!,", 0, "[\0\r\n:][\xc3\xa9!]", 0);
}
END_TEST

START_TEST(leading_zeros_are_broken) {
    EVERY_SPLIT("3:abc,03:abc,", 0, "[abc]", NETSTRING_ERR_LENGTH);
    EVERY_SPLIT("00:,", 0, "", NETSTRING_ERR_LENGTH);
}
END_TEST

START_TEST(missing_comma_is_broken) {
    EVERY_SPLIT("3:abcd", 0, "", NETSTRING_ERR_COMMA);
    EVERY_SPLIT("3:abc3:def,", 0, "", NETSTRING_ERR_COMMA);
    EVERY_SPLIT("2:ok,4:abcde", 0, "[ok]", NETSTRING_ERR_COMMA); /* Twisted's "4:abcde" */
}
END_TEST

START_TEST(not_a_length_is_broken) {
    EVERY_SPLIT("abc", 0, "", NETSTRING_ERR_LENGTH);
    EVERY_SPLIT(":abc,", 0, "", NETSTRING_ERR_LENGTH);
    EVERY_SPLIT("-1:a,", 0, "", NETSTRING_ERR_LENGTH);
    EVERY_SPLIT(" 3:abc,", 0, "", NETSTRING_ERR_LENGTH);
    EVERY_SPLIT("3 :abc,", 0, "", NETSTRING_ERR_LENGTH);
    EVERY_SPLIT("+3:abc,", 0, "", NETSTRING_ERR_LENGTH);
}
END_TEST

START_TEST(over_the_limit_is_refused_before_the_body) {
    struct recorder *r = recorder_new(&default_ops);
    ck_assert_uint_eq(r->nr.max_length, 99999);
    feed(r, "99999", 5);
    ck_assert_int_eq(netstring_receiver_broken(&r->nr), 0);
    feed(r, "9", 1); /* 999999 > 99999: refused at this digit, no ':' and no body needed */
    ck_assert_int_eq(netstring_receiver_broken(&r->nr), NETSTRING_ERR_TOO_LONG);
    ck_assert(r->nr.disconnecting);
    ck_assert_ptr_null(r->nr.body); /* nothing was allocated for it */
    recorder_free(r);
    EVERY_SPLIT("100000:", 0, "", NETSTRING_ERR_TOO_LONG);
    EVERY_SPLIT("9999999999999999999999", 0, "", NETSTRING_ERR_TOO_LONG); /* Twisted's; no overflow */
    EVERY_SPLIT("51:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,", 50, "", NETSTRING_ERR_TOO_LONG);
    EVERY_SPLIT("50:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,", 50,
                "[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]", 0);
    EVERY_SPLIT("1:a,", 0 + 1, "[a]", 0);
}
END_TEST

START_TEST(exactly_the_maximum) {
    size_t max = NETSTRING_DEFAULT_MAX_LENGTH;
    char *bytes = malloc(max + 16);
    int head = sprintf(bytes, "%zu:", max);
    memset(bytes + head, 'x', max);
    bytes[head + max] = ',';
    struct recorder *r = recorder_new(&default_ops);
    for (size_t at = 0; at < head + max + 1; at += 4096) /* in reads of 4 KiB */
        feed(r, bytes + at, head + max + 1 - at < 4096 ? head + max + 1 - at : 4096);
    ck_assert_int_eq(netstring_receiver_broken(&r->nr), 0);
    ck_assert_uint_eq(r->used, max + 2);
    recorder_free(r);
    free(bytes);
}
END_TEST

START_TEST(nothing_after_broken) {
    struct recorder *r = recorder_new(&custom_ops);
    feed(r, "x", 1);
    ck_assert_int_eq(r->broken_reason, NETSTRING_ERR_LENGTH); /* the custom hook heard why */
    feed(r, "3:abc,", 6);
    ck_assert_str_eq(r->log, "");
    recorder_free(r);
}
END_TEST

START_TEST(lose_from_a_callback_stops_delivery) {
    EVERY_SPLIT("1:a,4:stop,1:b,", 0, "[a][stop]", 0);
}
END_TEST

START_TEST(bytes_given_from_a_callback_come_after) {
    struct recorder *r = recorder_new(&default_ops);
    r->feed_back = true;
    feed(r, "1:a,1:b,", 8);
    ck_assert_str_eq(r->log, "[a][b][back]");
    recorder_free(r);
}
END_TEST

START_TEST(format) {
    char out[32];
    ck_assert_uint_eq(netstring_format("abc", 3, out, sizeof out), 6);
    ck_assert(memcmp(out, "3:abc,", 6) == 0);
    ck_assert_uint_eq(netstring_format("", 0, out, sizeof out), 3);
    ck_assert(memcmp(out, "0:,", 3) == 0);
    ck_assert_uint_eq(netstring_format("abc", 3, out, 5), 6); /* too small: says how much it needs */
    ck_assert_str_eq(result_strerror(NETSTRING_ERR_COMMA), "malformed netstring: no ',' after the bytes");
    struct recorder *r = recorder_new(&default_ops);
    ck_assert_int_ne(netstring_send_string(&r->nr, "x", 1), 0); /* no transport */
    recorder_free(r);
}
END_TEST

static Suite *netstring_suite(void) {
    Suite *s = suite_create("netstring receiver");
    TCase *tc = tcase_create("netstring receiver");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, one_netstring);
    tcase_add_test(tc, many_in_one_read_in_order);
    tcase_add_test(tc, empty_netstring);
    tcase_add_test(tc, binary_bytes_pass);
    tcase_add_test(tc, leading_zeros_are_broken);
    tcase_add_test(tc, missing_comma_is_broken);
    tcase_add_test(tc, not_a_length_is_broken);
    tcase_add_test(tc, over_the_limit_is_refused_before_the_body);
    tcase_add_test(tc, exactly_the_maximum);
    tcase_add_test(tc, nothing_after_broken);
    tcase_add_test(tc, lose_from_a_callback_stops_delivery);
    tcase_add_test(tc, bytes_given_from_a_callback_come_after);
    tcase_add_test(tc, format);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return run_suite_as_tap(netstring_suite());
}
