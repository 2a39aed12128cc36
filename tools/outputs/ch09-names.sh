#!/usr/bin/env bash
# ch09-names.sh: what chapter 9's section "Names off the loop" shows, captured from real runs into
# chapters/outputs/ch09-names-*.txt.
#
# Run directly (bash tools/outputs/ch09-names.sh), or from chapter 9's recipe (tools/outputs/ch09.sh,
# which `make outputs` runs): it serves a poem on 127.0.0.1 and fetches it by the name localhost from a
# hosts file that lists ::1 first, so the first address fails and the second answers; then over IPv6
# ([::1]:PORT against slowpoetry --iface ::1); then a name that does not resolve beside one that does;
# then the addresses refused before anything starts. Names come from the hosts file (RESOLVER_HOSTS_FILE),
# never from DNS, so the transcripts are the same on every machine but for the ports. Transcripts are
# what a reader would see from the repository's top folder with code/ch09/build on their PATH.
# SC2154: NAME_PORT is set by start() (tools/outputs/lib.sh).
# shellcheck disable=SC2154
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$ROOT"

BIN=code/ch09/build
DELAY=0.1
NUM_BYTES=200

make -s -C code/ch09
PATH="$ROOT/$BIN:$PATH"
# shellcheck source=tools/outputs/lib.sh
. "$ROOT/tools/outputs/lib.sh"

# A hosts file as many systems have it, ::1 listed first.
printf '::1        localhost ip6-localhost\n127.0.0.1  localhost\n' >"$TMP/hosts"

slow v4 sonnet18.txt
{
    slow_servers v4
    printf '$ cat hosts\n'
    cat "$TMP/hosts"
} >"$OUT/ch09-names-servers.txt"

show "$OUT/ch09-names-localhost.txt" "RESOLVER_HOSTS_FILE=hosts get-poetry localhost:$v4_PORT >poem.txt" \
    env RESOLVER_HOSTS_FILE="$TMP/hosts" sh -c "get-poetry localhost:$v4_PORT >'$TMP/poem.txt'"

slow v6 hope.txt --iface ::1 --delay "$DELAY" --num-bytes "$NUM_BYTES"
{
    slow_servers v6
    printf '$ get-poetry [::1]:%s >poem.txt\n' "$v6_PORT"
    get-poetry "[::1]:$v6_PORT" 2>&1 >"$TMP/poem.txt" || true
} >"$OUT/ch09-names-ipv6.txt"

show_status "$OUT/ch09-names-unresolved.txt" \
    "RESOLVER_HOSTS_FILE=hosts get-poetry nonexistent.invalid:$v4_PORT localhost:$v4_PORT >poems.txt" "$TMP/poems.txt" \
    env RESOLVER_HOSTS_FILE="$TMP/hosts" get-poetry "nonexistent.invalid:$v4_PORT" "localhost:$v4_PORT"

{
    for bad in "1.2.3:$v4_PORT" "::1:$v4_PORT"; do
        printf '$ get-poetry %s\n' "$bad"
        get-poetry "$bad" 2>&1 || printf '$ echo $?\n%s\n' "$?"
    done
} >"$OUT/ch09-names-refused.txt"
