# Chapter 5's programs under load and hostile peers: a burst of a thousand connects, a server past the
# descriptors select() can watch, clients that half-close, servers that never answer or stall.
. "$ROOT/tests/support/lib.sh"
CLIENT="$BIN/get-poetry"

# raise_fd_limit N: raises this shell's soft limit on open files to N (or the hard limit, if lower);
# what the programs started from here inherit. Prints the limit now in force.
raise_fd_limit() {
    local want=$1 hard
    hard=$(ulimit -Hn)
    [ "$hard" = unlimited ] || [ "$hard" -ge "$want" ] || want=$hard
    ulimit -Sn "$want" 2>/dev/null
    ulimit -Sn
}
limit=$(raise_fd_limit 4096)

# 1. A burst of 1,000 connects to one server: every poem arrives, exit 0. With a small listen backlog
# the kernel answers the overflow with SYN cookies, some clients end up "connected" to nobody, and
# since the server speaks first, nobody ever sends: the client used to wait forever.
somaxconn=$(cat /proc/sys/net/core/somaxconn 2>/dev/null || echo 0)
if [ "$somaxconn" -lt 1024 ]; then
    skip "a burst of 1000 connects: every poem arrives" "net.core.somaxconn is $somaxconn, less than 1024"
elif [ "$limit" -lt 1100 ]; then
    skip "a burst of 1000 connects: every poem arrives" "the limit on open files is $limit, less than 1100"
elif start_process burst "$BIN/fastpoetry" "$POETRY/nachtlied.txt"; then
    ports=()
    for _ in $(seq 1 1000); do ports+=("$burst_PORT"); done
    for _ in $(seq 1 1000); do cat "$POETRY/nachtlied.txt"; done >"$WORK/burst.expected"
    started=$(now)
    run_with_timeout 120 "$CLIENT" --connect-timeout 60 --idle-timeout 60 "${ports[@]}" \
        >"$WORK/burst.out" 2>"$WORK/burst.err"
    status=$?
    if [ $status -eq 0 ] && cmp -s "$WORK/burst.out" "$WORK/burst.expected" &&
        grep -q "^Got 1000 poems in " "$WORK/burst.err"; then
        ok "a burst of 1000 connects to one server: all 1000 poems arrive, exit 0 ($(elapsed_since "$started")s)"
    else
        not_ok "a burst of 1000 connects to one server: all 1000 poems arrive, exit 0" "status $status" \
            "$(grep -v '^Task' "$WORK/burst.err" | tail -n 5)" "$(tail -n 3 "$WORK/burst.err")"
    fi
    kill "$burst_PID" 2>/dev/null
fi

# 2. A server past FD_SETSIZE: the client it cannot serve is reset (a clean close would pass for a
# complete, empty poem), the server stops accepting while at the limit, and serves again afterwards.
if [ "$limit" -lt 2200 ]; then
    skip "a server beyond FD_SETSIZE resets the client it cannot serve" "the limit on open files is $limit, less than 2200"
elif start_poetry_server full "$POETRY/tyger.txt" --delay 1 --num-bytes 10; then
    held=()
    for _ in $(seq 1 1030); do
        exec {fd}<>"/dev/tcp/127.0.0.1/$full_PORT" || break
        held+=("$fd")
    done
    run_with_timeout 20 "$CLIENT" "$full_PORT" >"$WORK/full.out" 2>"$WORK/full.err"
    status=$?
    if [ $status -eq 1 ] && [ ! -s "$WORK/full.out" ] && grep -q "Connection reset by peer" "$WORK/full.err"; then
        ok "a server beyond FD_SETSIZE resets the client it cannot serve: exit 1, 'Connection reset by peer'"
    else
        not_ok "a server beyond FD_SETSIZE resets the client it cannot serve (not a clean close: an empty poem)" \
            "status $status (${#held[@]} connections held)" "$(show "$WORK/full.err")"
    fi
    for fd in "${held[@]}"; do exec {fd}>&-; done
    # slowpoetry hears a client's FIN as a half-close and goes on; it learns that the client has gone
    # when a send fails, within two slices.
    sleep 3
    run_with_timeout 20 "$BIN/get-poetry" "$full_PORT" >"$WORK/after.out" 2>"$WORK/after.err" &
    client=$!
    sleep 1
    # The poem takes (chunks - 1) s at this pace: the first slice is enough to show it is served.
    kill "$client" 2>/dev/null
    wait "$client" 2>/dev/null
    if grep -q "read 10 bytes" "$WORK/after.err"; then
        ok "once descriptors are free again the server accepts and serves new clients"
    else
        not_ok "once descriptors are free again the server accepts and serves new clients" "$(show "$WORK/after.err")" \
            "server: $(tail -n 3 "$WORK/full.err")"
    fi
    kill "$full_PID" 2>/dev/null
fi

