# Exercise ch01/first-lines: --lines N keeps each poem's first N lines and hangs up once they are in.
. "$ROOT/tests/support/lib.sh"

build_exercise get-poetry-lines get-poetry-lines.c
CLIENT="$WORK/get-poetry-lines"

# fetch NAME LIMIT ARGS...: runs the client, killed after LIMIT seconds; stdout to $WORK/NAME.got, stderr
# to $WORK/NAME.log, exit status in $status, wall time in $elapsed.
fetch() {
    local name=$1 limit=$2 start
    shift 2
    start=$(now)
    run_with_timeout "$limit" "$CLIENT" "$@" >"$WORK/$name.got" 2>"$WORK/$name.log"
    status=$?
    elapsed=$(elapsed_since "$start")
}

# differs GOT WANT: one line saying how stdout differs from what was expected.
differs() {
    local how
    how=$(cmp "$1" "$2" 2>&1 | head -n 1 | sed -e 's/^.* differ: /first difference at /' -e 's/^cmp: EOF on .*/one is a prefix of the other/')
    echo "stdout has $(wc -c <"$1") bytes, expected $(wc -c <"$2")${how:+: $how}"
}

# A bad --lines is a bad command line.
for value in 0 x; do
    run_with_timeout 10 "$CLIENT" --lines "$value" 10000 >/dev/null 2>"$WORK/bad.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ]; then
        ok "--lines $value: exit 2 with a one-line error"
    else
        not_ok "--lines $value: exit 2 with a one-line error" "status $status, stderr:" "$(show "$WORK/bad.err")" \
            "hint: the starter already did this; did an edit change the option parsing?"
    fi
done

# Two servers send 7 bytes at a time, so lines arrive in pieces; the third sends its whole poem at once,
# so one read holds many lines.
start_poetry_server tyger "$POETRY/tyger.txt" --delay 0.01 --num-bytes 7 &&
    start_poetry_server goethe "$POETRY/nachtlied.txt" --delay 0.01 --num-bytes 7 &&
    start_poetry_server ozy "$POETRY/ozymandias.txt" --delay 0 --num-bytes 4096 ||
    { not_ok "the poetry servers start" "hint: this is the test's problem, not yours: report it"; done_testing; }

fetch five 10 --lines 5 "$tyger_PORT" "$goethe_PORT" "$ozy_PORT"
{ head -n 5 "$POETRY/tyger.txt"; head -n 5 "$POETRY/nachtlied.txt"; head -n 5 "$POETRY/ozymandias.txt"; } \
    >"$WORK/five.want"
if [ $status -eq 0 ] && cmp -s "$WORK/five.got" "$WORK/five.want"; then
    ok "--lines 5: stdout is the first 5 lines of each poem, in argument order"
else
    not_ok "--lines 5: stdout is the first 5 lines of each poem, in argument order" \
        "status $status; $(differs "$WORK/five.got" "$WORK/five.want")" \
        "hint: a read may end in the middle of a line, and one read may hold many lines (or the whole poem)" \
        "hint: a line ends with its newline, and the newline belongs to it"
fi

# A poem shorter than N lines is kept whole.
fetch long 10 --lines 100 "$goethe_PORT" "$ozy_PORT"
cat "$POETRY/nachtlied.txt" "$POETRY/ozymandias.txt" >"$WORK/long.want"
if [ $status -eq 0 ] && cmp -s "$WORK/long.got" "$WORK/long.want"; then
    ok "--lines 100 on shorter poems: each poem whole"
else
    not_ok "--lines 100 on shorter poems: each poem whole" "status $status; $(differs "$WORK/long.got" "$WORK/long.want")" \
        "hint: when the server closes before N lines, the poem is complete as it is"
fi

# Early hang-up. This server sends 10 bytes every 0.2 s: the whole Tyger (81 sends) takes at least 16 s,
# its first 4 lines (60 bytes) about 1 s. A client that waits for the whole poem is stopped after 8 s.
if start_poetry_server slow "$POETRY/tyger.txt" --delay 0.2 --num-bytes 10; then
    fetch early 8 --lines 4 "$slow_PORT"
    head -n 4 "$POETRY/tyger.txt" >"$WORK/early.want"
    hung_up=0
    if [ $status -eq 0 ] && less_than "$elapsed" 6 && cmp -s "$WORK/early.got" "$WORK/early.want"; then
        hung_up=1
        ok "--lines 4 from a slow server: the first 4 lines, in ${elapsed}s (the whole poem takes 16 s or more)"
    else
        not_ok "--lines 4 from a slow server: the first 4 lines, long before the whole poem would arrive" \
            "status $status after ${elapsed}s (124: still waiting when the test stopped it)" \
            "$(differs "$WORK/early.got" "$WORK/early.want")" \
            "hint: once line N has arrived, stop reading and close the connection; don't wait for the server to close"
    fi

    # The server survives the hang-up and serves the next client.
    if [ $hung_up -eq 1 ]; then
        fetch next 5 --lines 1 "$slow_PORT"
        if kill -0 "$slow_PID" 2>/dev/null && [ $status -eq 0 ] &&
            [ "$(cat "$WORK/next.got")" = "$(head -n 1 "$POETRY/tyger.txt")" ]; then
            ok "after the hang-up the server is still up and serves the next client"
        else
            not_ok "after the hang-up the server is still up and serves the next client" \
                "status $status; server stderr:" "$(show "$WORK/slow.err")" \
                "hint: this client asked the server you just left for 1 line: does --lines 1 work, and does your client close every socket it opens?"
        fi
    else
        not_ok "after the hang-up the server is still up and serves the next client" \
            "not checked: the client above did not hang up early" \
            "hint: make the case above pass first"
    fi
else
    not_ok "a slow poetry server starts" "hint: this is the test's problem, not yours: report it"
fi

# Without --lines, the whole poem, as get-poetry does.
fetch plain 10 "$ozy_PORT"
if [ $status -eq 0 ] && cmp -s "$WORK/plain.got" "$POETRY/ozymandias.txt"; then
    ok "without --lines: the whole poem"
else
    not_ok "without --lines: the whole poem" "status $status; $(differs "$WORK/plain.got" "$POETRY/ozymandias.txt")" \
        "hint: with no --lines, keep every line"
fi

done_testing
