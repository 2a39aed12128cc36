# Exercise ch05/poetry-timeout-lose (krondo part 5): the poetry client's timeout is its protocol's own
# job. A connection whose poem has not ended --timeout seconds after it was made is closed and reported
# as "task N: ADDR: timed out after S s", and its partial poem is not written; the other downloads
# finish; exit 1. A poem that ends in time is untouched, also after its deadline would have passed.
# Checked under valgrind when it is installed. Timing is bounded by the delayed calls and the servers'
# own sleeps, with wide margins.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/client_contract.sh"

build_exercise get-poetry-deadline get-poetry-deadline.c
CLIENT="$WORK/get-poetry-deadline"
NAME=get-poetry-deadline

with_hint "the starter already did this; did an edit move the --help check?" contract_help
with_hint "every address is checked before any download starts (the starter did this)" contract_usage_errors
with_hint "an argument starting with '-' that is no known option is a bad command line (the starter did this)" \
    contract_unknown_option
with_hint "without --timeout the client is get-poetry: every download runs to its end (the starter did this)" \
    contract_refused_and_reset
with_hint "a server that closes at once sends an empty poem, and that is a success (the starter did this)" \
    contract_empty_poem

# fetch NAME ARGS...: runs the client with ARGS under a timeout; stdout to $WORK/NAME.out, stderr to
# $WORK/NAME.err, exit status in $status, wall time in $elapsed.
fetch() {
    local name=$1 start
    shift
    start=$(now)
    run_with_timeout 6 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null
    status=$?
    elapsed=$(elapsed_since "$start")
}
# outcome: how the run ended, for a diagnostic.
outcome() {
    case $status in
    124) echo "the client was still running after 6 s, and was killed" ;;
    1) echo "exit 1" ;;
    13[0-9] | 1[4-9][0-9]) echo "the client crashed (signal $((status - 128)))" ;;
    *) echo "exit $status" ;;
    esac
}

# Servers: two fast ones; a silent one (connects, never sends); one that sends 60 bytes of its poem and
# then pauses for 30 s; and a slow one whose poem takes at least 0.4 s (5 slices, 0.1 s apart).
start_poetry_server fast1 "$POETRY/sonnet18.txt" --delay 0 --num-bytes 1000 &&
    start_poetry_server fast2 "$POETRY/hope.txt" --delay 0 --num-bytes 1000 &&
    start_badpeer silent silent &&
    start_poetry_server partial "$POETRY/tyger.txt" --delay 30 --num-bytes 60 &&
    start_poetry_server steady "$POETRY/hope.txt" --delay 0.1 --num-bytes 100 ||
    { not_ok "the servers start" "hint: this is the test's problem, not yours: report it"; done_testing; }

# A silent server between two good ones.
fetch run-silent "$CLIENT" --timeout 0.5 "$fast1_PORT" "$silent_PORT" "$fast2_PORT"
silent_status=$status
cat "$POETRY/sonnet18.txt" "$POETRY/hope.txt" >"$WORK/run-silent.expected"
if [ $status -eq 1 ] && grep -qx "$NAME: task 2: 127.0.0.1:$silent_PORT: timed out after 0.5 s" "$WORK/run-silent.err" &&
    [ "$(grep -c 'timed out' "$WORK/run-silent.err")" -eq 1 ]; then
    ok "a silent server: its task, and only it, reports 'task 2: ADDR: timed out after 0.5 s'; exit 1"
else
    not_ok "a silent server: its task, and only it, reports 'task 2: ADDR: timed out after 0.5 s'; exit 1" \
        "$(outcome); stderr:" "$(show "$WORK/run-silent.err")" \
        "hint: the clock starts when the connection is made; what the protocol is told then is in protocol.h"
fi
if [ $status -ne 124 ] && cmp -s "$WORK/run-silent.out" "$WORK/run-silent.expected"; then
    ok "the good poems around the silent server arrive whole, in order"
else
    not_ok "the good poems around the silent server arrive whole, in order" "$(outcome)" \
        "stdout has $(wc -c <"$WORK/run-silent.out") bytes, expected $(wc -c <"$WORK/run-silent.expected")" \
        "hint: a download that is given up must still end its task, or the client waits for it forever"
fi
if [ $status -ne 124 ] && ! less_than "$elapsed" 0.5 && less_than "$elapsed" 5; then
    ok "the run ends when the deadline passes (${elapsed}s; between 0.5 s and 5 s)"
else
    not_ok "the run ends when the deadline passes" "took ${elapsed}s ($(outcome)); expected between 0.5 s and 5 s" \
        "hint: schedule the deadline with reactor_call_later, SECONDS from connection_made"
fi

