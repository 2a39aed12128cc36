# Exercise ch10/countdown-tests: tests for a service that has none yet. The reader's Check tests of the
# countdown service (countdown.c, on chapter 10's memory reactor) must pass on the service as given and
# fail on each of four broken copies: no pause between lines, an off-by-one count, no close after
# liftoff, and a timer left pending when a client leaves early.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/test_deliverable.sh"

READER_TESTS=test_countdown.c
REAL=$WORK/countdown-real.c
cp "$EXDIR/countdown.c" "$REAL"
if ! cmp -s "$REAL" "$ROOT/solutions/ch10/countdown-tests/countdown.c"; then
    not_ok "countdown.c is as given" "it has been changed" \
        "hint: the exercise is to test the service, not to change it: restore countdown.c (git checkout)"
    done_testing
fi
expect_real_passes tests "$REAL"

broken() { # broken NAME SED WHAT HINT
    broken_copy "$REAL" "$WORK/countdown-$1.c" "$2" || return
    expect_caught "$1" "$3" "$4" "$WORK/countdown-$1.c"
}
broken no-pause 's/reactor_call_later(c->server->reactor, 1.0,/reactor_call_later(c->server->reactor, 0.0,/' \
    "a countdown that does not wait a second between lines" \
    "advance the clock by a little less than a second and check what has been written so far"
broken off-by-one 's/c->next = server->from;/c->next = server->from - 1;/' \
    "a countdown that starts one number too low" "check every byte written, in order, up to liftoff"
broken no-close '/c->server->lifted_off++;/{n;d}' \
    "a countdown that never closes after liftoff" \
    "after liftoff the server should have asked to lose the connection (string_transport_lose_requested)"
broken no-cancel '/delayed_call_cancel(c->tick);/d' \
    "a countdown that leaves its next line pending when the client leaves" \
    "end the connection early (string_transport_finish) and look at scheduler_pending on the reactor's scheduler"
done_testing
