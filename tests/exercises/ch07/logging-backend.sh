# Exercise ch07/logging-backend: a backend that wraps another and logs each watch and wait on stderr.
# A driver (tests/exercises/ch07/logging-driver.c) runs a reactor on it, wrapped around poll.
. "$ROOT/tests/support/lib.sh"

# shellcheck disable=SC2086
if ! ${CC:-cc} ${CFLAGS:-} -I"$SNAPSHOT" -I"$EXDIR" -o "$WORK/driver" "$ROOT/tests/exercises/ch07/logging-driver.c" \
    "$EXDIR/logging_backend.c" "$BIN/libreactor.a" ${LDFLAGS:-} -lm >"$WORK/build.log" 2>&1; then
    not_ok "logging_backend.c compiles" "$(head -n 30 "$WORK/build.log")" \
        "hint: the starter compiled as given; fix the first error above, then check again"
    done_testing
fi
ok "logging_backend.c compiles"

run_with_timeout 10 "$WORK/driver" >"$WORK/out" 2>"$WORK/err"
status=$?
read -r _ _ rfd _ _ wfd <"$WORK/out"
wfd=${wfd%,}; rfd=${rfd%,}
if [ $status -eq 0 ] && grep -q 'backend logging, 1 reads, 1 writes' "$WORK/out"; then
    ok "the reactor works through the logging backend"
else
    not_ok "the reactor works through the logging backend" "status $status" "$(show "$WORK/out")" "$(show "$WORK/err")" \
        "hint: every operation must still reach the wrapped backend, unchanged"
fi
if grep -qx "backend: watch fd $rfd: read" "$WORK/err" && grep -qx "backend: watch fd $wfd: write" "$WORK/err"; then
    ok "each watch is logged with its fd and what it waits for"
else
    not_ok "each watch is logged with its fd and what it waits for" "want 'backend: watch fd $rfd: read' and 'backend: watch fd $wfd: write'" \
        "$(show "$WORK/err")" "hint: events is a mix of BACKEND_READABLE and BACKEND_WRITABLE"
fi
if grep -qx "backend: watch fd $wfd: nothing" "$WORK/err"; then
    ok "a watch for nothing (the writer removed) is logged as 'nothing'"
else
    not_ok "a watch for nothing (the writer removed) is logged as 'nothing'" "$(show "$WORK/err")" \
        "hint: removing the last reader or writer of an fd is a watch with events 0"
fi
if grep -qE '^backend: wait: [1-9][0-9]* ready$' "$WORK/err"; then
    ok "each wait is logged with how many fds are ready"
else
    not_ok "each wait is logged with how many fds are ready" "$(show "$WORK/err")" \
        "hint: log after the wrapped wait returns, with its count"
fi
done_testing
