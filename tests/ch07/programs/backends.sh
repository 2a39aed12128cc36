# Chapter 7's programs on every backend: the same poem arrives whole on select, poll and epoll (server
# and client on the same backend), the trace names the backend it runs on, and a backend this build
# lacks is a one-line error, status 2, before anything runs.
. "$ROOT/tests/support/lib.sh"

backends="select poll epoll"
for backend in $backends; do
    # Port 1: nothing listens there, so a build with this backend says "refused" (1), one without it 2.
    REACTOR_BACKEND=$backend run_with_timeout 10 "$BIN/get-poetry" 1 >/dev/null 2>&1
    if [ $? -eq 2 ]; then
        skip "the poem on the $backend backend" "this build has no $backend backend"
        continue
    fi
    REACTOR_BACKEND=$backend start_poetry_server "slow_$backend" "$POETRY/tyger.txt" --delay 0.01 --num-bytes 300 ||
        done_testing
    port_var="slow_${backend}_PORT"
    REACTOR_BACKEND=$backend REACTOR_TRACE=1 run_with_timeout 30 "$BIN/get-poetry" "${!port_var}" \
        >"$WORK/$backend.out" 2>"$WORK/$backend.err"
    status=$?
    if [ $status -eq 0 ] && cmp -s "$WORK/$backend.out" "$POETRY/tyger.txt"; then
        ok "on the $backend backend the poem arrives whole"
    else
        not_ok "on the $backend backend the poem arrives whole" "status $status" "$(show "$WORK/$backend.err")"
    fi
    if grep -q "on the $backend backend" "$WORK/$backend.err"; then
        ok "REACTOR_TRACE=1 names the $backend backend"
    else
        not_ok "REACTOR_TRACE=1 names the $backend backend" "$(head -n 3 "$WORK/$backend.err")"
    fi
done

for program in ${PROGRAMS_ON_A_REACTOR:-get-poetry slowpoetry fastpoetry}; do
    REACTOR_BACKEND=kqueue run_with_timeout 10 "$BIN/$program" $(case $program in get-poetry) echo 1234 ;;
        transform-server) echo --port 0 ;; *) echo --port 0 "$POETRY/tyger.txt" ;; esac) \
        >"$WORK/unknown.out" 2>"$WORK/unknown.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/unknown.err")" -eq 1 ] && grep -q "REACTOR_BACKEND='kqueue'" "$WORK/unknown.err" &&
        [ ! -s "$WORK/unknown.out" ]; then
        ok "$program: REACTOR_BACKEND=kqueue is one line naming it, status 2"
    else
        not_ok "$program: REACTOR_BACKEND=kqueue is one line naming it, status 2" "status $status" "$(show "$WORK/unknown.err")"
    fi
done

done_testing
