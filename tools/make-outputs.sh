#!/usr/bin/env bash
# make-outputs.sh: regenerates the program output the book shows (`make outputs`).
#
#   tools/make-outputs.sh            every recipe tools/outputs/chNN.sh
#   tools/make-outputs.sh ch03 04    only those chapters' recipes
#
# Each recipe runs real programs and writes transcripts to chapters/outputs/chNN-*.txt. They run one
# after another with ROOT exported; a failing recipe is reported (with the end of its log) and the others
# still run. Exits 1 if any failed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ROOT
cd "$ROOT" || exit 2

recipes=()
if [ $# -eq 0 ]; then
    for recipe in tools/outputs/ch[0-9][0-9].sh; do [ -f "$recipe" ] && recipes+=("$recipe"); done
else
    for arg in "$@"; do
        arg=${arg#ch}
        arg=${arg%.sh}
        [[ $arg =~ ^[0-9]{1,2}$ ]] || { echo "usage: tools/make-outputs.sh [chNN ...]" >&2; exit 2; }
        recipe=$(printf 'tools/outputs/ch%02d.sh' "$((10#$arg))")
        [ -f "$recipe" ] || { echo "make-outputs: no recipe $recipe" >&2; exit 2; }
        recipes+=("$recipe")
    done
fi
[ ${#recipes[@]} -gt 0 ] || { echo "make-outputs: no recipes in tools/outputs/"; exit 0; }

LOGS=build/outputs-logs
mkdir -p "$LOGS"
failed=()
for recipe in "${recipes[@]}"; do
    name=$(basename "$recipe" .sh)
    start=$(date +%s)
    if timeout -k 5 "${OUTPUTS_TIMEOUT:-300}" bash "$recipe" >"$LOGS/$name.log" 2>&1 </dev/null; then
        echo "ok      $name ($(($(date +%s) - start))s): $(ls chapters/outputs/"$name"-*.txt 2>/dev/null | wc -l) transcripts"
    else
        status=$?
        failed+=("$name")
        echo "FAILED  $name (exit $status; log: $LOGS/$name.log)"
        tail -n 10 "$LOGS/$name.log" | sed 's/^/        /'
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "make-outputs: ${#failed[@]} of ${#recipes[@]} recipes failed: ${failed[*]}" >&2
    exit 1
fi
echo "make-outputs: all ${#recipes[@]} recipes ran; review the changes with: git diff chapters/outputs"
