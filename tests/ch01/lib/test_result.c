/* The one code space (result.h): every library code has a name, no two codes share a value, and no
 * library code can be mistaken for -errno. Runs against every snapshot, so it checks whatever codes the
 * snapshot's modules add to the table. */
#include "address.h"
#include "check_main.h"
#include "result.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The range a code's name says it belongs to; 0 when the name has no range (a positive code). */
static int range_of(const char *name, int *first, int *last) {
    static const struct {
        const char *prefix;
        int first, last;
    } ranges[] = {
        {"REACTOR_ERR_", RESULT_REACTOR_FIRST, RESULT_REACTOR_LAST},
        {"DELAYED_CALL_ERR_", RESULT_SCHEDULER_FIRST, RESULT_SCHEDULER_LAST},
        {"LOOPING_CALL_ERR_", RESULT_LOOPING_CALL_FIRST, RESULT_LOOPING_CALL_LAST},
        {"ADDRESS_ERR_", RESULT_ADDRESS_FIRST, RESULT_ADDRESS_LAST},
        {"DEFERRED_ERR_", RESULT_DEFERRED_FIRST, RESULT_DEFERRED_LAST},
        /* Ranges later chapters add to result.h, by value: this test also runs on snapshots before them. */
        {"BACKEND_ERR_", -10501, -10599}, /* chapter 7: RESULT_BACKEND_FIRST, RESULT_BACKEND_LAST */
        /* Chapter 8's modules share the line/netstring range. */
        {"LINE_RECEIVER_ERR_", -10601, -10699},
        {"NETSTRING_ERR_", -10601, -10699},
        {"TRANSFORM_ERR_", -10601, -10699},
        {"RECONNECTING_FACTORY_ERR_", -10601, -10699},
        {"POETRY_CLIENT_ERR_", -10641, -10649}, /* chapter 8: poetry_client.h */
        {"TRANSFORM_CLIENT_ERR_", -10651, -10659}, /* chapter 8: transform_client.h */
        {"POETRY_CACHE_ERR_", -10661, -10669}, /* chapter 8: poetry_cache.h */
        /* Chapter 9: calls from threads and the thread pool. */
        {"REACTOR_THREADS_ERR_", -10701, -10749},
        {"THREAD_POOL_ERR_", -10701, -10749},
        /* Chapter 9's resolver and host connector (its new address codes keep the address range). */
        {"RESOLVER_ERR_", -10751, -10799},
        /* Chapter 10's test doubles share the testing range (RESULT_TESTING_FIRST, RESULT_TESTING_LAST). */
        {"MEMORY_REACTOR_ERR_", -10801, -10899},
        {"STRING_TRANSPORT_ERR_", -10801, -10899},
        {"CONNECTED_PAIR_ERR_", -10801, -10899},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (strncmp(name, ranges[i].prefix, strlen(ranges[i].prefix)) == 0) {
            *first = ranges[i].first;
            *last = ranges[i].last;
            return 1;
        }
    return 0;
}

START_TEST(every_code_has_a_name_and_its_own_value) {
    size_t count = 0;
    const struct result_name *names = result_names(&count);
    ck_assert_uint_gt(count, 0);
    for (size_t i = 0; i < count; i++) {
        ck_assert_msg(names[i].code != 0, "%s is 0", names[i].name);
        ck_assert_msg(names[i].message != NULL && names[i].message[0] != '\0', "%s has no message", names[i].name);
        ck_assert_str_eq(result_strerror(names[i].code), names[i].message);
        ck_assert_msg(names[i].code > 0 || names[i].code < RESULT_ERRNO_LAST, "%s = %d overlaps -errno",
                      names[i].name, names[i].code);
        for (size_t j = 0; j < i; j++) {
            ck_assert_msg(names[i].code != names[j].code, "%s and %s share %d", names[i].name, names[j].name,
                          names[i].code);
            ck_assert_msg(strcmp(names[i].message, names[j].message) != 0, "%s and %s share a message",
                          names[i].name, names[j].name);
        }
        int first, last;
        if (names[i].code < 0) {
            ck_assert_msg(range_of(names[i].name, &first, &last), "%s has no range", names[i].name);
            ck_assert_msg(names[i].code <= first && names[i].code >= last, "%s = %d is outside %d..%d",
                          names[i].name, names[i].code, first, last);
        }
    }
}
END_TEST

/* Whatever result_strerror names in the library's ranges is in the table (so the test above saw it). */
START_TEST(every_named_code_is_in_the_table) {
    size_t count = 0;
    const struct result_name *names = result_names(&count);
    for (int code = -10000; code >= -10999; code--) {
        const char *message = result_strerror(code);
        char unknown[40];
        snprintf(unknown, sizeof unknown, "unknown error (%d)", code);
        if (strcmp(message, unknown) == 0)
            continue;
        size_t i = 0;
        while (i < count && names[i].code != code)
            i++;
        ck_assert_msg(i < count, "%d is named \"%s\" but not in the table", code, message);
    }
}
END_TEST

START_TEST(address_codes_are_not_errno_values) {
    const int codes[] = {ADDRESS_ERR_EMPTY, ADDRESS_ERR_HOST, ADDRESS_ERR_PORT, ADDRESS_ERR_PORT_ZERO};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        ck_assert_msg(codes[i] <= RESULT_ADDRESS_FIRST && codes[i] >= RESULT_ADDRESS_LAST, "%d", codes[i]);
        ck_assert_str_eq(address_strerror(codes[i]), result_strerror(codes[i]));
        ck_assert_str_ne(result_strerror(codes[i]), strerror(-(codes[i] % 4096)));
    }
}
END_TEST

START_TEST(system_and_unknown_codes) {
    ck_assert_str_eq(result_strerror(0), "success");
    char expected[256];
    snprintf(expected, sizeof expected, "%s", strerror(ECONNREFUSED));
    ck_assert_str_eq(result_strerror(-ECONNREFUSED), expected);
    ck_assert_str_eq(result_strerror(-99999), "unknown error (-99999)");
    ck_assert_str_eq(result_strerror(12345), "unknown error (12345)");
    ck_assert_str_eq(address_strerror(-EINTR), strerror(EINTR));
}
END_TEST

int main(void) {
    Suite *suite = suite_create("result");
    TCase *tc = tcase_create("one-code-space");
    tcase_add_test(tc, every_code_has_a_name_and_its_own_value);
    tcase_add_test(tc, every_named_code_is_in_the_table);
    tcase_add_test(tc, address_codes_are_not_errno_values);
    tcase_add_test(tc, system_and_unknown_codes);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
