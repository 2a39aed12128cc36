# Exercise ch08/netstring-probe: a client that sends chapter 8's transform-server a good request and
# four malformed ones (leading zero, missing comma, not a number, over the limit), one connection each,
# and reports the reply, a clean close without a reply, or a reset; then against a peer that resets.
. "$ROOT/tests/support/lib.sh"

build_exercise netstring-probe netstring-probe.c
PROBE="$WORK/netstring-probe"

if ! start_process server "$BIN/transform-server"; then
    not_ok "chapter 8's transform-server starts" "$(show "$WORK/server.err")"
    done_testing
fi
run_with_timeout 20 "$PROBE" "$server_PORT" >"$WORK/probe.out" 2>"$WORK/probe.err"
status=$?
check "the probe exits 0" test $status -eq 0
expect() { # expect CASE VERDICT HINT
    local line
    line=$(grep "^$1: " "$WORK/probe.out")
    if [ "$line" = "$1: $2" ]; then ok "$1: $2"; else not_ok "$1: $2" "got: ${line:-nothing}" "hint: $3"; fi
}
expect good "reply 5:hello," "send the case's bytes in connection_made, keep what data_received gets, and do not close first"
expect leading-zero "closed without a reply" "a clean close (REACTOR_CONNECTION_DONE) with nothing received"
expect missing-comma "closed without a reply" "a clean close with nothing received"
expect not-a-number "closed without a reply" "a clean close with nothing received"
expect too-long "closed without a reply" "the server refuses the length before any body: a clean close"

if start_badpeer resetter reset-after 0; then
    run_with_timeout 20 "$PROBE" "$resetter_PORT" >"$WORK/probe.out" 2>"$WORK/probe.err"
    expect good "reset" "connection_lost's reason is -ECONNRESET after a reset"
else
    not_ok "badpeer starts" "$(show "$WORK/resetter.err")"
fi
done_testing
