# tools/run-tests.sh itself, on a tiny workbook made here: skips counted apart (and failed under
# CI=true when they need something install-deps.sh installs), the last line, tests run in parallel and
# reported in a fixed order, --chapter, and a library test's applies-to line.
. "$ROOT/tests/support/lib.sh"

book=$WORK/book
mkdir -p "$book/tools" "$book/tests/support" "$book/tests/ch01/programs" "$book/tests/ch02/programs" \
    "$book/tests/ch01/lib" "$book/code/ch01" "$book/code/ch02"
cp "$ROOT/tools/run-tests.sh" "$ROOT/tools/install-deps.sh" "$book/tools/"
cp "$ROOT/tests/support/lib.sh" "$ROOT/tests/support/badpeer.c" "$ROOT/tests/support/check_main.h" "$book/tests/support/"
for ch in ch01 ch02; do
    # A snapshot with no program: its library is one empty object.
    printf 'int snapshot_%s;\n' "$ch" >"$book/code/$ch/empty.c"
    cat >"$book/code/$ch/Makefile" <<'EOF'
BUILD ?= build
all: $(BUILD)/libreactor.a
$(BUILD)/libreactor.a: empty.c
	mkdir -p $(BUILD) && $(CC) -c -o $(BUILD)/empty.o empty.c && ar rcs $@ $(BUILD)/empty.o
EOF
done
# The slow test comes first: its results must still be printed first, though the fast one ends first.
cat >"$book/tests/ch01/programs/a-slow.sh" <<'EOF'
. "$ROOT/tests/support/lib.sh"
sleep 3
ok "slow one"
skip "a valgrind check" "needs valgrind, which is not installed"
skip "a check needing a big host" "the host is too small"
done_testing
EOF
cat >"$book/tests/ch01/programs/b-fast.sh" <<'EOF'
. "$ROOT/tests/support/lib.sh"
ok "fast one"
done_testing
EOF
cat >"$book/tests/ch02/programs/c.sh" <<'EOF'
. "$ROOT/tests/support/lib.sh"
sleep 3
ok "chapter two"
done_testing
EOF
cat >"$book/tests/ch01/lib/test_retired.c" <<'EOF'
/* applies-to: ..ch01 */
#include "check_main.h"
START_TEST(still_holds) { ck_assert_int_eq(1, 1); }
END_TEST
int main(void) {
    Suite *suite = suite_create("retired");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, still_holds);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
EOF
(cd "$book" && git init -q && git add -A && git -c user.email=t@t -c user.name=t commit -qm tiny)

started=$(now)
(cd "$book" && env -u CI JOBS=2 SKIP_BOOK=1 SANITIZE=0 bash tools/run-tests.sh) >"$WORK/run.out" 2>&1
status=$?
took=$(elapsed_since "$started")
if [ $status -eq 0 ] && [ "$(tail -n 1 "$WORK/run.out")" = "8 passed, 0 failed, 2 skipped" ]; then
    ok "skips are counted apart: the last line is 'N passed, N failed, N skipped'"
else
    not_ok "skips are counted apart: the last line is 'N passed, N failed, N skipped'" "status $status" \
        "$(tail -n 15 "$WORK/run.out")"
fi
if grep -q "^SKIP ch01/programs/a-slow: a valgrind check (needs valgrind, which is not installed)$" "$WORK/run.out"; then
    ok "a skip is reported as SKIP with its reason"
else
    not_ok "a skip is reported as SKIP with its reason" "$(grep SKIP "$WORK/run.out")"
fi
if [ "$(grep -c 'test_retired' "$WORK/run.out")" -eq 1 ] && grep -q 'test_retired @ch01' "$WORK/run.out"; then
    ok "a library test with /* applies-to: ..ch01 */ runs against ch01 only"
else
    not_ok "a library test with /* applies-to: ..ch01 */ runs against ch01 only" "$(grep test_retired "$WORK/run.out")"
fi
if [ "$(grep -n 'slow one\|fast one' "$WORK/run.out" | cut -d: -f1 | tr '\n' ' ')" != "" ] &&
    [ "$(grep -n 'slow one' "$WORK/run.out" | cut -d: -f1)" -lt "$(grep -n 'fast one' "$WORK/run.out" | cut -d: -f1)" ]; then
    ok "results are printed in the order the tests were started"
else
    not_ok "results are printed in the order the tests were started" "$(grep 'one$' "$WORK/run.out")"
fi
if less_than "$took" 5.5; then
    ok "two 3-second tests with JOBS=2 run side by side (${took}s for the whole run; one after the other: 6 s)"
else
    not_ok "two 3-second tests with JOBS=2 run side by side" "the whole run took ${took}s (one after the other: 6 s)"
fi

(cd "$book" && CI=true JOBS=2 SKIP_BOOK=1 SANITIZE=0 bash tools/run-tests.sh) >"$WORK/ci.out" 2>&1
status=$?
if [ $status -ne 0 ] && [ "$(tail -n 1 "$WORK/ci.out")" = "8 passed, 1 failed, 1 skipped" ] &&
    grep -q "^FAIL ch01/programs/a-slow: a valgrind check was skipped under CI" "$WORK/ci.out"; then
    ok "CI=true: a skip that needs a package install-deps.sh installs is a failure; other skips stay skips"
else
    not_ok "CI=true: a skip that needs an installed package is a failure" "status $status" "$(tail -n 8 "$WORK/ci.out")"
fi

(cd "$book" && env -u CI JOBS=2 SANITIZE=0 bash tools/run-tests.sh --chapter 2) >"$WORK/ch.out" 2>&1
status=$?
if [ $status -eq 0 ] && grep -q "PASS ch02/programs/c: chapter two" "$WORK/ch.out" && ! grep -q "ch01/" "$WORK/ch.out" &&
    [ "$(tail -n 1 "$WORK/ch.out")" = "3 passed, 0 failed, 0 skipped" ]; then
    ok "--chapter 2 runs chapter 2's tests only (and builds its snapshot)"
else
    not_ok "--chapter 2 runs chapter 2's tests only" "status $status" "$(tail -n 10 "$WORK/ch.out")"
fi
(cd "$book" && bash tools/run-tests.sh --chapter 9) >"$WORK/bad.out" 2>&1
status=$?
if [ $status -eq 2 ] && grep -q "no chapter '9'" "$WORK/bad.out"; then
    ok "--chapter with no such chapter: exit 2, naming it"
else
    not_ok "--chapter with no such chapter: exit 2, naming it" "status $status" "$(show "$WORK/bad.out")"
fi

done_testing
