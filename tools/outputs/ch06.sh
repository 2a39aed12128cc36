#!/usr/bin/env bash
# ch06.sh: what chapter 6 shows, captured from real runs: chapters/outputs/ch06-*.txt, and the chain
# figures, figures/ch06-*.dot, drawn from real Deferreds by code/ch06's chain-figures.
#
# Run by `make outputs` (with ROOT exported), or directly: bash tools/outputs/ch06.sh. It runs the
# Deferred client against three slow servers; with --transform cummingsify and a fail rate (seeded, so
# the same poems fail on every run); against a refused port; the deferred simulator on the chapter's
# example chain; and an unhandled failure's report. Transcripts are what a reader would see from the
# repository's top folder with code/ch06/build on their PATH. Ports and timings differ from run to run.
# SC2069: `2>&1 >file` is on purpose: progress (stderr) goes into the transcript, poems to a file.
# SC2154: NAME_PORT and NAME_SHOWN are set by start() and slow() (tools/outputs/lib.sh).
# shellcheck disable=SC2069,SC2154
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$ROOT"

BIN=code/ch06/build
DELAY=0.3
NUM_BYTES=200

make -s -C code/ch06
PATH="$ROOT/$BIN:$PATH"
# shellcheck source=tools/outputs/lib.sh
. "$ROOT/tools/outputs/lib.sh"
SERVER_STDERR=separate
build_badpeer

# ---- the figures ----
chain-figures figures

# ---- the client on Deferreds ----
slow one ozymandias.txt
slow two hope.txt
slow three tyger.txt
ports="$one_PORT $two_PORT $three_PORT"
slow_servers one two three >"$OUT/ch06-servers.txt"
{
    printf '$ get-poetry %s >poems.txt\n' "$ports"
    # shellcheck disable=SC2086
    get-poetry $ports 2>&1 >"$TMP/poems.txt"
    poems_identical ozymandias.txt hope.txt tyger.txt
} >"$OUT/ch06-run.txt"

{
    printf '$ get-poetry --transform cummingsify --fail-rate 0.5 --seed 2 %s >poems.txt\n' "$ports"
    # shellcheck disable=SC2086
    get-poetry --transform cummingsify --fail-rate 0.5 --seed 2 $ports 2>&1 >"$TMP/poems.txt"
    printf '$ head -n 2 poems.txt; grep -i -m 1 tyger poems.txt\n'
    head -n 2 "$TMP/poems.txt"
    grep -i -m 1 tyger "$TMP/poems.txt"
} >"$OUT/ch06-transform.txt"

start refuse "$TMP/badpeer" refuse
{
    printf '$ get-poetry %s %s >poems.txt\n' "$refuse_PORT" "$two_PORT"
    get-poetry "$refuse_PORT" "$two_PORT" 2>&1 >"$TMP/poems.txt" || printf '$ echo $?\n%s\n' "$?"
} >"$OUT/ch06-refused.txt"

# ---- the simulator ----
cat >"$TMP/chain.txt" <<'CHAIN'
stage r a / p
stage f boom / r x
stage r no / p
stage p / r saved
stage d later / p
fire r start
CHAIN
{
    printf '$ cat chain.txt\n'
    cat "$TMP/chain.txt"
    printf '$ deferred-simulator chain.txt\n'
    deferred-simulator "$TMP/chain.txt"
} >"$OUT/ch06-simulator.txt"
cat >"$TMP/leave.txt" <<'CHAIN'
leave
stage r a / p
stage f oops / p
fire r x
CHAIN
{
    printf '$ cat unhandled.txt\n'
    cat "$TMP/leave.txt"
    printf '$ deferred-simulator unhandled.txt\n'
    deferred-simulator "$TMP/leave.txt" 2>&1
} >"$OUT/ch06-unhandled.txt"
