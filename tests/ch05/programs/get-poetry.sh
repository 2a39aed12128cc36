# Chapter 5's client, rebuilt on a protocol and a client factory: chapter 4's contract, concurrency and
# --timeout, unchanged; plus, since chapter 5's slowpoetry serves many clients at once, three downloads
# from one slow server take about the time of one.
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

# Three downloads from the same slow server: chapter 5's server serves them at once, so the whole run
# takes about one poem's time (the sleeps guarantee the lower bound; 2x is the upper).
one=$(lower_bound "$POETRY/ozymandias.txt")
started=$(now)
run_with_timeout 60 "$CLIENT" "$slow2_PORT" "$slow2_PORT" "$slow2_PORT" >"$WORK/same.out" 2>"$WORK/same.err"
status=$?
took=$(elapsed_since "$started")
cat "$POETRY/ozymandias.txt" "$POETRY/ozymandias.txt" "$POETRY/ozymandias.txt" >"$WORK/same.expected"
if [ $status -eq 0 ] && cmp -s "$WORK/same.out" "$WORK/same.expected" && ! less_than "$took" "$one" &&
    less_than "$took" "$(awk -v s="$one" 'BEGIN { print 2 * s }')"; then
    ok "three slow poems from one server arrive in about one poem's time (${took}s; one >= ${one}s)"
else
    not_ok "three slow poems from one server arrive in about one poem's time" "status $status, took ${took}s; one >= ${one}s" \
        "$(show "$WORK/same.err")"
fi

# ---- --timeout ----

# --help names the option; a bad value is a usage error that names it, in one line.
if "$CLIENT" --help | grep -q -- '--timeout SECONDS'; then
    ok "--help mentions --timeout SECONDS"
else
    not_ok "--help mentions --timeout SECONDS" "$(show "$WORK/help.out")"
fi
for bad in abc -1 0 nan inf ""; do
    run_with_timeout 10 "$CLIENT" --timeout "$bad" "$quick_PORT" >"$WORK/badtimeout.out" 2>"$WORK/badtimeout.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/badtimeout.err")" -eq 1 ] && grep -qF "get-poetry: bad timeout '$bad'" "$WORK/badtimeout.err" &&
        [ ! -s "$WORK/badtimeout.out" ]; then
        ok "--timeout '$bad': exit 2 with a one-line error naming it"
    else
        not_ok "--timeout '$bad': exit 2 with a one-line error naming it" "status $status" "$(show "$WORK/badtimeout.err")"
    fi
done
run_with_timeout 10 "$CLIENT" "$quick_PORT" --timeout >/dev/null 2>"$WORK/novalue.err"
status=$?
if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/novalue.err")" -eq 1 ]; then
    ok "--timeout without a value: exit 2 with a one-line error"
else
    not_ok "--timeout without a value: exit 2 with a one-line error" "status $status" "$(show "$WORK/novalue.err")"
fi
run_with_timeout 10 "$CLIENT" --timeout 1 >/dev/null 2>"$WORK/noserver.err"
status=$?
if [ $status -eq 2 ] && grep -q "no server given" "$WORK/noserver.err"; then
    ok "--timeout with no server: exit 2, 'no server given'"
else
    not_ok "--timeout with no server: exit 2, 'no server given'" "status $status" "$(show "$WORK/noserver.err")"
fi

# A silent server between two good ones: only its task times out; the good poems arrive, in order.
start_badpeer silent silent || done_testing
start_poetry_server fast1 "$POETRY/sonnet18.txt" --delay 0 --num-bytes 1000 || done_testing
start_poetry_server fast2 "$POETRY/hope.txt" --delay 0 --num-bytes 1000 || done_testing
started=$(now)
run_with_timeout 30 "$CLIENT" --timeout 0.5 "$fast1_PORT" "$silent_PORT" "$fast2_PORT" \
    >"$WORK/silent.out" 2>"$WORK/silent.err"
status=$?
took=$(elapsed_since "$started")
cat "$POETRY/sonnet18.txt" "$POETRY/hope.txt" >"$WORK/silent.expected"
if [ $status -eq 1 ]; then ok "a timed-out download means exit 1"; else not_ok "a timed-out download means exit 1" "status $status" "$(show "$WORK/silent.err")"; fi
if grep -qx "get-poetry: task 2: 127.0.0.1:$silent_PORT: timed out after 0.5 s" "$WORK/silent.err" &&
    [ "$(grep -c 'timed out' "$WORK/silent.err")" -eq 1 ]; then
    ok "the silent server's task, and only it, reports 'task 2: ADDR: timed out after 0.5 s'"
else
    not_ok "the silent server's task, and only it, reports 'timed out after 0.5 s'" "$(show "$WORK/silent.err")"
fi
if cmp -s "$WORK/silent.out" "$WORK/silent.expected"; then
    ok "the good poems around the silent server arrive whole, in order"
else
    not_ok "the good poems around the silent server arrive whole, in order" \
        "stdout has $(wc -c <"$WORK/silent.out") bytes, expected $(wc -c <"$WORK/silent.expected")"
fi
if grep -q '^Got 2 poems in ' "$WORK/silent.err"; then
    ok "the summary counts the timed-out download as failed (Got 2 poems)"
else
    not_ok "the summary counts the timed-out download as failed (Got 2 poems)" "$(show "$WORK/silent.err")"
fi
# The timeout is what ends the run: not before 0.5 s (the delayed call guarantees it), well before 5 s.
if ! less_than "$took" 0.5 && less_than "$took" 5; then
    ok "the run ends when the timeout fires (${took}s; between 0.5 s and 5 s)"
