#!/usr/bin/env bash
# ch05.sh: the program output chapter 5 shows, captured from real runs into chapters/outputs/ch05-*.txt.
#
# Run by `make outputs` (with ROOT exported), or directly from anywhere: bash tools/outputs/ch05.sh.
# It runs the chapter's programs, rebuilt on transports, protocols and factories: the client against
# three slow servers; three clients at once against ONE slow server, first chapter 5's (served at once),
# then chapter 1's (served one after another), for comparison; the fast server; a client that leaves
# early while the server carries on; a port already in use; a refused port, a reset and a silent peer
# with --timeout; and the slow server's trace while it serves one client. Each transcript is what a
# reader would see in a terminal from the repository's top folder with code/ch05/build on their PATH:
# "$ command" lines, then the output. Ports, addresses and timings differ a little on every run; that
# is expected. The servers send 200 bytes every 0.3 s, as in chapters 2 and 3's transcripts, so their
# runs can be compared line by line. The whole recipe takes about ten seconds.
# SC2069: `2>&1 >file` is on purpose: progress (stderr) goes into the transcript, poems (stdout) to a file.
# SC2154: the NAME_PORT and NAME_SHOWN variables are set by start() and slow() (tools/outputs/lib.sh),
# through printf -v.
# SC2012: the file names listed at the end are our own, plain ones.
# shellcheck disable=SC2012,SC2069,SC2154
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$ROOT"

BIN=code/ch05/build
DELAY=0.3
NUM_BYTES=200

make -s -C code/ch05
make -s -C code/ch01 # chapter 1's one-client-at-a-time server, for the comparison
# The programs run by their bare names, as the chapter tells the reader to run them.
PATH="$ROOT/$BIN:$PATH"
# OUT, TMP, start, slow, slow_servers, show_status, poems_identical: the helpers every recipe shares.
# shellcheck source=tools/outputs/lib.sh
. "$ROOT/tools/outputs/lib.sh"
# Servers keep their stdout in $TMP/NAME.log and their stderr (what a reader would put in server.log)
# in $TMP/NAME.err.
SERVER_STDERR=separate

# The misbehaving test server (tests/support/badpeer.c): a refused port, a reset and a silent peer.
build_badpeer

# server_line SHOWN NAME: "$ SHOWN" and server NAME's first line, as a terminal shows them.
server_line() {
    printf '$ %s\n' "$1"
    head -n 1 "$TMP/$2.log"
}

# ---- three slow servers, one client ----

# Three poems of different lengths, as in chapters 2 and 3: 672 bytes (4 slices, 0.9 s), 443 bytes
# (3 slices, 0.6 s) and 809 bytes (5 slices, 1.2 s).
slow one ozymandias.txt
slow two hope.txt
slow three tyger.txt
ports="$one_PORT $two_PORT $three_PORT"
slow_servers one two three >"$OUT/ch05-servers.txt"

{
    printf '$ get-poetry %s >poems.txt\n' "$ports"
    # shellcheck disable=SC2086
    get-poetry $ports 2>&1 >"$TMP/poems.txt"
    poems_identical ozymandias.txt hope.txt tyger.txt
} >"$OUT/ch05-run.txt"

# ---- three clients, one slow server: this chapter's, then chapter 1's ----

# one_server NAME SERVER_SHOWN SERVER...: starts SERVER (stderr to a log a reader would name
# server.log), runs three downloads from it at once, then shows the server's log.
one_server() {
    local name=$1 shown=$2
    shift 2
    start "$name" "$@"
    local port_var="${name}_PORT"
    local port=${!port_var}
    server_line "$shown 2>server.log &" "$name"
    printf '$ get-poetry %s %s %s >poems.txt\n' "$port" "$port" "$port"
    get-poetry "$port" "$port" "$port" 2>&1 >/dev/null
    printf '$ cat server.log\n'
    cat "$TMP/$name.err"
}

one_server same "slowpoetry --port 0 --delay $DELAY --num-bytes $NUM_BYTES poetry/ozymandias.txt" \
    slowpoetry --port 0 --delay "$DELAY" --num-bytes "$NUM_BYTES" poetry/ozymandias.txt >"$OUT/ch05-one-server.txt"
