# Chapter 1's blocking client: the contract every client keeps, the poems it writes, its progress lines,
# and that it downloads one poem after another.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/client_contract.sh"
CLIENT="$BIN/get-poetry"

# lower_bound SIZE NUM_BYTES DELAY: the seconds a slowpoetry server's sleeps guarantee for one poem of
# SIZE bytes sent NUM_BYTES at a time with DELAY between sends: (ceil(SIZE/NUM_BYTES) - 1) * DELAY.
lower_bound() {
    awk -v s="$1" -v n="$2" -v d="$3" 'BEGIN { c = int((s + n - 1) / n); printf "%.3f\n", (c - 1) * d }'
}

# at_least A B: true when the decimal A is at least B.
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# line_of FILE PATTERN: the number of the first line of FILE matching the extended regex PATTERN, or 0.
line_of() { grep -n -m 1 -E -- "$2" "$1" | cut -d: -f1 | grep . || echo 0; }

# fetch NAME ADDRESS...: runs get-poetry under a timeout; stdout to $WORK/NAME.got, stderr to
# $WORK/NAME.log, exit status in $status.
fetch() {
    local name=$1
    shift
    run_with_timeout 20 "$CLIENT" "$@" >"$WORK/$name.got" 2>"$WORK/$name.log"
    status=$?
}

# What every client keeps: --help, usage errors (no address, bad addresses, unknown options), a refused
# connection and a reset mid-poem between good servers, an empty poem.
contract_help
contract_usage_errors
contract_unknown_option
contract_refused_and_reset
contract_empty_poem

# Three servers, three poems (one of them not ASCII), fast flags.
start_poetry_server tyger "$POETRY/tyger.txt" --delay 0.05 --num-bytes 64 &&
    start_poetry_server goethe "$POETRY/nachtlied.txt" --delay 0.05 --num-bytes 64 &&
    start_poetry_server ozy "$POETRY/ozymandias.txt" --delay 0.05 --num-bytes 64 ||
    { not_ok "three poetry servers start"; done_testing; }

# The argument order is not the order the servers started in: the poems must follow the arguments.
fetch three "$goethe_PORT" "127.0.0.1:$tyger_PORT" "$ozy_PORT"
if [ $status -eq 0 ]; then
    ok "three good servers: exit 0"
else
    not_ok "three good servers: exit 0" "status $status, stderr:" "$(show "$WORK/three.log")"
fi
cat "$POETRY/nachtlied.txt" "$POETRY/tyger.txt" "$POETRY/ozymandias.txt" >"$WORK/three.want"
if cmp -s "$WORK/three.got" "$WORK/three.want"; then
    ok "stdout is the three poems, byte for byte, in argument order"
else
    not_ok "stdout is the three poems, byte for byte, in argument order" \
        "$(cmp "$WORK/three.got" "$WORK/three.want" 2>&1)" "got $(wc -c <"$WORK/three.got") bytes"
fi
task=0
for pair in "nachtlied.txt $goethe_PORT" "tyger.txt $tyger_PORT" "ozymandias.txt $ozy_PORT"; do
    task=$((task + 1))
    set -- $pair
    size=$(wc -c <"$POETRY/$1")
    pattern="^Task $task: got $size bytes of poetry from 127\.0\.0\.1:$2 in [0-9]+\.[0-9]s$"
    if grep -qE "$pattern" "$WORK/three.log"; then
        ok "stderr: 'Task $task: got $size bytes of poetry from 127.0.0.1:PORT in T.Ts'"
    else
        not_ok "stderr: 'Task $task: got $size bytes of poetry from 127.0.0.1:PORT in T.Ts'" \
            "no line matches: $pattern" "stderr:" "$(show "$WORK/three.log")"
    fi
done
if tail -n 1 "$WORK/three.log" | grep -qE '^Got 3 poems in [0-9]+\.[0-9]s$'; then
    ok "stderr ends with the total: 'Got 3 poems in T.Ts'"
else
    not_ok "stderr ends with the total: 'Got 3 poems in T.Ts'" "$(show "$WORK/three.log")"
fi

# One after another: task N+1 starts only after task N got its poem, and the total is at least the sum
# of what each server's sleeps guarantee. Three sleeps of 0.2 s per poem: 0.6 s each, 1.8 s in all,
# where downloads that overlapped would take about 0.6 s.
start_poetry_server slow1 "$POETRY/nachtlied.txt" --delay 0.2 --num-bytes 50 &&
    start_poetry_server slow2 "$POETRY/hope.txt" --delay 0.2 --num-bytes 111 &&
    start_poetry_server slow3 "$POETRY/sonnet18.txt" --delay 0.2 --num-bytes 165 ||
    { not_ok "three slow poetry servers start"; done_testing; }
bound=$(awk -v a="$(lower_bound "$(wc -c <"$POETRY/nachtlied.txt")" 50 0.2)" \
    -v b="$(lower_bound "$(wc -c <"$POETRY/hope.txt")" 111 0.2)" \
    -v c="$(lower_bound "$(wc -c <"$POETRY/sonnet18.txt")" 165 0.2)" 'BEGIN { printf "%.3f\n", a + b + c }')
fetch slow "$slow1_PORT" "$slow2_PORT" "$slow3_PORT"
order_ok=1
for task in 2 3; do
    started=$(line_of "$WORK/slow.log" "^Task $task: get poetry from ")
    previous_done=$(line_of "$WORK/slow.log" "^Task $((task - 1)): got ")
    if [ "$started" -eq 0 ] || [ "$previous_done" -eq 0 ] || [ "$started" -lt "$previous_done" ]; then
        order_ok=0
    fi
done
if [ $status -eq 0 ] && [ $order_ok -eq 1 ]; then
    ok "sequential: each task starts only after the previous one got its poem"
else
    not_ok "sequential: each task starts only after the previous one got its poem" "status $status, stderr:" \
        "$(show "$WORK/slow.log")"
fi
total=$(sed -nE 's/^Got 3 poems in ([0-9]+\.[0-9])s$/\1/p' "$WORK/slow.log")
# The client prints tenths, rounded to nearest: allow for the 0.05 s that rounding can take away.
if [ -n "$total" ] && at_least "$(awk -v t="$total" 'BEGIN { print t + 0.05 }')" "$bound"; then
    ok "sequential: the total time ($total s) is at least the sum of the servers' sleeps ($bound s)"
else
    not_ok "sequential: the total time is at least the sum of the servers' sleeps ($bound s)" \
        "total reported: '${total:-none}'" "$(show "$WORK/slow.log")"
fi

done_testing
