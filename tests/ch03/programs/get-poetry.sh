# Chapter 3's client, rewritten on the reactor: chapter 2's contract and concurrency, unchanged.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/client_contract.sh"
CLIENT="$BIN/get-poetry"

contract_help
contract_usage_errors
contract_unknown_option
contract_refused_and_reset
contract_empty_poem

# Three slow servers. Each poem takes at least (chunks - 1) * delay seconds, whatever the client does.
delay=0.15
start_poetry_server slow1 "$POETRY/tyger.txt" --delay $delay --num-bytes 100 || done_testing
start_poetry_server slow2 "$POETRY/ozymandias.txt" --delay $delay --num-bytes 100 || done_testing
start_poetry_server slow3 "$POETRY/sonnet18.txt" --delay $delay --num-bytes 100 || done_testing
lower_bound() { awk -v size="$(wc -c <"$1")" -v d=$delay 'BEGIN { c = int((size + 99) / 100); print (c - 1) * d }'; }
slowest=$(printf '%s\n' "$(lower_bound "$POETRY/tyger.txt")" "$(lower_bound "$POETRY/ozymandias.txt")" \
    "$(lower_bound "$POETRY/sonnet18.txt")" | sort -g | tail -n 1)

started=$(now)
run_with_timeout 60 "$CLIENT" "$slow1_PORT" "$slow2_PORT" "$slow3_PORT" >"$WORK/three.out" 2>"$WORK/three.err"
status=$?
took=$(elapsed_since "$started")
cat "$POETRY/tyger.txt" "$POETRY/ozymandias.txt" "$POETRY/sonnet18.txt" >"$WORK/three.expected"
if [ $status -eq 0 ] && cmp -s "$WORK/three.out" "$WORK/three.expected"; then
    ok "three poems arrive whole, byte for byte, in argument order"
else
    not_ok "three poems arrive whole, in argument order" "status $status" "$(show "$WORK/three.err")"
fi
# Concurrency by the clock, with a wide bound: one after another would take the sum of the three.
if less_than "$took" "$(awk -v s="$slowest" 'BEGIN { print 2 * s }')"; then
    ok "the total is about the slowest download, not the sum (${took}s; slowest >= ${slowest}s)"
else
    not_ok "the total is about the slowest download, not the sum" "took ${took}s; slowest >= ${slowest}s"
fi
# Concurrency by the order of events: task 2 reads before task 1 has finished.
first_read_of_2=$(grep -n '^Task 2: read ' "$WORK/three.err" | head -n 1 | cut -d: -f1)
task_1_done=$(grep -n '^Task 1: got ' "$WORK/three.err" | head -n 1 | cut -d: -f1)
if [ -n "$first_read_of_2" ] && [ -n "$task_1_done" ] && [ "$first_read_of_2" -lt "$task_1_done" ]; then
    ok "progress lines interleave: task 2 reads before task 1 is done"
else
    not_ok "progress lines interleave" "$(show "$WORK/three.err")"
fi
for n in 1 2 3; do
    file=$(sed -n "${n}p" <<<"tyger.txt
ozymandias.txt
sonnet18.txt")
    if grep -qE "^Task $n: got $(wc -c <"$POETRY/$file") bytes of poetry from 127\.0\.0\.1:[0-9]+ in [0-9]+\.[0-9]s$" "$WORK/three.err"; then
        ok "task $n reports its byte count and time"
    else
        not_ok "task $n reports its byte count and time" "$(show "$WORK/three.err")"
    fi
done

# Order on stdout is argument order even when a later poem finishes first.
start_poetry_server quick "$POETRY/nachtlied.txt" --delay 0 --num-bytes 1000 || done_testing
run_with_timeout 60 "$CLIENT" "$slow1_PORT" "$quick_PORT" >"$WORK/order.out" 2>"$WORK/order.err"
cat "$POETRY/tyger.txt" "$POETRY/nachtlied.txt" >"$WORK/order.expected"
got_quick=$(grep -n '^Task 2: got ' "$WORK/order.err" | cut -d: -f1)
got_slow=$(grep -n '^Task 1: got ' "$WORK/order.err" | cut -d: -f1)
if cmp -s "$WORK/order.out" "$WORK/order.expected" && [ -n "$got_quick" ] && [ -n "$got_slow" ] &&
    [ "$got_quick" -lt "$got_slow" ]; then
    ok "a poem that finishes first still waits for its turn on stdout"
else
    not_ok "a poem that finishes first still waits for its turn on stdout" "$(show "$WORK/order.err")"
fi

# The reactor refuses descriptors at or above FD_SETSIZE (1024): that task fails clearly, no crash.
if [ "$(ulimit -Hn)" -gt 1200 ]; then
    run_with_timeout 20 bash -c 'ulimit -n 1200; for fd in $(seq 3 1100); do eval "exec $fd</dev/null"; done; exec "$@"' \
        _ "$CLIENT" "$quick_PORT" >"$WORK/many.out" 2>"$WORK/many.err"
    status=$?
    if [ $status -eq 1 ] && grep -q "^get-poetry: task 1: 127.0.0.1:$quick_PORT: .*beyond select()'s FD_SETSIZE limit" "$WORK/many.err"; then
        ok "a descriptor beyond FD_SETSIZE is a clear error, exit 1"
    else
        not_ok "a descriptor beyond FD_SETSIZE is a clear error, exit 1" "status $status" "$(show "$WORK/many.err")"
    fi
else
    ok "# SKIP the hard limit on open files is too low to test FD_SETSIZE"
fi

done_testing
