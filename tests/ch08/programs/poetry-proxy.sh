# Chapter 8's poetry-proxy: its command line (usage errors exit 2 with one quoted line); one fetch for
# many clients (connections counted at the upstream, a server that holds every client until the test
# lets it go, so "during the fetch" is certain, not a matter of timing); every waiting client gets the
# poem byte for byte, and one that leaves early disturbs none of them; later clients get it with no new
# upstream connection; after --expire a new fetch; an upstream that resets mid-poem, or refuses: the
# waiting clients are reset (not a clean close, which would pass for a whole poem) and the proxy goes on
# serving; a client that half-closes still gets the poem.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/server_contract.sh"

SERVER=$BIN/poetry-proxy
POEM=$POETRY/nachtlied.txt # has non-ASCII bytes
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# --- the command line ---
"$SERVER" --help >"$WORK/help" 2>"$WORK/help.err"
check "--help: usage on stdout, exit 0" test $? -eq 0 -a -n "$(grep -- --expire "$WORK/help")" -a ! -s "$WORK/help.err"
server_expect_usage_error "no server" "poetry-proxy: no server given" --port 0
server_expect_usage_error "an unknown option" "poetry-proxy: unknown option '--bogus'" --bogus 10000
server_expect_usage_error "a bad address" "poetry-proxy: bad address 'localhost:x'" localhost:x
server_expect_usage_error "upstream port 0" "poetry-proxy: bad address '0'" 0
server_expect_usage_error "two servers" "poetry-proxy: one server only: unexpected '10001'" 10000 10001
server_expect_usage_error "a negative expiry" "poetry-proxy: bad expiry '-1'" --expire -1 10000
server_expect_usage_error "an expiry that is not a number" "poetry-proxy: bad expiry 'nan'" --expire nan 10000
server_expect_usage_error "--expire without a value" "--expire" 10000 --expire
server_expect_usage_error "a bad listening port" "poetry-proxy: bad port '99999'" --port 99999 10000
server_expect_usage_error "an address with a newline" "bad address '10\\n000'" $'10\n000'

REACTOR_BACKEND=kqueue run_with_timeout 10 "$SERVER" --port 0 10000 >"$WORK/unknown.out" 2>"$WORK/unknown.err"
status=$?
if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/unknown.err")" -eq 1 ] && grep -q "REACTOR_BACKEND='kqueue'" "$WORK/unknown.err" &&
    [ ! -s "$WORK/unknown.out" ]; then
    ok "REACTOR_BACKEND=kqueue is one line naming it, status 2"
else
    not_ok "REACTOR_BACKEND=kqueue is one line naming it, status 2" "status $status" "$(show "$WORK/unknown.err")"
fi

if ! command -v "$PY" >/dev/null 2>&1; then
    skip "the proxy's clients and upstream" "needs python3, which is not installed"
    done_testing
fi

