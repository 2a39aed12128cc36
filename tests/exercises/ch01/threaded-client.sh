# Exercise ch01/threaded-client: the blocking client with one thread per download.
# The downloads must overlap (three servers of at least 1.0 s each finish well before 3.0 s), and the
# output contract of get-poetry still holds: complete poems on stdout in argument order, exit 0/1/2.
. "$ROOT/tests/support/lib.sh"

build_exercise get-poetry-threaded get-poetry-threaded.c
CLIENT="$WORK/get-poetry-threaded"

# fetch NAME ADDRESS...: runs the client under a timeout; stdout to $WORK/NAME.got, stderr to
# $WORK/NAME.log, exit status in $status, wall time in $elapsed.
fetch() {
    local name=$1 start
    shift
    start=$(now)
    run_with_timeout 15 "$CLIENT" "$@" >"$WORK/$name.got" 2>"$WORK/$name.log"
    status=$?
    elapsed=$(elapsed_since "$start")
}

# line_of FILE PATTERN: the number of the first line of FILE matching the extended regex PATTERN, or 0.
line_of() { grep -n -m 1 -E -- "$2" "$1" | cut -d: -f1 | grep . || echo 0; }

# differs GOT WANT: one line saying how stdout differs from what was expected.
differs() {
    local how
    how=$(cmp "$1" "$2" 2>&1 | head -n 1 | sed -e 's/^.* differ: /first difference at /' -e 's/^cmp: EOF on .*/one is a prefix of the other/')
    echo "stdout has $(wc -c <"$1") bytes, expected $(wc -c <"$2")${how:+: $how}"
}

# The command line is get-poetry's.
"$CLIENT" --help >"$WORK/help.out" 2>/dev/null
status=$?
if [ $status -eq 0 ] && grep -q '^usage: ' "$WORK/help.out"; then
    ok "--help prints usage to stdout and exits 0"
else
    not_ok "--help prints usage to stdout and exits 0" "status $status" \
        "hint: the starter already did this; did an edit move the --help check?"
fi
run_with_timeout 10 "$CLIENT" 10000 foo:1 >/dev/null 2>"$WORK/bad.err"
status=$?
if [ $status -eq 2 ] && grep -q "foo:1" "$WORK/bad.err"; then
    ok "a bad address: exit 2 and an error naming it, before any download"
else
    not_ok "a bad address: exit 2 and an error naming it, before any download" "status $status, stderr:" \
        "$(show "$WORK/bad.err")" "hint: check every address before starting any thread"
fi

# Three servers whose sleeps alone take 1.0 s each (four sleeps of 0.25 s): one after another that is
# at least 3.0 s; overlapping, about 1.0 s. We ask for less than 2.4 s.
start_poetry_server a "$POETRY/tyger.txt" --delay 0.25 --num-bytes 162 &&
    start_poetry_server b "$POETRY/nachtlied.txt" --delay 0.25 --num-bytes 40 &&
    start_poetry_server c "$POETRY/ozymandias.txt" --delay 0.25 --num-bytes 135 ||
    { not_ok "three poetry servers start" "hint: this is the test's problem, not yours: report it"; done_testing; }

fetch three "$b_PORT" "$a_PORT" "$c_PORT"
cat "$POETRY/nachtlied.txt" "$POETRY/tyger.txt" "$POETRY/ozymandias.txt" >"$WORK/three.want"
if [ $status -eq 0 ] && cmp -s "$WORK/three.got" "$WORK/three.want"; then
    ok "three servers: exit 0 and the three poems on stdout in argument order"
else
    not_ok "three servers: exit 0 and the three poems on stdout in argument order" \
        "status $status; $(differs "$WORK/three.got" "$WORK/three.want")" \
        "stderr:" "$(show "$WORK/three.log")" \
        "hint: each poem must be complete, and they must come out in the order the servers were named"
fi
if [ $status -ne 124 ] && less_than "$elapsed" 2.4; then
    ok "three servers of at least 1.0 s each: done in ${elapsed}s (one after another takes 3.0 s or more)"
else
    not_ok "three servers of at least 1.0 s each: done in less than 2.4 s" \
        "took ${elapsed}s (status $status); one after another takes at least 3.0 s" \
        "hint: are the downloads really waiting at the same time? Start every thread before waiting for any"
