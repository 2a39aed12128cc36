# Exercise ch03/first-poem-wins: with --first, the first complete poem is written, the reactor stops, and
# the downloads still running are cancelled by its shutdown: each reports "Task N: cancelled", closes its
# socket and frees its memory (checked under valgrind when it is installed, and by AddressSanitizer's
# leak check when the suite runs with SANITIZE=1). Timing is bounded by the slow servers' own sleeps.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/client_contract.sh"

build_exercise get-poetry-first get-poetry-first.c
CLIENT="$WORK/get-poetry-first"

with_hint "the starter already did this; did an edit move the --help check?" contract_help
with_hint "every address is checked before any download starts (the starter did this)" contract_usage_errors
with_hint "an argument starting with '-' that is no known option is a bad command line (the starter did this)" \
    contract_unknown_option
with_hint "without --first the client is get-poetry: every download runs to its end (the starter did this)" \
    contract_refused_and_reset
with_hint "a server that closes at once sends an empty poem, and that is a success (the starter did this)" \
    contract_empty_poem

# fetch NAME ARGS...: runs ARGS (the client, perhaps under a wrapper) under a timeout; stdout to
# $WORK/NAME.out, stderr to $WORK/NAME.err, exit status in $status, wall time in $elapsed.
fetch() {
    local name=$1 start
    shift
    start=$(now)
    run_with_timeout 30 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null
    status=$?
    elapsed=$(elapsed_since "$start")
}

# Two slow servers, and a fast one between them. A slow poem takes at least (chunks - 1) * delay seconds.
# The fast poem comes in two pieces, 0.2 s apart, so that the slow downloads have bytes in hand when
# they are cancelled. A slowpoetry server serves one client at a time, and after a client leaves it
# notices only at its next send: each run gets slow servers of its own.
delay=0.5
start_poetry_server slow1 "$POETRY/tyger.txt" --delay $delay --num-bytes 100 &&
    start_poetry_server fast "$POETRY/hope.txt" --delay 0.2 --num-bytes 300 &&
    start_poetry_server slow3 "$POETRY/sonnet18.txt" --delay $delay --num-bytes 100 &&
    start_badpeer refusing refuse && start_badpeer resetting reset-after 20 ||
    { not_ok "the servers start" "hint: this is the test's problem, not yours: report it"; done_testing; }
lower_bound() { awk -v size="$(wc -c <"$1")" -v d=$delay 'BEGIN { c = int((size + 99) / 100); print (c - 1) * d }'; }
quickest_slow=$(printf '%s\n' "$(lower_bound "$POETRY/tyger.txt")" "$(lower_bound "$POETRY/sonnet18.txt")" | sort -g | head -n 1)

# --first with the fast server in the middle.
fetch first "$CLIENT" --first "$slow1_PORT" "$fast_PORT" "$slow3_PORT"
if [ $status -eq 0 ] && cmp -s "$WORK/first.out" "$POETRY/hope.txt"; then
    ok "--first: exit 0, and stdout is exactly the poem that came first"
else
    not_ok "--first: exit 0, and stdout is exactly the poem that came first" \
        "status $status; stdout $(wc -c <"$WORK/first.out") bytes, the fast poem has $(wc -c <"$POETRY/hope.txt")" \
        "stderr:" "$(show "$WORK/first.err")" \
        "hint: write the first complete poem, and no other; the downloads you give up on are not failures"
fi
if [ $status -ne 124 ] && less_than "$elapsed" "$quickest_slow"; then
    ok "--first: done in ${elapsed}s, before either slow server could have sent its poem (>= ${quickest_slow}s)"
else
    not_ok "--first: done before either slow server could have sent its poem" \
        "took ${elapsed}s (status $status); the slow poems take at least ${quickest_slow}s" \
        "hint: once a poem is complete, nothing is left to wait for: stop the reactor"
fi
if grep -qx "Task 1: cancelled" "$WORK/first.err" && grep -qx "Task 3: cancelled" "$WORK/first.err" &&
    ! grep -q "^Task 2: cancelled" "$WORK/first.err"; then
    ok "--first: the two slow downloads report 'Task N: cancelled'; the winner does not"
else
    not_ok "--first: the two slow downloads report 'Task N: cancelled'; the winner does not" \
        "stderr:" "$(show "$WORK/first.err")" \
        "hint: when the reactor shuts down it tells every descriptor still registered, and tells it why"
