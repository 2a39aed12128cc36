# Exercise ch08/rot13-transform: a transformation server with a rot13 transform. rot13 of short texts
# (both cases, wrap-around, non-letters), of a poem with non-ASCII bytes (unchanged), twice is the
# identity; cummingsify and an unknown transform still behave. The client is a small python3 script.
. "$ROOT/tests/support/lib.sh"

build_exercise rot13-server rot13-server.c
SERVER="$WORK/rot13-server"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if ! command -v "$PY" >/dev/null 2>&1; then
    skip "the server's replies" "needs python3, which is not installed"
    done_testing
fi
if ! start_process rot "$SERVER"; then
    not_ok "the server starts and prints 'Serving transforms on port PORT.'" "$(show "$WORK/rot.err")" \
        "hint: the starter's main already listened and printed the port; keep it"
    done_testing
fi

cat >"$WORK/ask.py" <<'PY'
import codecs, socket, sys
port, name, text = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3].encode()
if sys.argv[3].startswith("@"):
    text = open(sys.argv[3][1:], "rb").read()
def ask(t):
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(5)
    body = name + b"." + t
    s.sendall(b"%d:%s," % (len(body), body))
    out = b""
    while True:
        d = s.recv(65536)
        if not d: break
        out += d
    return out
reply = ask(text)
want = None
if name == b"rot13":
    want = b"%d:%s," % (len(text), codecs.encode(text.decode("latin-1"), "rot13").encode("latin-1"))
elif name == b"cummingsify":
    want = b"%d:%s," % (len(text), text.lower())
else:
    want = b""
if len(sys.argv) > 4 and sys.argv[4] == "twice" and reply.startswith(b"%d:" % len(text)):
    n = len(b"%d:" % len(text))
    back = ask(reply[n:-1])
    print("twice ok" if back == b"%d:%s," % (len(text), text) else "twice gave %r" % back[:80])
else:
    print("ok" if reply == want else "got %r, want %r" % (reply[:80], want[:80]))
PY

# asks WHAT HINT NAME TEXT [twice]
asks() {
    local what=$1 hint=$2 got
    shift 2
    got=$(run_with_timeout 20 "$PY" "$WORK/ask.py" "$rot_PORT" "$@" 2>&1)
    case "$got" in
    ok | "twice ok") ok "$what" ;;
    *) not_ok "$what" "$got" "hint: $hint" ;;
    esac
}
asks "rot13 of 'Hello, World!' is 'Uryyb, Jbeyq!'" "each letter 13 places on; punctuation stays" rot13 "Hello, World!"
asks "rot13 wraps around: 'nopxyzNOPXYZ' -> 'abcklmABCKLM'" "past 'z' comes 'a' again: % 26" rot13 "nopxyzNOPXYZ"
asks "rot13 of every letter, both cases" "upper case letters move too, and stay upper case" rot13 \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
asks "rot13 of a poem with non-ASCII letters: those bytes unchanged" \
    "bytes above 127 are not letters; with a signed char they are negative" rot13 "@$POETRY/nachtlied.txt"
asks "rot13 twice gives the poem back" "rot13 is its own inverse when each letter moves exactly 13" rot13 \
    "@$POETRY/tyger.txt" twice
asks "cummingsify still works" "leave the library's transforms to transform_server_handle" cummingsify "A Poem"
asks "an unknown transform still gets no reply" "the library's handling closes without a reply" nope "A Poem"
done_testing
