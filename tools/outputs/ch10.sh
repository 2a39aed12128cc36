#!/usr/bin/env bash
# ch10.sh: what chapter 10 shows, captured from real runs into chapters/outputs/ch10-*.txt.
#
# Run by `make outputs` (with ROOT exported), or directly: bash tools/outputs/ch10.sh. It runs pump-trace
# (a transformation request pumped by hand on the doubles: whole, split by the chunker's seed 3, and
# dropped after 5 bytes of the reply), then builds chapter 10's poetry tests and runs them in a network
# namespace with no network (unshare -rn), all of them and one replayed seed. Transcripts are what a reader
# would see from the repository's top folder with code/ch10/build on their PATH; the test binary is built
# as the chapter says, into build/.
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$ROOT"

BIN=code/ch10/build

make -s -C code/ch10
PATH="$ROOT/$BIN:$PATH"
# shellcheck source=tools/outputs/lib.sh
. "$ROOT/tools/outputs/lib.sh"

show "$OUT/ch10-pump.txt" "pump-trace cummingsify 'Hello World'" pump-trace cummingsify 'Hello World'
show "$OUT/ch10-chunked.txt" "pump-trace --seed 3 cummingsify 'Hello World'" \
    pump-trace --seed 3 cummingsify 'Hello World'
show_status "$OUT/ch10-drop.txt" "pump-trace --drop 5 shout Hello" - pump-trace --drop 5 shout Hello

# The poetry tests, in a namespace with no network. TAP lines shortened to the test's name.
mkdir -p build
cc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -O2 -Icode/ch10 -Itests/support \
    -o build/test_poetry_on_doubles tests/ch10/lib/test_poetry_on_doubles.c "$BIN/libreactor.a" \
    $(pkg-config --cflags --libs check) -lm -lpthread
if [ "$(id -u)" = 0 ]; then isolate="unshare -n"; else isolate="unshare -rn"; fi
shorten() { sed -E 's/ - [^ ]*test_poetry_on_doubles\.c:[^:]*:([a-z_0-9]*): Passed/ - \1/'; }
{
    printf '$ %s build/test_poetry_on_doubles | cut -c1-90\n' "$isolate"
    # shellcheck disable=SC2086
    $isolate build/test_poetry_on_doubles | shorten | cut -c1-90
} >"$OUT/ch10-no-network.txt"
{
    printf '$ CHUNKER_SEED=977 build/test_poetry_on_doubles | head -n 3\n'
    CHUNKER_SEED=977 build/test_poetry_on_doubles | shorten | head -n 3
} >"$OUT/ch10-replay.txt"
