/* Chapter 9's addresses of either family: a client's "[HOST:]PORT" in every form it accepts and
 * refuses (names, dotted quads, IPv6 in brackets, ports at their limits), the text every address is
 * printed as, and a server's --iface. No network: parsing and formatting only. */
#include "address.h"
#include "address_any.h"
#include "check_main.h"

#include <arpa/inet.h>
#include <string.h>

static struct address_target target;

static int parse(const char *text) {
    return address_parse_target(text, &target);
}

static const char *formatted(void) {
    static char text[ADDRESS_ANY_TEXT_MAX];
    return address_format_any(&target.addr.u.sa, text, sizeof text);
}

START_TEST(a_bare_port_is_127_0_0_1) {
    ck_assert_int_eq(parse("8000"), 0);
    ck_assert(!target.is_name);
    ck_assert_int_eq(target.port, 8000);
    ck_assert_int_eq(target.addr.u.sa.sa_family, AF_INET);
    ck_assert_uint_eq(target.addr.len, sizeof(struct sockaddr_in));
    ck_assert_str_eq(formatted(), "127.0.0.1:8000");
}
END_TEST

START_TEST(a_dotted_quad_and_port) {
    ck_assert_int_eq(parse("10.1.2.3:80"), 0);
    ck_assert(!target.is_name);
    ck_assert_str_eq(target.host, "10.1.2.3");
    ck_assert_str_eq(formatted(), "10.1.2.3:80");
}
END_TEST

START_TEST(an_ipv6_address_in_brackets) {
    ck_assert_int_eq(parse("[::1]:80"), 0);
    ck_assert(!target.is_name);
    ck_assert_str_eq(target.host, "::1");
    ck_assert_int_eq(target.addr.u.sa.sa_family, AF_INET6);
    ck_assert_uint_eq(target.addr.len, sizeof(struct sockaddr_in6));
    ck_assert_int_eq(address_any_port(&target.addr), 80);
    ck_assert_str_eq(formatted(), "[::1]:80");
    ck_assert_int_eq(parse("[2001:db8::17]:65535"), 0);
    ck_assert_str_eq(formatted(), "[2001:db8::17]:65535");
    ck_assert_int_eq(parse("[::ffff:127.0.0.1]:7"), 0);
    ck_assert_str_eq(formatted(), "[::ffff:127.0.0.1]:7");
}
END_TEST

START_TEST(a_name_is_left_for_the_resolver) {
    ck_assert_int_eq(parse("localhost:10000"), 0);
    ck_assert(target.is_name);
    ck_assert_str_eq(target.host, "localhost");
    ck_assert_int_eq(target.port, 10000);
    const char *names[] = {"poetry.example.org:1", "3com.com:1", "a-b_c.d:1",
                           "localhost.:1",         "x:1",        "ip6-localhost:1"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        ck_assert_msg(parse(names[i]) == 0 && target.is_name, "%s is a name", names[i]);
    }
}
END_TEST

START_TEST(what_looks_numeric_must_be_a_whole_dotted_quad) {
    /* getaddrinfo would take each of these as an IPv4 address (inet_aton's forms): 1.2.0.3, 127.0.0.1 */
    const char *numeric[] = {"1.2.3:80",     "127.1:80",    "0x7f000001:80",  "0x7f.0.0.1:80", "1.2.3.4.5:80",
                             "256.1.1.1:80", "1.2.3.4.:80", "example.123:80", "01.2.3.4:80"};
    for (size_t i = 0; i < sizeof numeric / sizeof numeric[0]; i++)
        ck_assert_msg(parse(numeric[i]) == ADDRESS_ERR_HOST, "%s: %d", numeric[i], parse(numeric[i]));
}
END_TEST

START_TEST(an_empty_host_or_text_is_refused) {
    ck_assert_int_eq(parse(""), ADDRESS_ERR_EMPTY);
    ck_assert_int_eq(parse(":80"), ADDRESS_ERR_HOST);
    ck_assert_int_eq(parse("[]:80"), ADDRESS_ERR_IPV6);
}
END_TEST

START_TEST(ipv6_needs_its_brackets_and_a_port) {
    ck_assert_int_eq(parse("::1:80"), ADDRESS_ERR_BRACKETS);
    ck_assert_int_eq(parse("::1"), ADDRESS_ERR_BRACKETS);
    ck_assert_int_eq(parse("[::1]"), ADDRESS_ERR_BRACKETS);
    ck_assert_int_eq(parse("[::1]80"), ADDRESS_ERR_BRACKETS);
    ck_assert_int_eq(parse("[::1:80"), ADDRESS_ERR_BRACKETS);
    ck_assert_int_eq(parse("[127.0.0.1]:80"), ADDRESS_ERR_IPV6);
    ck_assert_int_eq(parse("[localhost]:80"), ADDRESS_ERR_IPV6);
    ck_assert_int_eq(parse("[fe80::1%lo]:80"), ADDRESS_ERR_IPV6); /* scope ids: not taken */
    ck_assert_int_eq(parse("[::1]:"), ADDRESS_ERR_PORT);
}
END_TEST

