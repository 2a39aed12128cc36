#!/usr/bin/env bash
# run-tests.sh: the workbook's whole test suite, or the check of one exercise.
#
#   tools/run-tests.sh                      everything `make test` promises (see README.md)
#   tools/run-tests.sh --chapter NN         one chapter (`make test CH=NN`): its snapshot's build, every
#                                           library test that applies to that snapshot, the chapter's
#                                           program tests and its exercises
#   tools/run-tests.sh --exercise chNN/NAME  check the reader's own copy in exercises/chNN/NAME
#   SANITIZE=1 tools/run-tests.sh           the same under AddressSanitizer and UBSan, built with gcc
#                                           and again with clang (exercises: gcc only)
#   TSAN=1 tools/run-tests.sh               ThreadSanitizer (chapter 9 on): the snapshots that have threads,
#                                           built with -fsanitize=thread, and their library tests
#   JOBS=N                                  tests run N at a time (default: the number of cores)
#   CI=true                                 a skip that "needs PACKAGE", PACKAGE being one that
#                                           tools/install-deps.sh installs, counts as a failure
#
# Every test speaks TAP ("ok N - what" / "not ok N - what"; "ok N - what # SKIP why" for a check that
# cannot run here); this script counts the lines, shows what failed, and ends with one line
# "N passed, N failed, N skipped". Tests run in parallel; their results are printed in a fixed order
# (the order they were started in). Full logs are kept in build/test-logs*/.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2

SANITIZE=${SANITIZE:-0}
TSAN=${TSAN:-0}
SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all"
if [ "$SANITIZE" = 1 ] && [ "$TSAN" = 1 ]; then
    echo "run-tests: SANITIZE=1 and TSAN=1 cannot be combined (ASan and TSan exclude each other)" >&2
    exit 2
fi
# >> tsan
# TSAN=1: ThreadSanitizer, from chapter 9 on (the snapshots with reactor_threads.h). Its own build
# folder and a larger Check timeout; a report aborts the test (halt_on_error), so a race is a failure.
if [ "$TSAN" = 1 ]; then
    BUILD=build-tsan
    OPTIMIZE="-O1 -g -fno-omit-frame-pointer -fsanitize=thread"
    export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-10}
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:second_deadlock_stack=1}
# << tsan
elif [ "$SANITIZE" = 1 ]; then
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
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
mkdir -p "$LOGS" "$SUPPORT"

# The builds the tests run against: "COMPILER BUILD-FOLDER LABEL-SUFFIX". Under SANITIZE=1 the library
# and program tests run on a gcc and on a clang sanitizer build (their UBSan checks differ: only
# clang's sees a zero offset applied to a null pointer); without it, on the gcc build alone (the clang
# build is still compiled, so that both compilers' warnings count).
variants=("$CC $BUILD -")
if [ "$SANITIZE" = 1 ] && command -v clang >/dev/null 2>&1; then
    variants+=("clang build-clang-san clang")
fi

passed=0
failed=0
skipped=0
failed_names=()
snapshots=()
for dir in code/ch[0-9][0-9]; do [ -d "$dir" ] && snapshots+=("${dir#code/}"); done

