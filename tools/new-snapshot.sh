#!/usr/bin/env bash
# new-snapshot.sh NN: starts chapter NN's snapshot, code/chNN, as a copy of the latest earlier one
# (without its build folders). Refuses if code/chNN exists. Change what the chapter teaches afterwards.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

usage() { echo "usage: tools/new-snapshot.sh NN   (e.g. tools/new-snapshot.sh 03)" >&2; exit 2; }
[ $# -eq 1 ] || usage
arg=${1#ch}
[[ $arg =~ ^[0-9]{1,2}$ ]] || usage
num=$((10#$arg))
[ "$num" -ge 1 ] || usage
new=$(printf 'code/ch%02d' "$num")
[ ! -e "$new" ] || { echo "new-snapshot: $new already exists; not touching it" >&2; exit 1; }

prev=
for ((i = num - 1; i >= 1; i--)); do
    candidate=$(printf 'code/ch%02d' "$i")
    if [ -d "$candidate" ]; then prev=$candidate; break; fi
done
[ -n "$prev" ] || { echo "new-snapshot: no earlier snapshot to copy into $new" >&2; exit 1; }

mkdir -p "$new"
# Everything but build output: build folders, objects, dependency files, libraries.
(cd "$prev" && find . -mindepth 1 \( -type d \( -name 'build' -o -name 'build-*' \) -prune \) -o \
    \( -type f ! -name '*.o' ! -name '*.d' ! -name '*.a' ! -name 'compile_commands.json' -print \)) |
    while IFS= read -r file; do
        mkdir -p "$new/$(dirname "$file")"
        cp -p "$prev/$file" "$new/$file"
    done
echo "new-snapshot: $new is a copy of $prev ($(find "$new" -type f | wc -l) files); now change what chapter $num teaches"
