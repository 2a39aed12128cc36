# Exercise ch10/fault-at-byte: a fault injected at a chosen byte. The reader's Check tests drop the
# poetry client's connection (chapter 10's connected_pair_drop_at) and must pass on chapter 8's
# poetry_client.c and fail on two broken copies: one that takes any reset for the end of the poem, and
# one that does so only late in the poem (from byte 100 on), which a test of one early byte misses.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/test_deliverable.sh"

READER_TESTS=test_fault.c
expect_real_passes tests

REAL=$SNAPSHOT/poetry_client.c
broken() { # broken NAME SED WHAT HINT
    broken_copy "$REAL" "$WORK/client-$1.c" "$2" || return
    expect_caught "$1" "$3" "$4" "$WORK/client-$1.c"
}
match='if (reason == REACTOR_CONNECTION_DONE) {'
broken any-reset "s/$match/if (reason == REACTOR_CONNECTION_DONE || reason == -ECONNRESET) {/" \
    "a client that takes a reset for the end of the poem" \
    "drop the connection in the middle of the poem: the download must fail with -ECONNRESET"
broken late-reset "s/$match/if (reason == REACTOR_CONNECTION_DONE || (reason == -ECONNRESET \&\& pp->poem.len >= 100)) {/" \
    "a client that takes a late reset (from byte 100 on) for the end" \
    "a bug may hide at any byte: try every place the connection can break, not one"
done_testing
