#!/usr/bin/env bash
# make-diffs.sh: what each chapter changed in the code (`make diffs`).
#
# For each snapshot code/chNN that has an earlier one, writes build/diffs/chNN.diff, the output of
# `diff -ruN code/chPREV code/chNN` without build folders and object files, and prints one line per
# chapter: the files changed and the lines added and removed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

OUT=${DIFFS_OUT:-build/diffs}
mkdir -p "$OUT"
snapshots=()
for dir in code/ch[0-9][0-9]; do [ -d "$dir" ] && snapshots+=("$dir"); done
if [ ${#snapshots[@]} -lt 2 ]; then
    echo "make-diffs: fewer than two snapshots in code/, nothing to compare"
    exit 0
fi

excludes=(-x 'build' -x 'build-*' -x '*.o' -x '*.d' -x '*.a' -x 'compile_commands.json')
prev=
for dir in "${snapshots[@]}"; do
    if [ -n "$prev" ]; then
        ch=${dir#code/}
        status=0
        diff -ruN "${excludes[@]}" "$prev" "$dir" >"$OUT/$ch.diff.tmp" || status=$?
        if [ $status -gt 1 ]; then
            rm -f "$OUT/$ch.diff.tmp"
            echo "make-diffs: diff failed on $prev and $dir" >&2
            exit 1
        fi
        # Drop the files' timestamps, so the diff changes only when the code does (a chapter may show it).
        sed -E 's/^((---|\+\+\+) [^	]*)	.*$/\1/' "$OUT/$ch.diff.tmp" >"$OUT/$ch.diff"
        rm -f "$OUT/$ch.diff.tmp"
        # Count files, and the added and removed lines inside hunks (not the ---/+++ headers).
        read -r files added removed < <(awk '
            /^diff / { files++; in_hunk = 0; next }
            /^@@ / { in_hunk = 1; next }
            in_hunk && /^\+/ { added++ }
            in_hunk && /^-/ { removed++ }
            END { printf "%d %d %d\n", files, added, removed }' "$OUT/$ch.diff")
        printf '%s: %s file%s changed, +%s -%s lines (%s)\n' "$ch" "$files" "$([ "$files" = 1 ] || echo s)" \
            "$added" "$removed" "$OUT/$ch.diff"
    fi
    prev=$dir
done
