# Exercise ch07/backend-option: --backend NAME chooses the reactor's backend; a bad name is a bad command
# line (status 2, one line naming the backends this build has). A driver (pick-driver.c) prints the choice.
. "$ROOT/tests/support/lib.sh"

# shellcheck disable=SC2086
if ! ${CC:-cc} ${CFLAGS:-} -I"$SNAPSHOT" -I"$EXDIR" -o "$WORK/pick" "$ROOT/tests/exercises/ch07/pick-driver.c" \
    "$EXDIR/pick_backend.c" "$BIN/libreactor.a" ${LDFLAGS:-} -lm >"$WORK/build.log" 2>&1; then
    not_ok "pick_backend.c compiles" "$(head -n 30 "$WORK/build.log")" \
        "hint: the starter compiled as given; fix the first error above, then check again"
    done_testing
fi
ok "pick_backend.c compiles"

for b in poll select; do
    got=$(REACTOR_BACKEND= run_with_timeout 5 "$WORK/pick" --backend "$b" 2>"$WORK/err")
    if [ "$got" = "$b" ]; then
        ok "--backend $b runs on $b"
    else
        not_ok "--backend $b runs on $b" "got '$got'" "$(show "$WORK/err")" "hint: reactor_new_on takes the name"
    fi
done
got=$(REACTOR_BACKEND=poll run_with_timeout 5 "$WORK/pick" --backend=select 2>"$WORK/err")
if [ "$got" = select ]; then
    ok "--backend=select wins over REACTOR_BACKEND=poll"
else
    not_ok "--backend=select wins over REACTOR_BACKEND=poll" "got '$got'" "hint: both spellings, --backend NAME and --backend=NAME"
fi
got=$(REACTOR_BACKEND=poll run_with_timeout 5 "$WORK/pick" 2>"$WORK/err")
if [ "$got" = poll ]; then
    ok "without --backend, REACTOR_BACKEND still chooses"
else
    not_ok "without --backend, REACTOR_BACKEND still chooses" "got '$got'" "hint: with no option, pass NULL to reactor_new_on"
fi
run_with_timeout 5 "$WORK/pick" --backend kqueue >"$WORK/out" 2>"$WORK/err"
status=$?
if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/err")" -eq 1 ] &&
    grep -q "pick: --backend 'kqueue': no such backend (this build has: .*poll, select)" "$WORK/err"; then
    ok "a bad name: status 2 and one line that lists the backends"
else
    not_ok "a bad name: status 2 and one line that lists the backends" "status $status" "$(show "$WORK/err")" \
        "hint: reactor_new_on returns BACKEND_ERR_UNKNOWN for it; backend_names() lists what there is"
fi
done_testing
