#!/usr/bin/env bash
# ch01.sh: the program output chapter 1 shows, captured from real runs into chapters/outputs/ch01-*.txt.
#
# Run by `make outputs` (with ROOT exported), or directly from anywhere: bash tools/outputs/ch01.sh.
# It starts slow poetry servers on port 0, runs the blocking client against them and writes what a reader
# would see in a terminal: "$ command" lines, then the output. Ports differ on every run; that is expected.
# Fast flags (--delay 0.1 --num-bytes 30) keep the whole recipe to about ten seconds.
#
# The NAME_PORT and NAME_SHOWN variables are set by `start` and `slow` (tools/outputs/lib.sh) through
# printf -v, which shellcheck cannot follow:
# shellcheck disable=SC2154
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$ROOT"

BIN=code/ch01/build
DELAY=0.1
NUM_BYTES=30

make -s -C code/ch01
# OUT, TMP, start, slow, show_status: the helpers every recipe shares.
# shellcheck source=tools/outputs/lib.sh
. "$ROOT/tools/outputs/lib.sh"

# The misbehaving test server (tests/support/badpeer.c) gives us a refused port and a reset, for real.
build_badpeer

# transcript FILE "DISPLAYED COMMAND" COMMAND...: writes "$ DISPLAYED COMMAND", then what COMMAND prints
# on stdout and stderr in the order it prints it, then, if it fails, "$ echo $?" and the status.
transcript() {
    local file=$1 shown=$2
    shift 2
    local status=0
    printf '$ %s\n' "$shown" >"$file"
    "$@" >>"$file" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        printf '$ echo $?\n%s\n' "$status" >>"$file"
    fi
}

slow one ozymandias.txt
slow two nachtlied.txt
slow three tyger.txt

# Both programs' usage, as --help prints it.
transcript "$OUT/ch01-server-help.txt" "slowpoetry --help" "$BIN/slowpoetry" --help
transcript "$OUT/ch01-help.txt" "get-poetry --help" "$BIN/get-poetry" --help

# The main run: three servers, one after another. Poems to a file, so the terminal shows stderr only.
{
    printf '$ get-poetry %s %s %s >poems.txt\n' "$one_PORT" "$two_PORT" "$three_PORT"
    # stderr to the transcript, stdout (the poems) to a file: the order of the two redirections matters.
    # shellcheck disable=SC2069
    "$BIN/get-poetry" "$one_PORT" "$two_PORT" "$three_PORT" 2>&1 >"$TMP/poems.txt"
} >"$OUT/ch01-run.txt"
(
    cd "$TMP"
    printf '$ head -n 8 poems.txt\n'
    head -n 8 poems.txt
    printf '$ wc -c poems.txt\n'
    wc -c poems.txt
) >"$OUT/ch01-poems.txt"

# The first server's terminal: the line it starts with, then the line it logged for the client above.
{
    printf '$ %s\n' "$one_SHOWN"
    head -n 2 "$TMP/one.log"
} >"$OUT/ch01-server.txt"

# The protocol needs no client at all: bash can open the connection and cat prints what arrives.
transcript "$OUT/ch01-cat.txt" "cat </dev/tcp/127.0.0.1/$two_PORT" \
    bash -c "cat </dev/tcp/127.0.0.1/$two_PORT"

# A bad address: rejected before anything is downloaded, exit status 2.
transcript "$OUT/ch01-bad-address.txt" "get-poetry $one_PORT localhost:$two_PORT" \
    "$BIN/get-poetry" "$one_PORT" "localhost:$two_PORT"

# A refused port (bound, never listening) between two good ones: the others still arrive, exit status 1.
start refuse "$TMP/badpeer" refuse
show_status "$OUT/ch01-refused.txt" "get-poetry $two_PORT $refuse_PORT $one_PORT >poems.txt" \
    "$TMP/refused-poems.txt" "$BIN/get-poetry" "$two_PORT" "$refuse_PORT" "$one_PORT"

# A reset mid-poem: the server sends part of a poem, then aborts the connection. Nothing goes to stdout.
start reset "$TMP/badpeer" reset-after 29
transcript "$OUT/ch01-reset.txt" "get-poetry $reset_PORT" "$BIN/get-poetry" "$reset_PORT"

echo "ch01.sh: wrote $OUT/ch01-*.txt"
