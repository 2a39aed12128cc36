# Exercise ch03/stdin-echo: standard input echoed in upper case, beside a poem download, on one reactor.
# The live case feeds standard input from a pipe and holds it open while it watches the program: the first
# line must be echoed, and the poem downloaded, before the input ends. It waits on what it sees, never on
# a fixed sleep: each wait gives up after 5 s, where a working program needs a fraction of a second.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/client_contract.sh"

build_exercise echo-upper echo-upper.c
CLIENT="$WORK/echo-upper"

with_hint "the starter already did this; did an edit move the --help check?" contract_help
with_hint "an argument starting with '-' that is no known option is a bad command line (the starter did this)" \
    contract_unknown_option

# Bad command lines: exit 2, one line "echo-upper: ...", nothing on stdout.
bad_command_line() {
    run_with_timeout 10 "$CLIENT" "$@" </dev/null >"$WORK/bad.out" 2>"$WORK/bad.err"
    local status=$? args="$*"
    args=${args//$WORK\//}
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] && grep -q '^echo-upper: ' "$WORK/bad.err" &&
        [ ! -s "$WORK/bad.out" ]; then
        ok "bad command line '$args': exit 2 with a one-line error"
    else
        not_ok "bad command line '$args': exit 2 with a one-line error" "status $status, stderr:" "$(show "$WORK/bad.err")" \
            "hint: the starter checked the command line before doing anything; did an edit move that check?"
    fi
}
bad_command_line --poem-out "$WORK/x.txt" foo:1
bad_command_line --poem-out "$WORK/x.txt" 0
bad_command_line 1234
bad_command_line --poem-out "$WORK/x.txt"
bad_command_line --poem-out "$WORK/x.txt" 1234 1235

# upper INPUT: what the program must print for INPUT: only the bytes a-z change.
upper() { LC_ALL=C tr 'a-z' 'A-Z' <"$1"; }

