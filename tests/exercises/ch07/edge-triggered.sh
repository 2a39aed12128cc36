# Exercise ch07/edge-triggered: under an edge-triggered epoll backend, a reader must read until EAGAIN,
# or the rest of its input is never announced. A driver (et-driver.c) counts what arrives.
. "$ROOT/tests/support/lib.sh"

if [ "$(uname -s)" != Linux ]; then
    ok "edge-triggered epoll # SKIP epoll is Linux only"
    done_testing
fi
# shellcheck disable=SC2086
if ! ${CC:-cc} ${CFLAGS:-} -I"$SNAPSHOT" -I"$EXDIR" -o "$WORK/et" "$ROOT/tests/exercises/ch07/et-driver.c" \
    "$EXDIR/edge_triggered.c" "$BIN/libreactor.a" ${LDFLAGS:-} -lm >"$WORK/build.log" 2>&1; then
    not_ok "edge_triggered.c compiles" "$(head -n 30 "$WORK/build.log")" \
        "hint: the starter compiled as given; fix the first error above, then check again"
    done_testing
fi
ok "edge_triggered.c compiles"

run_with_timeout 10 "$WORK/et" >"$WORK/out" 2>"$WORK/err"
if grep -q '^read 49152 of 49152 bytes' "$WORK/out"; then
    ok "every byte of 48 KiB arrives under edge triggering"
else
    not_ok "every byte of 48 KiB arrives under edge triggering" "$(show "$WORK/out")" "$(show "$WORK/err")" \
        "hint: the fd was reported ready once; read until it says EAGAIN"
fi
if grep -q 'closed cleanly$' "$WORK/out"; then
    ok "the end of the stream is a clean close"
else
    not_ok "the end of the stream is a clean close" "$(show "$WORK/out")" \
        "hint: a read that returns 0 is the end: REACTOR_CONNECTION_DONE"
fi
done_testing