fi
last_start=0
for task in 1 2 3; do
    line=$(line_of "$WORK/three.log" "^Task $task: get poetry from ")
    if [ "$line" -eq 0 ]; then last_start=999999; elif [ "$line" -gt "$last_start" ]; then last_start=$line; fi
done
first_got=$(line_of "$WORK/three.log" "^Task [0-9]+: got ")
if [ "$first_got" -gt 0 ] && [ "$last_start" -lt "$first_got" ]; then
    ok "progress: all three tasks start before the first one gets its poem"
else
    not_ok "progress: all three tasks start before the first one gets its poem" "stderr:" \
        "$(show "$WORK/three.log")" \
        "hint: every download should be under way before any of them finishes" \
        "hint: keep get-poetry's progress lines ('Task N: get poetry from ...', 'Task N: got ...'), each printed when it happens"
fi

# A slow server first and a fast one second: the fast poem arrives first but is written second.
start_poetry_server fast "$POETRY/hope.txt" --delay 0 --num-bytes 4096 ||
    { not_ok "a fast poetry server starts" "hint: this is the test's problem, not yours: report it"; done_testing; }
fetch order "$a_PORT" "$fast_PORT"
cat "$POETRY/tyger.txt" "$POETRY/hope.txt" >"$WORK/order.want"
if [ $status -eq 0 ] && cmp -s "$WORK/order.got" "$WORK/order.want"; then
    ok "a slow server, then a fast one: the poems follow the arguments, not the finishing order"
else
    not_ok "a slow server, then a fast one: the poems follow the arguments, not the finishing order" \
        "status $status; $(differs "$WORK/order.got" "$WORK/order.want")" \
        "hint: a poem that arrives early must wait for the poems named before it"
fi
task2=$(line_of "$WORK/order.log" "^Task 2: got ")
task1=$(line_of "$WORK/order.log" "^Task 1: got ")
if [ "$task2" -gt 0 ] && [ "$task1" -gt 0 ] && [ "$task2" -lt "$task1" ]; then
    ok "a slow server, then a fast one: stderr reports the fast one's poem first"
else
    not_ok "a slow server, then a fast one: stderr reports the fast one's poem first" "stderr:" \
        "$(show "$WORK/order.log")" \
        "hint: the fast download should not wait behind the slow one; report each one when it ends"
fi

# A refused connection between two good servers: that task fails, the others still deliver.
if start_badpeer refused refuse; then
    fetch refused "$fast_PORT" "$refused_PORT" "$b_PORT"
    cat "$POETRY/hope.txt" "$POETRY/nachtlied.txt" >"$WORK/refused.want"
    if [ $status -eq 1 ] && grep -q "task 2: .*127\.0\.0\.1:$refused_PORT.*Connection refused" "$WORK/refused.log"; then
        ok "a refused connection: exit 1, and stderr names task 2, its address and 'Connection refused'"
    else
        not_ok "a refused connection: exit 1, and stderr names task 2, its address and 'Connection refused'" \
            "status $status, stderr:" "$(show "$WORK/refused.log")" \
            "hint: a failed download is reported on stderr as get-poetry does, and the exit status counts it"
    fi
    if cmp -s "$WORK/refused.got" "$WORK/refused.want"; then
        ok "a refused connection: the two good poems are still on stdout, in order"
    else
        not_ok "a refused connection: the two good poems are still on stdout, in order" \
            "$(differs "$WORK/refused.got" "$WORK/refused.want")" "hint: one failed thread must not stop the others, nor their poems"
    fi
else
    not_ok "badpeer refuse starts" "hint: this is the test's problem, not yours: report it"
fi

# A reset mid-poem: the partial poem never reaches stdout.
if start_badpeer reset reset-after 20; then
    fetch reset "$reset_PORT" "$fast_PORT"
    if [ $status -eq 1 ] && grep -q "Connection reset by peer" "$WORK/reset.log" &&
        cmp -s "$WORK/reset.got" "$POETRY/hope.txt"; then
        ok "a reset mid-poem: exit 1, reported, and only the complete poem on stdout"
    else
        not_ok "a reset mid-poem: exit 1, reported, and only the complete poem on stdout" \
            "status $status; $(differs "$WORK/reset.got" "$POETRY/hope.txt")" "stderr:" "$(show "$WORK/reset.log")" \
            "hint: write only the poems whose download ended with a clean close"
    fi
else
    not_ok "badpeer reset-after starts" "hint: this is the test's problem, not yours: report it"
fi

done_testing
