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
# SC2154: the NAME_PORT and NAME_SHOWN variables are set by start() and slow() (tools/outputs/lib.sh),
# through printf -v.
# SC2012: the file names listed at the end are our own, plain ones.
# shellcheck disable=SC2012,SC2069,SC2154
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$ROOT"

BIN=code/ch03/build
DELAY=0.3
NUM_BYTES=200

make -s -C code/ch03
# The programs run by their bare names, as the chapter tells the reader to run them (and as stack's
# backtrace then names them).
PATH="$ROOT/$BIN:$PATH"
# OUT, TMP, start, slow, slow_servers, show, show_status, poems_identical: the helpers every recipe shares.
# shellcheck source=tools/outputs/lib.sh
. "$ROOT/tools/outputs/lib.sh"

# The misbehaving test server (tests/support/badpeer.c) gives us a refused port, for real.
build_badpeer

# ---- the small programs ----

show "$OUT/ch03-hello.txt" "hello" hello
# The same with the trace on. hello makes its stdout line-buffered even into a pipe, so the lines of the
# two streams interleave as they are printed, as a reader's `hello 2>&1 | less` shows them.
show "$OUT/ch03-hello-trace.txt" "REACTOR_TRACE=1 hello" env REACTOR_TRACE=1 hello
# failing-callback: the report on stderr lands between the two callbacks' lines (the program flushes
# stdout first); the status shows the reactor survived.
show_status "$OUT/ch03-failing-callback.txt" "failing-callback" - failing-callback
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

slow_servers one two three >"$OUT/ch03-servers.txt"

# The main run: poems to a file, so the terminal shows the progress lines only; then the comparison.
{
    printf '$ get-poetry %s >poems.txt\n' "$ports"
    # shellcheck disable=SC2086
    get-poetry $ports 2>&1 >"$TMP/poems.txt"
    poems_identical ozymandias.txt hope.txt tyger.txt
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
show_status "$OUT/ch03-refused.txt" "get-poetry $one_PORT $refuse_PORT $two_PORT >poems.txt" /dev/null \
    get-poetry "$one_PORT" "$refuse_PORT" "$two_PORT"

# The same, traced, cut to the lines about task 2: its connect settles, do_write says refused, it is lost.
{
    printf '$ REACTOR_TRACE=1 get-poetry %s %s %s 2>&1 >poems.txt | grep -i "task 2"\n' \
        "$one_PORT" "$refuse_PORT" "$two_PORT"
    REACTOR_TRACE=1 get-poetry "$one_PORT" "$refuse_PORT" "$two_PORT" 2>&1 >/dev/null | grep -i "task 2" || true
} >"$OUT/ch03-refused-trace.txt"

echo "ch03.sh: wrote $(ls "$OUT"/ch03-*.txt | tr '\n' ' ')"
