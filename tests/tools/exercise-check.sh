# `make check EX=chNN/NAME`, as a reader meets it: on an untouched starter it says "Not yet" with hints,
# and nothing it prints gives the solution away; a name that is no exercise is a usage error.
. "$ROOT/tests/support/lib.sh"

exercise=ch03/line-counter
run_with_timeout 120 bash "$ROOT/tools/run-tests.sh" --exercise "$exercise" >"$WORK/check.out" 2>&1
status=$?
if [ $status -eq 1 ] && tail -n 1 "$WORK/check.out" | grep -q '^Not yet: '; then
    ok "an untouched starter: exit 1 and 'Not yet' on the last line"
else
    not_ok "an untouched starter: exit 1 and 'Not yet' on the last line" "status $status" \
        "$(tail -n 5 "$WORK/check.out")"
fi
if grep -q 'hint: ' "$WORK/check.out"; then
    ok "the failures come with hints"
else
    not_ok "the failures come with hints" "$(head -n 20 "$WORK/check.out")"
fi

# Lines of real code that only the solution has (not the starter) must not appear in the output.
grep -vxF -f "$ROOT/exercises/$exercise/get-poetry-lines.c" "$ROOT/solutions/$exercise/get-poetry-lines.c" |
    grep -E '[A-Za-z_]+\(|=' | sed 's/^[[:space:]]*//' | awk 'length($0) > 20' >"$WORK/solution-only.txt"
leaked=$(grep -cxF -f "$WORK/solution-only.txt" <(sed 's/^[[:space:]#]*//' "$WORK/check.out"))
if [ -s "$WORK/solution-only.txt" ] && [ "$leaked" -eq 0 ]; then
    ok "no line of the solution's own code appears in the output ($(wc -l <"$WORK/solution-only.txt") checked)"
else
    not_ok "no line of the solution's own code appears in the output" "$leaked lines leaked"
fi

run_with_timeout 60 bash "$ROOT/tools/run-tests.sh" --exercise ch99/no-such-thing >"$WORK/bad.out" 2>&1
status=$?
if [ $status -eq 2 ] && grep -q "no exercise 'ch99/no-such-thing'" "$WORK/bad.out" && grep -q "ch01/give-up" "$WORK/bad.out"; then
    ok "an unknown exercise: exit 2, naming it and listing the exercises"
else
    not_ok "an unknown exercise: exit 2, naming it and listing the exercises" "status $status" "$(head -n 5 "$WORK/bad.out")"
fi

done_testing
