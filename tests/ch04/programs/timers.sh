# Chapter 4's timers: delayed calls run in time order, equal times in the order scheduled; a cancelled
# call never runs; a reset call runs at its new time. Order is asserted, never the printed times.
. "$ROOT/tests/support/lib.sh"
TIMERS="$BIN/timers"

if run_with_timeout 10 "$TIMERS" --help >"$WORK/help.out" 2>"$WORK/help.err" && grep -q '^usage: timers' "$WORK/help.out"; then
    ok "--help prints usage to stdout and exits 0"
else
    not_ok "--help prints usage to stdout and exits 0" "$(show "$WORK/help.out")"
fi

started=$(now)
run_with_timeout 20 "$TIMERS" --unit 0.05 >"$WORK/run.out" 2>"$WORK/run.err"
status=$?
took=$(elapsed_since "$started")
sed -E 's/^at [0-9.]+ \([0-9.]+ s\): //' "$WORK/run.out" >"$WORK/names.out"
cat >"$WORK/names.expected" <<'END'
scheduled: 3, 1, 2, 2 again, 1.5 (then cancelled), 4 (then reset to 0.5)
reset from 4 to 0.5
one
two
two again: same time, so after 'two'
three, the last: stop
END
if [ $status -eq 0 ] && cmp -s "$WORK/names.out" "$WORK/names.expected" && [ ! -s "$WORK/run.err" ]; then
    ok "calls run in time order, equal times in the order scheduled; the reset call first; exit 0"
else
    not_ok "calls run in time order, equal times in the order scheduled; exit 0" "status $status" \
        "$(show "$WORK/run.out")" "$(show "$WORK/run.err")"
fi
if ! grep -q "cancelled: never printed" "$WORK/run.out"; then
    ok "the cancelled call never runs"
else
    not_ok "the cancelled call never runs" "$(show "$WORK/run.out")"
fi
if grep -qE '^at [0-9]+\.[0-9] \([0-9]+\.[0-9]{2} s\): one$' "$WORK/run.out"; then
    ok "each line says when the call ran, in units and in seconds: 'at T (S s): NAME'"
else
    not_ok "each line says when the call ran, in units and in seconds: 'at T (S s): NAME'" "$(show "$WORK/run.out")"
fi
# The last call is due 3 units (0.15 s) after the start: the run cannot be shorter; 5 s is generous.
if ! less_than "$took" 0.15 && less_than "$took" 5; then
    ok "the run lasts until the last call is due (${took}s; between 0.15 s and 5 s)"
else
    not_ok "the run lasts until the last call is due" "took ${took}s"
fi

for bad in 0 -1 abc; do
    run_with_timeout 10 "$TIMERS" --unit "$bad" >"$WORK/bad.out" 2>"$WORK/bad.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] && grep -qF "timers: bad unit '$bad'" "$WORK/bad.err" &&
        [ ! -s "$WORK/bad.out" ]; then
        ok "--unit '$bad': exit 2 with a one-line error naming it"
    else
        not_ok "--unit '$bad': exit 2 with a one-line error naming it" "status $status" "$(show "$WORK/bad.err")"
    fi
done
run_with_timeout 10 "$TIMERS" --bogus >/dev/null 2>"$WORK/bogus.err"
status=$?
if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bogus.err")" -eq 1 ] && grep -q '^timers: ' "$WORK/bogus.err"; then
    ok "an unexpected argument: exit 2 with a one-line error"
else
    not_ok "an unexpected argument: exit 2 with a one-line error" "status $status" "$(show "$WORK/bogus.err")"
fi

done_testing
