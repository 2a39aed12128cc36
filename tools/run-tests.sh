#!/usr/bin/env bash
# run-tests.sh: the workbook's whole test suite, or the check of one exercise.
#
#   tools/run-tests.sh                      everything `make test` promises (see README.md)
#   tools/run-tests.sh --exercise chNN/NAME  check the reader's own copy in exercises/chNN/NAME
#   SANITIZE=1 tools/run-tests.sh           the same under AddressSanitizer and UBSan
#
# Every test speaks TAP ("ok N - what" / "not ok N - what"); this script counts the lines, shows what
# failed, and ends with one line "N passed, N failed". Full logs are kept in build/test-logs*/.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2

SANITIZE=${SANITIZE:-0}
SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all"
if [ "$SANITIZE" = 1 ]; then
    BUILD=build-san
    OPTIMIZE="-O1 -g -fno-omit-frame-pointer $SAN_FLAGS"
    export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-5}
    export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
else
    BUILD=build
    OPTIMIZE="-O2 -g"
fi
export CC=${CC:-cc}
export CFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror $OPTIMIZE"
export LDFLAGS="$OPTIMIZE"
LOGS="$ROOT/build/test-logs-$BUILD"
SUPPORT="$ROOT/build/support-$BUILD"
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
mkdir -p "$LOGS" "$SUPPORT"

