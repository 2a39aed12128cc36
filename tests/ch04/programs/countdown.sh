# Chapter 4's countdown: one number per interval on the reactor's clock, then "Stop!" and exit 0.
. "$ROOT/tests/support/lib.sh"
COUNTDOWN="$BIN/countdown"

if run_with_timeout 10 "$COUNTDOWN" --help >"$WORK/help.out" 2>"$WORK/help.err" && grep -q '^usage: countdown' "$WORK/help.out" &&
    [ ! -s "$WORK/help.err" ]; then
    ok "--help prints usage to stdout and exits 0"
else
    not_ok "--help prints usage to stdout and exits 0" "$(show "$WORK/help.out")"
fi

# The numbers in order, then Stop!, and nothing on stderr. Five intervals of 0.1 s separate "5..." from
# "Stop!", so the run takes at least 0.5 s (the reactor's sleeps guarantee it); 5 s is a generous ceiling.
started=$(now)
run_with_timeout 20 "$COUNTDOWN" --interval 0.1 --from 5 >"$WORK/five.out" 2>"$WORK/five.err"
status=$?
took=$(elapsed_since "$started")
printf '%s\n' 5... 4... 3... 2... 1... Stop! >"$WORK/five.expected"
if [ $status -eq 0 ] && cmp -s "$WORK/five.out" "$WORK/five.expected" && [ ! -s "$WORK/five.err" ]; then
    ok "--from 5: '5...' down to '1...', then 'Stop!'; exit 0"
else
    not_ok "--from 5: '5...' down to '1...', then 'Stop!'; exit 0" "status $status" "$(show "$WORK/five.out")" \
        "$(show "$WORK/five.err")"
fi
if ! less_than "$took" 0.5 && less_than "$took" 5; then
    ok "five intervals of 0.1 s take between 0.5 s and 5 s (${took}s)"
else
    not_ok "five intervals of 0.1 s take between 0.5 s and 5 s" "took ${took}s"
fi

# The numbers come out as the time passes, not all at the end: with an interval of 2 s, "2..." is on
# stdout while the process is still running ("Stop!" cannot come before 4 s). Then it is killed.
"$COUNTDOWN" --interval 2 --from 2 >"$WORK/live.out" 2>"$WORK/live.err" &
live_pid=$!
background_pids+=("$live_pid")
tries=0
while [ $tries -lt 60 ] && ! grep -q '^2\.\.\.$' "$WORK/live.out"; do
    sleep 0.05
    tries=$((tries + 1))
done
if grep -q '^2\.\.\.$' "$WORK/live.out" && kill -0 "$live_pid" 2>/dev/null && ! grep -q 'Stop!' "$WORK/live.out"; then
    ok "each number is written when it is due, while the countdown still runs"
else
    not_ok "each number is written when it is due, while the countdown still runs" "$(show "$WORK/live.out")"
fi
kill "$live_pid" 2>/dev/null

# The default is 5; an interval of 0 counts down at once.
run_with_timeout 10 "$COUNTDOWN" --interval 0 >"$WORK/zero.out" 2>"$WORK/zero.err"
status=$?
if [ $status -eq 0 ] && cmp -s "$WORK/zero.out" "$WORK/five.expected"; then
    ok "--interval 0 counts down from the default 5 at once"
else
    not_ok "--interval 0 counts down from the default 5 at once" "status $status" "$(show "$WORK/zero.out")"
fi
run_with_timeout 10 "$COUNTDOWN" --from=1 --interval=0.01 >"$WORK/one.out" 2>"$WORK/one.err"
status=$?
if [ $status -eq 0 ] && [ "$(cat "$WORK/one.out")" = "1...
Stop!" ]; then
    ok "--from=1 --interval=0.01: '1...', 'Stop!'"
else
    not_ok "--from=1 --interval=0.01: '1...', 'Stop!'" "status $status" "$(show "$WORK/one.out")"
fi

# Bad command lines: exit 2, one line on stderr naming the program, nothing on stdout.
bad_command_line() {
    local what=$1
    shift
    run_with_timeout 10 "$COUNTDOWN" "$@" >"$WORK/bad.out" 2>"$WORK/bad.err"
    local status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] && grep -q '^countdown: ' "$WORK/bad.err" &&
        [ ! -s "$WORK/bad.out" ]; then
        ok "$what: exit 2 with a one-line error"
    else
        not_ok "$what: exit 2 with a one-line error" "status $status" "$(show "$WORK/bad.err")"
    fi
}
bad_command_line "--from 0" --from 0
bad_command_line "--from abc" --from abc
bad_command_line "--from -3" --from -3
bad_command_line "--from 2.5" --from 2.5
bad_command_line "--interval -1" --interval -1
bad_command_line "--interval abc" --interval abc
bad_command_line "--interval inf" --interval inf
bad_command_line "--interval without a value" --interval
bad_command_line "an unknown option" --bogus
bad_command_line "a stray argument" 5

done_testing