# Results are lines on stdout: "PASS what", "FAIL what" (then "     diagnostic" lines), "SKIP what (why)".
# The counts at the end are read back from them, since tests run in background subshells.
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() {
    failed=$((failed + 1))
    failed_names+=("$1")
    echo "FAIL $1"
    [ $# -lt 2 ] || sed 's/^/     /' <<<"$2"
}
skip() { skipped=$((skipped + 1)); echo "SKIP $1 ($2)"; }

# The packages tools/install-deps.sh installs: a skip that "needs" one of them fails under CI=true.
installable=" $(bash tools/install-deps.sh --list 2>/dev/null | tr '\n' ' ') "

# tap_name "N - WHAT": WHAT, without the file and test-case prefix and the ": Passed" that Check adds.
tap_name() {
    local name=${1#* - }
    if [[ $name == *.c:*:* ]]; then name=${name#*.c:}; name=${name#*:}; fi
    echo "${name%: Passed}"
}

# tap_skip LABEL "N - WHAT # SKIP WHY": a skip, or under CI=true a failure when WHY is "needs PACKAGE"
# and install-deps.sh installs PACKAGE.
tap_skip() {
    local label=$1 rest=$2 what why needed
    what=${rest%%[[:space:]]#[[:space:]]*}
    why=${rest#*[[:space:]]#[[:space:]]}
    why=${why#[Ss][Kk][Ii][Pp]}
    why=${why# }
    what=$(sed -E 's/^[0-9]+( -)?[[:space:]]*//' <<<"$what")
    if [[ $what == *.c:*:* ]]; then what=${what#*.c:}; what=${what#*:}; fi
    if [ "${CI:-}" = true ] && [[ $why == needs\ * ]]; then
        needed=${why#needs }
        needed=${needed%%[[:space:]:,;]*}
        if [[ $installable == *" $needed "* ]]; then
            fail "$label: ${what:-a check} was skipped under CI: $why (tools/install-deps.sh installs $needed)"
            return
        fi
    fi
    skip "$label: ${what:-a check}" "${why:-no reason given}"
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
            if [[ $line =~ [[:space:]]#[[:space:]]+[Ss][Kk][Ii][Pp]([[:space:]]|$) ]]; then
                tap_skip "$label" "${line#ok }"
            else
                name=$(tap_name "${line#ok }")
                pass "$label: $name"
            fi
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

# ---- Running in parallel, reporting in order ----
# unit COMMAND...: runs COMMAND in a background subshell, at most JOBS at a time. Its output (result
# lines) is kept and printed once it and every unit started before it have finished, so the report
# reads the same whatever the timing. `units_wait` waits for all of them.
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/rfs-results.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$RESULTS"' EXIT
trap 'exit 130' INT TERM
units_started=0
units_printed=0

units_flush() {
    local file
    while :; do
        file=$RESULTS/$(printf '%05d' "$units_printed")
        [ -e "$file.done" ] || break
        grep -v '^READER ' "$file.out"
        units_printed=$((units_printed + 1))
    done
}

unit() {
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        wait -n 2>/dev/null
        units_flush
    done
    local file
    file=$RESULTS/$(printf '%05d' "$units_started")
    units_started=$((units_started + 1))
    ( "$@" >"$file.out" 2>&1 </dev/null; touch "$file.done" ) &
    units_flush
}

units_wait() {
    wait
    units_flush
}

# chapter_number chNN: NN as a number.
chapter_number() { echo $((10#${1#ch})); }

# build_one SNAPSHOT COMPILER BUILD-FOLDER LABEL: one `make` of a snapshot.
build_one() {
    local ch=$1 cc=$2 build=$3 label=$4 log
    log="$LOGS/build-$ch-$build.log"
    if make -C "code/$ch" CC="$cc" SANITIZE="$SANITIZE" TSAN="$TSAN" BUILD="$build" >"$log" 2>&1; then
        pass "build code/$ch with $label"
    else
        fail "build code/$ch with $label" "$(grep -m 10 -E 'error|Error' "$log")"
    fi
}

build_support() {
    # shellcheck disable=SC2086
    $CC -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror $OPTIMIZE -o "$SUPPORT/badpeer.$$" \
        tests/support/badpeer.c >"$LOGS/build-support.log" 2>&1 && mv -f "$SUPPORT/badpeer.$$" "$SUPPORT/badpeer" ||
        fail "build tests/support/badpeer" "$(cat "$LOGS/build-support.log")"
}

# >> backends
# From chapter 7 on a snapshot has several backends (code/chNN/backend.h): every library test runs on
# each (REACTOR_BACKEND=NAME), and a build without epoll (NO_EPOLL=1, what macOS and the BSDs get) is
# made and runs the backend tests of chapter 7 on.
has_backends() { [ -f "code/$1/backend.h" ]; }

# backends_of SNAPSHOT BUILD-FOLDER: the backends that build has ("-" for a snapshot without backends).
backends_of() {
    if ! has_backends "$1"; then echo -; return; fi
    local list="select poll"
    [ -f "code/$1/$2/backend_epoll.o" ] && list="$list epoll"
    echo "$list"
}

# build_no_epoll SNAPSHOT: the build without epoll, into BUILD-noepoll.
build_no_epoll() {
    local ch=$1 log="$LOGS/build-$1-noepoll.log"
    if make -C "code/$ch" CC="$CC" SANITIZE="$SANITIZE" NO_EPOLL=1 BUILD="$BUILD-noepoll" >"$log" 2>&1; then
        pass "build code/$ch with $CC and NO_EPOLL=1"
    else
        fail "build code/$ch with $CC and NO_EPOLL=1" "$(grep -m 10 -E 'error|Error' "$log")"
    fi
}
# << backends

# >> wakers
# From chapter 9 on a snapshot has a waker for calls from threads: an eventfd where the system has one,
# else the self-pipe. The self-pipe is built too (WAKER=pipe, into BUILD-pipe) and chapter 9's library
# tests on (and later ones') run on it as well, told which waker to expect (EXPECT_WAKER=pipe).
has_threads() { [ -f "code/$1/reactor_threads.h" ]; }

build_pipe_waker() {
    local ch=$1 log="$LOGS/build-$1-pipe.log"
    if make -C "code/$ch" CC="$CC" SANITIZE="$SANITIZE" TSAN="$TSAN" WAKER=pipe BUILD="$BUILD-pipe" >"$log" 2>&1; then
        pass "build code/$ch with $CC and WAKER=pipe"
    else
        fail "build code/$ch with $CC and WAKER=pipe" "$(grep -m 10 -E 'error|Error' "$log")"
    fi
}

# TSan needs the address space laid out as it expects: where the kernel's mmap randomness is too wide
# for this toolchain's TSan ("unexpected memory mapping"), tests run under `setarch ARCH -R`.
RUN_PREFIX=()
tsan_prefix() {
    local probe="$SUPPORT/tsan-probe"
    printf 'int main(void) { return 0; }\n' | $CC -x c -fsanitize=thread -o "$probe" - 2>/dev/null || return
    "$probe" >/dev/null 2>&1 && return
    if setarch "$(uname -m)" -R "$probe" >/dev/null 2>&1; then
        RUN_PREFIX=(setarch "$(uname -m)" -R)
    elif setarch -R "$probe" >/dev/null 2>&1; then
        RUN_PREFIX=(setarch -R)
    fi
}
# << wakers

# build_snapshots SNAPSHOT...: every build the tests need, plus a plain clang build (for its warnings).
build_snapshots() {
    local ch variant cc build suffix
    for ch in "$@"; do
        has_backends "$ch" && [ "$TSAN" != 1 ] && unit build_no_epoll "$ch"
        has_threads "$ch" && unit build_pipe_waker "$ch"
        for variant in "${variants[@]}"; do
            read -r cc build suffix <<<"$variant"
            if [ "$suffix" = - ]; then
                unit build_one "$ch" "$cc" "$build" "$cc"
            else
                unit build_one "$ch" "$cc" "$build" "$cc (sanitizers)"
            fi
        done
        if [ "$SANITIZE" != 1 ] && [ "$TSAN" != 1 ] && command -v clang >/dev/null 2>&1; then
            unit build_one "$ch" clang build-clang clang
        fi
    done
    unit build_support
    units_wait
}

# applies_to TEST_FILE SNAPSHOT: whether a library test runs against SNAPSHOT. A test of chapter NN runs
# against snapshot NN and every later one, unless a line of it says otherwise:
#   /* applies-to: ..ch06 */        up to snapshot ch06 only (a later chapter changed this on purpose)
#   /* applies-to: ch03..ch06 */    the same, said in full (the first may not precede the test's chapter)
#   /* applies-to: ch07.. */        from ch07 on
# Status 0 yes, 1 no, 2 a line that cannot be read.
applies_to() {
    local file=$1 snap=$2 ch line first last n
    ch=${file#tests/}; ch=${ch%%/*}
    line=$(grep -m 1 -o 'applies-to:[^*]*' "$file") || line=""
    first=$ch last=""
    if [ -n "$line" ]; then
        line=${line#applies-to:}
        line=${line//[[:space:]]/}
        [[ $line =~ ^(ch[0-9][0-9])?\.\.(ch[0-9][0-9])?$ ]] || return 2
        [ -n "${BASH_REMATCH[1]}" ] && first=${BASH_REMATCH[1]}
        last=${BASH_REMATCH[2]}
        [ "$(chapter_number "$first")" -ge "$(chapter_number "$ch")" ] || return 2
    fi
    n=$(chapter_number "$snap")
    [ "$n" -ge "$(chapter_number "$first")" ] || return 1
    [ -z "$last" ] || [ "$n" -le "$(chapter_number "$last")" ] || return 1
    return 0
}

# library_test TEST_FILE SNAPSHOT COMPILER BUILD-FOLDER LABEL-SUFFIX [BACKEND...]: compiles one library
# test against one build of a snapshot, and runs it (once on each backend named, if any).
library_test() {
    local test_file=$1 snap=$2 cc=$3 build=$4 suffix=$5 ch base exe log label cflags backend
    local -a run=("${RUN_PREFIX[@]}" env)
    [ "$suffix" = "WAKER=pipe" ] && run+=(EXPECT_WAKER=pipe)
    shift 5
    ch=${test_file#tests/}; ch=${ch%%/*}
    base=$(basename "$test_file" .c)
    label="$ch/lib/$base @$snap"
    [ "$suffix" = - ] || label+=" [$suffix]"
    exe="$ROOT/build/test-logs-$build/$ch-$base-against-$snap"
    mkdir -p "$(dirname "$exe")"
    log="$exe.log"
    cflags=${CFLAGS}
    # shellcheck disable=SC2086
    if ! $cc $cflags -I"code/$snap" -Itests/support -o "$exe" "$test_file" \
        "code/$snap/$build/libreactor.a" $LDFLAGS $(pkg-config --cflags --libs check) -lm -lpthread \
        >"$log" 2>&1; then
        fail "$label: does not compile" "$(head -n 15 "$log")"
        return
    fi
    if [ $# -eq 0 ] || [ "$1" = - ]; then
        run_tap "$label" "$log" "${run[@]}" "$exe"
        return
    fi
    for backend in "$@"; do
        run_tap "$label on $backend" "$exe-$backend.log" "${run[@]}" REACTOR_BACKEND="$backend" "$exe"
    done
}

# Library tests of chapter NN run against snapshot NN and every later one (see applies_to), on every
# build variant. With arguments, only against those snapshots.
run_library_tests() {
    local test_file snap variant cc build suffix status tch
    local -a against=("${snapshots[@]}")
    [ $# -eq 0 ] || against=("$@")
    for test_file in tests/ch[0-9][0-9]/lib/test_*.c; do
        [ -f "$test_file" ] || continue
        for snap in "${against[@]}"; do
            applies_to "$test_file" "$snap"
            status=$?
            if [ $status -eq 2 ]; then
                unit fail "$test_file: cannot read its applies-to line (want e.g. /* applies-to: ..ch06 */)"
                break
            fi
            [ $status -eq 0 ] || continue
            for variant in "${variants[@]}"; do
                read -r cc build suffix <<<"$variant"
                # shellcheck disable=SC2046
                unit library_test "$test_file" "$snap" "$cc" "$build" "$suffix" $(backends_of "$snap" "$build")
            done
            tch=${test_file#tests/}; tch=${tch%%/*}
            if has_backends "$snap" && [ "$TSAN" != 1 ] && [ "$(chapter_number "$tch")" -ge 7 ]; then
                unit library_test "$test_file" "$snap" "$CC" "$BUILD-noepoll" "NO_EPOLL=1"
            fi
            if has_threads "$snap" && [ "$(chapter_number "$tch")" -ge 9 ]; then
                # shellcheck disable=SC2046
                unit library_test "$test_file" "$snap" "$CC" "$BUILD-pipe" "WAKER=pipe" $(backends_of "$snap" "$BUILD-pipe")
            fi
        done
    done
}

# run_shell_test LABEL SCRIPT SNAPSHOT [EXDIR [BUILD]]: one shell test in its own scratch folder.
run_shell_test() {
    local label=$1 script=$2 snap=$3 exdir=${4:-} build=${5:-$BUILD} work status logs
    logs="$ROOT/build/test-logs-$build"
    mkdir -p "$logs"
    work=$(mktemp -d "${TMPDIR:-/tmp}/rfs-test.XXXXXX")
    ROOT="$ROOT" SNAPSHOT="$ROOT/code/$snap" BIN="$ROOT/code/$snap/$build" SUPPORT="$SUPPORT" \
        WORK="$work" EXDIR="$exdir" run_tap "$label" "$logs/$(echo "$label" | tr '/ @[]' '-----').log" bash "$script"
    status=$?
    rm -rf "$work"
    return $status
}

# Program tests of chapter NN run against snapshot NN only, on every build variant.
run_program_tests() {
    local script ch variant cc build suffix label
    for script in tests/ch[0-9][0-9]/programs/*.sh; do
        [ -f "$script" ] || continue
        ch=${script#tests/}; ch=${ch%%/*}
        [ $# -eq 0 ] || [ "$ch" = "$1" ] || continue
        for variant in "${variants[@]}"; do
            read -r cc build suffix <<<"$variant"
            label="$ch/programs/$(basename "$script" .sh)"
            [ "$suffix" = - ] || label+=" [$suffix]"
            unit run_shell_test "$label" "$script" "$ch" "" "$build"
        done
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
        unit run_shell_test "tools/$(basename "$script" .sh)" "$script" "${snapshots[0]}"
    done
}

# exercise_test SCRIPT: one exercise: its solution passes, its committed starter compiles and fails,
# and a line "READER ..." says where the reader's own copy stands.
exercise_test() {
    local script=$1 ch name scratch starter
    ch=$(basename "$(dirname "$script")")
    name=$(basename "$script" .sh)
    if [ ! -d "solutions/$ch/$name" ] || [ ! -d "exercises/$ch/$name" ]; then
        fail "exercise $ch/$name: needs both exercises/$ch/$name and solutions/$ch/$name"
        return
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
        echo "READER not yet (untouched)  $ch/$name"
    elif (run_shell_test "your $ch/$name" "$script" "$ch" "$ROOT/exercises/$ch/$name") >/dev/null 2>&1; then
        echo "READER solved               $ch/$name"
    else
        echo "READER not yet              $ch/$name   (make check EX=$ch/$name says why)"
    fi
    rm -rf "$scratch"
}

run_exercise_tests() {
    local script
    for script in tests/exercises/ch[0-9][0-9]/*.sh; do
        [ -f "$script" ] || continue
        [ $# -eq 0 ] || [ "$(basename "$(dirname "$script")")" = "$1" ] || continue
        unit exercise_test "$script"
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
    # Built aside and renamed into place: a suite running beside this one may be using the old copy.
    # shellcheck disable=SC2086
    $CC -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror $OPTIMIZE -o "$SUPPORT/badpeer.$$" tests/support/badpeer.c &&
        mv -f "$SUPPORT/badpeer.$$" "$SUPPORT/badpeer"
    echo "Checking exercises/$ch/$name ..."
    run_shell_test "$ch/$name" "tests/exercises/$ch/$name.sh" "$ch" "$ROOT/exercises/$ch/$name"
    echo
    if [ "$failed" -eq 0 ]; then
        echo "Solved: all $passed checks of $ch/$name pass."
        [ "$skipped" -eq 0 ] || echo "($skipped checks were skipped: they cannot run on this machine.)"
    else
        echo "Not yet: $failed of $((passed + failed)) checks fail. Read the failures above, then try again."
        exit 1
    fi
}

if [ "${1:-}" = "--exercise" ]; then
    check_one_exercise "${2:?usage: tools/run-tests.sh --exercise chNN/NAME}"
    exit 0
fi

chapter=""
if [ "${1:-}" = "--chapter" ]; then
    chapter=${2:?usage: tools/run-tests.sh --chapter NN}
    chapter=${chapter#ch}
    if ! [[ $chapter =~ ^[0-9]{1,2}$ ]] || [ ! -d "code/$(printf 'ch%02d' "$((10#$chapter))")" ]; then
        echo "run-tests: no chapter '$2'; the chapters are: ${snapshots[*]#ch}" >&2
        exit 2
    fi
    chapter=$(printf 'ch%02d' "$((10#$chapter))")
elif [ $# -gt 0 ]; then
    echo "usage: tools/run-tests.sh [--chapter NN | --exercise chNN/NAME]" >&2
    exit 2
fi

started=$(date +%s)
if [ "$TSAN" = 1 ]; then
    # ThreadSanitizer: only the snapshots that have threads, and only their library tests.
    threaded=()
    for ch in "${snapshots[@]}"; do has_threads "$ch" && threaded+=("$ch"); done
    [ -z "$chapter" ] || { has_threads "$chapter" && threaded=("$chapter") || threaded=(); }
    tsan_prefix
    if [ ${#threaded[@]} -eq 0 ]; then
        unit skip "TSAN=1" "no snapshot${chapter:+ $chapter} has threads (chapter 9 on)"
    else
        echo "== ThreadSanitizer: building ${threaded[*]}${RUN_PREFIX[*]:+ (tests run under ${RUN_PREFIX[*]})}"
        build_snapshots "${threaded[@]}"
        echo "== Library tests that apply to ${threaded[*]}, under ThreadSanitizer"
        run_library_tests "${threaded[@]}"
    fi
    units_wait
elif [ -n "$chapter" ]; then
    echo "== Building code/$chapter"
    build_snapshots "$chapter"
    echo "== Tests of chapter ${chapter#ch}: library tests that apply to code/$chapter, program tests, exercises"
    run_library_tests "$chapter"
    run_program_tests "$chapter"
    run_exercise_tests "$chapter"
    units_wait
else
    echo "== Building every snapshot"
    build_snapshots "${snapshots[@]}"
    echo "== Library tests (each chapter's, against its snapshot and every later one), program tests"
    echo "   (each chapter's, against its own snapshot), tool tests, exercises (the solutions pass; the"
    echo "   committed starters fail) and the book, $JOBS at a time"
    run_library_tests
    run_program_tests
    run_tool_tests
    run_exercise_tests
    if [ "${SKIP_BOOK:-0}" != 1 ]; then
        unit build_book
    fi
    units_wait
fi

# The counts, read back from every unit's results.
all_results=$(cat "$RESULTS"/*.out 2>/dev/null)
passed=$(grep -c '^PASS ' <<<"$all_results")
failed=$(grep -c '^FAIL ' <<<"$all_results")
skipped=$(grep -c '^SKIP ' <<<"$all_results")
mapfile -t failed_names < <(grep '^FAIL ' <<<"$all_results" | sed 's/^FAIL //')
mapfile -t reader_status < <(grep '^READER ' <<<"$all_results" | sed 's/^READER //')

if [ ${#reader_status[@]} -gt 0 ]; then
    echo
    echo "Your exercises (not counted above):"
    printf '  %s\n' "${reader_status[@]}"
fi
if [ "$skipped" -gt 0 ]; then
    echo
    echo "Skipped (could not run here):"
    grep '^SKIP ' <<<"$all_results" | sed 's/^SKIP /  /'
fi
if [ "$failed" -gt 0 ]; then
    echo
    echo "Failed:"
    printf '  %s\n' "${failed_names[@]}"
fi
echo
echo "Took $(($(date +%s) - started))s with $JOBS jobs at a time."
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