# gate.py: a poetry server that holds each connection N until the file GO.N exists, and logs
# "connection N: MODE" on stderr when it accepts it. MODES give each connection, in turn, the poem then
# a clean close ("poem") or half of it then a reset ("reset"); the last one repeats.
cat >"$WORK/gate.py" <<'PY'
import os, socket, struct, sys, time
go, poem, modes = sys.argv[1], open(sys.argv[2], "rb").read(), sys.argv[3:]
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(64)
print("Serving gate on port %d." % ls.getsockname()[1], flush=True)
n = 0
while True:
    c, _ = ls.accept()
    n += 1
    mode = modes[min(n, len(modes)) - 1]
    print("connection %d: %s" % (n, mode), file=sys.stderr, flush=True)
    while not os.path.exists("%s.%d" % (go, n)):
        time.sleep(0.02)
    try:
        if mode == "poem":
            c.sendall(poem)
        else:
            c.sendall(poem[: len(poem) // 2])
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    c.close()
PY

# client.py PORT OUT [reset|close]: reads until the end into OUT and says "closed" (a clean close) or
# "reset"; with reset or close, connects, waits 0.2 s and leaves without reading, with a reset
# (SO_LINGER 0) or a clean close.
cat >"$WORK/client.py" <<'PY'
import socket, struct, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
if len(sys.argv) > 3:
    time.sleep(0.2)
    if sys.argv[3] == "reset":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("left")
    sys.exit(0)
s.settimeout(30)
got, how = b"", "closed"
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        got += d
except ConnectionResetError:
    how = "reset"
except socket.timeout:
    how = "timed out"
open(sys.argv[2], "wb").write(got)
print(how)
PY

# wait_for COUNT PATTERN FILE: waits (up to 20 s) until FILE has COUNT lines matching PATTERN.
wait_for() {
    local tries=0
    while [ "$(grep -c -- "$2" "$3" 2>/dev/null)" -lt "$1" ]; do
        tries=$((tries + 1))
        [ $tries -lt 400 ] || return 1
        sleep 0.05
    done
}
# client NAME PORT: a client in the background; its verdict in $WORK/NAME.how, its bytes in $WORK/NAME.got.
client_pids=()
client() {
    run_with_timeout 40 "$PY" "$WORK/client.py" "$2" "$WORK/$1.got" >"$WORK/$1.how" 2>&1 &
    client_pids+=($!)
}
wait_clients() {
    local pid
    for pid in "${client_pids[@]}"; do wait "$pid"; done
    client_pids=()
}
# got_poem NAME: the client saw a clean close after exactly the poem's bytes.
got_poem() { [ "$(cat "$WORK/$1.how")" = closed ] && cmp -s "$WORK/$1.got" "$POEM"; }
upstream_connections() { grep -c '^connection ' "$WORK/gate.err"; }

if ! start_process gate "$PY" "$WORK/gate.py" "$WORK/go" "$POEM" poem reset poem; then
    not_ok "the gate server starts" "$(show "$WORK/gate.err")"
    done_testing
fi
if ! start_process proxy "$SERVER" --port 0 "$gate_PORT"; then
    not_ok "poetry-proxy starts" "$(show "$WORK/proxy.err")"
    done_testing
fi
check "the first line names the server and the port" \
    grep -qx "Serving proxy for 127.0.0.1:$gate_PORT on port $proxy_PORT." "$WORK/proxy.out"

# --- many clients, one fetch; two of them leave early, the first (whose get started the fetch) with a
# reset, which the proxy sees at once, and one with a clean close (which it cannot tell from a client
# that half-closes and still reads, so it keeps that one until its poem's send fails) ---
run_with_timeout 20 "$PY" "$WORK/client.py" "$proxy_PORT" /dev/null reset >"$WORK/leaver.how" 2>&1 &
client_pids+=($!)
wait_for 1 "waits for the poem" "$WORK/proxy.err"
for i in 1 2 3; do client "c$i" "$proxy_PORT"; done
run_with_timeout 20 "$PY" "$WORK/client.py" "$proxy_PORT" /dev/null close >"$WORK/closer.how" 2>&1 &
client_pids+=($!)
for i in 4 5 6; do client "c$i" "$proxy_PORT"; done
if wait_for 8 "waits for the poem" "$WORK/proxy.err" && wait_for 1 "left before its poem came" "$WORK/proxy.err" &&
    wait_for 1 '^connection 1' "$WORK/gate.err"; then
    ok "eight clients wait for the fetch; the one that reset has left"
else
    not_ok "eight clients wait for the fetch; the one that reset has left" "$(show "$WORK/proxy.err")"
fi
touch "$WORK/go.1" # only now does the upstream send the poem
wait_clients
all=1
for i in 1 2 3 4 5 6; do got_poem "c$i" || { all=0; bad="c$i: $(cat "$WORK/c$i.how"), $(wc -c <"$WORK/c$i.got") bytes"; }; done
if [ $all = 1 ]; then
    ok "the six clients that stayed get the poem byte for byte, then a clean close"
else
    not_ok "the six clients that stayed get the poem byte for byte, then a clean close" "$bad" "$(show "$WORK/proxy.err")"
fi
check "one upstream connection for the eight clients" test "$(upstream_connections)" -eq 1

# --- later clients: the kept poem, no new fetch ---
for i in 1 2 3; do
    client "late$i" "$proxy_PORT"
    wait_clients
done
got_poem late1 && got_poem late2 && got_poem late3
check "three later clients get the kept poem" test $? -eq 0
check "... with no new upstream connection" test "$(upstream_connections)" -eq 1
check "... served from the cache, as the log says" test "$(grep -c "Serving the cached poem" "$WORK/proxy.err")" -eq 3

# A client that finishes writing at once (as nc -N does) still gets the whole poem.
run_with_timeout 20 "$SUPPORT/badpeer" half-close "$proxy_PORT" >"$WORK/half.got" 2>"$WORK/half.err"
check "a client that half-closes gets the whole poem" test $? -eq 0 -a "$(cmp "$WORK/half.got" "$POEM" 2>&1)" = ""

# --- an upstream that resets: the waiting clients are reset; the proxy goes on ---
# A second proxy on the same upstream, which never keeps a poem (--expire 0): its fetches are
# connections 2 (reset) and 3 (the poem).
if ! start_process proxy0 "$SERVER" --port 0 --expire 0 "$gate_PORT"; then
    not_ok "poetry-proxy --expire 0 starts" "$(show "$WORK/proxy0.err")"
    done_testing
fi
for i in 1 2 3; do client "r$i" "$proxy0_PORT"; done
wait_for 3 "waits for the poem" "$WORK/proxy0.err" && wait_for 1 '^connection 2' "$WORK/gate.err"
touch "$WORK/go.2"
wait_clients
if [ "$(cat "$WORK/r1.how" "$WORK/r2.how" "$WORK/r3.how" | sort -u)" = reset ]; then
    ok "an upstream that resets mid-poem: the three waiting clients are reset, not closed cleanly"
else
    not_ok "an upstream that resets mid-poem: the three waiting clients are reset, not closed cleanly" \
        "$(cat "$WORK"/r?.how)" "$(show "$WORK/proxy0.err")"
fi
check "... and none of them got the half poem" test ! -s "$WORK/r1.got" -a ! -s "$WORK/r2.got" -a ! -s "$WORK/r3.got"
check "... the proxy says why" grep -q "Fetch from 127.0.0.1:$gate_PORT failed: .*reset.*; resetting 3 waiting" \
    "$WORK/proxy0.err"
touch "$WORK/go.3" "$WORK/go.4"
client after "$proxy0_PORT"
wait_clients
check "the failure is not kept: the next client fetches again and gets the poem" \
    test "$(upstream_connections)" -eq 3 -a "$(cat "$WORK/after.how")" = closed
cmp -s "$WORK/after.got" "$POEM"
check "... byte for byte" test $? -eq 0
client after0 "$proxy0_PORT"
wait_clients
check "--expire 0 keeps nothing: the client after that fetches once more" \
    test "$(upstream_connections)" -eq 4 -a "$(cat "$WORK/after0.how")" = closed
check "the first proxy still serves its kept poem" kill -0 "$proxy_PID"
client still "$proxy_PORT"
wait_clients
check "... byte for byte, still without a new fetch" got_poem still
check "... (upstream connections: still 4)" test "$(upstream_connections)" -eq 4

# --- an upstream that refuses: reset, and the proxy lives on ---
if start_badpeer refuse refuse && start_process proxyr "$SERVER" --port 0 "$refuse_PORT"; then
    client ref1 "$proxyr_PORT"
    client ref2 "$proxyr_PORT"
    wait_clients
    check "an upstream that refuses: its clients are reset" \
        test "$(cat "$WORK/ref1.how")" = reset -a "$(cat "$WORK/ref2.how")" = reset
    check "... and the proxy goes on running" kill -0 "$proxyr_PID"
else
    not_ok "badpeer refuse and a proxy in front of it start"
fi

# --- expiry on the reactor's clock: after --expire seconds, a new fetch ---
if start_poetry_server slow "$POEM" --delay 0 --num-bytes 100000 &&
    start_process proxye "$SERVER" --port 0 --expire 0.5 "$slow_PORT"; then
    client e1 "$proxye_PORT"
    wait_clients
    sleep 1 # twice the expiry: a lower bound the sleep guarantees
    client e2 "$proxye_PORT"
    wait_clients
    check "--expire 0.5: a client a second later makes a new fetch" \
        test "$(grep -c '^Sending' "$WORK/slow.err")" -eq 2
    got_poem e1 && got_poem e2
    check "... and both clients get the poem" test $? -eq 0
else
    not_ok "slowpoetry and a proxy with --expire 0.5 start"
fi

for name in proxy proxy0 proxyr proxye; do
    pid_var=${name}_PID
    [ -n "${!pid_var:-}" ] || continue
    if ! kill -0 "${!pid_var}" 2>/dev/null; then not_ok "$name is still running at the end" "$(show "$WORK/$name.err")"; fi
done
done_testing
