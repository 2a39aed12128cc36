#!/usr/bin/env bash
# ch08.sh: what chapter 8 shows, captured from real runs into chapters/outputs/ch08-*.txt.
#
# Run by `make outputs` (with ROOT exported), or directly: bash tools/outputs/ch08.sh. It starts the
# transformation server on port 0, sends it one well-formed netstring request and shows the reply, then a
# malformed one (a leading zero), which the server closes with no reply, and the server's log. The
# requests are made from bash alone (its /dev/tcp), so the commands shown work without nc. Transcripts
# are what a reader would see from the repository's top folder with code/ch08/build on their PATH.
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
