#!/usr/bin/env bash
# ch07.sh: what chapter 7 shows, captured from real runs into chapters/outputs/ch07-*.txt.
#
# Run by `make outputs` (with ROOT exported), or directly: bash tools/outputs/ch07.sh. It runs chapter
# 7's client against three slow servers once on each backend (REACTOR_BACKEND=select, poll, epoll: the
# same poems, the same progress lines), the start of a REACTOR_TRACE=1 run, which names the backend it
# runs on, and a backend name this build does not have. Transcripts are what a reader would see from the
# repository's top folder with code/ch07/build on their PATH. Ports and timings differ from run to run.
# SC2069: `2>&1 >file` is on purpose: progress (stderr) goes into the transcript, poems to a file.
# SC2154: NAME_PORT and NAME_SHOWN are set by start() and slow() (tools/outputs/lib.sh).
# shellcheck disable=SC2069,SC2154
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$ROOT"

BIN=code/ch07/build
DELAY=0.3
NUM_BYTES=400

make -s -C code/ch07
PATH="$ROOT/$BIN:$PATH"
# shellcheck source=tools/outputs/lib.sh
. "$ROOT/tools/outputs/lib.sh"
SERVER_STDERR=separate

# ---- the same client on each backend ----
slow one ozymandias.txt
slow two hope.txt
slow three tyger.txt
ports="$one_PORT $two_PORT $three_PORT"
slow_servers one two three >"$OUT/ch07-servers.txt"
for backend in select poll epoll; do
    {
        printf '$ REACTOR_BACKEND=%s get-poetry %s >poems.txt\n' "$backend" "$ports"
        # shellcheck disable=SC2086
        REACTOR_BACKEND=$backend get-poetry $ports 2>&1 >"$TMP/poems.txt"
        poems_identical ozymandias.txt hope.txt tyger.txt
    } >"$OUT/ch07-$backend.txt"
done

# ---- the trace names the backend ----
{
    printf '$ REACTOR_TRACE=1 REACTOR_BACKEND=poll get-poetry %s 2>&1 >poems.txt | head -n 8\n' "$two_PORT"
    REACTOR_TRACE=1 REACTOR_BACKEND=poll get-poetry "$two_PORT" 2>&1 >"$TMP/poems.txt" | head -n 8 || true
} >"$OUT/ch07-trace.txt"

# ---- a backend this build does not have ----
REACTOR_BACKEND=kqueue show_status "$OUT/ch07-unknown.txt" \
    "REACTOR_BACKEND=kqueue get-poetry $one_PORT >poems.txt" "$TMP/poems.txt" get-poetry "$one_PORT"
