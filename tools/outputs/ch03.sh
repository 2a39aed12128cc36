#!/usr/bin/env bash
# ch03.sh: the program output chapter 3 shows, captured from real runs into chapters/outputs/ch03-*.txt.
#
# Run by `make outputs` (with ROOT exported), or directly from anywhere: bash tools/outputs/ch03.sh.
# It runs the chapter's small reactor programs (hello, failing-callback, stack, do-nothing), then the
# poetry client on the reactor against three slow servers on port 0, the same with REACTOR_TRACE=1, and
# against a refused port. Each transcript is what a reader would see in a terminal with code/ch03/build
# on their PATH: "$ command" lines, then the output. Ports, pids, addresses and timings differ a little
# on every run; that is expected. The servers send 200 bytes every 0.3 s, as in chapter 2's transcripts,
# so the two chapters' runs can be compared line by line. The whole recipe takes about ten seconds.
# SC2069: `2>&1 >file` is on purpose: progress (stderr) goes into the transcript, poems (stdout) to a file.
# SC2154: the NAME_PORT variables are set by start(), through printf -v.
# SC2012: the file names listed at the end are our own, plain ones.
# shellcheck disable=SC2012,SC2069,SC2154
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$ROOT"

BIN=code/ch03/build
OUT=chapters/outputs
DELAY=0.3
NUM_BYTES=200

make -s -C code/ch03
mkdir -p "$OUT"
# The programs run by their bare names, as the chapter tells the reader to run them (and as stack's
# backtrace then names them).
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

# The misbehaving test server (tests/support/badpeer.c) gives us a refused port, for real.
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
    echo "ch03.sh: $name did not start: $(head -c 300 "$TMP/$name.log")" >&2
    exit 1
}

