#!/usr/bin/env bash
# build-book.sh: the book, as build/book.html (one self-contained file) and build/book.epub.
#
#   tools/build-book.sh [BOOK.md]     (run by `make book`; BOOK.md defaults to book.md)
#
# Reads the chapter list from the `chapters:` list in the book's metadata, fails if a listed chapter is
# missing, and runs pandoc from the workbook's top folder with the two filters: tools/graphviz.lua
# (figures) and tools/include-code.lua (listings from code/chNN/). A missing listing, snippet or figure
# fails the build. Environment: BOOK_OUT (default build) is where the two books go.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

BOOK=${1:-book.md}
OUT=${BOOK_OUT:-build}
die() { echo "build-book: $*" >&2; exit 1; }

command -v pandoc >/dev/null || die "pandoc is not installed (run: make setup)"
command -v dot >/dev/null || die "graphviz's dot is not installed (run: make setup)"
[ -f "$BOOK" ] || die "no $BOOK"
mkdir -p "$OUT"

# The chapter list, one per line, read by pandoc itself (so any YAML list spelling works).
template=$(mktemp "${TMPDIR:-/tmp}/book-chapters.XXXXXX")
source_md="$OUT/book-source.md"
trap 'rm -f "$template"' EXIT
# The appendices come after the chapters; the exercise index among them is made from the exercises.
printf '%s\n' '$for(chapters)$' '$chapters$' '$endfor$' '$for(appendices)$' '$appendices$' '$endfor$' >"$template"
mkdir -p build
# Written aside and moved into place, so two builds at once (make test runs one) never read half a file.
bash tools/exercise-index.sh >"build/exercise-index.md.$$" && mv "build/exercise-index.md.$$" build/exercise-index.md ||
    die "could not make the exercise index"
mapfile -t chapters < <(pandoc --template="$template" -f markdown -t plain --wrap=none "$BOOK" </dev/null |
    sed '/^[[:space:]]*$/d')
[ ${#chapters[@]} -gt 0 ] || die "$BOOK lists no chapters (its metadata needs 'chapters: [chapters/NN-slug.md, ...]')"
missing=0
for chapter in "${chapters[@]}"; do
    if [ ! -f "$chapter" ]; then
        echo "build-book: $BOOK lists $chapter, which does not exist" >&2
        missing=1
    fi
done
[ $missing -eq 0 ] || exit 1

# One source: the master, then each chapter after a line that tells the filters whose lines follow
# (so an error names the chapter). The filters remove those lines.
{
    printf '<!-- include-code-source: %s -->\n\n' "$BOOK"
    cat "$BOOK"
    for chapter in "${chapters[@]}"; do
        printf '\n\n<!-- include-code-source: %s -->\n\n' "$chapter"
        cat "$chapter"
        printf '\n'
    done
} >"$source_md"

# The chapters' diffs as pages (build/diffs/chNN.html), so each chapter can link to what changed in its
# code. Only for the workbook's own book: a test's small book has no code/ of its own.
if [ "$BOOK" = book.md ] && [ "${BOOK_DIFFS:-1}" != 0 ]; then
    DIFFS_OUT="$OUT/diffs" bash tools/make-diffs.sh >/dev/null || die "could not make the chapter diffs"
fi

common=(
    -f markdown
    --lua-filter tools/graphviz.lua
    --lua-filter tools/include-code.lua
    --lua-filter tools/book-structure.lua
    --toc --toc-depth=2 --number-sections
    --highlight-style=tango
    --css tools/book.css
    --resource-path=.
)

# The HTML book's small script (the sidebar's current place, the figure overlay), inline: no request
# leaves the file. Without JavaScript the sidebar is a static table of contents and figures plain images.
script="$OUT/book-script.html"
{ echo '<script>'; cat tools/book.js; echo '</script>'; } >"$script"

BOOK_DIFFS_DIR="$OUT/diffs" pandoc "${common[@]}" -t html5 --standalone --self-contained \
    --include-after-body="$script" \
    -o "$OUT/book.html.tmp" "$source_md" || die "pandoc could not build $OUT/book.html (see above)"
mv "$OUT/book.html.tmp" "$OUT/book.html"

pandoc "${common[@]}" --css tools/epub.css -t epub3 --epub-chapter-level=1 -o "$OUT/book.epub.tmp" "$source_md" ||
    die "pandoc could not build $OUT/book.epub (see above)"
mv "$OUT/book.epub.tmp" "$OUT/book.epub"

printf '%s\n' '$for(appendices)$' '$appendices$' '$endfor$' >"$template"
appendices=$(pandoc --template="$template" -f markdown -t plain --wrap=none "$BOOK" </dev/null | grep -c '[^[:space:]]' || true)
echo "build-book: $OUT/book.html and $OUT/book.epub ($(( ${#chapters[@]} - appendices )) chapters, $appendices appendices)"
