#!/usr/bin/env bash
# ch08.sh: what chapter 8 shows, captured from real runs into chapters/outputs/ch08-*.txt.
#
# Run by `make outputs` (with ROOT exported), or directly: bash tools/outputs/ch08.sh. It starts the
# transformation server on port 0, sends it one well-formed netstring request and shows the reply, then a
# malformed one (a leading zero), which the server closes with no reply, and the server's log. The
# requests are made from bash alone (its /dev/tcp), so the commands shown work without nc. Transcripts
# are what a reader would see from the repository's top folder with code/ch08/build on their PATH.
# Then transform-client against it: two poems transformed, and an unknown transform that falls back.
# Ports differ from run to run.
# SC2154: NAME_PORT is set by start() (tools/outputs/lib.sh).
# shellcheck disable=SC2154
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$ROOT"

BIN=code/ch08/build

make -s -C code/ch08
PATH="$ROOT/$BIN:$PATH"
# shellcheck source=tools/outputs/lib.sh
. "$ROOT/tools/outputs/lib.sh"
SERVER_STDERR=separate

start server transform-server --port 0
{
    printf '$ transform-server --port 0 2>server.log &\n'
    head -n 1 "$TMP/server.log"
} >"$OUT/ch08-server.txt"

# ask FILE REQUEST AFTER: shows and runs one connection, the command as shown: the request's bytes in,
# the reply out, then AFTER (a newline after the reply, or a count of its bytes).
ask() {
    local file=$1 request=$2 after=$3
    local command="{ printf '$request' >&3; cat <&3$after; } 3<>/dev/tcp/127.0.0.1/$server_PORT"
    show "$file" "$command" bash -c "$command"
}
ask "$OUT/ch08-request.txt" '17:cummingsify.HELLO,' '; echo'
ask "$OUT/ch08-malformed.txt" '05:shout,' ' | wc -c'
sleep 0.2 # the server logs the close after the client has seen it
{
    printf '$ cat server.log\n'
    cat "$TMP/server.err"
} >>"$OUT/ch08-malformed.txt"

# The client: two slow poetry servers and the transformation server above. First the poems transformed
# (stderr shown, the poems kept in poems.txt), then an unknown transform: the originals, with a warning.
SERVER_STDERR=
DELAY=0.1
NUM_BYTES=150
slow hope hope.txt
slow nacht nachtlied.txt --delay 0.1 --num-bytes 100
{
    slow_servers hope nacht
} >"$OUT/ch08-client-servers.txt"
show_status "$OUT/ch08-client.txt" \
    "transform-client 127.0.0.1:$server_PORT $hope_PORT $nacht_PORT >poems.txt" \
    "$TMP/poems.txt" transform-client "127.0.0.1:$server_PORT" "$hope_PORT" "$nacht_PORT"
{
    printf '$ head -n 3 poems.txt\n'
    head -n 3 "$TMP/poems.txt"
} >>"$OUT/ch08-client.txt"
show_status "$OUT/ch08-client-fallback.txt" \
    "transform-client --transform nope 127.0.0.1:$server_PORT $nacht_PORT >poems.txt" \
    "$TMP/poems.txt" transform-client --transform nope "127.0.0.1:$server_PORT" "$nacht_PORT"
poems_identical nachtlied.txt >>"$OUT/ch08-client-fallback.txt"

# >> proxy (issue 11b)
# The caching proxy: a slow server and the proxy in front of it (their logs in files, as a reader would
# keep them); three clients at once, which share one fetch; a later one, served at once from the kept
# poem; both logs (one "Sending" line: one upstream connection). Then the server goes away: the proxy
# still serves what it keeps, while a second proxy, with nothing kept, resets its client.
SERVER_STDERR=separate # the logs below are the servers' stderr alone
start proxyslow slowpoetry --port 0 --delay 0.2 --num-bytes 200 poetry/tyger.txt
proxyslow_pid=${pids[-1]}
start proxy poetry-proxy --port 0 --expire 60 "$proxyslow_PORT"
{
    printf '$ slowpoetry --port 0 --delay 0.2 --num-bytes 200 poetry/tyger.txt 2>slow.log &\n'
    head -n 1 "$TMP/proxyslow.log"
    printf '$ poetry-proxy --port 0 --expire 60 %s 2>proxy.log &\n' "$proxyslow_PORT"
    head -n 1 "$TMP/proxy.log"
} >"$OUT/ch08-proxy-start.txt"
show "$OUT/ch08-proxy-three.txt" "get-poetry $proxy_PORT $proxy_PORT $proxy_PORT >three.txt" \
    bash -c "get-poetry $proxy_PORT $proxy_PORT $proxy_PORT >'$TMP/three.txt'"
show "$OUT/ch08-proxy-later.txt" "get-poetry $proxy_PORT >later.txt" \
    bash -c "get-poetry $proxy_PORT >'$TMP/later.txt'"
{
    printf '$ cat proxy.log\n'
    cat "$TMP/proxy.err"
    printf '$ cat slow.log\n'
    cat "$TMP/proxyslow.err"
    printf '$ cat poetry/tyger.txt poetry/tyger.txt poetry/tyger.txt | cmp - three.txt && echo identical\n'
    if cat poetry/tyger.txt poetry/tyger.txt poetry/tyger.txt | cmp - "$TMP/three.txt"; then echo identical; fi
} >"$OUT/ch08-proxy-logs.txt"

kill "$proxyslow_pid"
wait "$proxyslow_pid" 2>/dev/null || true
{
    printf '$ kill %%1   # the slow server goes away\n'
} >"$OUT/ch08-proxy-gone.txt"
show "$TMP/kept.txt" "get-poetry $proxy_PORT >/dev/null" bash -c "get-poetry $proxy_PORT >/dev/null"
cat "$TMP/kept.txt" >>"$OUT/ch08-proxy-gone.txt"
start proxy2 poetry-proxy --port 0 "$proxyslow_PORT"
{
    printf '$ poetry-proxy --port 0 %s 2>proxy2.log &\n' "$proxyslow_PORT"
    head -n 1 "$TMP/proxy2.log"
} >>"$OUT/ch08-proxy-gone.txt"
show_status "$TMP/reset-run.txt" "get-poetry $proxy2_PORT" /dev/null get-poetry "$proxy2_PORT"
sleep 0.2 # the proxy may log the reset after the client has seen it
{
    cat "$TMP/reset-run.txt"
    printf '$ cat proxy2.log\n'
    cat "$TMP/proxy2.err"
} >>"$OUT/ch08-proxy-gone.txt"
# << proxy
