#!/usr/bin/env bash
# carry-forward.sh chNN [FILE...]: carries a fix made in snapshot chNN into every later snapshot.
#
# Make the fix in the earliest snapshot that has the code, leave it uncommitted, then run this. It takes
# the change (`git diff HEAD`) to code/chNN, or only to the FILEs named (relative to code/chNN, or as
# code/chNN/FILE), and applies it with `patch` to each later snapshot that has those files. One line per
# snapshot:
#   applied          the change is now there too
#   already there    the snapshot had it (e.g. a second run)
#   skipped          the snapshot has none of the changed files
#   conflict: ...    the snapshot's code differs too much; nothing was changed in it, do it by hand
# Exits 1 if any snapshot had a conflict, 2 on a bad command line.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

usage() { echo "usage: tools/carry-forward.sh chNN [FILE...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
from=${1#code/}
from=${from%/}
shift
[[ $from =~ ^ch[0-9][0-9]$ ]] || usage
[ -d "code/$from" ] || { echo "carry-forward: no snapshot code/$from" >&2; exit 2; }
git rev-parse --verify -q HEAD >/dev/null || { echo "carry-forward: needs a git repository with a commit" >&2; exit 2; }

# The files the change touches, relative to the snapshot.
files=()
for file in "$@"; do
    file=${file#code/"$from"/}
    [ -e "code/$from/$file" ] || git cat-file -e "HEAD:code/$from/$file" 2>/dev/null ||
        { echo "carry-forward: no file code/$from/$file" >&2; exit 2; }
    files+=("$file")
done
if [ ${#files[@]} -eq 0 ]; then
    mapfile -t files < <(git diff --no-ext-diff --relative="code/$from/" --name-only HEAD -- "code/$from")
fi
if [ ${#files[@]} -eq 0 ]; then
    echo "carry-forward: code/$from has no uncommitted change to carry"
    exit 0
fi
changed=$(git diff --no-ext-diff --relative="code/$from/" --name-only HEAD -- "${files[@]/#/code/$from/}")
if [ -z "$changed" ]; then
    echo "carry-forward: no uncommitted change to ${files[*]} in code/$from"
    exit 0
fi
mapfile -t files <<<"$changed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/carry-forward.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
from_num=$((10#${from#ch}))
conflicts=0
for dir in code/ch[0-9][0-9]; do
    [ -d "$dir" ] || continue
    ch=${dir#code/}
    [ $((10#${ch#ch})) -gt "$from_num" ] || continue

    present=()
    for file in "${files[@]}"; do [ -f "$dir/$file" ] && present+=("code/$from/$file"); done
    if [ ${#present[@]} -eq 0 ]; then
        echo "$ch: skipped (has none of: ${files[*]})"
        continue
    fi
    patch_file="$tmp/$ch.patch"
    git diff --no-ext-diff --no-color --relative="code/$from/" HEAD -- "${present[@]}" >"$patch_file"

    options=(-d "$dir" -p1 --force --fuzz=0 --no-backup-if-mismatch -i "$patch_file")
    if patch --dry-run -R "${options[@]}" >/dev/null 2>&1; then
        echo "$ch: already there"
    elif patch --dry-run "${options[@]}" >"$tmp/out" 2>&1; then
        if patch -s "${options[@]}" >"$tmp/out" 2>&1; then
            echo "$ch: applied (${present[*]#code/"$from"/})"
        else
            conflicts=$((conflicts + 1))
            echo "$ch: conflict: patch failed after a clean dry run: $(tr '\n' ' ' <"$tmp/out")"
        fi
    else
        conflicts=$((conflicts + 1))
        # Name each failing hunk with its file: "get-poetry.c: Hunk #1 FAILED at 60".
        why=$(awk '/^checking file / { file = substr($0, 15); next }
                   /^Hunk #.*FAILED/ { sub(/\.$/, ""); printf "%s%s: %s", sep, file, $0; sep = "; " }' "$tmp/out")
        echo "$ch: conflict: ${why:-$(head -n 3 "$tmp/out" | tr '\n' ' ')} (nothing changed in $dir; carry it by hand)"
    fi
done
[ "$conflicts" -eq 0 ] || { echo "carry-forward: $conflicts snapshot(s) had conflicts" >&2; exit 1; }
