/* check_main.h: the one way every Check suite in the workbook runs.
 * Fork mode, so a crash or a hang in one test is one failed test; TAP on stdout, so the top-level
 * runner can count results from C and shell tests alike. */
#ifndef CHECK_MAIN_H
#define CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/* Runs every test of suite in its own process and prints one TAP line per test.
 * Takes ownership of suite. Returns EXIT_SUCCESS when every test passed. */
static inline int run_suite_as_tap(Suite *suite) {
    SRunner *runner = srunner_create(suite);
    srunner_set_fork_status(runner, CK_FORK);
    srunner_set_tap(runner, "-");
    srunner_run_all(runner, CK_SILENT);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