passed=0
failed=0
failed_names=()
snapshots=()
for dir in code/ch[0-9][0-9]; do [ -d "$dir" ] && snapshots+=("${dir#code/}"); done

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() {
    failed=$((failed + 1))
    failed_names+=("$1")
    echo "FAIL $1"
    [ $# -lt 2 ] || sed 's/^/     /' <<<"$2"
}

# tap_name "N - WHAT": WHAT, without the file and test-case prefix and the ": Passed" that Check adds.
tap_name() {
    local name=${1#* - }
    if [[ $name == *.c:*:* ]]; then name=${name#*.c:}; name=${name#*:}; fi
    echo "${name%: Passed}"
}

# run_tap LABEL LOG COMMAND...: runs COMMAND under a timeout, keeps its output in LOG, and records one
# result per TAP line. A command that fails without a failing TAP line, or prints none, is a failure.
run_tap() {
    local label=$1 log=$2
    shift 2
    timeout -k 5 "$TEST_TIMEOUT" "$@" >"$log" 2>&1 </dev/null
    local status=$? seen=0 bad=0 line name diag
    local -a lines
    mapfile -t lines <"$log"
    local i
    for ((i = 0; i < ${#lines[@]}; i++)); do
        line=${lines[i]}
        case "$line" in
        "ok "*)
            seen=$((seen + 1))
            name=$(tap_name "${line#ok }")
            pass "$label: $name"
            ;;
        "not ok "*)
            seen=$((seen + 1)); bad=$((bad + 1))
            name=$(tap_name "${line#not ok }")
            diag=""
            while [ $((i + 1)) -lt ${#lines[@]} ] && [[ ${lines[i + 1]} == "#"* ]]; do
                i=$((i + 1)); diag+="${lines[i]}"$'\n'
            done
            fail "$label: $name" "${diag%$'\n'}"
            ;;
        esac
    done
    if [ $status -eq 124 ] || [ $status -eq 137 ]; then
        fail "$label: timed out after ${TEST_TIMEOUT}s (log: ${log#"$ROOT"/})"
    elif [ $seen -eq 0 ]; then
        fail "$label: ran no test (exit $status)" "$(tail -n 15 "$log")"
    elif [ $status -ne 0 ] && [ $bad -eq 0 ]; then
        fail "$label: exited with status $status (log: ${log#"$ROOT"/})" "$(tail -n 15 "$log")"
    fi
    return $((status != 0 || bad != 0))
}

# chapter_number chNN: NN as a number.
chapter_number() { echo $((10#${1#ch})); }

build_snapshots() {
    local ch log
    for ch in "${snapshots[@]}"; do
        log="$LOGS/build-$ch.log"
        if make -C "code/$ch" SANITIZE="$SANITIZE" >"$log" 2>&1; then
            pass "build code/$ch with $CC"
        else
            fail "build code/$ch with $CC" "$(grep -m 10 -E 'error|Error' "$log")"
        fi
        if [ "$SANITIZE" != 1 ] && command -v clang >/dev/null 2>&1; then
            log="$LOGS/build-$ch-clang.log"
            if make -C "code/$ch" CC=clang BUILD=build-clang >"$log" 2>&1; then
                pass "build code/$ch with clang"
            else
                fail "build code/$ch with clang" "$(grep -m 10 -E 'error|Error' "$log")"
            fi
        fi
    done
    # shellcheck disable=SC2086
    $CC -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror $OPTIMIZE -o "$SUPPORT/badpeer" \
        tests/support/badpeer.c >"$LOGS/build-support.log" 2>&1 ||
        fail "build tests/support/badpeer" "$(cat "$LOGS/build-support.log")"
}

# Library tests of chapter NN run against snapshot NN and every later one.
run_library_tests() {
    local test_file ch snap base exe log
    for test_file in tests/ch[0-9][0-9]/lib/test_*.c; do
        [ -f "$test_file" ] || continue
        ch=${test_file#tests/}; ch=${ch%%/*}
        base=$(basename "$test_file" .c)
        for snap in "${snapshots[@]}"; do
            [ "$(chapter_number "$snap")" -ge "$(chapter_number "$ch")" ] || continue
            exe="$LOGS/$ch-$base-against-$snap"
            log="$exe.log"
            # shellcheck disable=SC2086
            if ! $CC $CFLAGS -I"code/$snap" -Itests/support -o "$exe" "$test_file" \
                "code/$snap/$BUILD/libreactor.a" $LDFLAGS $(pkg-config --cflags --libs check) -lm -lpthread \
                >"$log" 2>&1; then
                fail "$ch/lib/$base against $snap: does not compile" "$(head -n 15 "$log")"
                continue
            fi
            run_tap "$ch/lib/$base @$snap" "$log" "$exe"
        done
    done
}

# run_shell_test LABEL SCRIPT SNAPSHOT [EXDIR]: one shell test in its own scratch folder.
run_shell_test() {
    local label=$1 script=$2 snap=$3 exdir=${4:-} work status
    work=$(mktemp -d "${TMPDIR:-/tmp}/rfs-test.XXXXXX")
    ROOT="$ROOT" SNAPSHOT="$ROOT/code/$snap" BIN="$ROOT/code/$snap/$BUILD" SUPPORT="$SUPPORT" \
        WORK="$work" EXDIR="$exdir" run_tap "$label" "$LOGS/$(echo "$label" | tr '/ @' '---').log" bash "$script"
    status=$?
    rm -rf "$work"
    return $status
}

# Program tests of chapter NN run against snapshot NN only.
run_program_tests() {
    local script ch
    for script in tests/ch[0-9][0-9]/programs/*.sh; do
        [ -f "$script" ] || continue
        ch=${script#tests/}; ch=${ch%%/*}
        run_shell_test "$ch/programs/$(basename "$script" .sh)" "$script" "$ch"
    done
}

# committed_copy DIR DEST: the committed version of DIR (from git), or the working copy outside git.
committed_copy() {
    local dir=$1 dest=$2
    mkdir -p "$dest"
    if git -C "$ROOT" rev-parse --verify -q HEAD >/dev/null 2>&1 && git -C "$ROOT" cat-file -e "HEAD:$dir" 2>/dev/null; then
        git -C "$ROOT" archive HEAD "$dir" | tar -x -C "$dest"
        echo "$dest/$dir"
    else
        cp -R "$dir" "$dest/" && echo "$dest/$(basename "$dir")"
    fi
}

# Tests of the workbook's own tools (the book filters, the snapshot scripts): tests/tools/*.sh.
run_tool_tests() {
    local script
    for script in tests/tools/*.sh; do
        [ -f "$script" ] || continue
        run_shell_test "tools/$(basename "$script" .sh)" "$script" "${snapshots[0]}"
    done
}

reader_status=()
run_exercise_tests() {
    local script ch name scratch starter
    for script in tests/exercises/ch[0-9][0-9]/*.sh; do
        [ -f "$script" ] || continue
        ch=$(basename "$(dirname "$script")")
        name=$(basename "$script" .sh)
        if [ ! -d "solutions/$ch/$name" ] || [ ! -d "exercises/$ch/$name" ]; then
            fail "exercise $ch/$name: needs both exercises/$ch/$name and solutions/$ch/$name"
            continue
        fi
        run_shell_test "exercise $ch/$name (solution)" "$script" "$ch" "$ROOT/solutions/$ch/$name"

        scratch=$(mktemp -d "${TMPDIR:-/tmp}/rfs-starter.XXXXXX")
        starter=$(committed_copy "exercises/$ch/$name" "$scratch")
        # In a subshell: these runs are judged as a whole, and their own results are not counted. A
        # starter must compile (else its failure proves nothing about the tests) and then fail.
        if (run_shell_test "starter $ch/$name" "$script" "$ch" "$starter") >"$LOGS/starter-$ch-$name.log" 2>&1; then
            fail "exercise $ch/$name: the committed starter passes its tests, so they test nothing"
        elif ! grep -q '^PASS .* compiles$' "$LOGS/starter-$ch-$name.log"; then
            fail "exercise $ch/$name: the committed starter does not compile" \
                "$(grep -A 12 '^FAIL .* compiles$' "$LOGS/starter-$ch-$name.log")"
        else
            pass "exercise $ch/$name: the committed starter compiles and fails its tests"
        fi
        if diff -rq "$starter" "exercises/$ch/$name" >/dev/null 2>&1; then
            reader_status+=("not yet (untouched)  $ch/$name")
        elif (run_shell_test "your $ch/$name" "$script" "$ch" "$ROOT/exercises/$ch/$name") >/dev/null 2>&1; then
            reader_status+=("solved               $ch/$name")
        else
            reader_status+=("not yet              $ch/$name   (make check EX=$ch/$name says why)")
        fi
        rm -rf "$scratch"
    done
}

build_book() {
    if make -s book >"$LOGS/book.log" 2>&1; then
        pass "the book builds (build/book.html, build/book.epub)"
    else
        fail "the book builds" "$(tail -n 15 "$LOGS/book.log")"
    fi
}

check_one_exercise() {
    local ex=$1 ch name
    ch=${ex%%/*}; name=${ex#*/}
    if [ ! -f "tests/exercises/$ch/$name.sh" ] || [ ! -d "exercises/$ch/$name" ]; then
        echo "no exercise '$ex'; the exercises are:"
        for script in tests/exercises/ch*/*.sh; do
            [ -f "$script" ] && echo "  $(basename "$(dirname "$script")")/$(basename "$script" .sh)"
        done
        exit 2
    fi
    if ! make -C "code/$ch" SANITIZE="$SANITIZE" >"$LOGS/build-$ch.log" 2>&1; then
        echo "code/$ch does not build:"; tail -n 20 "$LOGS/build-$ch.log"; exit 1
    fi
    # shellcheck disable=SC2086
    $CC -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror $OPTIMIZE -o "$SUPPORT/badpeer" tests/support/badpeer.c
    echo "Checking exercises/$ch/$name ..."
    run_shell_test "$ch/$name" "tests/exercises/$ch/$name.sh" "$ch" "$ROOT/exercises/$ch/$name"
    echo
    if [ "$failed" -eq 0 ]; then
        echo "Solved: all $passed checks of $ch/$name pass."
    else
        echo "Not yet: $failed of $((passed + failed)) checks fail. Read the failures above, then try again."
        exit 1
    fi
}

if [ "${1:-}" = "--exercise" ]; then
    check_one_exercise "${2:?usage: tools/run-tests.sh --exercise chNN/NAME}"
    exit 0
fi

echo "== Building every snapshot"
build_snapshots
echo "== Library tests (each chapter's, against its snapshot and every later one)"
run_library_tests
echo "== Program tests (each chapter's, against its own snapshot)"
run_program_tests
echo "== Tool tests (book filters, snapshot scripts)"
run_tool_tests
echo "== Exercises (the solutions pass; the committed starters fail)"
run_exercise_tests
if [ "${SKIP_BOOK:-0}" != 1 ]; then
    echo "== The book"
    build_book
fi

if [ ${#reader_status[@]} -gt 0 ]; then
    echo
    echo "Your exercises (not counted above):"
    printf '  %s\n' "${reader_status[@]}"
fi
if [ "$failed" -gt 0 ]; then
    echo
    echo "Failed:"
    printf '  %s\n' "${failed_names[@]}"
fi
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
