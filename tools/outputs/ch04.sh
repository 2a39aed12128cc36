#!/usr/bin/env bash
# ch04.sh: the program output chapter 4 shows, captured from real runs into chapters/outputs/ch04-*.txt.
#
# Run by `make outputs` (with ROOT exported), or directly from anywhere: bash tools/outputs/ch04.sh.
# It runs the chapter's two timer programs (countdown, timers), plain and with REACTOR_TRACE=1, then the
# poetry client with --timeout against a silent peer between two good servers on port 0, the same traced,
# and a run where the timeout never fires. Each transcript is what a reader would see in a terminal with
# code/ch04/build on their PATH: "$ command" lines, then the output. Ports and timings differ a little on
# every run; that is expected. The servers send 200 bytes every 0.3 s, as in chapter 3's transcripts.
# The whole recipe takes about fifteen seconds (the plain countdown alone takes five).
# SC2069: `2>&1 >file` is on purpose: progress (stderr) goes into the transcript, poems (stdout) elsewhere.
# SC2154: the NAME_PORT variables are set by start(), through printf -v.
# SC2012: the file names listed at the end are our own, plain ones.
# shellcheck disable=SC2012,SC2069,SC2154
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$ROOT"

BIN=code/ch04/build
OUT=chapters/outputs
DELAY=0.3
NUM_BYTES=200

make -s -C code/ch04
mkdir -p "$OUT"
# The programs run by their bare names, as the chapter tells the reader to run them.
PATH="$ROOT/$BIN:$PATH"

TMP=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The misbehaving test server (tests/support/badpeer.c): in `silent` mode it accepts and never sends.
cc -std=c11 -D_DEFAULT_SOURCE -O2 -o "$TMP/badpeer" tests/support/badpeer.c

# start NAME COMMAND...: runs a server in the background, stdout and stderr together in $TMP/NAME.log,
# waits (up to 10 s) for its first line "Serving ... on port PORT." and sets NAME_PORT.
start() {
    local name=$1
    shift
    "$@" >"$TMP/$name.log" 2>&1 &
    pids+=("$!")
    local pid=$! tries=0 line
    while [ $tries -lt 200 ]; do
        line=$(head -n 1 "$TMP/$name.log")
        case "$line" in
        *" on port "*.)
            line=${line##* on port }
            printf -v "${name}_PORT" '%s' "${line%.}"
            return 0
            ;;
        esac
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
        tries=$((tries + 1))
    done
    echo "ch04.sh: $name did not start: $(head -c 300 "$TMP/$name.log")" >&2
    exit 1
}

# show FILE "DISPLAYED COMMAND" COMMAND...: writes "$ DISPLAYED COMMAND", then everything COMMAND prints
# (stdout and stderr, in the order printed), into FILE. A failing status is kept, not fatal.
show() {
    local file=$1 shown=$2
    shift 2
    {
        printf '$ %s\n' "$shown"
        "$@" 2>&1 || true
    } >"$file"
}

# ---- the timer programs ----

# In a terminal stdout is line-buffered, so a program's lines and the trace's interleave as they are
# printed; stdbuf gives the pipe the same buffering (countdown does not flush its "Stop!").
show "$OUT/ch04-countdown.txt" "countdown" stdbuf -oL countdown
show "$OUT/ch04-countdown-trace.txt" "REACTOR_TRACE=1 countdown --from 3 --interval 0.5" \
    env REACTOR_TRACE=1 stdbuf -oL countdown --from 3 --interval 0.5
show "$OUT/ch04-timers.txt" "timers" stdbuf -oL timers
show "$OUT/ch04-timers-trace.txt" "REACTOR_TRACE=1 timers --unit 0.2" \
    env REACTOR_TRACE=1 stdbuf -oL timers --unit 0.2

# ---- the poetry client with --timeout ----

# Two good servers, 672 bytes (4 slices, 0.9 s) and 443 bytes (3 slices, 0.6 s), and a silent one.
start one "$BIN/slowpoetry" --port 0 --delay "$DELAY" --num-bytes "$NUM_BYTES" poetry/ozymandias.txt
start two "$BIN/slowpoetry" --port 0 --delay "$DELAY" --num-bytes "$NUM_BYTES" poetry/hope.txt
start silent "$TMP/badpeer" silent

{
    printf '$ slowpoetry --port 0 --delay %s --num-bytes %s poetry/ozymandias.txt &\n' "$DELAY" "$NUM_BYTES"
    head -n 1 "$TMP/one.log"
    printf '$ slowpoetry --port 0 --delay %s --num-bytes %s poetry/hope.txt &\n' "$DELAY" "$NUM_BYTES"
    head -n 1 "$TMP/two.log"
    printf '$ cc -std=c11 -D_DEFAULT_SOURCE -o badpeer tests/support/badpeer.c\n'
    printf '$ ./badpeer silent &\n'
    head -n 1 "$TMP/silent.log"
} >"$OUT/ch04-servers.txt"

# The silent peer between the two good servers: it alone times out; the status says something failed.
{
    printf '$ get-poetry --timeout 1.5 %s %s %s >poems.txt\n' "$one_PORT" "$silent_PORT" "$two_PORT"
    status=0
    get-poetry --timeout 1.5 "$one_PORT" "$silent_PORT" "$two_PORT" 2>&1 >"$TMP/poems.txt" || status=$?
    printf '$ echo $?\n%s\n' "$status"
    printf '$ cat poetry/ozymandias.txt poetry/hope.txt | cmp - poems.txt && echo identical\n'
    cat poetry/ozymandias.txt poetry/hope.txt | cmp - "$TMP/poems.txt" && echo identical
} >"$OUT/ch04-timeout.txt"

# The same, traced, with one good server and the silent one: the select() timeout, computed from the
# heap each turn, shrinks as the deadlines come nearer; then the timeout is all that is left to wait for.
{
    printf '$ REACTOR_TRACE=1 get-poetry --timeout 1.5 %s %s >poems.txt\n' "$one_PORT" "$silent_PORT"
    REACTOR_TRACE=1 get-poetry --timeout 1.5 "$one_PORT" "$silent_PORT" 2>&1 >/dev/null || true
} >"$OUT/ch04-timeout-trace.txt"

# Two good servers and a generous timeout: it never fires, and the run takes the slowest poem's time.
{
    printf '$ get-poetry --timeout 5 %s %s >poems.txt\n' "$one_PORT" "$two_PORT"
    status=0
    get-poetry --timeout 5 "$one_PORT" "$two_PORT" 2>&1 >/dev/null || status=$?
    printf '$ echo $?\n%s\n' "$status"
} >"$OUT/ch04-no-timeout.txt"

echo "ch04.sh: wrote $(ls "$OUT"/ch04-*.txt | tr '\n' ' ')"
