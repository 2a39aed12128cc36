#!/usr/bin/env bash
# ch09.sh: what chapter 9 shows, captured from real runs into chapters/outputs/ch09-*.txt.
#
# Run by `make outputs` (with ROOT exported), or directly: bash tools/outputs/ch09.sh. It runs
# pool-demo (blocking work on the reactor's thread pool, progress through calls from threads, the loop
# ticking meanwhile) with the default pool and with a pool of two threads, once with the reactor's
# trace on, and the threads benchmark of our reactor alone (a burst's wake-ups). Transcripts are what a
# reader would see from the repository's top folder with code/ch09/build on their PATH; the order of
# lines from different jobs, and the numbers, differ from run to run.
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$ROOT"

BIN=code/ch09/build

make -s -C code/ch09
PATH="$ROOT/$BIN:$PATH"
# shellcheck source=tools/outputs/lib.sh
. "$ROOT/tools/outputs/lib.sh"

show "$OUT/ch09-demo.txt" "pool-demo --jobs 3 --work 0.4 --tick 0.1" pool-demo --jobs 3 --work 0.4 --tick 0.1
show "$OUT/ch09-two-threads.txt" "pool-demo --jobs 4 --threads 2 --work 0.2 --tick 0.1" \
    pool-demo --jobs 4 --threads 2 --work 0.2 --tick 0.1
# The trace of one job, from the first tick to the end: the waker at work.
{
    printf '$ REACTOR_TRACE=1 pool-demo --jobs 1 --work 0.2 --tick 0.15 2>&1 | tail -n 14\n'
    REACTOR_TRACE=1 pool-demo --jobs 1 --work 0.2 --tick 0.15 2>&1 | tail -n 14
} >"$OUT/ch09-trace.txt"

make -s -C bench build/threads-reactor
show "$OUT/ch09-bench.txt" "bench/build/threads-reactor --threads 4 --calls 1000000 --pings 2000" \
    bench/build/threads-reactor --threads 4 --calls 1000000 --pings 2000

# The section "Names off the loop" has a recipe of its own.
bash "$ROOT/tools/outputs/ch09-names.sh"
