# lib.sh: what every shell test in the workbook shares. Source it, then write cases with ok/not_ok.
#
# The runner (tools/run-tests.sh) sets:
#   ROOT      the workbook's top folder          SNAPSHOT  the snapshot under test (code/chNN, absolute)
#   BIN       where that snapshot's programs are (SNAPSHOT/build or build-san)
#   SUPPORT   where the test helpers are built (badpeer)
#   WORK      a fresh temporary folder for this test, removed afterwards
# Exercise tests also get EXDIR (the exercise's sources: a reader's copy, a starter or a solution)
# and CC, CFLAGS, LDFLAGS for building it against SNAPSHOT.
#
# Output is TAP: one "ok N - what" or "not ok N - what" per case, then "# ..." lines that explain a
# failure. Every background process a test starts is killed when the test exits, however it exits.

set -u
: "${ROOT:?}" "${WORK:?}"
POETRY="$ROOT/poetry"
test_count=0
test_failures=0
background_pids=()

cleanup_background() {
    local pid
    for pid in "${background_pids[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${background_pids[@]}"; do
        wait "$pid" 2>/dev/null
    done
}
trap cleanup_background EXIT
trap 'exit 130' INT TERM

# ok "what": records a passing case.
ok() {
    test_count=$((test_count + 1))
    echo "ok $test_count - $1"
}

# not_ok "what" ["diagnostic line" ...]: records a failing case with its explanation.
not_ok() {
    test_count=$((test_count + 1))
    test_failures=$((test_failures + 1))
    echo "not ok $test_count - $1"
    shift
    local line
    for line in "$@"; do
        printf '%s\n' "$line" | sed 's/^/#   /'
    done
}

# skip "what" "why": records a case that cannot run here (counted as skipped, never as passed). Begin
# why with "needs PACKAGE" when the missing thing is a package tools/install-deps.sh installs: under
# CI=true such a skip counts as a failure.
skip() {
    test_count=$((test_count + 1))
    printf 'ok %d - %s # SKIP %s\n' "$test_count" "$1" "$2"
}

# check "what" COMMAND...: one case that passes when COMMAND succeeds.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what" "failed: $*"; fi
}

# done_testing: prints the plan and exits with the right status. Call it last.
done_testing() {
    echo "1..$test_count"
    [ "$test_failures" -eq 0 ]
    exit $?
}

# show FILE: a file's first lines, for a diagnostic.
show() {
    if [ -s "$1" ]; then head -c 2000 "$1"; else echo "(empty)"; fi
}

# start_process NAME COMMAND...: starts a server in the background whose first stdout line is
# "Serving ... on port PORT." and waits (up to 10 s) for that line. Sets PORT, and NAME_PID/NAME_PORT.
# Its stdout goes to $WORK/NAME.out and its stderr to $WORK/NAME.err, so don't name a test's own files
# NAME.out or NAME.err. Returns 1 if it never said.
start_process() {
    local name=$1
    shift
    "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    local pid=$!
    background_pids+=("$pid")
    printf -v "${name}_PID" '%s' "$pid"
    local tries=0 line=
    while [ $tries -lt 200 ]; do
        line=$(head -n 1 "$WORK/$name.out" 2>/dev/null)
        case "$line" in
        *" on port "*.)
            PORT=${line##* on port }
            PORT=${PORT%.}
            printf -v "${name}_PORT" '%s' "$PORT"
            return 0
            ;;
        esac
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
        tries=$((tries + 1))
    done
    echo "# $name did not start: $(head -c 500 "$WORK/$name.err")"
    return 1
}

# start_poetry_server NAME POEM [OPTIONS...]: the snapshot's slowpoetry on port 0 (see start_process).
start_poetry_server() {
    local name=$1 poem=$2
    shift 2
    start_process "$name" "$BIN/slowpoetry" --port 0 "$@" "$poem"
}

# start_badpeer NAME MODE [N]: the misbehaving server of tests/support/badpeer.c (see start_process).
start_badpeer() {
    local name=$1
    shift
    start_process "$name" "$SUPPORT/badpeer" "$@"
}

# run_with_timeout SECONDS COMMAND...: runs COMMAND, killing it after SECONDS; status 124 on timeout.
run_with_timeout() {
    local seconds=$1
    shift
    timeout -k 2 "$seconds" "$@"
}

# build_exercise OUTPUT SOURCE...: compiles the exercise's SOURCE files (relative to EXDIR) against the
# snapshot's headers and library into $WORK/OUTPUT. On failure records a failing case and exits, since
# nothing else can be tested.
build_exercise() {
    local output=$1
    shift
    local sources=() source
    for source in "$@"; do sources+=("$EXDIR/$source"); done
    # shellcheck disable=SC2086
    if ! ${CC:-cc} ${CFLAGS:-} -I"$SNAPSHOT" -I"$ROOT/tests/support" -o "$WORK/$output" "${sources[@]}" \
        "$BIN/libreactor.a" ${LDFLAGS:-} -lm -lpthread >"$WORK/build.log" 2>&1; then
        not_ok "$output compiles" "$(head -n 30 "$WORK/build.log")" \
            "hint: the starter compiled as given; fix the first error above, then check again"
        done_testing
    fi
    ok "$output compiles"
}

# elapsed_since START: seconds since START (from `now`), as a decimal.
now() { date +%s.%N; }
elapsed_since() { awk -v start="$1" -v end="$(now)" 'BEGIN { printf "%.3f\n", end - start }'; }

# less_than A B: true when the decimal A is less than B.
less_than() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
