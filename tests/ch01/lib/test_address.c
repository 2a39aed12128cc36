/* Chapter 1's address module: parsing "[HOST:]PORT", formatting it back, naming errors. */
#include "address.h"
#include "check_main.h"

#include <arpa/inet.h>
#include <string.h>

START_TEST(port_only_means_loopback) {
    struct sockaddr_in addr;
    ck_assert_int_eq(address_parse("10000", &addr), 0);
    ck_assert_int_eq(addr.sin_family, AF_INET);
    ck_assert_uint_eq(ntohs(addr.sin_port), 10000);
    ck_assert_uint_eq(ntohl(addr.sin_addr.s_addr), 0x7f000001u);
}
END_TEST

START_TEST(host_and_port) {
    struct sockaddr_in addr;
    ck_assert_int_eq(address_parse("10.1.2.3:65535", &addr), 0);
    ck_assert_uint_eq(ntohs(addr.sin_port), 65535);
    ck_assert_uint_eq(ntohl(addr.sin_addr.s_addr), 0x0a010203u);
}
END_TEST

START_TEST(bad_ports_are_refused) {
    struct sockaddr_in addr;
    const char *bad[] = {"65536", "-1", "+80", "0x50", "80a", " 80", "127.0.0.1:", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(address_parse(bad[i], &addr) == ADDRESS_ERR_PORT, "'%s' should be a bad port", bad[i]);
}
END_TEST

START_TEST(bad_hosts_are_refused) {
    struct sockaddr_in addr;
    const char *bad[] = {":80", "localhost:80", "1.2.3:80", "256.1.1.1:80", "::1:80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(address_parse(bad[i], &addr) == ADDRESS_ERR_HOST, "'%s' should be a bad host", bad[i]);
}
END_TEST

START_TEST(port_zero_is_refused_as_a_destination) {
    struct sockaddr_in addr;
    unsigned short port = 1;
    ck_assert_int_eq(address_parse("0", &addr), ADDRESS_ERR_PORT_ZERO);
    ck_assert_int_eq(address_parse("127.0.0.1:0", &addr), ADDRESS_ERR_PORT_ZERO);
    ck_assert_int_eq(address_parse_port("0", &port), 0); /* a server may listen on port 0 */
    ck_assert_uint_eq(port, 0);
}
END_TEST

START_TEST(empty_text_is_refused) {
    struct sockaddr_in addr;
    ck_assert_int_eq(address_parse("", &addr), ADDRESS_ERR_EMPTY);
}
END_TEST

START_TEST(format_round_trips) {
    struct sockaddr_in addr;
    char text[ADDRESS_TEXT_MAX];
    ck_assert_int_eq(address_parse("255.255.255.255:65535", &addr), 0);
    ck_assert_str_eq(address_format(&addr, text, sizeof text), "255.255.255.255:65535");
    ck_assert_int_eq(address_parse("7", &addr), 0);
    ck_assert_str_eq(address_format(&addr, text, sizeof text), "127.0.0.1:7");
}
END_TEST

START_TEST(format_truncates_safely) {
    struct sockaddr_in addr;
    char text[6];
    ck_assert_int_eq(address_parse("127.0.0.1:10000", &addr), 0);
    ck_assert_str_eq(address_format(&addr, text, sizeof text), "127.0");
}
END_TEST

START_TEST(errors_have_names) {
    ck_assert_ptr_nonnull(strstr(address_strerror(ADDRESS_ERR_PORT), "port"));
    ck_assert_ptr_nonnull(strstr(address_strerror(ADDRESS_ERR_HOST), "host"));
    ck_assert_str_ne(address_strerror(ADDRESS_ERR_EMPTY), address_strerror(ADDRESS_ERR_PORT));
}
END_TEST

int main(void) {
    Suite *suite = suite_create("address");
    TCase *tc = tcase_create("parse-and-format");
    tcase_add_test(tc, port_only_means_loopback);
    tcase_add_test(tc, host_and_port);
    tcase_add_test(tc, bad_ports_are_refused);
    tcase_add_test(tc, bad_hosts_are_refused);
    tcase_add_test(tc, port_zero_is_refused_as_a_destination);
    tcase_add_test(tc, empty_text_is_refused);
    tcase_add_test(tc, format_round_trips);
    tcase_add_test(tc, format_truncates_safely);
    suite_add_tcase(suite, tc);
    TCase *names = tcase_create("names");
    tcase_add_test(names, errors_have_names);
    suite_add_tcase(suite, names);
    return run_suite_as_tap(suite);
}
