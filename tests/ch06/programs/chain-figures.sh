# Chapter 6's chain figures are drawn from real Deferreds: chain-figures writes them, graphviz accepts
# each, and the ones committed in figures/ are what it writes today (else: make outputs, and commit).
. "$ROOT/tests/support/lib.sh"
mkdir -p "$WORK/figures"
if "$BIN/chain-figures" "$WORK/figures" 2>"$WORK/err"; then
    ok "chain-figures writes the figures"
else
    not_ok "chain-figures writes the figures" "$(show "$WORK/err")"
fi
for fig in "$WORK"/figures/ch06-*.dot; do
    name=$(basename "$fig")
    if command -v dot >/dev/null && ! dot -Tsvg -o /dev/null "$fig" 2>"$WORK/dot.err"; then
        not_ok "$name: graphviz draws it" "$(show "$WORK/dot.err")"
    elif cmp -s "$fig" "$ROOT/figures/$name"; then
        ok "$name: the committed figure is what the code draws"
    else
        not_ok "$name: the committed figure is what the code draws (run make outputs)" \
            "$(diff "$ROOT/figures/$name" "$fig" 2>&1 | head -n 10)"
    fi
done
if grep -q 'keep_original", penwidth=2' "$WORK/figures/ch06-path-fallback.dot" &&
    ! grep -q 'keep_original", penwidth=2' "$WORK/figures/ch06-path-transformed.dot"; then
    ok "the fallback path runs keep_original, the transformed path does not"
else
    not_ok "the fallback path runs keep_original, the transformed path does not"
fi
if [[ $BIN == *san* ]] || ! command -v valgrind >/dev/null 2>&1; then
    ok "chain-figures under valgrind # SKIP a sanitizer build, or no valgrind"
elif run_with_timeout 60 valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    "$BIN/chain-figures" "$WORK/figures" 2>"$WORK/vg.err"; then
    ok "chain-figures under valgrind: no leak, no invalid access"
else
    not_ok "chain-figures under valgrind: no leak, no invalid access" "$(show "$WORK/vg.err")"
fi
done_testing
