# The book as a reader's browser shows it: builds the workbook's book into $WORK and runs
# tools/check-book.py on it (headless Chromium: links, figures, listing widths at 1280 px and in the EPUB
# at 600 px, no network, a phone's 400 px; then epubcheck). Plain pass only: under SANITIZE=1 the book is
# the same, so this is skipped to keep the time. Where Chromium or epubcheck is missing, the checks say so
# as skips (`# SKIP needs chromium: ...`).
. "$ROOT/tests/support/lib.sh"

if [ "${SANITIZE:-0}" = 1 ] || [[ ${BIN:-} == *build-san* ]]; then
    echo "ok 1 - the book in a browser # SKIP plain pass only (the book does not change under SANITIZE=1)"
    echo "1..1"
    exit 0
fi
if ! command -v pandoc >/dev/null || ! command -v dot >/dev/null; then
    not_ok "pandoc and graphviz are installed" "run: make setup"
    done_testing
fi
if ! BOOK_OUT="$WORK/book" GRAPHVIZ_OUT="$WORK/figures" run_with_timeout 120 bash "$ROOT/tools/build-book.sh" \
    >"$WORK/build.log" 2>&1; then
    not_ok "the book builds for the browser checks" "$(tail -n 15 "$WORK/build.log")"
    done_testing
fi
cd "$ROOT" || exit 1
exec /usr/bin/python3 "$ROOT/tools/check-book.py" "$WORK/book"