# A server that sends part of its poem and then stalls: the part must not be written.
fetch run-partial "$CLIENT" --timeout 0.5 "$partial_PORT" "$fast2_PORT"
if [ $status -eq 1 ] && grep -qx "$NAME: task 1: 127.0.0.1:$partial_PORT: timed out after 0.5 s" "$WORK/run-partial.err" &&
    cmp -s "$WORK/run-partial.out" "$POETRY/hope.txt"; then
    ok "a poem cut short by its deadline: reported as timed out, and not written; the other poem is"
else
    not_ok "a poem cut short by its deadline: reported as timed out, and not written; the other poem is" \
        "$(outcome); stdout has $(wc -c <"$WORK/run-partial.out") bytes, expected only the second poem's $(wc -c <"$POETRY/hope.txt")" \
        "stderr:" "$(show "$WORK/run-partial.err")" \
        "hint: what reason does connection_lost get after the way you closed the connection? Could it tell that from a whole poem?"
fi

# A poem that ends first is untouched by its deadline, even though the run outlasts it: task 1 ends at
# once, task 2 (silent) keeps the run going past 1 s, when task 1's deadline would fall.
fetch run-cancel "$CLIENT" --timeout 1 "$fast1_PORT" "$silent_PORT"
if [ $status -eq 1 ] && grep -q "^Task 1: got $(wc -c <"$POETRY/sonnet18.txt") bytes" "$WORK/run-cancel.err" &&
    ! grep -q "task 1: .*timed out" "$WORK/run-cancel.err" && grep -q "task 2: .*timed out after 1 s" "$WORK/run-cancel.err" &&
    cmp -s "$WORK/run-cancel.out" "$POETRY/sonnet18.txt"; then
    ok "a poem that ends in time is not touched by its deadline later"
else
    not_ok "a poem that ends in time is not touched by its deadline later" "$(outcome); stderr:" "$(show "$WORK/run-cancel.err")" \
        "hint: the silent task must time out at 1 s, and the finished one be left alone: once a poem has ended, its protocol is freed, and a deadline still pending would run on memory that is gone"
fi

# A slow poem that ends within the deadline: exit 0, nothing timed out.
fetch run-steady "$CLIENT" --timeout 5 "$steady_PORT" "$fast1_PORT"
cat "$POETRY/hope.txt" "$POETRY/sonnet18.txt" >"$WORK/run-steady.expected"
if [ $status -eq 0 ] && cmp -s "$WORK/run-steady.out" "$WORK/run-steady.expected" && ! grep -q 'timed out' "$WORK/run-steady.err"; then
    ok "a slow poem that ends within the deadline arrives whole, and the run exits 0"
else
    not_ok "a slow poem that ends within the deadline arrives whole, and the run exits 0" "$(outcome); stderr:" \
        "$(show "$WORK/run-steady.err")" "hint: the deadline is SECONDS after the connection was made, no sooner"
fi

# Under valgrind (not with a sanitizer build, which valgrind cannot run): a poem that ends, one cut
# short, and a silent server. No leak, no access to freed memory.
case "${CFLAGS:-}" in
*-fsanitize=*) ok "the client under valgrind # SKIP this build uses the sanitizers, whose checks ran above" ;;
*)
    if ! command -v valgrind >/dev/null 2>&1; then
        skip "the client under valgrind" "needs valgrind: not installed"
    elif [ "$silent_status" -eq 124 ]; then
        not_ok "under valgrind: no leak, no invalid access" "not run: the client does not give up on a silent server yet" \
            "hint: make the cases above pass first"
    else
        start=$(now)
        run_with_timeout 30 valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
            --log-file="$WORK/vg.log" "$CLIENT" --timeout 1 "$fast1_PORT" "$partial_PORT" "$silent_PORT" \
            >"$WORK/vg.out" 2>"$WORK/vg.err" </dev/null
        status=$?
        if [ $status -eq 1 ] && cmp -s "$WORK/vg.out" "$POETRY/sonnet18.txt"; then
            ok "under valgrind: no leak, no invalid access"
        elif [ $status -eq 99 ]; then
            not_ok "under valgrind: no leak, no invalid access" "valgrind found errors:" \
                "$(grep -v '^==[0-9]*== *$' "$WORK/vg.log" | head -n 30)" \
                "hint: a delayed call's handle is given back with delayed_call_release, once, whether the call ran or was cancelled"
        else
            not_ok "under valgrind: no leak, no invalid access" "exit $status; stdout $(wc -c <"$WORK/vg.out") bytes" \
                "$(show "$WORK/vg.err")" "hint: valgrind found nothing, but the run did not end as the cases above expect"
        fi
    fi
    ;;
esac

done_testing
