# Exercise ch05/echo-server: an echo protocol on chapter 5's transports. Every byte a client sends comes
# back to it, in order, even when it sends far more than the socket buffers hold before reading any;
# many clients are served at once; a client that leaves mid-stream disturbs no one; each protocol frees
# itself when its connection is lost (checked under valgrind when it is installed). The clients are bash
# (/dev/tcp) and, where python3 is installed, a small python3 script.
. "$ROOT/tests/support/lib.sh"

build_exercise echo-server echo-server.c
SERVER="$WORK/echo-server"

if "$SERVER" --help >"$WORK/help.out" 2>"$WORK/help.err" && grep -q '^usage: echo-server' "$WORK/help.out"; then
    ok "--help prints usage to stdout and exits 0"
else
    not_ok "--help prints usage to stdout and exits 0" "$(show "$WORK/help.out")" \
        "hint: the starter already did this; did an edit move the --help check?"
fi
run_with_timeout 10 "$SERVER" --frobnicate >"$WORK/option.out" 2>"$WORK/option.err"
status=$?
if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/option.err")" -eq 1 ] && grep -q "unknown option '--frobnicate'" "$WORK/option.err"; then
    ok "an unknown option: exit 2 with a one-line 'unknown option' error"
else
    not_ok "an unknown option: exit 2 with a one-line 'unknown option' error" "status $status" "$(show "$WORK/option.err")" \
        "hint: the starter already did this; keep the command line as it was"
fi

if ! start_process echo "$SERVER" --port 0; then
    not_ok "the server starts and prints 'Serving echo on port PORT.'" "$(show "$WORK/echo.err")" \
        "hint: the starter's main already listened and printed the port; keep it"
    done_testing
fi
if [ "$(head -n 1 "$WORK/echo.out")" = "Serving echo on port $echo_PORT." ]; then
    ok "first line is 'Serving echo on port PORT.'"
else
    not_ok "first line is 'Serving echo on port PORT.'" "$(show "$WORK/echo.out")" \
        "hint: the starter printed this line; keep it exactly"
fi

server_stderr() { printf '%s\n' "server's stderr:" "$(tail -n 15 "$WORK/echo.err")"; }

# A line goes out and the same line comes back, while the connection stays open.
got=$(run_with_timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; printf "hello, echo\n" >&3; head -n 1 <&3' _ "$echo_PORT")
echo_works=0
if [ "$got" = "hello, echo" ]; then
    echo_works=1
    ok "a line sent comes straight back"
else
    not_ok "a line sent comes straight back" "got '$got' (nothing within 2 s?)" "$(server_stderr)" \
        "hint: data_received is where the bytes arrive; the transport is how they go back"
fi

# Every byte value, NUL included, comes back unchanged.
for i in $(seq 0 255); do printf "\\$(printf %03o "$i")"; done >"$WORK/bytes.bin"
run_with_timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; cat "$2" >&3; head -c 256 <&3' _ "$echo_PORT" "$WORK/bytes.bin" \
    >"$WORK/bytes.got"
if cmp -s "$WORK/bytes.got" "$WORK/bytes.bin"; then
    ok "all 256 byte values come back unchanged, NUL included"
else
    not_ok "all 256 byte values come back unchanged, NUL included" "got $(wc -c <"$WORK/bytes.got") of 256 bytes back" \
        "$(server_stderr)" "hint: these are bytes, not strings: a NUL is data like any other, and len says how many there are"
fi

PYTHON=$(command -v python3 || true)
if [ -z "$PYTHON" ]; then
    ok "# SKIP python3 is not installed: the cases with many clients and large transfers need it"
    done_testing
fi

# The python3 client. Each socket operation gives up after 3 s without progress.
#   echo PORT IN OUT     connect, send all of IN before reading anything, then read as many bytes back
#   interleave PORT      two connections open at once, each answered while the other waits
#   leave PORT SIZE      send SIZE bytes, read 1000 back, and hang up with the rest unread
cat >"$WORK/client.py" <<'PY'
import socket, sys

def connect(port):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=3)
    s.settimeout(3)
    return s

def read_exactly(s, n):
    parts, got = [], 0
    while got < n:
        try:
            chunk = s.recv(min(65536, n - got))
        except socket.timeout:
            break
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)

mode = sys.argv[1]
if mode == "echo":
    data = open(sys.argv[3], "rb").read()
    s = connect(sys.argv[2])
    s.sendall(data)
    back = read_exactly(s, len(data))
    s.close()
    open(sys.argv[4], "wb").write(back)
    sys.exit(0 if back == data else 1)
elif mode == "interleave":
    a, b = connect(sys.argv[2]), connect(sys.argv[2])
    for s, line in ((a, b"first\n"), (b, b"second\n"), (a, b"third\n"), (b, b"fourth\n")):
        s.sendall(line)
        back = read_exactly(s, len(line))
        if back != line:
            print("sent %r, got back %r" % (line, back))
            sys.exit(1)
    a.close(); b.close()
elif mode == "leave":
    s = connect(sys.argv[2])
    s.sendall(b"x" * int(sys.argv[3]))
    read_exactly(s, 1000)
    s.close()
PY
client() { run_with_timeout 60 "$PYTHON" "$WORK/client.py" "$@"; }

