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
# SC2154: the NAME_PORT and NAME_SHOWN variables are set by start() and slow() (tools/outputs/lib.sh),
# through printf -v.
# SC2012: the file names listed at the end are our own, plain ones.
# shellcheck disable=SC2012,SC2069,SC2154
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$ROOT"

BIN=code/ch04/build
DELAY=0.3
NUM_BYTES=200

make -s -C code/ch04
# The programs run by their bare names, as the chapter tells the reader to run them.
PATH="$ROOT/$BIN:$PATH"
# OUT, TMP, start, slow, show, show_status, poems_identical: the helpers every recipe shares.
# shellcheck source=tools/outputs/lib.sh
. "$ROOT/tools/outputs/lib.sh"

# The misbehaving test server (tests/support/badpeer.c): in `silent` mode it accepts and never sends.
build_badpeer

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
slow one ozymandias.txt
slow two hope.txt
start silent "$TMP/badpeer" silent

{
    slow_servers one
    slow_servers two
    printf '$ cc -std=c11 -D_DEFAULT_SOURCE -o badpeer tests/support/badpeer.c\n'
    printf '$ ./badpeer silent &\n'
    head -n 1 "$TMP/silent.log"
} >"$OUT/ch04-servers.txt"

# The silent peer between the two good servers: it alone times out; the status says something failed.
show_status "$OUT/ch04-timeout.txt" "get-poetry --timeout 1.5 $one_PORT $silent_PORT $two_PORT >poems.txt" \
    "$TMP/poems.txt" get-poetry --timeout 1.5 "$one_PORT" "$silent_PORT" "$two_PORT"
poems_identical ozymandias.txt hope.txt >>"$OUT/ch04-timeout.txt"

# The same, traced, with one good server and the silent one: the select() timeout, computed from the
# heap each turn, shrinks as the deadlines come nearer; then the timeout is all that is left to wait for.
{
    printf '$ REACTOR_TRACE=1 get-poetry --timeout 1.5 %s %s >poems.txt\n' "$one_PORT" "$silent_PORT"
    REACTOR_TRACE=1 get-poetry --timeout 1.5 "$one_PORT" "$silent_PORT" 2>&1 >/dev/null || true
} >"$OUT/ch04-timeout-trace.txt"

# Two good servers and a generous timeout: it never fires, and the run takes the slowest poem's time.
show_status "$OUT/ch04-no-timeout.txt" "get-poetry --timeout 5 $one_PORT $two_PORT >poems.txt" /dev/null \
    get-poetry --timeout 5 "$one_PORT" "$two_PORT"

echo "ch04.sh: wrote $(ls "$OUT"/ch04-*.txt | tr '\n' ' ')"
