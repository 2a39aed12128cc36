# Chapter 10's promise, checked: its library tests (the doubles, and chapter 8's protocols on them)
# need no network at all. Each is built here and run inside a new network namespace, which has no
# interface but a loopback that is down (`unshare -n` as root, `unshare -rn` for anyone else); first
# we prove the namespace really has no network (a connect to 127.0.0.1 fails), then every test must
# pass in it. Where the system refuses unshare (a container without the right), the checks are skips.
. "$ROOT/tests/support/lib.sh"

cc=${CC:-cc}
case "$BIN" in *clang*) cc=clang ;; esac

if [ "$(id -u)" = 0 ]; then isolate=(unshare -n); else isolate=(unshare -rn); fi
if ! "${isolate[@]}" true 2>"$WORK/unshare.err"; then
    skip "chapter 10's library tests pass in a namespace with no network" \
        "${isolate[*]} is refused here: $(head -n 1 "$WORK/unshare.err")"
    done_testing
fi

# The namespace has no network: nothing answers, not even loopback (bash's /dev/tcp connects).
if "${isolate[@]}" bash -c 'exec 3<>/dev/tcp/127.0.0.1/9' 2>"$WORK/connect.err"; then
    not_ok "inside ${isolate[*]}, a connect to 127.0.0.1 fails" "it connected: the namespace has a network"
else
    ok "inside ${isolate[*]}, a connect to 127.0.0.1 fails ($(sed 's/.*: //' "$WORK/connect.err" | head -n 1))"
fi

for source in "$ROOT"/tests/ch10/lib/test_*.c; do
    name=$(basename "$source" .c)
    # shellcheck disable=SC2086,SC2046
    if ! $cc ${CFLAGS:-} -I"$SNAPSHOT" -I"$ROOT/tests/support" -o "$WORK/$name" "$source" "$BIN/libreactor.a" \
        ${LDFLAGS:-} $(pkg-config --cflags --libs check) -lm -lpthread >"$WORK/$name.build" 2>&1; then
        not_ok "$name builds" "$(head -n 15 "$WORK/$name.build")"
        continue
    fi
    run_with_timeout 120 "${isolate[@]}" "$WORK/$name" >"$WORK/$name.tap" 2>&1
    status=$?
    passed=$(grep -c '^ok ' "$WORK/$name.tap")
    failed=$(grep -c '^not ok ' "$WORK/$name.tap")
    if [ "$status" -eq 0 ] && [ "$passed" -gt 0 ] && [ "$failed" -eq 0 ]; then
        ok "$name: all $passed tests pass with no network"
    else
        not_ok "$name passes with no network" "exit status $status, $passed passed, $failed failed:" \
            "$(grep -A 3 '^not ok' "$WORK/$name.tap" | head -n 20)"
    fi
done
done_testing
