# Exercise ch09/progress-report: a blocking computation (counting primes) off the reactor's thread,
# with progress through call-from-thread. The driver (progress-report-driver.c, beside this script) runs
# it on a reactor with a looping call ticking every millisecond: count_primes_off_the_loop must return
# before any report, the ten reports (10%..100%) and the result must come in order on the reactor's
# thread, the count must be right, and the loop must tick while the counting goes on.
. "$ROOT/tests/support/lib.sh"

# Built like build_exercise does, with the driver from tests/exercises/ch09 beside the reader's file.
# shellcheck disable=SC2086
if ! ${CC:-cc} ${CFLAGS:-} -I"$SNAPSHOT" -I"$EXDIR" -o "$WORK/progress" "$EXDIR/progress.c" \
    "$ROOT/tests/exercises/ch09/progress-report-driver.c" "$BIN/libreactor.a" ${LDFLAGS:-} -lm -lpthread \
    >"$WORK/build.log" 2>&1; then
    not_ok "progress.c compiles" "$(head -n 30 "$WORK/build.log")" \
        "hint: the starter compiled as given; fix the first error above, then check again"
    done_testing
fi
ok "progress.c compiles"

run_with_timeout 120 "$WORK/progress" 1000000 >"$WORK/out" 2>"$WORK/err"
status=$?
[ $status -eq 0 ] || not_ok "the driver runs to its end" "status $status; $(show "$WORK/err")"

line=$(grep '^returned ' "$WORK/out")
if [ "$line" = "returned 0 after 0 reports, 0 results" ]; then
    ok "count_primes_off_the_loop returns at once, before any report or result"
else
    not_ok "count_primes_off_the_loop returns at once, before any report or result" "$line" \
        "hint: if the counting happens inside the call, the reactor cannot run until it is over; hand it to a thread of the pool"
fi
if grep -q '^done: 78498 primes$' "$WORK/out"; then
    ok "the result is right: 78498 primes below 1,000,000"
else
    not_ok "the result is right: 78498 primes below 1,000,000" "$(grep -E '^(done|gave)' "$WORK/out")" \
        "hint: done must come once, with the count, after the last report"
fi
line=$(grep '^reports ' "$WORK/out")
if [ "$line" = "reports 10, out of order 0, results 1, calls off the reactor's thread 0" ]; then
    ok "ten reports in order, then one result, all on the reactor's thread"
else
    not_ok "ten reports in order, then one result, all on the reactor's thread" "$line" \
        "hint: a worker never calls report or done itself: it hands them to the reactor with reactor_call_from_thread"
fi
ticks=$(sed -n 's/^ticks while counting //p' "$WORK/out")
if [ -n "$ticks" ] && [ "$ticks" -gt 0 ]; then
    ok "the loop goes on ticking while the primes are counted ($ticks ticks)"
else
    not_ok "the loop goes on ticking while the primes are counted" "ticks: ${ticks:-none}" \
        "hint: while the reactor's thread counts, no timer can run"
fi
done_testing
