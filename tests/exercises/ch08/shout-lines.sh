# Exercise ch08/shout-lines: a line server on chapter 8's line receiver. Lines come back in capitals
# (ASCII only), whole however the reads cut them; "quit" closes cleanly; a line over --max-line
# (default 80) is answered "line too long" and closed, a line of exactly the limit is not. The client
# is a small python3 script (plain sockets).
. "$ROOT/tests/support/lib.sh"

build_exercise shout-lines shout-lines.c
SERVER="$WORK/shout-lines"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if ! command -v "$PY" >/dev/null 2>&1; then
    skip "the server's replies" "needs python3, which is not installed"
    done_testing
fi

"$SERVER" --help >"$WORK/help.out" 2>&1
check "--help exits 0" test $? -eq 0

if ! start_process shout "$SERVER"; then
    not_ok "the server starts and prints 'Serving shout on port PORT.'" "$(show "$WORK/shout.err")" \
        "hint: the starter's main already listened and printed the port; keep it"
    done_testing
fi
port=$shout_PORT

cat >"$WORK/client.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1]); pieces = [p.encode("latin-1").decode("unicode_escape").encode("latin-1") for p in sys.argv[2:]]
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(5)
for p in pieces:
    s.sendall(p); time.sleep(0.02)
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d: break
        out += d
    end = "closed"
except socket.timeout:
    end = "open"
except ConnectionResetError:
    end = "reset"
sys.stdout.write(repr(out)[2:-1] + "|" + end)
PY

# talk WHAT EXPECTED HINT PIECE...: sends the pieces (Python escapes allowed) to $port, compares
# "REPLY|END"
talk() {
    local what=$1 expected=$2 hint=$3 got
    shift 3
    got=$(run_with_timeout 20 "$PY" "$WORK/client.py" "$port" "$@" 2>&1)
    if [ "$got" = "$expected" ]; then ok "$what"; else not_ok "$what" "sent: $*" "got:  $got" "want: $expected" "hint: $hint"; fi
}

talk "a line comes back in capitals, then quit closes cleanly" 'HELLO, WORLD\r\n|closed' \
    "shout_line gets each whole line without its \\\\r\\\\n; line_receiver_send_line adds it back" 'hello, World\r\nquit\r\n'
talk "non-ASCII bytes pass unchanged" 'CAF\xc3\xa9 \xc3\xbcBER\r\n|closed' \
    "only a to z change; every other byte is data" 'caf\xc3\xa9 \xc3\xbcber\r\nquit\r\n'
talk "lines cut between \\r and \\n and mid-word arrive whole" 'ABC\r\nDEF\r\n|closed' \
    "the receiver buffers partial lines for you; never shout a piece" 'ab' 'c\r' '\nde' 'f\r\n' 'qu' 'it\r\n'
long80=$(printf 'a%.0s' $(seq 80))
long81=$(printf 'a%.0s' $(seq 81))
up80=$(printf 'A%.0s' $(seq 80))
talk "a line of exactly 80 bytes is fine" "$up80"'\r\n|closed' \
    "the limit is the longest line allowed, not one more" "$long80"'\r\nquit\r\n'
talk "a line of 81 bytes: 'line too long', then the close" 'line too long\r\n|closed' \
    "set the receiver's max_length in build, and give it a line_length_exceeded hook" "$long81"'\r\nafter\r\n'
talk "81 bytes with no CRLF at all: the same" 'line too long\r\n|closed' \
    "the receiver calls the hook itself once the buffer can no longer hold a line that fits" "$long81"'bbbb'
kill "$shout_PID" 2>/dev/null

if start_process shout5 "$SERVER" --max-line 5; then
    port=$shout5_PORT
    talk "--max-line 5: five bytes pass, six do not" 'ABCDE\r\nline too long\r\n|closed' \
        "max_line holds the option's value" 'abcde\r\nabcdef\r\n'
else
    not_ok "the server starts with --max-line 5"
fi
done_testing
