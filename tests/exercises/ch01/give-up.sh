# Exercise ch01/give-up: a blocking client that gives up on a server that stays silent (--timeout).
. "$ROOT/tests/support/lib.sh"

build_exercise get-poetry-timeout get-poetry-timeout.c
CLIENT="$WORK/get-poetry-timeout"

# fetch NAME ARGS...: runs the client, killed after 10 s; stdout to $WORK/NAME.got, stderr to
# $WORK/NAME.log, exit status in $status, wall time in $elapsed.
fetch() {
    local name=$1 start
    shift
    start=$(now)
    run_with_timeout 10 "$CLIENT" "$@" >"$WORK/$name.got" 2>"$WORK/$name.log"
    status=$?
    elapsed=$(elapsed_since "$start")
}

# differs GOT WANT: one line saying how stdout differs from what was expected.
differs() {
    local how
    how=$(cmp "$1" "$2" 2>&1 | head -n 1 | sed -e 's/^.* differ: /first difference at /' -e 's/^cmp: EOF on .*/one is a prefix of the other/')
    echo "stdout has $(wc -c <"$1") bytes, expected $(wc -c <"$2")${how:+: $how}"
}

# A bad --timeout is a bad command line.
for value in abc -1; do
    run_with_timeout 10 "$CLIENT" --timeout "$value" 10000 >/dev/null 2>"$WORK/bad.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] && grep -q -- "'$value'" "$WORK/bad.err"; then
        ok "--timeout $value: exit 2 with a one-line error naming the value"
    else
        not_ok "--timeout $value: exit 2 with a one-line error naming the value" "status $status, stderr:" \
            "$(show "$WORK/bad.err")" "hint: the starter already did this; did an edit change the option parsing?"
    fi
done

start_poetry_server tyger "$POETRY/tyger.txt" --delay 0.01 --num-bytes 128 &&
    start_poetry_server goethe "$POETRY/nachtlied.txt" --delay 0.01 --num-bytes 128 &&
    start_badpeer silent silent ||
    { not_ok "the servers start" "hint: this is the test's problem, not yours: report it"; done_testing; }

# A silent server between two good ones, with --timeout 0.5.
fetch silent --timeout 0.5 "$tyger_PORT" "$silent_PORT" "$goethe_PORT"
if [ $status -eq 124 ]; then
    not_ok "a silent server: the client gives up on it and finishes" \
        "still waiting after 10 s, so the test stopped it" "stderr:" "$(show "$WORK/silent.log")" \
        "hint: a plain read() waits as long as the server likes; something must put a limit on that wait"
elif less_than "$elapsed" 5 && ! less_than "$elapsed" 0.5; then
    ok "a silent server: the client gives up after about the timeout (${elapsed}s in all)"
else
    not_ok "a silent server: the client gives up after about the timeout" \
        "took ${elapsed}s for a 0.5 s timeout and two fast servers" \
        "hint: the limit is the --timeout value: no sooner, and not much later"
fi
if [ $status -eq 1 ]; then
    ok "a silent server: exit 1"
else
    not_ok "a silent server: exit 1" "status $status" \
        "hint: a download that timed out failed: the exit status says some download failed"
fi
if grep -i "127\.0\.0\.1:$silent_PORT" "$WORK/silent.log" | grep -qi "timed out"; then
    ok "a silent server: stderr names its address and says it timed out"
else
    not_ok "a silent server: stderr names its address and says it timed out" "stderr:" \
        "$(show "$WORK/silent.log")" \
        "hint: one line for the failed task, with its HOST:PORT and the words 'timed out'"
fi
cat "$POETRY/tyger.txt" "$POETRY/nachtlied.txt" >"$WORK/silent.want"
if cmp -s "$WORK/silent.got" "$WORK/silent.want"; then
    ok "a silent server: the two good poems are on stdout, in order"
else
    not_ok "a silent server: the two good poems are on stdout, in order" "$(differs "$WORK/silent.got" "$WORK/silent.want")" \
        "hint: after giving up on one server, go on to the next one"
fi

# The timeout is for silence, not for the whole poem: a slow server that keeps sending is not cut off.
# Nine sleeps of 0.15 s make this poem take at least 1.35 s, longer than the 1 s timeout, but no gap
# between two sends comes near 1 s.
if start_poetry_server slow "$POETRY/nachtlied.txt" --delay 0.15 --num-bytes 20; then
    fetch slow --timeout 1 "$slow_PORT"
    if [ $status -eq 0 ] && cmp -s "$WORK/slow.got" "$POETRY/nachtlied.txt"; then
        ok "a slow server that keeps sending is not cut off by a shorter --timeout"
    else
        not_ok "a slow server that keeps sending is not cut off by a shorter --timeout" \
            "status $status (the poem takes at least 1.35 s, sent every 0.15 s)" "stderr:" "$(show "$WORK/slow.log")" \
            "hint: the timeout limits each wait for bytes, not the whole download: every arrival starts it afresh"
    fi
else
    not_ok "a slow poetry server starts" "hint: this is the test's problem, not yours: report it"
fi

# Without --timeout the client waits as get-poetry does.
fetch plain "$goethe_PORT"
if [ $status -eq 0 ] && cmp -s "$WORK/plain.got" "$POETRY/nachtlied.txt"; then
    ok "without --timeout: a normal download, exit 0"
else
    not_ok "without --timeout: a normal download, exit 0" "status $status, stderr:" "$(show "$WORK/plain.log")" \
        "hint: with no --timeout, wait as long as it takes"
fi

done_testing