START_TEST(ports_from_1_to_65535) {
    ck_assert_int_eq(parse("localhost:65535"), 0);
    ck_assert_int_eq(target.port, 65535);
    ck_assert_int_eq(parse("[::1]:1"), 0);
    ck_assert_int_eq(parse("127.0.0.1:0"), ADDRESS_ERR_PORT_ZERO);
    ck_assert_int_eq(parse("[::1]:0"), ADDRESS_ERR_PORT_ZERO);
    ck_assert_int_eq(parse("localhost:0"), ADDRESS_ERR_PORT_ZERO);
    ck_assert_int_eq(parse("localhost:65536"), ADDRESS_ERR_PORT);
    ck_assert_int_eq(parse("[::1]:65536"), ADDRESS_ERR_PORT);
    ck_assert_int_eq(parse("localhost:-1"), ADDRESS_ERR_PORT);
    ck_assert_int_eq(parse("localhost:+80"), ADDRESS_ERR_PORT);
    ck_assert_int_eq(parse("localhost:80x"), ADDRESS_ERR_PORT);
    ck_assert_int_eq(parse("localhost"), ADDRESS_ERR_PORT); /* no colon: all of it is the port */
}
END_TEST

/* "aaa...aaa.aaa...:80": `full` labels of 63, then one of `last`. */
static const char *long_name(int full, int last) {
    static char name[400];
    size_t at = 0;
    for (int i = 0; i < full; i++) {
        memset(name + at, 'a', 63);
        at += 63;
        name[at++] = '.';
    }
    memset(name + at, 'b', (size_t)last);
    at += (size_t)last;
    memcpy(name + at, ":80", 4);
    return name;
}

START_TEST(what_no_name_has_is_refused) {
    const char *bad[] = {"a..b:80", ".a:80",       "-a:80",          "a-:80",  "a b:80",
                         "a\n:80",  "\x1b[31m:80", "caf\xc3\xa9:80", "a/b:80", "a@b:80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(parse(bad[i]) == ADDRESS_ERR_NAME, "'%s': %d", bad[i], parse(bad[i]));
    /* labels of 63 'a's and a last one of `last`, then ":80" */
    ck_assert_int_eq(parse(long_name(0, 64)), ADDRESS_ERR_NAME); /* a label of 64 */
    ck_assert_int_eq(parse(long_name(0, 63)), 0);                /* 63 is the most */
    ck_assert_int_eq(parse(long_name(3, 61)), 0);                /* 3 * 64 + 61 = 253, the longest name */
    ck_assert_int_eq(parse(long_name(3, 62)), ADDRESS_ERR_NAME); /* 254 */
}
END_TEST

START_TEST(chapter_5s_parser_is_unchanged) {
    struct sockaddr_in v4;
    ck_assert_int_eq(address_parse("localhost:80", &v4), ADDRESS_ERR_HOST);
    ck_assert_int_eq(address_parse("127.0.0.1:80", &v4), 0);
    char text[ADDRESS_TEXT_MAX];
    ck_assert_str_eq(address_format(&v4, text, sizeof text), "127.0.0.1:80");
}
END_TEST

START_TEST(the_formatter_writes_either_family_and_cuts_safely) {
    struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons(10000)};
    inet_pton(AF_INET, "255.255.255.255", &v4.sin_addr);
    struct address_any any;
    address_any_from_ipv4(&any, &v4);
    char text[ADDRESS_ANY_TEXT_MAX];
    ck_assert_str_eq(address_format_any(&any.u.sa, text, sizeof text), "255.255.255.255:10000");
    ck_assert_int_eq(address_any_port(&any), 10000);
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons(65535)};
    inet_pton(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &v6.sin6_addr);
    ck_assert_str_eq(address_format_any((struct sockaddr *)&v6, text, sizeof text),
                     "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
    char small[6];
    ck_assert_str_eq(address_format_any((struct sockaddr *)&v6, small, sizeof small), "[ffff");
    struct sockaddr other = {.sa_family = AF_UNIX};
    ck_assert_str_eq(address_format_any(&other, text, sizeof text), "?");
}
END_TEST

START_TEST(an_interface_is_either_family_with_or_without_brackets) {
    struct address_any a;
    char text[ADDRESS_ANY_TEXT_MAX];
    ck_assert_int_eq(address_parse_iface("::1", &a), 0);
    address_any_set_port(&a, 5);
    ck_assert_str_eq(address_format_any(&a.u.sa, text, sizeof text), "[::1]:5");
    ck_assert_int_eq(address_parse_iface("[::]", &a), 0);
    ck_assert_int_eq(a.u.sa.sa_family, AF_INET6);
    ck_assert_int_eq(address_parse_iface("0.0.0.0", &a), 0);
    ck_assert_int_eq(a.u.sa.sa_family, AF_INET);
    ck_assert_uint_eq(a.len, sizeof(struct sockaddr_in));
    const char *bad[] = {"", "[]", "localhost", "1.2.3", "::1:80x", "[::1", "[127.0.0.1]x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(address_parse_iface(bad[i], &a) == ADDRESS_ERR_IFACE, "'%s'", bad[i]);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("address_any");
    TCase *tc = tcase_create("parse and format");
    tcase_add_test(tc, a_bare_port_is_127_0_0_1);
    tcase_add_test(tc, a_dotted_quad_and_port);
    tcase_add_test(tc, an_ipv6_address_in_brackets);
    tcase_add_test(tc, a_name_is_left_for_the_resolver);
    tcase_add_test(tc, what_looks_numeric_must_be_a_whole_dotted_quad);
    tcase_add_test(tc, an_empty_host_or_text_is_refused);
    tcase_add_test(tc, ipv6_needs_its_brackets_and_a_port);
    tcase_add_test(tc, ports_from_1_to_65535);
    tcase_add_test(tc, what_no_name_has_is_refused);
    tcase_add_test(tc, chapter_5s_parser_is_unchanged);
    tcase_add_test(tc, the_formatter_writes_either_family_and_cuts_safely);
    tcase_add_test(tc, an_interface_is_either_family_with_or_without_brackets);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
