# Exercise ch09/bounded-pool: n pieces of blocking work, at most `limit` at a time, on a pool of their
# own. The driver (bounded-pool-driver.c, beside this script) runs 12 calls with a limit of 3 and 5 with
# a limit of 1; each call waits (up to 0.3 s) for more than the limit to be running, so the most seen at
# once is the pool's size. Each call must run once, on a worker, the Deferred fire once on the reactor's
# thread, and the reactor's own pool stay unused.
. "$ROOT/tests/support/lib.sh"

# shellcheck disable=SC2086
if ! ${CC:-cc} ${CFLAGS:-} -I"$SNAPSHOT" -I"$EXDIR" -o "$WORK/limited" "$EXDIR/limited.c" \
    "$ROOT/tests/exercises/ch09/bounded-pool-driver.c" "$BIN/libreactor.a" ${LDFLAGS:-} -lm -lpthread \
    >"$WORK/build.log" 2>&1; then
    not_ok "limited.c compiles" "$(head -n 30 "$WORK/build.log")" \
        "hint: the starter compiled as given; fix the first error above, then check again"
    done_testing
fi
ok "limited.c compiles"

run_with_timeout 100 "$WORK/limited" >"$WORK/out" 2>"$WORK/err"
status=$?
[ $status -eq 0 ] || not_ok "the driver runs to its end" "status $status; $(show "$WORK/err")"
for case in "3 12" "1 5"; do
    read -r limit count <<<"$case"
    if grep -q "^limit $limit, $count calls: most at once $limit, each once yes, on the reactor's thread 0$" "$WORK/out"; then
        ok "limit $limit: $count calls, each once on a worker, never more than $limit at once"
    else
        not_ok "limit $limit: $count calls, each once on a worker, never more than $limit at once" \
            "$(grep -E "^(limit $limit|run_limited|gave)" "$WORK/out")" \
            "hint: the reactor's pool has up to 10 threads; a pool of your own (thread_pool_new(0, limit, ...)) has as many as you say"
    fi
    if grep -q "^limit $limit: fired 1, off the reactor's thread 0, the reactor's pool ran 0$" "$WORK/out"; then
        ok "limit $limit: the Deferred fires once, on the reactor's thread, and the reactor's pool is left alone"
    else
        not_ok "limit $limit: the Deferred fires once, on the reactor's thread, and the reactor's pool is left alone" \
            "$(grep "^limit $limit:" "$WORK/out")" \
            "hint: thread_pool_defer_in runs on the pool you give it; fire the batch's Deferred when the last call is back"
    fi
done
done_testing