fi
if ! grep -q "^get-poetry-first: " "$WORK/first.err"; then
    ok "--first: a cancelled download is not reported as an error"
else
    not_ok "--first: a cancelled download is not reported as an error" "stderr:" "$(show "$WORK/first.err")" \
        "hint: a download you cancelled did not fail; look at the reason connection_lost is given"
fi

# --first when a download fails before the winner arrives, and when every download fails.
fetch refused "$CLIENT" --first "$refusing_PORT" "$fast_PORT"
if [ $status -eq 0 ] && cmp -s "$WORK/refused.out" "$POETRY/hope.txt"; then
    ok "--first, a refused server and a good one: exit 0 with the good poem"
else
    not_ok "--first, a refused server and a good one: exit 0 with the good poem" "status $status, stderr:" \
        "$(show "$WORK/refused.err")" "hint: with --first, one poem is all that was asked for: if it arrives, the run went well"
fi
fetch none "$CLIENT" --first "$refusing_PORT" "$resetting_PORT"
if [ $status -eq 1 ] && [ ! -s "$WORK/none.out" ]; then
    ok "--first, every download fails: exit 1 and nothing on stdout"
else
    not_ok "--first, every download fails: exit 1 and nothing on stdout" "status $status, stderr:" \
        "$(show "$WORK/none.err")" "hint: when no poem arrives at all, the reactor must still stop once the last download has ended"
fi

# Under valgrind (not with a sanitizer build, which valgrind cannot run): no leak, no bad access, and
# no socket left open at exit, counted against the descriptors open when the client merely prints --help.
case "${CFLAGS:-}" in
*-fsanitize=*) ok "--first under valgrind # SKIP this build uses the sanitizers, whose leak check ran above" ;;
*)
    if ! command -v valgrind >/dev/null 2>&1; then
        skip "--first under valgrind" "needs valgrind: not installed"
    else
        vg=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --track-fds=yes)
        fds_open() { sed -n 's/.*FILE DESCRIPTORS: \([0-9]*\) open.*/\1/p' "$WORK/$1" | head -n 1; }
        start_poetry_server vslow1 "$POETRY/tyger.txt" --delay $delay --num-bytes 100 &&
            start_poetry_server vslow3 "$POETRY/sonnet18.txt" --delay $delay --num-bytes 100 ||
            { not_ok "the servers start" "hint: this is the test's problem, not yours: report it"; done_testing; }
        fetch vg-help "${vg[@]}" --log-file="$WORK/vg-help.log" "$CLIENT" --help
        fetch vg-first "${vg[@]}" --log-file="$WORK/vg-first.log" "$CLIENT" --first "$vslow1_PORT" "$fast_PORT" "$vslow3_PORT"
        if [ $status -eq 0 ] && cmp -s "$WORK/vg-first.out" "$POETRY/hope.txt"; then
            ok "--first under valgrind: exit 0 with the first poem, no leak, no invalid access"
        elif [ $status -eq 99 ]; then
            not_ok "--first under valgrind: exit 0 with the first poem, no leak, no invalid access" \
                "valgrind found errors:" "$(grep -v 'FILE DESCRIPTORS\|Open \|inherited\|^==[0-9]*== *$' "$WORK/vg-first.log" | head -n 30)" \
                "hint: each cancelled download still owns its partial poem; and after connection_lost, nothing may touch what it freed"
        else
            not_ok "--first under valgrind: exit 0 with the first poem, no leak, no invalid access" \
                "status $status; stdout $(wc -c <"$WORK/vg-first.out") bytes, the fast poem has $(wc -c <"$POETRY/hope.txt")" \
                "hint: valgrind found nothing wrong, but the run did not write the first poem alone and exit 0 (see above)"
        fi
        base=$(fds_open vg-help.log) after=$(fds_open vg-first.log)
        if [ -n "$base" ] && [ -n "$after" ] && [ "$after" -le "$base" ]; then
            ok "--first under valgrind: every socket is closed by exit"
        else
            not_ok "--first under valgrind: every socket is closed by exit" \
                "${after:-?} descriptors open at exit, against ${base:-?} for --help" \
                "hint: a cancelled download still has its socket open; connection_lost is its last chance to close it"
        fi
    fi
    ;;
esac

done_testing
