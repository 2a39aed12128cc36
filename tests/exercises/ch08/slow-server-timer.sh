# Exercise ch08/slow-server-timer: a slow poetry server on reactor_call_later that handles early
# disconnects. The poem comes whole, in slices paced by --delay (the sleeps guarantee the lower bound),
# to three clients at once; a client that resets after the first slice leaves no call pending (the
# server's audit line says so); one that closes early, while its slice is due soon, neither crashes
# the server nor keeps it from serving the next client.
. "$ROOT/tests/support/lib.sh"

build_exercise slow-server slow-server.c
SERVER="$WORK/slow-server"
CLIENT="$BIN/get-poetry"
POEM="$POETRY/tyger.txt"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
size=$(wc -c <"$POEM")
chunks=$(((size + 99) / 100))
least=$(awk -v c="$chunks" 'BEGIN { printf "%.1f\n", (c - 1) * 0.1 }') # what the sleeps guarantee

if ! start_process paced "$SERVER" --port 0 --delay 0.1 --num-bytes 100 "$POEM"; then
    not_ok "the server starts and prints its port" "$(show "$WORK/paced.err")" \
        "hint: the starter's main already listened and printed the port; keep it"
    done_testing
fi

started=$(now)
run_with_timeout 60 "$CLIENT" "$paced_PORT" >"$WORK/one.out" 2>"$WORK/one.err"
status=$?
took=$(elapsed_since "$started")
if [ $status -eq 0 ] && cmp -s "$WORK/one.out" "$POEM"; then
    ok "one client gets the whole poem"
else
    not_ok "one client gets the whole poem" "status $status" "$(show "$WORK/one.err")" \
        "hint: the last slice may be shorter than --num-bytes; close with transport_lose_connection after it"
fi
if ! less_than "$took" "$least" && [ "$(grep -c '^Task 1: read ' "$WORK/one.err")" -ge 2 ]; then
    ok "the poem comes in slices, --delay apart ($chunks slices of 100 bytes took ${took}s, at least ${least}s)"
else
    not_ok "the poem comes in slices, --delay apart" "took ${took}s, at least ${least}s expected" \
        "hint: write num_bytes now and ask reactor_call_later(reactor, delay, ...) for the next slice"
fi

started=$(now)
run_with_timeout 60 "$CLIENT" "$paced_PORT" "$paced_PORT" "$paced_PORT" >"$WORK/three.out" 2>"$WORK/three.err"
status=$?
took=$(elapsed_since "$started")
cat "$POEM" "$POEM" "$POEM" >"$WORK/three.want"
if [ $status -eq 0 ] && cmp -s "$WORK/three.out" "$WORK/three.want" &&
    less_than "$took" "$(awk -v l="$least" 'BEGIN { print 2 * l + 1 }')"; then
    ok "three clients at once get the poem in about one poem's time (${took}s)"
else
    not_ok "three clients at once get the poem in about one poem's time" "status $status, ${took}s" \
        "hint: never sleep in the server; between two slices the reactor serves the other clients"
fi

if ! command -v "$PY" >/dev/null 2>&1; then
    skip "a client that leaves early" "needs python3, which is not installed"
    done_testing
fi
cat >"$WORK/leave.py" <<'PY'
import socket, struct, sys
port, how = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(10)
first = s.recv(10)
if how == "reset":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
print(len(first))
PY

# wait_for_audit FILE: waits (up to 15 s) for an audit line in FILE; prints the first one.
wait_for_audit() {
    local tries=0
    while [ $tries -lt 300 ] && ! grep -q '^audit: ' "$1"; do
        sleep 0.05
        tries=$((tries + 1))
    done
    grep -m 1 '^audit: ' "$1"
}

# A client that resets after the first slice, with the next one an hour away.
if start_process patient "$SERVER" --port 0 --delay 3600 --num-bytes 10 "$POEM"; then
    got=$(run_with_timeout 20 "$PY" "$WORK/leave.py" "$patient_PORT" reset 2>&1)
    audit=$(wait_for_audit "$WORK/patient.err")
    if [ "$got" = 10 ] && [ "$audit" = "audit: 0 connections, 0 calls pending" ]; then
        ok "a client that resets after the first slice leaves no call pending (${audit#audit: })"
    else
        not_ok "a client that resets after the first slice leaves no call pending" "client read: $got" \
            "server: ${audit:-no audit line}" \
            "hint: connection_lost is also called when the client leaves early; cancel (delayed_call_cancel) and release the slice that is still pending"
    fi
    kill "$patient_PID" 2>/dev/null
else
    not_ok "the server starts with --delay 3600" "$(show "$WORK/patient.err")"
fi

# A client that closes after the first slice, with the next one due soon: the server learns of it
# when a slice cannot go. Then it serves the next client whole.
if start_process hasty "$SERVER" --port 0 --delay 0.2 --num-bytes 10 "$POEM"; then
    got=$(run_with_timeout 20 "$PY" "$WORK/leave.py" "$hasty_PORT" close 2>&1)
    audit=$(wait_for_audit "$WORK/hasty.err")
    sleep 0.5 # a slice left behind would have run by now
    run_with_timeout 60 "$CLIENT" "$hasty_PORT" >"$WORK/after.out" 2>"$WORK/after.err"
    status=$?
    if [ "$got" = 10 ] && [ "$audit" = "audit: 0 connections, 0 calls pending" ] && kill -0 "$hasty_PID" 2>/dev/null &&
        [ $status -eq 0 ] && cmp -s "$WORK/after.out" "$POEM"; then
        ok "a client that closes early: no call left pending, no crash, and the next client gets the whole poem"
    else
        not_ok "a client that closes early: no call left pending, no crash, and the next client gets the whole poem" \
            "client read: $got" "server: ${audit:-no audit line}" "next client: status $status" \
            "$(tail -n 5 "$WORK/hasty.err")" \
            "hint: a slice that runs after its connection has gone uses memory that connection_lost freed"
    fi
else
    not_ok "the server starts with --delay 0.2" "$(show "$WORK/hasty.err")"
fi
done_testing
