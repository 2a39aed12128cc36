# Chapter 3's small reactor programs: hello, failing-callback, stack, do-nothing; and the trace that
# REACTOR_TRACE=1 turns on, seen through get-poetry.
. "$ROOT/tests/support/lib.sh"

# Every program: --help prints usage to stdout and exits 0; an unexpected argument exits 2.
for program in do-nothing hello stack failing-callback; do
    if run_with_timeout 10 "$BIN/$program" --help >"$WORK/help.out" 2>"$WORK/help.err" &&
        grep -q "^usage: $program" "$WORK/help.out"; then
        ok "$program --help prints usage and exits 0"
    else
        not_ok "$program --help prints usage and exits 0" "$(show "$WORK/help.out")"
    fi
    run_with_timeout 10 "$BIN/$program" --bogus >/dev/null 2>"$WORK/bogus.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bogus.err")" -eq 1 ] && grep -q "^$program: " "$WORK/bogus.err"; then
        ok "$program with a bad argument: a one-line error, exit 2"
    else
        not_ok "$program with a bad argument: a one-line error, exit 2" "status $status" "$(show "$WORK/bogus.err")"
    fi
done

# hello: the callbacks run only once the reactor runs, in the order they were given.
run_with_timeout 10 "$BIN/hello" >"$WORK/hello.out" 2>"$WORK/hello.err"
status=$?
printf '%s\n' "Starting the reactor." "Hello from the reactor!" "Stopping the reactor." "Reactor stopped." \
    >"$WORK/hello.expected"
if [ $status -eq 0 ] && cmp -s "$WORK/hello.out" "$WORK/hello.expected" && [ ! -s "$WORK/hello.err" ]; then
    ok "hello: start, hello, stop, stopped, in that order; exit 0"
else
    not_ok "hello: start, hello, stop, stopped, in that order; exit 0" "status $status" "$(show "$WORK/hello.out")" \
        "$(show "$WORK/hello.err")"
fi

# failing-callback: the failure is reported as one line naming the callback; the next callback still runs.
run_with_timeout 10 "$BIN/failing-callback" >"$WORK/failing.out" 2>"$WORK/failing.err"
status=$?
if [ "$(cat "$WORK/failing.err")" = "reactor: open_missing_poem failed: No such file or directory" ]; then
    ok "failing-callback: one stderr line names the failed callback and why"
else
    not_ok "failing-callback: one stderr line names the failed callback and why" "$(show "$WORK/failing.err")"
fi
if [ $status -eq 0 ] && grep -q "^Still running after the failure" "$WORK/failing.out" &&
    [ "$(tail -n 1 "$WORK/failing.out")" = "Reactor stopped." ]; then
    ok "failing-callback: the second callback still runs and stops the reactor; exit 0"
else
    not_ok "failing-callback: the second callback still runs and stops the reactor; exit 0" "status $status" \
        "$(show "$WORK/failing.out")"
fi

# stack: the callback's stack shows that reactor_run called it, and main called reactor_run.
run_with_timeout 10 "$BIN/stack" >"$WORK/stack.out" 2>"$WORK/stack.err"
status=$?
if grep -q "has no backtrace()" "$WORK/stack.out"; then
    ok "# SKIP stack: this system has no backtrace()"
else
    callback=$(grep -n '(print_stack+' "$WORK/stack.out" | head -n 1 | cut -d: -f1)
    run=$(grep -n '(reactor_run+' "$WORK/stack.out" | head -n 1 | cut -d: -f1)
    main=$(grep -n '(main+' "$WORK/stack.out" | head -n 1 | cut -d: -f1)
    if [ $status -eq 0 ] && [ -n "$callback" ] && [ -n "$run" ] && [ -n "$main" ] &&
        [ "$callback" -lt "$run" ] && [ "$run" -lt "$main" ]; then
        ok "stack: print_stack, then reactor_run, then main, innermost first"
    else
        not_ok "stack: print_stack, then reactor_run, then main, innermost first" "status $status" \
            "$(show "$WORK/stack.out")"
    fi
fi

# do-nothing: runs until killed, asleep. /proc/PID/stat fields 14 and 15 are its user and system time
# in clock ticks; a busy loop would use about half a second in half a second.
"$BIN/do-nothing" >"$WORK/nothing.out" 2>"$WORK/nothing.err" &
nothing_pid=$!
background_pids+=("$nothing_pid")
sleep 0.5
if ! kill -0 "$nothing_pid" 2>/dev/null; then
    not_ok "do-nothing is still running after 0.5 s" "$(show "$WORK/nothing.err")"
elif [ ! -r "/proc/$nothing_pid/stat" ]; then
    ok "do-nothing is still running after 0.5 s"
    ok "# SKIP no /proc to read do-nothing's CPU time from"
else
    ok "do-nothing is still running after 0.5 s"
    # The command name (field 2) is in parentheses; count the fields after its closing one.
    ticks=$(sed 's/.*) //' "/proc/$nothing_pid/stat" | awk '{ print $12 + $13 }')
    hz=$(getconf CLK_TCK)
    if less_than "$ticks" "$(awk -v hz="$hz" 'BEGIN { print 0.1 * hz }')"; then
        ok "do-nothing used almost no CPU while waiting ($ticks ticks of 1/$hz s)"
    else
        not_ok "do-nothing used almost no CPU while waiting" "$ticks ticks of 1/$hz s in 0.5 s"
    fi
fi
kill "$nothing_pid" 2>/dev/null
wait "$nothing_pid" 2>/dev/null

# The trace: REACTOR_TRACE=1 makes the reactor narrate each turn on stderr, and changes nothing else.
start_poetry_server traced "$POETRY/ozymandias.txt" --delay 0.05 --num-bytes 200 || done_testing
REACTOR_TRACE=1 run_with_timeout 30 "$BIN/get-poetry" "$traced_PORT" >"$WORK/trace.out" 2>"$WORK/trace.err"
status=$?
if [ $status -eq 0 ] && cmp -s "$WORK/trace.out" "$POETRY/ozymandias.txt"; then
    ok "with REACTOR_TRACE=1 the poem still arrives whole"
else
    not_ok "with REACTOR_TRACE=1 the poem still arrives whole" "status $status" "$(show "$WORK/trace.err")"
fi
if grep -q '^reactor: turn 1: waiting for ' "$WORK/trace.err" && grep -q '^reactor: turn [0-9]*: task 1: do_write' "$WORK/trace.err" &&
    grep -q '^reactor: turn [0-9]*: task 1: do_read' "$WORK/trace.err" &&
    grep -q '^reactor: turn [0-9]*: task 1: lost: ' "$WORK/trace.err" &&
    [ "$(grep -c '^reactor: turn [0-9]*: waiting for ' "$WORK/trace.err")" -ge 2 ]; then
    ok "the trace shows each turn: what it waits for, and the connect, reads and end of task 1"
else
    not_ok "the trace shows each turn" "$(show "$WORK/trace.err")"
fi
run_with_timeout 30 "$BIN/get-poetry" "$traced_PORT" >/dev/null 2>"$WORK/untraced.err"
if ! grep -q '^reactor:' "$WORK/untraced.err"; then
    ok "without REACTOR_TRACE there is no trace"
else
    not_ok "without REACTOR_TRACE there is no trace" "$(show "$WORK/untraced.err")"
fi

done_testing
