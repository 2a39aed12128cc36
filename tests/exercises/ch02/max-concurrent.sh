# Exercise ch02/max-concurrent: --max N caps how many downloads are in progress at once.
# Overlap is read from the order of the progress lines on stderr (a task has started once it has read
# something; it has ended once it reports "got"), and the time of --max 1 from the servers' own sleeps.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/client_contract.sh"

build_exercise get-poetry-max get-poetry-max.c
CLIENT="$WORK/get-poetry-max"

# fetch NAME ARGS...: runs the client under a timeout; stdout to $WORK/NAME.out, stderr to
# $WORK/NAME.err, exit status in $status, wall time in $elapsed.
fetch() {
    local name=$1 start
    shift
    start=$(now)
    run_with_timeout 20 "$CLIENT" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
    status=$?
    elapsed=$(elapsed_since "$start")
}

# first_line FILE PATTERN: the number of the first line of FILE matching the extended regex, or 0.
first_line() { grep -n -m 1 -E -- "$2" "$1" | cut -d: -f1 | grep . || echo 0; }
first_read() { first_line "$1" "^Task $2: read "; }
got_line() { first_line "$1" "^Task $2: got "; }


with_hint "the starter already did this; did an edit move the --help check?" contract_help
with_hint "every address is checked before any download starts (the starter did this)" contract_usage_errors
with_hint "an argument starting with '-' that is no known option is a bad command line (the starter did this)" \
    contract_unknown_option

for bad in 0 -1 abc; do
    run_with_timeout 10 "$CLIENT" --max "$bad" 10000 >"$WORK/badmax.out" 2>"$WORK/badmax.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/badmax.err")" -eq 1 ] && [ ! -s "$WORK/badmax.out" ]; then
        ok "--max $bad: exit 2 with a one-line error"
    else
        not_ok "--max $bad: exit 2 with a one-line error" "status $status, stderr:" "$(show "$WORK/badmax.err")" \
            "hint: --max takes a whole number from 1; anything else is a bad command line (the starter did this)"
    fi
done

# Three slow servers. Each poem takes at least (chunks - 1) * delay seconds, whatever the client does.
delay=0.15
start_poetry_server slow1 "$POETRY/tyger.txt" --delay $delay --num-bytes 100 &&
    start_poetry_server slow2 "$POETRY/ozymandias.txt" --delay $delay --num-bytes 100 &&
    start_poetry_server slow3 "$POETRY/sonnet18.txt" --delay $delay --num-bytes 100 ||
    { not_ok "three poetry servers start" "hint: this is the test's problem, not yours: report it"; done_testing; }
lower_bound() { awk -v size="$(wc -c <"$1")" -v d=$delay 'BEGIN { c = int((size + 99) / 100); print (c - 1) * d }'; }
sum=$(awk -v a="$(lower_bound "$POETRY/tyger.txt")" -v b="$(lower_bound "$POETRY/ozymandias.txt")" \
    -v c="$(lower_bound "$POETRY/sonnet18.txt")" 'BEGIN { print a + b + c }')
cat "$POETRY/tyger.txt" "$POETRY/ozymandias.txt" "$POETRY/sonnet18.txt" >"$WORK/three.expected"

# poems_in_order NAME WHAT: the case "WHAT: exit 0 and the three poems in argument order".
poems_in_order() {
    if [ $status -eq 0 ] && cmp -s "$WORK/$1.out" "$WORK/three.expected"; then
        ok "$2: exit 0 and the three poems on stdout in argument order"
    else
        not_ok "$2: exit 0 and the three poems on stdout in argument order" \
            "status $status; stdout $(wc -c <"$WORK/$1.out") bytes, expected $(wc -c <"$WORK/three.expected")" \
            "stderr:" "$(show "$WORK/$1.err")" \
            "hint: every task must still run to its end, and the poems follow the arguments"
    fi
}

# --max 1: one download at a time.
fetch max1 --max 1 "$slow1_PORT" "$slow2_PORT" "$slow3_PORT"
poems_in_order max1 "--max 1"
r2=$(first_read "$WORK/max1.err" 2) r3=$(first_read "$WORK/max1.err" 3)
g1=$(got_line "$WORK/max1.err" 1) g2=$(got_line "$WORK/max1.err" 2)
if [ "$g1" -gt 0 ] && [ "$r2" -gt "$g1" ] && [ "$g2" -gt 0 ] && [ "$r3" -gt "$g2" ]; then
    ok "--max 1: task 2 reads only after task 1 got its poem, task 3 only after task 2"
else
    not_ok "--max 1: task 2 reads only after task 1 got its poem, task 3 only after task 2" \
        "stderr:" "$(show "$WORK/max1.err")" \
        "hint: with --max 1, a task must not even connect while another one is in progress"
