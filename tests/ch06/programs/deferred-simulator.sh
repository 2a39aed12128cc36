# Chapter 6's Deferred simulator: a chain described stage by stage, fired, and what ran printed; then
# hundreds of random chains through it and through the same chains in real Twisted
# (deferred_simulator_twisted.py, run by /usr/bin/python3), which must print the same, line for line.
. "$ROOT/tests/support/lib.sh"
type skip >/dev/null 2>&1 || skip() { ok "$1 # SKIP $2"; } # until lib.sh has it (issue 7)
SIM="$BIN/deferred-simulator"
TWIN="$ROOT/tests/ch06/programs/deferred_simulator_twisted.py"

if "$SIM" --help | grep -q '^usage: deferred-simulator'; then ok "--help prints usage"; else not_ok "--help prints usage"; fi

# One chain, every kind of action, checked by hand.
cat >"$WORK/one.txt" <<'CHAIN'
stage r a / p        # a callback that returns a value
stage f boom / r x   # one that fails: to the errback track
stage r no / p       # skipped: the failure passes this errback
stage p / r saved    # an errback that recovers
stage d later / p    # a callback that returns a Deferred: the chain waits for it
stage p / f never
fire r start
CHAIN
cat >"$WORK/one.expected" <<'OUT'
fire: value start
stage 1: callback got value start, returns value a
stage 2: callback got value a, fails with boom
stage 3: errback got failure boom, passes it on
stage 4: errback got failure boom, returns value saved
stage 5: callback got value saved, returns a Deferred
the Deferred of stage 5 fires with value later
stage 6: callback got value later, passes it on
result: value later

OUT
if "$SIM" "$WORK/one.txt" >"$WORK/one.out" 2>"$WORK/one.err" && cmp -s "$WORK/one.out" "$WORK/one.expected"; then
    ok "a chain of every kind of stage runs as the rules say"
else
    not_ok "a chain of every kind of stage runs as the rules say" "$(diff "$WORK/one.expected" "$WORK/one.out")"
fi

# leave: no last pair, so the failure stays in the Deferred and is reported when it is freed.
printf 'leave\nstage f oops / p\nfire r x\n' | "$SIM" >"$WORK/leave.out" 2>"$WORK/leave.err"
status=$?
if [ $status -eq 0 ] && grep -q '^Unhandled error in Deferred made at deferred-simulator.c:[0-9]*:$' "$WORK/leave.err" &&
    grep -q 'oops' "$WORK/leave.err" && ! grep -q '^result:' "$WORK/leave.out"; then
    ok "leave: the failure left in the Deferred is reported as unhandled, with where it was made"
else
    not_ok "leave: the failure left in the Deferred is reported as unhandled" "status $status" "$(show "$WORK/leave.err")"
fi

# Lines it cannot read: exit 2, one line naming the line number.
for bad in "stage r / p" "stage r a p" "stage x a / p" "fire q a" "sing" "stage p / p"; do
    printf '%s\n' "$bad" | "$SIM" >/dev/null 2>"$WORK/bad.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] && grep -q '^deferred-simulator: line 1: ' "$WORK/bad.err"; then
        ok "'$bad': exit 2, one line naming line 1"
    else
        not_ok "'$bad': exit 2, one line naming line 1" "status $status" "$(show "$WORK/bad.err")"
    fi
done

# Under valgrind (not with a sanitizer build): every chain of the example, and the unhandled one, leak
# nothing and touch nothing freed.
if [[ $BIN == *san* ]]; then
    skip "the simulator under valgrind" "this build uses the sanitizers"
elif ! command -v valgrind >/dev/null 2>&1; then
    skip "the simulator under valgrind" "needs valgrind"
else
    cat "$WORK/one.txt" >"$WORK/vg.txt"
    printf 'leave\nstage f oops / p\nfire r x\nstage d a / d b\nstage f c / d e\nfire f z\n' >>"$WORK/vg.txt"
    if run_with_timeout 60 valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
        "$SIM" "$WORK/vg.txt" >/dev/null 2>"$WORK/vg.err"; then
        ok "under valgrind: no leak, no invalid access"
    else
        not_ok "under valgrind: no leak, no invalid access" "$(show "$WORK/vg.err")"
    fi
fi

# Random chains against Twisted.
if ! /usr/bin/python3 -c 'import twisted.internet.defer' 2>/dev/null; then
    skip "random chains match real Twisted" "needs python3-twisted"
    done_testing
fi
RANDOM=6 # the same chains on every run
actions=(p p r r f f d)
action() {
    local kind=${actions[RANDOM % ${#actions[@]}]}
    if [ "$kind" = p ]; then echo p; else echo "$kind w$((RANDOM % 100))"; fi
}
: >"$WORK/random.txt"
for ((chain = 0; chain < 300; chain++)); do
    for ((stage = 0; stage < RANDOM % 7; stage++)); do
        echo "stage $(action) / $(action)" >>"$WORK/random.txt"
    done
    if ((RANDOM % 2)); then echo "fire r v$chain"; else echo "fire f e$chain"; fi >>"$WORK/random.txt"
done
run_with_timeout 30 "$SIM" "$WORK/random.txt" >"$WORK/random.c" 2>"$WORK/random.c.err"
sim_status=$?
run_with_timeout 60 /usr/bin/python3 "$TWIN" "$WORK/random.txt" >"$WORK/random.py" 2>"$WORK/random.py.err"
py_status=$?
if [ $sim_status -eq 0 ] && [ $py_status -eq 0 ] && [ -s "$WORK/random.py" ] && cmp -s "$WORK/random.c" "$WORK/random.py"; then
    ok "300 random chains: the simulator and real Twisted agree, line for line ($(grep -c '^stage' "$WORK/random.c") steps)"
else
    not_ok "300 random chains: the simulator and real Twisted agree" "status $sim_status / $py_status" \
        "$(diff "$WORK/random.py" "$WORK/random.c" | head -n 20)" "$(show "$WORK/random.py.err")"
fi
done_testing
