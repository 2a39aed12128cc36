# Exercise ch10/proxy-one-fetch: a test that proves the caching proxy's cache makes one fetch for many
# waiters. The reader's Check tests (on chapter 10's memory reactor, with a real poetry client as the
# fetch) must pass on chapter 8's poetry_cache.c and fail on two broken copies: one that starts a fetch
# for every waiter, and one that never answers from the kept poem.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/test_deliverable.sh"

READER_TESTS=test_cache.c
expect_real_passes tests

REAL=$SNAPSHOT/poetry_cache.c
broken() { # broken NAME SED WHAT HINT
    broken_copy "$REAL" "$WORK/cache-$1.c" "$2" || return
    expect_caught "$1" "$3" "$4" "$WORK/cache-$1.c"
}
broken fetch-each 's|if (c->in_flight != NULL) {|if (0) {|' "a cache that fetches once per waiter" \
    "ask for the poem several times before the fetch completes; count memory_reactor_connect_count"
broken never-keeps 's|if (c->poem != NULL) { *\(/\* a hit\)|if (0) { \1|' "a cache that never answers from the kept poem" \
    "ask again after the poem has come: the answer should have fired already, with no new connect"
done_testing
