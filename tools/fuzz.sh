#!/usr/bin/env bash
# fuzz.sh [SECONDS] [TARGET...]: builds chapter 8's libFuzzer targets (tests/ch08/fuzz/fuzz_*.c) with
# clang -fsanitize=fuzzer,address,undefined against code/ch08, and runs each for SECONDS (default 60),
# starting from its committed seed corpus (tests/ch08/fuzz/corpus/TARGET, which is only read; what the
# run finds goes to build/fuzz/corpus-TARGET). Ends with one line per target: executions and seconds.
# A target that finds a crash stops, leaves the input in build/fuzz/ and makes this script fail.
# (make fuzz TIME=SECONDS)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
seconds=${1:-60}
shift || true
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: tools/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2; }
command -v clang >/dev/null || { echo "fuzz: needs clang (tools/install-deps.sh installs it)" >&2; exit 1; }

SNAP=code/ch08
SOURCES=(line_receiver.c netstring.c transforms.c transform_protocol.c memory_transport.c result.c)
FLAGS=(-std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -O1 -g -fno-omit-frame-pointer
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I"$SNAP" -Itests/ch08/fuzz)
mkdir -p build/fuzz
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in tests/ch08/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
status=0
summary=()
for target in "${targets[@]}"; do
    exe=build/fuzz/$target
    if ! clang "${FLAGS[@]}" -o "$exe" "tests/ch08/fuzz/$target.c" "${SOURCES[@]/#/$SNAP/}" -lm; then
        echo "fuzz: $target does not build" >&2
        status=1
        continue
    fi
    work=build/fuzz/corpus-$target
    mkdir -p "$work"
    log=build/fuzz/$target.log
    echo "== $target: $seconds s"
    (cd build/fuzz && "./$target" -max_total_time="$seconds" -print_final_stats=1 -max_len=4096 \
        -artifact_prefix="$target-" "corpus-$target" "$ROOT/tests/ch08/fuzz/corpus/$target") >"$log" 2>&1
    rc=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    if [ $rc -ne 0 ]; then
        status=1
        summary+=("$target: FAILED after ${runs:-?} executions (see $log)")
        tail -n 30 "$log"
    else
        summary+=("$target: ${runs:-?} executions in $seconds s, nothing found")
    fi
done
printf '%s\n' "${summary[@]}"
exit $status
