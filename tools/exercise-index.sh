#!/usr/bin/env bash
# exercise-index.sh: prints the book's appendix of exercises (Markdown), made from the exercises'
# own READMEs so that it can never drift from them: for each exercise its title, the files to edit, the
# command that checks it, and its hints. Run by tools/build-book.sh into build/exercise-index.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

echo '# Appendix C: Exercise index {#appendix-exercises .unnumbered}'
echo
echo 'Every exercise in the book, by chapter: what to edit, the command that checks it, and its hints.'
echo 'The full text is in the exercise folder'"'"'s `README.md` and at the end of each chapter. The reference'
echo 'solutions are in `solutions/`, for teachers and for after you are done.'
for chapter_dir in exercises/ch[0-9][0-9]; do
    [ -d "$chapter_dir" ] || continue
    ch=$(basename "$chapter_dir")
    printf '\n## Chapter %d {.unnumbered}\n' "$((10#${ch#ch}))"
    for dir in "$chapter_dir"/*/; do
        dir=${dir%/}
        readme="$dir/README.md"
        [ -f "$readme" ] || continue
        name=$(basename "$dir")
        title=$(head -n 1 "$readme" | sed 's/^# *//; s/^Exercise: *//')
        files=$(find "$dir" -maxdepth 1 -type f ! -name README.md -printf '`%p` ' | sed 's/ $//')
        printf '\n### `%s/%s`: %s {.unnumbered}\n\n' "$ch" "$name" "$title"
        printf 'Edit %s; check with `make check EX=%s/%s`.\n' "$files" "$ch" "$name"
        # The hints: everything from the "**Hints.**" line to the next bold paragraph or the end.
        hints=$(awk '/^\*\*Hints?\.?\*\*/ { on = 1; sub(/^\*\*Hints?\.?\*\* */, ""); if ($0 != "") print; next }
                     on && /^\*\*/ { exit }
                     on { print }' "$readme")
        if [ -n "$hints" ]; then
            printf '\nHints:\n\n%s\n' "$hints"
        fi
    done
done