else
    not_ok "the run ends when the timeout fires" "took ${took}s; expected between 0.5 s and 5 s"
fi

# A finished download is never reported as timed out, even though the run outlasts its deadline: both
# tasks start together with --timeout 1, the fast one finishes at once, the silent one keeps the run
# going past 1 s. Had the fast one's timeout not been cancelled, it would fire in the same turn.
run_with_timeout 30 "$CLIENT" --timeout 1 "$fast1_PORT" "$silent_PORT" >"$WORK/cancel.out" 2>"$WORK/cancel.err"
status=$?
if [ $status -eq 1 ] && grep -q "^Task 1: got $(wc -c <"$POETRY/sonnet18.txt") bytes" "$WORK/cancel.err" &&
    ! grep -q "task 1: .*timed out" "$WORK/cancel.err" && grep -q "task 2: .*timed out after 1 s" "$WORK/cancel.err" &&
    cmp -s "$WORK/cancel.out" "$POETRY/sonnet18.txt"; then
    ok "a finished download is not reported as timed out (its timeout was cancelled)"
else
    not_ok "a finished download is not reported as timed out" "status $status" "$(show "$WORK/cancel.err")"
fi

# A slow poem that finishes within the timeout: exit 0, nothing timed out.
start_poetry_server steady "$POETRY/hope.txt" --delay 0.1 --num-bytes 100 || done_testing
run_with_timeout 30 "$CLIENT" --timeout 5 "$steady_PORT" "$fast2_PORT" >"$WORK/within.out" 2>"$WORK/within.err"
status=$?
cat "$POETRY/hope.txt" "$POETRY/hope.txt" >"$WORK/within.expected"
if [ $status -eq 0 ] && cmp -s "$WORK/within.out" "$WORK/within.expected" && ! grep -q "timed out" "$WORK/within.err"; then
    ok "downloads that finish within the timeout succeed: exit 0, nothing timed out"
else
    not_ok "downloads that finish within the timeout succeed" "status $status" "$(show "$WORK/within.err")"
fi

# A poem still arriving when its time is up is cut off: the bytes already read are not written.
start_poetry_server crawl "$POETRY/tyger.txt" --delay 0.3 --num-bytes 50 || done_testing
run_with_timeout 30 "$CLIENT" --timeout 0.5 "$crawl_PORT" >"$WORK/cut.out" 2>"$WORK/cut.err"
status=$?
if [ $status -eq 1 ] && grep -q "^Task 1: read " "$WORK/cut.err" && grep -q "task 1: .*timed out after 0.5 s" "$WORK/cut.err" &&
    [ ! -s "$WORK/cut.out" ]; then
    ok "a download cut off mid-poem: timed out, exit 1, the partial poem not written"
else
    not_ok "a download cut off mid-poem: timed out, exit 1, the partial poem not written" "status $status" \
        "stdout has $(wc -c <"$WORK/cut.out") bytes" "$(show "$WORK/cut.err")"
fi

# A timeout with a refused connection: the failure is reported as before, and nothing times out later.
start_badpeer refusing2 refuse || done_testing
run_with_timeout 30 "$CLIENT" --timeout 0.3 "$refusing2_PORT" "$quick_PORT" >"$WORK/refused.out" 2>"$WORK/refused.err"
status=$?
if [ $status -eq 1 ] && grep -q "task 1: 127.0.0.1:$refusing2_PORT: Connection refused" "$WORK/refused.err" &&
    ! grep -q "timed out" "$WORK/refused.err" && cmp -s "$WORK/refused.out" "$POETRY/nachtlied.txt"; then
    ok "with --timeout, a refused connection still reports 'Connection refused' and never times out"
else
    not_ok "with --timeout, a refused connection still reports 'Connection refused'" "status $status" "$(show "$WORK/refused.err")"
fi

# The reactor refuses descriptors at or above FD_SETSIZE (1024): that task fails clearly, no crash.
# From chapter 9 on, a reactor holds a descriptor of its own from the start (the waker of calls from
# threads): with every descriptor below FD_SETSIZE taken, a client on select cannot make its reactor at
# all, and says so in one line. A test of such a client sets CONTRACT_REACTOR_NEEDS_A_DESCRIPTOR=1.
if [ "$(ulimit -Hn)" -gt 1200 ]; then
    run_with_timeout 20 bash -c 'ulimit -n 1200; for fd in $(seq 3 1100); do eval "exec $fd</dev/null"; done; exec "$@"' \
        _ "$CLIENT" "$quick_PORT" >"$WORK/many.out" 2>"$WORK/many.err"
    status=$?
    fd_error="^get-poetry: task 1: 127.0.0.1:$quick_PORT: .*beyond select()'s FD_SETSIZE limit"
    [ "${CONTRACT_REACTOR_NEEDS_A_DESCRIPTOR:-0}" != 1 ] ||
        fd_error="^get-poetry: cannot make the reactor: .*beyond select()'s FD_SETSIZE limit\$"
    if [ $status -eq 1 ] && grep -q "$fd_error" "$WORK/many.err"; then
        ok "a descriptor beyond FD_SETSIZE is a clear error, exit 1"
    else
        not_ok "a descriptor beyond FD_SETSIZE is a clear error, exit 1" "status $status" "$(show "$WORK/many.err")"
    fi
else
    ok "# SKIP the hard limit on open files is too low to test FD_SETSIZE"
fi

done_testing
