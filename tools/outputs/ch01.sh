#!/usr/bin/env bash
# ch01.sh: the program output chapter 1 shows, captured from real runs into chapters/outputs/ch01-*.txt.
#
# Run by `make outputs` (with ROOT exported), or directly from anywhere: bash tools/outputs/ch01.sh.
# It starts slow poetry servers on port 0, runs the blocking client against them and writes what a reader
# would see in a terminal: "$ command" lines, then the output. Ports differ on every run; that is expected.
# Fast flags (--delay 0.1 --num-bytes 30) keep the whole recipe to about ten seconds.
#
# The NAME_PORT variables are set by `start` through printf -v, which shellcheck cannot follow:
# shellcheck disable=SC2154
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$ROOT"

BIN=code/ch01/build
OUT=chapters/outputs
DELAY=0.1
NUM_BYTES=30

make -s -C code/ch01
mkdir -p "$OUT"

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

# The misbehaving test server (tests/support/badpeer.c) gives us a refused port and a reset, for real.
"${CC:-cc}" -std=c11 -D_DEFAULT_SOURCE -O2 -o "$TMP/badpeer" tests/support/badpeer.c

# start NAME COMMAND...: runs a server in the background, stdout and stderr together in $TMP/NAME.log,
# waits (up to 10 s) for its first line "Serving ... on port PORT." and sets NAME_PORT.
start() {
    local name=$1
    shift
    "$@" >"$TMP/$name.log" 2>&1 &
    pids+=("$!")
    local pid=$! tries=0 line
    while [ $tries -lt 200 ]; do
        line=$(head -n 1 "$TMP/$name.log" 2>/dev/null || true)
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
    echo "ch01.sh: $name did not start: $(head -c 300 "$TMP/$name.log")" >&2
    exit 1
}

# slow NAME POEM: a slow poetry server for poetry/POEM with the recipe's fast-but-still-slow flags.
slow() {
    start "$1" "$BIN/slowpoetry" --port 0 --delay "$DELAY" --num-bytes "$NUM_BYTES" "poetry/$2"
}

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
slow_flags="--port 0 --delay $DELAY --num-bytes $NUM_BYTES"

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
    printf '$ slowpoetry %s poetry/ozymandias.txt\n' "$slow_flags"
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
{
    printf '$ get-poetry %s %s %s >poems.txt\n' "$two_PORT" "$refuse_PORT" "$one_PORT"
    status=0
    # shellcheck disable=SC2069
    "$BIN/get-poetry" "$two_PORT" "$refuse_PORT" "$one_PORT" 2>&1 >"$TMP/refused-poems.txt" || status=$?
    printf '$ echo $?\n%s\n' "$status"
} >"$OUT/ch01-refused.txt"

# A reset mid-poem: the server sends part of a poem, then aborts the connection. Nothing goes to stdout.
start reset "$TMP/badpeer" reset-after 29
transcript "$OUT/ch01-reset.txt" "get-poetry $reset_PORT" "$BIN/get-poetry" "$reset_PORT"

echo "ch01.sh: wrote $OUT/ch01-*.txt"
