#!/usr/bin/env bash
# ch02.sh: the program output chapter 2 shows, captured from real runs into chapters/outputs/ch02-*.txt.
#
# Run by `make outputs` (with ROOT exported), or directly from anywhere: bash tools/outputs/ch02.sh.
# It starts three slow poetry servers on port 0, runs chapter 2's asynchronous client against them (and
# chapter 1's blocking client, for the comparison), and writes what a reader would see in a terminal:
# "$ command" lines, then the output. Ports and timings differ a little on every run; that is expected.
# Flags: 200 bytes every 0.3 s, so each poem arrives in a few slices and the interleaving shows in a
# dozen lines. The whole recipe takes about ten seconds.
# SC2069: `2>&1 >file` is on purpose: progress (stderr) goes into the transcript, poems (stdout) to a file.
# SC2154: the NAME_PORT and NAME_SHOWN variables are set by start() and slow() (tools/outputs/lib.sh),
# through printf -v.
# shellcheck disable=SC2069,SC2154
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$ROOT"

BIN=code/ch02/build
BLOCKING=code/ch01/build
DELAY=0.3
NUM_BYTES=200

make -s -C code/ch02
make -s -C code/ch01
# OUT, TMP, start, slow, slow_servers, show_status, poems_identical: the helpers every recipe shares.
# shellcheck source=tools/outputs/lib.sh
. "$ROOT/tools/outputs/lib.sh"

# The misbehaving test server (tests/support/badpeer.c) gives us a refused port and a reset, for real.
build_badpeer

# Three servers, three poems of different lengths: 672 bytes (4 slices, 0.9 s), 443 bytes (3 slices,
# 0.6 s) and 809 bytes (5 slices, 1.2 s). The second finishes first; the third is the slowest.
slow one ozymandias.txt
slow two hope.txt
slow three tyger.txt
ports="$one_PORT $two_PORT $three_PORT"

# How the servers were started, as the chapter tells the reader to start them.
slow_servers one two three >"$OUT/ch02-servers.txt"

# The main run: all three at once. Poems to a file, so the terminal shows the progress lines only.
{
    printf '$ get-poetry %s >poems.txt\n' "$ports"
    # shellcheck disable=SC2086
    "$BIN/get-poetry" $ports 2>&1 >"$TMP/poems.txt"
    poems_identical ozymandias.txt hope.txt tyger.txt
} >"$OUT/ch02-run.txt"

# The same three servers, fetched by chapter 1's blocking client: the sum, not the slowest.
{
    printf '$ %s/get-poetry %s >poems.txt\n' "$BLOCKING" "$ports"
    # shellcheck disable=SC2086
    "$BLOCKING/get-poetry" $ports 2>&1 >"$TMP/blocking-poems.txt"
} >"$OUT/ch02-blocking.txt"

# A slice that ends inside a character: the em dash of Ozymandias is bytes 88 to 90 (counting from 1),
# so 88-byte slices cut it after its first byte. The poem still arrives byte for byte.
slow split ozymandias.txt --delay 0.05 --num-bytes 88
{
    slow_servers split
    printf '$ get-poetry %s >poem.txt\n' "$split_PORT"
    "$BIN/get-poetry" "$split_PORT" 2>&1 >"$TMP/split-poem.txt"
    printf '$ cmp poetry/ozymandias.txt poem.txt && echo identical\n'
    cmp poetry/ozymandias.txt "$TMP/split-poem.txt" && echo identical
} >"$OUT/ch02-split.txt"

# A refused port (bound, never listening) between two good ones: the others still arrive, exit status 1.
start refuse "$TMP/badpeer" refuse
show_status "$OUT/ch02-refused.txt" "get-poetry $one_PORT $refuse_PORT $two_PORT >poems.txt" "$TMP/poems.txt" \
    "$BIN/get-poetry" "$one_PORT" "$refuse_PORT" "$two_PORT"

# A reset mid-poem beside a good download: the partial poem is dropped, the other one arrives.
start reset "$TMP/badpeer" reset-after 29
show_status "$OUT/ch02-reset.txt" "get-poetry $reset_PORT $two_PORT >poems.txt" "$TMP/poems.txt" \
    "$BIN/get-poetry" "$reset_PORT" "$two_PORT"

# select() cannot watch a descriptor at or above FD_SETSIZE. A shell that already holds descriptors 3 to
# 1100 open makes the client's socket number 1101. Needs a hard limit above 1200 on open files; where it
# is lower, the transcript committed last time stays as it is.
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -gt 1200 ]; then
    shown="(ulimit -n 1200; for fd in \$(seq 3 1100); do eval \"exec \$fd</dev/null\"; done; get-poetry $two_PORT)"
    # shellcheck disable=SC2016 # the single-quoted script is bash -c's, expanded there
    show_status "$TMP/fd-setsize.txt" "$shown" /dev/null \
        bash -c 'ulimit -n 1200; for fd in $(seq 3 1100); do eval "exec $fd</dev/null"; done; exec "$@"' \
        _ "$BIN/get-poetry" "$two_PORT"
    mv "$TMP/fd-setsize.txt" "$OUT/ch02-fd-setsize.txt"
else
    echo "ch02.sh: the hard limit on open files is too low to show FD_SETSIZE; kept $OUT/ch02-fd-setsize.txt" >&2
fi

echo "ch02.sh: wrote $(ls "$OUT"/ch02-*.txt | tr '\n' ' ')"