# 3. Clients that shut down their write side at once (as `nc -N` does) still get the whole poem.
if start_poetry_server half "$POETRY/tyger.txt" --delay 0.01 --num-bytes 100; then
    whole=0
    for n in $(seq 1 5); do
        run_with_timeout 20 "$SUPPORT/badpeer" half-close "$half_PORT" >"$WORK/half$n.got" 2>"$WORK/half$n.err" &&
            cmp -s "$WORK/half$n.got" "$POETRY/tyger.txt" && whole=$((whole + 1))
    done
    if [ $whole -eq 5 ]; then
        ok "slowpoetry: 5 of 5 clients that half-close at once get the whole poem"
    else
        not_ok "slowpoetry: clients that half-close at once get the whole poem" "$whole of 5 whole" \
            "got $(wc -c <"$WORK/half1.got") of $(wc -c <"$POETRY/tyger.txt") bytes" "$(show "$WORK/half.err")"
    fi
fi
if start_process fasthalf "$BIN/fastpoetry" "$POETRY/tyger.txt"; then
    run_with_timeout 20 "$SUPPORT/badpeer" half-close "$fasthalf_PORT" >"$WORK/fasthalf.got" 2>/dev/null
    if cmp -s "$WORK/fasthalf.got" "$POETRY/tyger.txt"; then
        ok "fastpoetry: a client that half-closes at once gets the whole poem"
    else
        not_ok "fastpoetry: a client that half-closes at once gets the whole poem"
    fi
fi

# 4. The client's connect and idle timeouts.
if start_badpeer stalled unaccepted; then
    # Fill the smallest backlog, so that the kernel no longer answers the next connect.
    fillers=()
    for _ in 1 2 3 4; do
        (exec 3<>"/dev/tcp/127.0.0.1/$stalled_PORT" && exec sleep 60) 2>/dev/null &
        fillers+=($!)
        background_pids+=($!)
    done
    sleep 0.5
    started=$(now)
    run_with_timeout 30 "$CLIENT" --connect-timeout 1 --idle-timeout 0 "$stalled_PORT" \
        >"$WORK/connect.out" 2>"$WORK/connect.err"
    status=$?
    took=$(elapsed_since "$started")
    if [ $status -eq 1 ] && grep -q "task 1: 127.0.0.1:$stalled_PORT: connect timed out after 1 s" "$WORK/connect.err" &&
        less_than "$took" 10; then
        ok "--connect-timeout 1: a connect nobody answers fails after 1 s (${took}s)"
    else
        not_ok "--connect-timeout 1: a connect nobody answers fails after 1 s" "status $status after ${took}s" \
            "$(show "$WORK/connect.err")"
    fi
    kill "${fillers[@]}" 2>/dev/null
fi
if start_badpeer mute silent; then
    started=$(now)
    run_with_timeout 30 "$CLIENT" --idle-timeout 1 "$mute_PORT" >"$WORK/idle.out" 2>"$WORK/idle.err"
    status=$?
    took=$(elapsed_since "$started")
    if [ $status -eq 1 ] && grep -q "task 1: 127.0.0.1:$mute_PORT: no byte for 1 s" "$WORK/idle.err" &&
        less_than "$took" 10; then
        ok "--idle-timeout 1: a server that never sends is given up after 1 s (${took}s)"
    else
        not_ok "--idle-timeout 1: a server that never sends is given up after 1 s" "status $status after ${took}s" \
            "$(show "$WORK/idle.err")"
    fi
fi
if start_poetry_server steady "$POETRY/ozymandias.txt" --delay 0.4 --num-bytes 200; then
    run_with_timeout 30 "$CLIENT" --idle-timeout 1 "$steady_PORT" >"$WORK/steady.out" 2>"$WORK/steady.err"
    status=$?
    if [ $status -eq 0 ] && cmp -s "$WORK/steady.out" "$POETRY/ozymandias.txt"; then
        ok "--idle-timeout 1: a slow server that sends every 0.4 s is not cut off (each byte restarts the wait)"
    else
        not_ok "--idle-timeout 1: a slow server that sends every 0.4 s is not cut off" "status $status" \
            "$(show "$WORK/steady.err")"
    fi
fi
for bad in "--connect-timeout -1" "--idle-timeout x"; do
    # shellcheck disable=SC2086
    run_with_timeout 10 "$CLIENT" $bad 1234 >/dev/null 2>"$WORK/badopt.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/badopt.err")" -eq 1 ]; then
        ok "$bad: exit 2 with a one-line error"
    else
        not_ok "$bad: exit 2 with a one-line error" "status $status" "$(show "$WORK/badopt.err")"
    fi
done
if "$CLIENT" --help | grep -q -- "--connect-timeout (default 30)" && "$CLIENT" --help | grep -q -- "--idle-timeout seconds (default 60)"; then
    ok "--help names the default connect (30 s) and idle (60 s) timeouts"
else
    not_ok "--help names the default connect (30 s) and idle (60 s) timeouts"
fi

done_testing
