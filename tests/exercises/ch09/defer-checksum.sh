# Exercise ch09/defer-checksum: a file's checksum as a Deferred, read on a worker thread. The driver
# (defer-checksum-driver.c, beside this script) asks for a missing file, a poem and a FIFO that a timer
# on the reactor writes into later: each Deferred must be unfired when checksum_file returns, and fire
# on the reactor's thread with the right hash (or -ENOENT); the FIFO, whose open() blocks until the
# timer runs, must not block the reactor (the starter's version hangs there, which the timeout catches).
. "$ROOT/tests/support/lib.sh"

# shellcheck disable=SC2086
if ! ${CC:-cc} ${CFLAGS:-} -I"$SNAPSHOT" -I"$EXDIR" -o "$WORK/checksum" "$EXDIR/checksum.c" \
    "$ROOT/tests/exercises/ch09/defer-checksum-driver.c" "$BIN/libreactor.a" ${LDFLAGS:-} -lm -lpthread \
    >"$WORK/build.log" 2>&1; then
    not_ok "checksum.c compiles" "$(head -n 30 "$WORK/build.log")" \
        "hint: the starter compiled as given; fix the first error above, then check again"
    done_testing
fi
ok "checksum.c compiles"

POEM="$POETRY/tyger.txt"
want=$(/usr/bin/python3 -c '
import sys
h = 0xcbf29ce484222325
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print("%016x" % h)' "$POEM" 2>/dev/null || true)

run_with_timeout 10 "$WORK/checksum" "$POEM" "$WORK" >"$WORK/out" 2>"$WORK/err"
status=$?
if [ $status -eq 124 ] || [ $status -eq 137 ]; then
    not_ok "the reactor is not blocked by a FIFO nobody writes to yet" "it hung: $(show "$WORK/out")" \
        "hint: open() of a FIFO waits for a writer; the writer is a timer on the reactor, which cannot run while its thread waits in open(). Read files on a worker: thread_pool_defer"
    done_testing
fi
ok "the reactor is not blocked by a FIFO nobody writes to yet"

for what in missing poem fifo; do
    if grep -q "^$what: not fired when checksum_file returned$" "$WORK/out"; then
        ok "$what: the Deferred has not fired when checksum_file returns"
    else
        not_ok "$what: the Deferred has not fired when checksum_file returns" "$(grep "^$what:" "$WORK/out")" \
            "hint: a Deferred fired before the call returns means the file was read on the reactor's thread"
    fi
done
if grep -q "^missing: failure -2$" "$WORK/out"; then
    ok "a missing file fails with -ENOENT"
else
    not_ok "a missing file fails with -ENOENT" "$(grep "^missing:" "$WORK/out")" "hint: deferred_error(-errno) right after the failed open"
fi
if [ -n "$want" ] && grep -q "^poem: hash $want$" "$WORK/out"; then
    ok "the poem's hash is right"
elif [ -z "$want" ]; then
    skip "the poem's hash is right" "needs python3, which is not installed"
else
    not_ok "the poem's hash is right" "want $want; $(grep "^poem:" "$WORK/out")" \
        "hint: is the path still there when the worker opens it? The caller's string may be gone by then"
fi
text=$(sed -n 's/^text hash //p' "$WORK/out")
if grep -q "^fifo: hash $text$" "$WORK/out"; then
    ok "the FIFO's hash is right, once the timer has written it"
else
    not_ok "the FIFO's hash is right, once the timer has written it" "want $text; $(grep "^fifo:" "$WORK/out")"
fi
if grep -q "^callbacks off the reactor's thread: 0$" "$WORK/out"; then
    ok "every Deferred fired on the reactor's thread"
else
    not_ok "every Deferred fired on the reactor's thread" "$(grep "callbacks off" "$WORK/out")" \
        "hint: fire Deferreds on the reactor's thread only; thread_pool_defer does that for you"
fi
done_testing