# Echo alone: every byte value, a poem in UTF-8, and a large input through a pipe.
for i in $(seq 0 255); do printf "\\$(printf '%03o' "$i")"; done >"$WORK/bytes.in"
for i in $(seq 1 60); do cat "$POETRY"/*.txt; done >"$WORK/big.in"
for input in bytes.in "$POETRY/nachtlied.txt" big.in; do
    case "$input" in /*) file=$input ;; *) file=$WORK/$input ;; esac
    upper "$file" >"$WORK/echo.expected"
    cat "$file" | run_with_timeout 10 "$CLIENT" >"$WORK/echo.out" 2>"$WORK/echo.err"
    status=$?
    what="no server, $(basename "$input") ($(wc -c <"$file") bytes) through a pipe: echoed in upper case, exit 0"
    if [ $status -eq 0 ] && cmp -s "$WORK/echo.out" "$WORK/echo.expected"; then
        ok "$what"
    else
        not_ok "$what" "status $status; stdout $(wc -c <"$WORK/echo.out") bytes, expected $(wc -c <"$WORK/echo.expected")" \
            "$(cmp "$WORK/echo.out" "$WORK/echo.expected" 2>&1 | head -n 1)" "stderr:" "$(show "$WORK/echo.err")" \
            "hint: bytes, not text: only a-z change, every other byte passes as it is; and the input may arrive in many reads"
    fi
done

start_poetry_server poem "$POETRY/tyger.txt" --delay 0.1 --num-bytes 200 &&
    start_badpeer refusing refuse ||
    { not_ok "the servers start" "hint: this is the test's problem, not yours: report it"; done_testing; }

# wait_for SECONDS COMMAND...: true as soon as COMMAND succeeds, false if it has not within SECONDS.
wait_for() {
    local tries=$(($1 * 20))
    shift
    while [ $tries -gt 0 ]; do
        "$@" && return 0
        sleep 0.05
        tries=$((tries - 1))
    done
    return 1
}

# The live case: standard input stays open until the first line has been echoed and the poem has been
# written (or 5 s have passed for each); the feeder leaves a note of what it saw, then sends a last line.
feeder() {
    printf 'line one: hello, reactor\n'
    if wait_for 5 grep -q '^LINE ONE: HELLO, REACTOR$' "$WORK/live.out"; then echo yes >"$WORK/echoed-live"; fi
    if wait_for 5 cmp -s "$WORK/live-poem.txt" "$POETRY/tyger.txt"; then echo yes >"$WORK/poem-live"; fi
    printf 'line two\n'
}
feeder | run_with_timeout 20 "$CLIENT" --poem-out "$WORK/live-poem.txt" "$poem_PORT" >"$WORK/live.out" 2>"$WORK/live.err"
status=$?
if [ -f "$WORK/echoed-live" ]; then
    ok "with a server: the first line is echoed while standard input is still open"
else
    not_ok "with a server: the first line is echoed while standard input is still open" \
        "stdout:" "$(show "$WORK/live.out")" "stderr:" "$(show "$WORK/live.err")" \
        "hint: echo each chunk as soon as it is read, and flush stdout: nobody sees a line still in the buffer"
fi
if [ -f "$WORK/poem-live" ]; then
    ok "with a server: the poem is downloaded and written while standard input is still open"
else
    not_ok "with a server: the poem is downloaded and written while standard input is still open" \
        "stderr:" "$(show "$WORK/live.err")" \
        "hint: while the program waits for input, nothing else can happen, unless standard input is one of the reactor's descriptors and no read on it ever blocks"
fi
printf 'LINE ONE: HELLO, REACTOR\nLINE TWO\n' >"$WORK/live.expected"
if [ $status -eq 0 ] && cmp -s "$WORK/live.out" "$WORK/live.expected" && cmp -s "$WORK/live-poem.txt" "$POETRY/tyger.txt"; then
    ok "with a server: both lines echoed, the poem in its file, exit 0 once the input ends"
else
    not_ok "with a server: both lines echoed, the poem in its file, exit 0 once the input ends" \
        "status $status; stdout:" "$(show "$WORK/live.out")" "stderr:" "$(show "$WORK/live.err")" \
        "hint: the program ends when both the input and the download have ended, whichever ends last"
fi

# The input ends at once, long before the poem: the download still finishes.
run_with_timeout 20 "$CLIENT" --poem-out "$WORK/early-poem.txt" "$poem_PORT" </dev/null >"$WORK/early.out" 2>"$WORK/early.err"
status=$?
if [ $status -eq 0 ] && [ ! -s "$WORK/early.out" ] && cmp -s "$WORK/early-poem.txt" "$POETRY/tyger.txt"; then
    ok "empty input: the download still finishes, the poem is in its file, exit 0"
else
    not_ok "empty input: the download still finishes, the poem is in its file, exit 0" \
        "status $status, stderr:" "$(show "$WORK/early.err")" \
        "hint: the end of the input is the end of one descriptor, not of the program: the reactor stops when the last one has ended"
fi

# A refused server: the download fails (exit 1, one error line), the echo does not.
printf 'still here\n' | run_with_timeout 20 "$CLIENT" --poem-out "$WORK/refused-poem.txt" "$refusing_PORT" \
    >"$WORK/refused.out" 2>"$WORK/refused.err"
status=$?
if [ $status -eq 1 ] && [ "$(cat "$WORK/refused.out")" = "STILL HERE" ] && [ ! -e "$WORK/refused-poem.txt" ] &&
    grep -q "^echo-upper: .*127\.0\.0\.1:$refusing_PORT: Connection refused$" "$WORK/refused.err"; then
    ok "a refused server: reported in one line, no poem file, the input still echoed, exit 1"
else
    not_ok "a refused server: reported in one line, no poem file, the input still echoed, exit 1" \
        "status $status; stdout:" "$(show "$WORK/refused.out")" "stderr:" "$(show "$WORK/refused.err")" \
        "hint: one descriptor failing ends that descriptor only; the starter already reported this failure"
fi

done_testing
