#!/usr/bin/env bash
# make-diffs.sh: what each chapter changed in the code (`make diffs`).
#
# For each snapshot code/chNN that has an earlier one, writes build/diffs/chNN.diff, which reads as the
# chapter's summary:
#   1. a summary (lines starting with "#"): the files changed, with the lines added and removed; the new
#      files, with their length; the files gone;
#   2. the changes to the files that changed, the largest change first;
#   3. each new file, whole; then each gone file.
# Each file's part starts with a line `diff -uN code/chPREV/FILE code/chNN/FILE`, as `diff -ruN` writes,
# without timestamps, so the diff changes only when the code does. Build folders and object files are
# left out. It also writes build/diffs/chNN.html, the same diff as a page with colours (tools/diff-page.py;
# the HTML book links each chapter to it), and prints one line per chapter.
# Environment: DIFFS_OUT (default build/diffs) is where they go.
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

# files_in DIR: the snapshot's source files, relative to DIR, sorted; no build output.
files_in() {
    (cd "$1" && find . \( -name build -o -name 'build-*' \) -prune -o -type f ! -name '*.o' ! -name '*.d' \
        ! -name '*.a' ! -name compile_commands.json -print | sed 's|^\./||' | LC_ALL=C sort)
}

# file_diff OLD NEW LABEL_OLD LABEL_NEW: one file's part of the diff (OLD or NEW may be /dev/null).
file_diff() {
    printf 'diff -uN %s %s\n' "$3" "$4"
    diff -u --label "$3" --label "$4" "$1" "$2" || [ $? -eq 1 ]
}

plural() { [ "$1" = 1 ] || echo s; }

prev=
for dir in "${snapshots[@]}"; do
    if [ -z "$prev" ]; then prev=$dir; continue; fi
    ch=${dir#code/}
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/make-diffs.XXXXXX")
    files_in "$prev" >"$tmp/old"
    files_in "$dir" >"$tmp/new"
    changed=() new=() gone=()
    while IFS= read -r f; do
        cmp -s "$prev/$f" "$dir/$f" || changed+=("$f")
    done < <(LC_ALL=C comm -12 "$tmp/old" "$tmp/new")
    mapfile -t new < <(LC_ALL=C comm -13 "$tmp/old" "$tmp/new")
    mapfile -t gone < <(LC_ALL=C comm -23 "$tmp/old" "$tmp/new")

    # The changed files' diffs, each with its counts, then sorted largest first.
    added_total=0 removed_total=0
    : >"$tmp/sizes"
    for i in "${!changed[@]}"; do
        f=${changed[i]}
        file_diff "$prev/$f" "$dir/$f" "$prev/$f" "$dir/$f" >"$tmp/changed.$i" || {
            echo "make-diffs: diff failed on $prev/$f and $dir/$f" >&2; rm -rf "$tmp"; exit 1; }
        read -r added removed < <(awk '/^@@ /{h=1;next} h&&/^\+/{a++} h&&/^-/{r++} END{printf "%d %d\n",a,r}' "$tmp/changed.$i")
        added_total=$((added_total + added)); removed_total=$((removed_total + removed))
        printf '%d\t%d\t%d\t%d\t%s\n' $((added + removed)) "$i" "$added" "$removed" "$f" >>"$tmp/sizes"
    done
    sort -t '	' -k1,1nr -k5,5 "$tmp/sizes" >"$tmp/sorted"
    new_lines=0
    for f in "${new[@]}"; do new_lines=$((new_lines + $(wc -l <"$dir/$f"))); done

    {
        printf '# What chapter %d changed in the code: %s -> %s\n#\n' "$((10#${ch#ch}))" "$prev" "$dir"
        printf '# Changed: %d file%s, +%d -%d lines\n' ${#changed[@]} "$(plural ${#changed[@]})" \
            "$added_total" "$removed_total"
        while IFS='	' read -r _ _ added removed f; do
            printf '#   %-28s +%-5d -%d\n' "$f" "$added" "$removed"
        done <"$tmp/sorted"
        printf '# New: %d file%s, %d line%s\n' ${#new[@]} "$(plural ${#new[@]})" "$new_lines" "$(plural "$new_lines")"
        for f in "${new[@]}"; do
            n=$(wc -l <"$dir/$f")
            printf '#   %-28s %d line%s\n' "$f" "$n" "$(plural "$n")"
        done
        printf '# Gone: %d file%s\n' ${#gone[@]} "$(plural ${#gone[@]})"
        for f in "${gone[@]}"; do printf '#   %s\n' "$f"; done
        printf '#\n# Below: the changes to the changed files (largest first), then each new file whole, then the gone ones.\n\n'
        while IFS='	' read -r _ i _ _ _; do cat "$tmp/changed.$i"; done <"$tmp/sorted"
        for f in "${new[@]}"; do file_diff /dev/null "$dir/$f" "$prev/$f" "$dir/$f"; done
        for f in "${gone[@]}"; do file_diff "$prev/$f" /dev/null "$prev/$f" "$dir/$f"; done
    } >"$OUT/$ch.diff.tmp"
    mv "$OUT/$ch.diff.tmp" "$OUT/$ch.diff"
    rm -rf "$tmp"

    if [ -f tools/diff-page.py ] && command -v python3 >/dev/null; then
        python3 tools/diff-page.py "$OUT/$ch.diff" "$ch" >"$OUT/$ch.html.tmp" && mv "$OUT/$ch.html.tmp" "$OUT/$ch.html"
    fi
    printf '%s: %s file%s changed, +%s -%s lines; %s new (%s lines), %s gone (%s)\n' "$ch" ${#changed[@]} \
        "$(plural ${#changed[@]})" "$added_total" "$removed_total" ${#new[@]} "$new_lines" ${#gone[@]} "$OUT/$ch.diff"
    prev=$dir
done
