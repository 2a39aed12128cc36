# Chapter 6's client with --transform cummingsify: a callback that returns a Deferred (the transform
# runs on a later turn), failures at --fail-rate that fall back to the original poem, repeatable with
# --seed; and the option errors, in one line each.
. "$ROOT/tests/support/lib.sh"
CLIENT="$BIN/get-poetry"

lower() { tr 'A-Z' 'a-z' <"$1"; }

if "$CLIENT" --help | grep -q -- '--transform cummingsify' && "$CLIENT" --help | grep -q -- '--fail-rate P' &&
    "$CLIENT" --help | grep -q -- '--seed N'; then
    ok "--help mentions --transform cummingsify, --fail-rate P and --seed N"
else
    not_ok "--help mentions the transform options" "$("$CLIENT" --help)"
fi

start_poetry_server one "$POETRY/tyger.txt" --delay 0 --num-bytes 1000 || done_testing
start_poetry_server two "$POETRY/nachtlied.txt" --delay 0 --num-bytes 1000 || done_testing

# No failures: each poem lowercased, in order; the non-ASCII bytes unchanged.
run_with_timeout 30 "$CLIENT" --transform cummingsify "$one_PORT" "$two_PORT" >"$WORK/lower.out" 2>"$WORK/lower.err"
status=$?
{ lower "$POETRY/tyger.txt"; lower "$POETRY/nachtlied.txt"; } >"$WORK/lower.expected"
if [ $status -eq 0 ] && cmp -s "$WORK/lower.out" "$WORK/lower.expected"; then
    ok "cummingsify lowercases every poem, in argument order, bytes beyond ASCII unchanged"
else
    not_ok "cummingsify lowercases every poem, in order" "status $status" "$(show "$WORK/lower.err")"
fi
if grep -q "^Task 1: got $(wc -c <"$POETRY/tyger.txt") bytes of poetry from " "$WORK/lower.err"; then
    ok "the download is reported before the transform, with the poem's own size"
else
    not_ok "the download is reported with the poem's own size" "$(show "$WORK/lower.err")"
fi

# Always failing: every poem falls back to the original, the run still succeeds, each fallback said.
run_with_timeout 30 "$CLIENT" --transform cummingsify --fail-rate 1 "$one_PORT" "$two_PORT" \
    >"$WORK/fail.out" 2>"$WORK/fail.err"
status=$?
cat "$POETRY/tyger.txt" "$POETRY/nachtlied.txt" >"$WORK/fail.expected"
if [ $status -eq 0 ] && cmp -s "$WORK/fail.out" "$WORK/fail.expected" &&
    [ "$(grep -c 'cummingsify failed; using the original poem' "$WORK/fail.err")" -eq 2 ]; then
    ok "--fail-rate 1: every transform fails, the original poems are written, exit 0"
else
    not_ok "--fail-rate 1: the original poems are written" "status $status" "$(show "$WORK/fail.err")"
fi

# The same seed gives the same run; across seeds, both outcomes happen.
args=(--transform cummingsify --fail-rate 0.5)
for n in 1 2 3 4 5 6 7 8; do ports+=("$one_PORT"); done
run_with_timeout 30 "$CLIENT" "${args[@]}" --seed 42 "${ports[@]}" >"$WORK/seed1.out" 2>"$WORK/seed1.err"
s1=$?
run_with_timeout 30 "$CLIENT" "${args[@]}" --seed 42 "${ports[@]}" >"$WORK/seed2.out" 2>"$WORK/seed2.err"
s2=$?
if [ $s1 -eq 0 ] && [ $s2 -eq 0 ] && cmp -s "$WORK/seed1.out" "$WORK/seed2.out" &&
    [ "$(grep -c 'using the original' "$WORK/seed1.err")" = "$(grep -c 'using the original' "$WORK/seed2.err")" ]; then
    ok "--seed 42 twice: the same failures, the same output"
else
    not_ok "--seed 42 twice: the same failures" "status $s1 $s2" "$(show "$WORK/seed1.err")"
fi
seen_fail=0 seen_ok=0
for seed in 1 2 3 4 5; do
    run_with_timeout 30 "$CLIENT" "${args[@]}" --seed $seed "${ports[@]}" >/dev/null 2>"$WORK/seeds.err"
    f=$(grep -c 'using the original' "$WORK/seeds.err")
    seen_fail=$((seen_fail + f))
    seen_ok=$((seen_ok + 8 - f))
done
if [ $seen_fail -gt 0 ] && [ $seen_ok -gt 0 ]; then
    ok "--fail-rate 0.5: over 40 poems some transforms fail and some work ($seen_fail failed)"
else
    not_ok "--fail-rate 0.5: some transforms fail and some work" "$seen_fail failed, $seen_ok worked"
fi

# A failed download with a transform: still reported, still exit 1, nothing transformed for it.
start_badpeer refusing refuse || done_testing
run_with_timeout 30 "$CLIENT" --transform cummingsify "$refusing_PORT" "$two_PORT" >"$WORK/refused.out" 2>"$WORK/refused.err"
status=$?
if [ $status -eq 1 ] && grep -q "task 1: 127.0.0.1:$refusing_PORT: Connection refused" "$WORK/refused.err" &&
    cmp -s "$WORK/refused.out" <(lower "$POETRY/nachtlied.txt"); then
    ok "a refused download skips the transform, is reported, and means exit 1"
else
    not_ok "a refused download skips the transform" "status $status" "$(show "$WORK/refused.err")"
fi

# Option errors: exit 2, one line naming the value.
check_usage() {
    local what=$1 expect=$2
    shift 2
    run_with_timeout 10 "$CLIENT" "$@" "$one_PORT" >"$WORK/usage.out" 2>"$WORK/usage.err"
    local status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/usage.err")" -eq 1 ] && grep -qF "$expect" "$WORK/usage.err" &&
        [ ! -s "$WORK/usage.out" ]; then
        ok "$what: exit 2 with a one-line error"
    else
        not_ok "$what: exit 2 with a one-line error" "status $status" "$(show "$WORK/usage.err")"
    fi
}
check_usage "an unknown transform" "unknown transform 'shout'" --transform shout
check_usage "--fail-rate 2" "bad fail rate '2'" --transform cummingsify --fail-rate 2
check_usage "--fail-rate abc" "bad fail rate 'abc'" --transform cummingsify --fail-rate abc
check_usage "--seed -1" "bad seed '-1'" --transform cummingsify --seed -1
check_usage "--seed x" "bad seed 'x'" --seed x

done_testing
