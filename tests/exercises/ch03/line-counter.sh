# Exercise ch03/line-counter: get-poetry reports each complete line of each poem as it arrives, and the
# count when the poem is complete. Servers that send 7 bytes at a time split lines between reads; one that
# sends 1000 bytes at a time puts many lines in one read; two at once check that each task counts alone.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/client_contract.sh"

build_exercise get-poetry-lines get-poetry-lines.c
CLIENT="$WORK/get-poetry-lines"

with_hint "the starter already did this; did an edit move the --help check?" contract_help
with_hint "every address is checked before any download starts (the starter did this)" contract_usage_errors
with_hint "an argument starting with '-' that is no known option is a bad command line (the starter did this)" \
    contract_unknown_option
with_hint "the downloads themselves work as in get-poetry (the starter did this): did an edit change them?" \
    contract_refused_and_reset
with_hint "a server that closes at once sends an empty poem, and that is a success (the starter did this)" \
    contract_empty_poem

# Small chunks with a short pause: the client sees lines in pieces. Big chunks: many lines in one read.
start_poetry_server tiny1 "$POETRY/tyger.txt" --delay 0.005 --num-bytes 7 &&
    start_poetry_server tiny2 "$POETRY/nachtlied.txt" --delay 0.005 --num-bytes 7 &&
    start_poetry_server big "$POETRY/ozymandias.txt" --delay 0 --num-bytes 1000 ||
    { not_ok "three poetry servers start" "hint: this is the test's problem, not yours: report it"; done_testing; }

# fetch NAME ARGS...: runs the client; stdout to $WORK/NAME.out, stderr to $WORK/NAME.err, status in $status.
fetch() {
    local name=$1
    shift
    run_with_timeout 20 "$CLIENT" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
    status=$?
}

# check_task RUN N POEM WHAT: the cases for task N of run RUN, whose poem is the file POEM.
check_task() {
    local run=$1 n=$2 poem=$3 what=$4 expected reports total
    expected=$(wc -l <"$POETRY/$poem")
    reports=$(grep -E "^Task $n: line [0-9]+$" "$WORK/$run.err" | sed 's/.* //' | tr '\n' ' ')
    if [ "$reports" = "$(seq 1 "$expected" | tr '\n' ' ')" ]; then
        ok "$what: task $n reports lines 1 to $expected, once each, in order"
    else
        not_ok "$what: task $n reports lines 1 to $expected, once each, in order" \
            "the 'Task $n: line K' reports gave K = ${reports:-(none)}" \
            "hint: a line is complete when its newline arrives; reads do not follow lines (one may end mid-line, another hold several newlines), and each task keeps its own count"
    fi
    total=$(grep -E "^Task $n: [0-9]+ lines?$" "$WORK/$run.err")
    if [ "$total" = "Task $n: $expected lines" ] &&
        [ "$(grep -n -E "^Task $n: [0-9]+ lines?$" "$WORK/$run.err" | cut -d: -f1)" -gt \
            "$(grep -n -E "^Task $n: line [0-9]+$" "$WORK/$run.err" | tail -n 1 | cut -d: -f1 | grep . || echo 0)" ]; then
        ok "$what: task $n ends with 'Task $n: $expected lines', after its last line report"
    else
        not_ok "$what: task $n ends with 'Task $n: $expected lines', after its last line report" \
            "found: ${total:-(no 'Task $n: K lines' line)}" \
            "hint: report the count once, when the poem is complete; the count has to survive from one call of do_read to the next"
    fi
}

# One task, 7 bytes at a time.
fetch one "$tiny1_PORT"
if [ $status -eq 0 ] && cmp -s "$WORK/one.out" "$POETRY/tyger.txt"; then
    ok "one poem in 7-byte pieces: exit 0 and the poem on stdout, unchanged"
else
    not_ok "one poem in 7-byte pieces: exit 0 and the poem on stdout, unchanged" "status $status, stderr:" \
        "$(show "$WORK/one.err")" "hint: counting lines must not change what is written to stdout"
fi
check_task one 1 tyger.txt "one poem in 7-byte pieces"

# Three at once: two in 7-byte pieces (their reads interleave) and one in a single piece.
fetch three "$tiny1_PORT" "$big_PORT" "$tiny2_PORT"
cat "$POETRY/tyger.txt" "$POETRY/ozymandias.txt" "$POETRY/nachtlied.txt" >"$WORK/three.expected"
if [ $status -eq 0 ] && cmp -s "$WORK/three.out" "$WORK/three.expected"; then
    ok "three poems at once: exit 0 and the poems on stdout, unchanged, in argument order"
else
    not_ok "three poems at once: exit 0 and the poems on stdout, unchanged, in argument order" \
        "status $status, stderr:" "$(show "$WORK/three.err")" \
        "hint: counting lines must not change what is written to stdout"
fi
check_task three 1 tyger.txt "three at once"
check_task three 2 ozymandias.txt "three at once (task 2 in one piece)"
check_task three 3 nachtlied.txt "three at once"

done_testing
