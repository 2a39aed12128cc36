# Exercise ch02/poll-client: chapter 2's client waiting in poll() instead of select(), so that it works
# when its sockets get descriptors at or above FD_SETSIZE (1024), where select() cannot go.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/client_contract.sh"

build_exercise get-poetry-poll get-poetry-poll.c
CLIENT="$WORK/get-poetry-poll"


with_hint "the starter already did this; did an edit move the --help check?" contract_help
with_hint "every address is checked before any download starts (the starter did this)" contract_usage_errors
with_hint "an argument starting with '-' that is no known option is a bad command line (the starter did this)" \
    contract_unknown_option
with_hint "poll() may report a failed connect or a reset as POLLERR or POLLHUP alone, without the event you asked for" \
    contract_refused_and_reset
with_hint "a server that closes at once sends an empty poem, and that is a success" contract_empty_poem

# fetch NAME ARGS...: runs the client (ARGS may start with a wrapper); stdout to $WORK/run-NAME.out,
# stderr to $WORK/run-NAME.err, exit status in $status.
fetch() {
    local name=$1
    shift
    run_with_timeout 20 "$@" >"$WORK/run-$name.out" 2>"$WORK/run-$name.err"
    status=$?
}
first_line() { grep -n -m 1 -E -- "$2" "$1" | cut -d: -f1 | grep . || echo 0; }

start_poetry_server slow1 "$POETRY/tyger.txt" --delay 0.1 --num-bytes 100 &&
    start_poetry_server slow2 "$POETRY/ozymandias.txt" --delay 0.1 --num-bytes 100 &&
    start_badpeer refused refuse ||
    { not_ok "the servers start" "hint: this is the test's problem, not yours: report it"; done_testing; }
cat "$POETRY/tyger.txt" "$POETRY/ozymandias.txt" >"$WORK/two.expected"

# interleaved NAME WHAT: the case "WHAT: the downloads overlap", from the progress lines.
interleaved() {
    local read2 got1
    read2=$(first_line "$WORK/run-$1.err" "^Task 2: read ")
    got1=$(first_line "$WORK/run-$1.err" "^Task 1: got ")
    if [ "$read2" -gt 0 ] && [ "$got1" -gt 0 ] && [ "$read2" -lt "$got1" ]; then
        ok "$2: the downloads overlap (task 2 reads before task 1 is done)"
    else
        not_ok "$2: the downloads overlap (task 2 reads before task 1 is done)" "stderr:" \
            "$(show "$WORK/run-$1.err")" \
            "hint: one poll() call waits on every socket in progress at once, as select() did"
    fi
}

fetch low "$CLIENT" "$slow1_PORT" "$slow2_PORT"
if [ $status -eq 0 ] && cmp -s "$WORK/run-low.out" "$WORK/two.expected"; then
    ok "two slow servers: exit 0 and both poems, byte for byte, in argument order"
else
    not_ok "two slow servers: exit 0 and both poems, byte for byte, in argument order" \
        "status $status; stdout $(wc -c <"$WORK/run-low.out") bytes, expected $(wc -c <"$WORK/two.expected")" \
        "stderr:" "$(show "$WORK/run-low.err")" \
        "hint: a task that is connecting waits to become writable, a task that is reading to become readable"
fi
interleaved low "two slow servers"

# The same with descriptors 3 to 1100 already taken, so that every socket the client opens is numbered
# above 1100, beyond FD_SETSIZE.
if [ "$(ulimit -Hn)" -lt 1200 ]; then
    ok "# SKIP the hard limit on open files ($(ulimit -Hn)) is too low to open descriptors beyond FD_SETSIZE"
    done_testing
fi
crowded=(bash -c 'ulimit -n 1200; for fd in $(seq 3 1100); do eval "exec $fd</dev/null"; done; exec "$@"' _)
fetch high "${crowded[@]}" "$CLIENT" "$slow1_PORT" "$slow2_PORT"
if [ $status -eq 0 ] && cmp -s "$WORK/run-high.out" "$WORK/two.expected"; then
    ok "descriptors beyond FD_SETSIZE: exit 0 and both poems, byte for byte, in argument order"
else
    not_ok "descriptors beyond FD_SETSIZE: exit 0 and both poems, byte for byte, in argument order" \
        "status $status; stdout $(wc -c <"$WORK/run-high.out") bytes, expected $(wc -c <"$WORK/two.expected")" \
        "stderr:" "$(show "$WORK/run-high.err")" \
        "hint: with descriptors 3 to 1100 already open, the client's sockets are numbered 1101 and up" \
        "hint: select() and its fd_set cannot describe such a descriptor at all; poll() takes an array of them"
fi
interleaved high "descriptors beyond FD_SETSIZE"

fetch highrefused "${crowded[@]}" "$CLIENT" "$refused_PORT" "$slow2_PORT"
if [ $status -eq 1 ] && grep -q "task 1: 127\.0\.0\.1:$refused_PORT: Connection refused" "$WORK/run-highrefused.err" &&
    cmp -s "$WORK/run-highrefused.out" "$POETRY/ozymandias.txt"; then
    ok "descriptors beyond FD_SETSIZE, a refused server: exit 1, reported, the good poem still arrives"
else
    not_ok "descriptors beyond FD_SETSIZE, a refused server: exit 1, reported, the good poem still arrives" \
        "status $status; stdout $(wc -c <"$WORK/run-highrefused.out") bytes; stderr:" \
        "$(show "$WORK/run-highrefused.err")" \
        "hint: a failed connect may come back from poll() as POLLERR or POLLHUP; getsockopt(SO_ERROR) says why"
fi

done_testing