# Two connections open at once, answered in turn: the server does not serve one client to the end first.
client interleave "$echo_PORT" >"$WORK/interleave.out" 2>&1
if [ $? -eq 0 ]; then
    ok "two connections open at once are each answered while the other stays open"
else
    not_ok "two connections open at once are each answered while the other stays open" "$(show "$WORK/interleave.out")" \
        "$(server_stderr)" "hint: each connection has its own protocol, and the reactor calls each one when its bytes arrive"
fi

# A client sends 8 MiB before reading a byte of the echo: far more than the socket buffers hold, so the
# server must keep reading while its writes wait in the transport's queue.
head -c $((8 * 1024 * 1024)) /dev/urandom >"$WORK/large.bin"
client echo "$echo_PORT" "$WORK/large.bin" "$WORK/large.got" 2>"$WORK/large.err"
if cmp -s "$WORK/large.got" "$WORK/large.bin"; then
    ok "8 MiB sent before reading any: every byte comes back, in order"
else
    not_ok "8 MiB sent before reading any: every byte comes back, in order" \
        "got $(wc -c <"$WORK/large.got" 2>/dev/null || echo 0) of $(wc -c <"$WORK/large.bin") bytes back$(cmp "$WORK/large.got" "$WORK/large.bin" 2>/dev/null | sed 's/^.*differ:/; first difference at/')" \
        "$(server_stderr)" "hint: write each piece back as it arrives, and leave the waiting to the transport: it keeps what the socket cannot take yet"
fi

# Four clients at once, 1 MiB each, and a fifth that leaves mid-stream: the four get their own bytes back.
pids=()
for n in 1 2 3 4; do
    head -c $((1024 * 1024)) /dev/urandom >"$WORK/many$n.bin"
    client echo "$echo_PORT" "$WORK/many$n.bin" "$WORK/many$n.got" 2>/dev/null &
    pids+=($!)
done
client leave "$echo_PORT" $((2 * 1024 * 1024)) 2>/dev/null &
pids+=($!)
wait "${pids[@]}"
exact=0
for n in 1 2 3 4; do cmp -s "$WORK/many$n.got" "$WORK/many$n.bin" && exact=$((exact + 1)); done
if [ $exact -eq 4 ]; then
    ok "four clients at once, 1 MiB each, beside one that leaves mid-stream: each gets its own bytes back"
else
    not_ok "four clients at once, 1 MiB each, beside one that leaves mid-stream: each gets its own bytes back" \
        "$exact of 4 got exactly what they sent" "$(server_stderr)" \
        "hint: what one protocol keeps must be its own: nothing a connection needs may be shared between clients"
fi

# After the client that left: the server is still running, and serves the next client.
got=$(run_with_timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; printf "still there?\n" >&3; head -n 1 <&3' _ "$echo_PORT")
if kill -0 "$echo_PID" 2>/dev/null && [ "$got" = "still there?" ]; then
    ok "after a client left mid-stream, the server still runs and echoes"
else
    not_ok "after a client left mid-stream, the server still runs and echoes" "got '$got'" "$(server_stderr)" \
        "hint: a client that hangs up ends its own connection only; connection_lost tells its protocol why"
fi

# Under valgrind (not with a sanitizer build, which valgrind cannot run): after clients that finish and
# one that leaves early, stop the server; no protocol may be left behind, and no bad access happen.
case "${CFLAGS:-}" in
*-fsanitize=*) ok "the server under valgrind # SKIP this build uses the sanitizers" ;;
*)
    if ! command -v valgrind >/dev/null 2>&1; then
        skip "the server under valgrind" "needs valgrind: not installed"
    elif [ $echo_works = 0 ]; then
        not_ok "under valgrind: no protocol leaked, no invalid access" "not run: the server does not echo yet" \
            "hint: make the cases above pass first"
    elif ! start_process vg valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --log-file="$WORK/vg.log" "$SERVER"; then
        not_ok "under valgrind: no protocol leaked, no invalid access" "the server did not start under valgrind" \
            "$(show "$WORK/vg.err")" "hint: it starts without valgrind; see the cases above"
    else
        head -c $((256 * 1024)) /dev/urandom >"$WORK/vg.bin"
        client echo "$vg_PORT" "$WORK/vg.bin" "$WORK/vg1.got" 2>/dev/null
        client echo "$vg_PORT" "$WORK/bytes.bin" "$WORK/vg2.got" 2>/dev/null
        client leave "$vg_PORT" $((256 * 1024)) 2>/dev/null
        sleep 0.5 # let the server see the last client go before it is stopped
        kill -TERM "$vg_PID" 2>/dev/null
        wait "$vg_PID" 2>/dev/null
        if grep -qE 'definitely lost in|indirectly lost in|Invalid (read|write|free)|uninitialised|Mismatched' "$WORK/vg.log"; then
            not_ok "under valgrind: no protocol leaked, no invalid access" "valgrind found errors:" \
                "$(grep -v '^==[0-9]*== *$' "$WORK/vg.log" | head -n 30)" \
                "hint: each protocol lives on the heap; connection_lost is the library's last word to it, whatever ended the connection"
        elif ! cmp -s "$WORK/vg1.got" "$WORK/vg.bin"; then
            not_ok "under valgrind: no protocol leaked, no invalid access" "valgrind found nothing, but the echo under valgrind was not exact" \
                "hint: see the cases above"
        else
            ok "under valgrind: no protocol leaked, no invalid access"
        fi
    fi
    ;;
esac

done_testing
