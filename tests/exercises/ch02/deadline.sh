# Exercise ch02/deadline: --timeout SECONDS abandons each download not finished SECONDS after it
# started, while the others finish. The waiting must be select()'s: the client may not spin while it
# waits (its CPU time is measured) and may not give up before the deadline.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/client_contract.sh"

build_exercise get-poetry-timeout get-poetry-timeout.c
CLIENT="$WORK/get-poetry-timeout"

# fetch NAME ARGS...: runs the client, killed after 6 s; stdout to $WORK/run-NAME.out, stderr to
# $WORK/run-NAME.err (apart from the servers' own NAME.out and NAME.err), exit status in $status, wall
# time in $elapsed, user+system CPU seconds in $cpu.
fetch() {
    local name=$1 start TIMEFORMAT='%U %S'
    shift
    start=$(now)
    { time run_with_timeout 6 "$CLIENT" "$@" >"$WORK/run-$name.out" 2>"$WORK/run-$name.err"; } 2>"$WORK/run-$name.time"
    status=$?
    elapsed=$(elapsed_since "$start")
    cpu=$(awk '{ printf "%.3f\n", $1 + $2 }' "$WORK/run-$name.time")
}


with_hint "the starter already did this; did an edit move the --help check?" contract_help
with_hint "every address is checked before any download starts (the starter did this)" contract_usage_errors
with_hint "an argument starting with '-' that is no known option is a bad command line (the starter did this)" \
    contract_unknown_option

for bad in 0 -1 abc; do
    run_with_timeout 10 "$CLIENT" --timeout "$bad" 10000 >"$WORK/bad.out" 2>"$WORK/bad.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] && [ ! -s "$WORK/bad.out" ]; then
        ok "--timeout $bad: exit 2 with a one-line error"
    else
        not_ok "--timeout $bad: exit 2 with a one-line error" "status $status, stderr:" "$(show "$WORK/bad.err")" \
            "hint: --timeout takes a positive number of seconds; anything else is a bad command line (the starter did this)"
    fi
done

start_poetry_server good1 "$POETRY/sonnet18.txt" --delay 0 --num-bytes 1000 &&
    start_poetry_server good2 "$POETRY/hope.txt" --delay 0 --num-bytes 1000 &&
    start_poetry_server steady "$POETRY/tyger.txt" --delay 0.15 --num-bytes 100 &&
    start_badpeer silent silent ||
    { not_ok "the servers start" "hint: this is the test's problem, not yours: report it"; done_testing; }
cat "$POETRY/sonnet18.txt" "$POETRY/hope.txt" >"$WORK/good.expected"

# A silent server between two good ones.
fetch silent --timeout 0.5 "$good1_PORT" "$silent_PORT" "$good2_PORT"
if [ $status -ne 124 ] && less_than "$elapsed" 4; then
    ok "a silent server, --timeout 0.5: the client gives up and ends (in ${elapsed}s)"
else
    not_ok "a silent server, --timeout 0.5: the client gives up and ends within 4 s" \
        "status $status after ${elapsed}s; stderr:" "$(show "$WORK/run-silent.err")" \
        "hint: select() with no time limit waits for as long as no socket is ready; a silent server is never ready" \
        "hint: select()'s last argument bounds how long it may wait"
fi
if [ $status -eq 1 ] && grep -q "task 2: 127\.0\.0\.1:$silent_PORT: .*timed out" "$WORK/run-silent.err"; then
    ok "a silent server, --timeout 0.5: exit 1 and 'task 2: ADDR: timed out' on stderr"
else
    not_ok "a silent server, --timeout 0.5: exit 1 and 'task 2: ADDR: timed out' on stderr" \
        "status $status; stderr:" "$(show "$WORK/run-silent.err")" \
        "hint: report the abandoned task as the other failures are reported, and count it in the exit status"
fi
if cmp -s "$WORK/run-silent.out" "$WORK/good.expected"; then
    ok "a silent server, --timeout 0.5: the two good poems on stdout, in order"
else
    not_ok "a silent server, --timeout 0.5: the two good poems on stdout, in order" \
        "stdout $(wc -c <"$WORK/run-silent.out") bytes, expected $(wc -c <"$WORK/good.expected")" \
        "hint: an abandoned task has ended too: the poems after it must still be written"
fi

# A server that sends steadily (100 bytes every 0.15 s) but needs at least 1.2 s in all: the deadline
# counts from the start of the download, so it is abandoned too, though it is never silent for long.
fetch steady --timeout 0.5 "$steady_PORT" "$good2_PORT"
if [ $status -eq 1 ] && grep -q "task 1: 127\.0\.0\.1:$steady_PORT: .*timed out" "$WORK/run-steady.err" &&
    cmp -s "$WORK/run-steady.out" "$POETRY/hope.txt"; then
    ok "a steady server needing 1.2 s, --timeout 0.5: abandoned, its partial poem not written"
else
    not_ok "a steady server needing 1.2 s, --timeout 0.5: abandoned, its partial poem not written" \
        "status $status; stdout $(wc -c <"$WORK/run-steady.out") bytes; stderr:" "$(show "$WORK/run-steady.err")" \
        "hint: the deadline is SECONDS after the download started, however recently bytes arrived" \
        "hint: only complete poems go to stdout"
fi

# A generous timeout changes nothing, and costs no wait.
fetch generous --timeout 10 "$good1_PORT" "$good2_PORT"
if [ $status -eq 0 ] && cmp -s "$WORK/run-generous.out" "$WORK/good.expected" && less_than "$elapsed" 5; then
    ok "good servers, --timeout 10: exit 0, both poems in order, without waiting for the deadline"
else
    not_ok "good servers, --timeout 10: exit 0, both poems in order, without waiting for the deadline" \
        "status $status after ${elapsed}s; stderr:" "$(show "$WORK/run-generous.err")" \
        "hint: a deadline only matters for a download still in progress; when all have ended, the client ends"
fi
fetch none "$good1_PORT" "$good2_PORT"
if [ $status -eq 0 ] && cmp -s "$WORK/run-none.out" "$WORK/good.expected"; then
    ok "good servers, no --timeout: exit 0, both poems in order"
else
    not_ok "good servers, no --timeout: exit 0, both poems in order" "status $status; stderr:" \
        "$(show "$WORK/run-none.err")" "hint: without --timeout there is no deadline at all"
fi

# Waiting costs no CPU: one second on a silent server, measured.
fetch idle --timeout 1 "$silent_PORT"
if [ $status -eq 1 ] && ! less_than "$elapsed" 1; then
    ok "a silent server, --timeout 1: abandoned at its deadline, not before (${elapsed}s)"
else
    not_ok "a silent server, --timeout 1: abandoned at its deadline, not before" \
        "status $status after ${elapsed}s; stderr:" "$(show "$WORK/run-idle.err")" \
        "hint: select()'s time limit is a struct timeval: seconds and MICROseconds"
fi
if [ $status -eq 1 ] && less_than "$cpu" 0.3; then
    ok "a silent server, --timeout 1: the wait costs almost no CPU (${cpu}s)"
else
    not_ok "a silent server, --timeout 1: the wait costs almost no CPU" \
        "status $status; ${cpu}s of CPU in ${elapsed}s" \
        "hint: if the client never gave up, fix that first" \
        "hint: a loop that asks select() again and again with no time to wait is busy, not waiting: wait exactly until the earliest deadline"
fi

done_testing