fi
if [ $status -ne 124 ] && ! less_than "$elapsed" "$sum"; then
    ok "--max 1: the total (${elapsed}s) is at least the sum of the three downloads (>= ${sum}s)"
else
    not_ok "--max 1: the total is at least the sum of the three downloads" \
        "took ${elapsed}s (status $status); one at a time cannot take less than ${sum}s" \
        "hint: the downloads still overlap somewhere"
fi

# --max 2: exactly two at a time.
fetch max2 --max 2 "$slow1_PORT" "$slow2_PORT" "$slow3_PORT"
poems_in_order max2 "--max 2"
r1=$(first_read "$WORK/max2.err" 1) r2=$(first_read "$WORK/max2.err" 2) r3=$(first_read "$WORK/max2.err" 3)
g1=$(got_line "$WORK/max2.err" 1) g2=$(got_line "$WORK/max2.err" 2)
first_got=$(first_line "$WORK/max2.err" "^Task [12]: got ")
if [ "$r1" -gt 0 ] && [ "$r2" -gt 0 ] && [ "$g1" -gt 0 ] && [ "$g2" -gt 0 ] &&
    [ "$r1" -lt "$g2" ] && [ "$r2" -lt "$g1" ]; then
    ok "--max 2: tasks 1 and 2 overlap"
else
    not_ok "--max 2: tasks 1 and 2 overlap" "stderr:" "$(show "$WORK/max2.err")" \
        "hint: --max 2 allows two downloads at once: both should read before either one is done"
fi
if [ "$first_got" -gt 0 ] && [ "$r3" -gt "$first_got" ]; then
    ok "--max 2: task 3 reads only after task 1 or 2 got its poem"
else
    not_ok "--max 2: task 3 reads only after task 1 or 2 got its poem" "stderr:" "$(show "$WORK/max2.err")" \
        "hint: the third task has to wait until one of the first two has ended"
fi

# No --max: all at once, as get-poetry does.
fetch all "$slow1_PORT" "$slow2_PORT" "$slow3_PORT"
poems_in_order all "no --max"
first_got=$(first_line "$WORK/all.err" "^Task [0-9]+: got ")
r1=$(first_read "$WORK/all.err" 1) r2=$(first_read "$WORK/all.err" 2) r3=$(first_read "$WORK/all.err" 3)
if [ "$first_got" -gt 0 ] && [ "$r1" -gt 0 ] && [ "$r2" -gt 0 ] && [ "$r3" -gt 0 ] &&
    [ "$r1" -lt "$first_got" ] && [ "$r2" -lt "$first_got" ] && [ "$r3" -lt "$first_got" ]; then
    ok "no --max: all three tasks read before the first one is done"
else
    not_ok "no --max: all three tasks read before the first one is done" "stderr:" "$(show "$WORK/all.err")" \
        "hint: without --max there is no limit: every download starts at once, as in get-poetry"
fi

# --max 1 with failures: a refused connection and a reset each end their task and free the place.
start_badpeer refusing refuse && start_badpeer resetting reset-after 20 &&
    start_poetry_server quick "$POETRY/hope.txt" --delay 0 --num-bytes 1000 ||
    { not_ok "the failing servers start" "hint: this is the test's problem, not yours: report it"; done_testing; }
fetch faults --max 1 "$refusing_PORT" "$quick_PORT" "$resetting_PORT" "$slow3_PORT"
cat "$POETRY/hope.txt" "$POETRY/sonnet18.txt" >"$WORK/faults.expected"
if [ $status -eq 1 ] && grep -q "task 1: 127\.0\.0\.1:$refusing_PORT: Connection refused" "$WORK/faults.err" &&
    grep -q "task 3: 127\.0\.0\.1:$resetting_PORT: Connection reset by peer" "$WORK/faults.err"; then
    ok "--max 1, a refused and a reset server among good ones: exit 1, both failures reported"
else
    not_ok "--max 1, a refused and a reset server among good ones: exit 1, both failures reported" \
        "status $status, stderr:" "$(show "$WORK/faults.err")" \
        "hint: a task that fails, even at once when it starts, has ended too: its place goes to the next task"
fi
if cmp -s "$WORK/faults.out" "$WORK/faults.expected"; then
    ok "--max 1, a refused and a reset server among good ones: the good poems, in order, and nothing else"
else
    not_ok "--max 1, a refused and a reset server among good ones: the good poems, in order, and nothing else" \
        "stdout $(wc -c <"$WORK/faults.out") bytes, expected $(wc -c <"$WORK/faults.expected")" \
        "hint: the tasks after a failed one must still start and finish"
fi

done_testing