one_server old "code/ch01/build/slowpoetry --port 0 --delay $DELAY --num-bytes $NUM_BYTES poetry/ozymandias.txt" \
    code/ch01/build/slowpoetry --port 0 --delay "$DELAY" --num-bytes "$NUM_BYTES" poetry/ozymandias.txt \
    >"$OUT/ch05-one-server-ch01.txt"

# ---- the fast server ----

start fast fastpoetry --port 0 poetry/nachtlied.txt
{
    server_line "fastpoetry --port 0 poetry/nachtlied.txt 2>server.log &" fast
    printf '$ get-poetry %s %s %s >poems.txt\n' "$fast_PORT" "$fast_PORT" "$fast_PORT"
    get-poetry "$fast_PORT" "$fast_PORT" "$fast_PORT" 2>&1 >/dev/null
    printf '$ cat server.log\n'
    cat "$TMP/fast.err"
    printf '$ get-poetry %s 2>/dev/null\n' "$fast_PORT"
    get-poetry "$fast_PORT" 2>/dev/null
} >"$OUT/ch05-fastpoetry.txt"

# ---- a client that leaves early; the server carries on ----

# A fresh server, so that its log holds only this story. head reads 40 bytes of the first 200-byte
# slice and exits with the rest unread, so its kernel resets the connection. The next client is
# served as if nothing had happened.
slow early hope.txt
{
    server_line "$early_SHOWN 2>server.log &" early
    printf '$ head -c 40 </dev/tcp/127.0.0.1/%s; echo\n' "$early_PORT"
    bash -c "head -c 40 </dev/tcp/127.0.0.1/$early_PORT"
    echo
    printf '$ get-poetry %s >poems.txt\n' "$early_PORT"
    get-poetry "$early_PORT" 2>&1 >/dev/null
    printf '$ cat server.log\n'
    cat "$TMP/early.err"
} >"$OUT/ch05-early.txt"

# ---- a port already in use ----

show_status "$OUT/ch05-port-in-use.txt" "slowpoetry --port $one_PORT poetry/tyger.txt" - \
    slowpoetry --port "$one_PORT" poetry/tyger.txt

# ---- what can go wrong on the client's side ----

start refuse "$TMP/badpeer" refuse
start reset "$TMP/badpeer" reset-after 30
start silent "$TMP/badpeer" silent

# failing_run FILE SHOWN_ARGS ARGS...: get-poetry ARGS, progress into FILE, then its exit status.
failing_run() {
    local file=$1 shown=$2
    shift 2
    show_status "$file" "get-poetry $shown >poems.txt" /dev/null get-poetry "$@"
}

# A refused port (bound, never listening) between two good ones: it fails alone.
failing_run "$OUT/ch05-refused.txt" "$two_PORT $refuse_PORT $one_PORT" "$two_PORT" "$refuse_PORT" "$one_PORT"
# A server that sends 30 bytes, then resets the connection: a reset is an error, not the poem's end.
failing_run "$OUT/ch05-reset.txt" "$reset_PORT $two_PORT" "$reset_PORT" "$two_PORT"
# A server that accepts and never says a word, between two good ones, with --timeout 1.5: longer than
# any good poem here takes, so only the silent one times out.
failing_run "$OUT/ch05-timeout.txt" "--timeout 1.5 $two_PORT $silent_PORT $one_PORT" \
    --timeout 1.5 "$two_PORT" "$silent_PORT" "$one_PORT"

# ---- the slow server's trace ----

# One client, one poem in three slices: between slices the transport is a reader only; it becomes a
# writer only once the protocol has asked to lose the connection (there is work for do_write).
start traced env REACTOR_TRACE=1 slowpoetry --port 0 --delay "$DELAY" --num-bytes "$NUM_BYTES" poetry/hope.txt
get-poetry "$traced_PORT" >/dev/null 2>&1
sleep 0.1 # let the server finish the turn after the close before its log is read
{
    server_line "REACTOR_TRACE=1 slowpoetry --port 0 --delay $DELAY --num-bytes $NUM_BYTES poetry/hope.txt 2>trace.log &" traced
    printf '$ get-poetry %s >/dev/null 2>&1\n' "$traced_PORT"
    printf '$ cat trace.log\n'
    cat "$TMP/traced.err"
} >"$OUT/ch05-trace.txt"

echo "ch05.sh: wrote $(ls "$OUT"/ch05-*.txt | tr '\n' ' ')"