# slow NAME POEM [FLAGS...]: a slow poetry server for poetry/POEM, by default with the recipe's flags.
slow() {
    local name=$1 poem=$2
    shift 2
    if [ $# -eq 0 ]; then set -- --delay "$DELAY" --num-bytes "$NUM_BYTES"; fi
    start "$name" slowpoetry --port 0 "$@" "poetry/$poem"
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

# ---- the small programs ----

show "$OUT/ch03-hello.txt" "hello" hello
# The same with the trace on. In a terminal stdout is line-buffered, so the lines of the two streams
# interleave as they are printed; stdbuf gives the pipe the same buffering.
show "$OUT/ch03-hello-trace.txt" "REACTOR_TRACE=1 hello" env REACTOR_TRACE=1 stdbuf -oL hello
# failing-callback: the report on stderr lands between the two callbacks' lines (the program flushes
# stdout first); the status shows the reactor survived.
{
    printf '$ failing-callback\n'
    status=0
    failing-callback 2>&1 || status=$?
    printf '$ echo $?\n%s\n' "$status"
} >"$OUT/ch03-failing-callback.txt"
show "$OUT/ch03-stack.txt" "stack" stack

# The same stack, asked of a debugger: it names the static functions backtrace() cannot, with files and
# lines. Addresses and argument values are switched off (they change on every run and say nothing here),
# and gdb's two lines about libthread_db are filtered out.
GDB_FLAGS="-ex 'set print address off' -ex 'set print frame-arguments none'"
if command -v gdb >/dev/null; then
    {
        printf '$ gdb -batch %s -ex '\''break print_stack'\'' -ex run -ex bt stack | grep -v thread_db\n' "$GDB_FLAGS"
        gdb -batch -ex 'set print address off' -ex 'set print frame-arguments none' \
            -ex 'break print_stack' -ex run -ex bt stack 2>&1 </dev/null | grep -v thread_db || true
    } >"$TMP/stack-gdb.txt"
    mv "$TMP/stack-gdb.txt" "$OUT/ch03-stack-gdb.txt"
else
    echo "ch03.sh: no gdb; kept $OUT/ch03-stack-gdb.txt and $OUT/ch03-do-read-gdb.txt as they were" >&2
fi

# do-nothing: started in the background with the trace on, looked at after a second (asleep, no CPU
# time), then killed. The trace lines come from its stderr, so they are printed where a terminal would
# show them: right after the start.
{
    printf '$ REACTOR_TRACE=1 do-nothing &\n'
    REACTOR_TRACE=1 do-nothing 2>"$TMP/nothing.err" &
    nothing=$!
    pids+=("$nothing")
    sleep 1
    cat "$TMP/nothing.err"
    printf '$ sleep 1; ps -o pid,stat,time,cmd -p $!\n'
    ps -o pid,stat,time,cmd -p "$nothing"
    printf '$ kill $!\n'
    kill "$nothing"
    wait "$nothing" 2>/dev/null || true
} >"$OUT/ch03-do-nothing.txt"

# ---- the poetry client on the reactor ----

# Three servers, three poems of different lengths, as in chapter 2: 672 bytes (4 slices, 0.9 s), 443
# bytes (3 slices, 0.6 s) and 809 bytes (5 slices, 1.2 s).
slow one ozymandias.txt
slow two hope.txt
slow three tyger.txt
ports="$one_PORT $two_PORT $three_PORT"

{
    for poem in ozymandias.txt hope.txt tyger.txt; do
        printf '$ slowpoetry --port 0 --delay %s --num-bytes %s poetry/%s &\n' "$DELAY" "$NUM_BYTES" "$poem"
    done
    head -n 1 "$TMP/one.log"
    head -n 1 "$TMP/two.log"
    head -n 1 "$TMP/three.log"
} >"$OUT/ch03-servers.txt"

# The main run: poems to a file, so the terminal shows the progress lines only; then the comparison.
{
    printf '$ get-poetry %s >poems.txt\n' "$ports"
    # shellcheck disable=SC2086
    get-poetry $ports 2>&1 >"$TMP/poems.txt"
    printf '$ cat poetry/ozymandias.txt poetry/hope.txt poetry/tyger.txt | cmp - poems.txt && echo identical\n'
    cat poetry/ozymandias.txt poetry/hope.txt poetry/tyger.txt | cmp - "$TMP/poems.txt" && echo identical
} >"$OUT/ch03-run.txt"

# The trace, against two of the servers: every turn of the loop, narrated. Short enough to show whole.
{
    printf '$ REACTOR_TRACE=1 get-poetry %s %s >poems.txt\n' "$one_PORT" "$two_PORT"
    REACTOR_TRACE=1 get-poetry "$one_PORT" "$two_PORT" 2>&1 >/dev/null
} >"$OUT/ch03-trace.txt"

# A do_read, stopped in a debugger: the stack from main down to the client's callback.
if command -v gdb >/dev/null; then
    {
        printf '$ gdb -batch %s -ex '\''break task_do_read'\'' -ex run -ex bt --args get-poetry %s | grep -v thread_db\n' \
            "$GDB_FLAGS" "$two_PORT"
        gdb -batch -ex 'set print address off' -ex 'set print frame-arguments none' \
            -ex 'break task_do_read' -ex run -ex bt --args get-poetry "$two_PORT" 2>&1 </dev/null |
            grep -v thread_db || true
    } >"$TMP/do-read-gdb.txt"
    mv "$TMP/do-read-gdb.txt" "$OUT/ch03-do-read-gdb.txt"
fi

# A refused port (bound, never listening) between two good ones: lost alone; the others still arrive.
start refuse "$TMP/badpeer" refuse
{
    printf '$ get-poetry %s %s %s >poems.txt\n' "$one_PORT" "$refuse_PORT" "$two_PORT"
    status=0
    get-poetry "$one_PORT" "$refuse_PORT" "$two_PORT" 2>&1 >/dev/null || status=$?
    printf '$ echo $?\n%s\n' "$status"
} >"$OUT/ch03-refused.txt"

# The same, traced, cut to the lines about task 2: its connect settles, do_write says refused, it is lost.
{
    printf '$ REACTOR_TRACE=1 get-poetry %s %s %s 2>&1 >poems.txt | grep -i "task 2"\n' \
        "$one_PORT" "$refuse_PORT" "$two_PORT"
    REACTOR_TRACE=1 get-poetry "$one_PORT" "$refuse_PORT" "$two_PORT" 2>&1 >/dev/null | grep -i "task 2" || true
} >"$OUT/ch03-refused-trace.txt"

echo "ch03.sh: wrote $(ls "$OUT"/ch03-*.txt | tr '\n' ' ')"
