# Exercise ch08/transform-proxy: a caching proxy in front of the library's transform-server. Replies byte
# for byte (cummingsify, shout, non-ASCII bytes); a request asked again is answered with no new request
# upstream (counted in the server's log); another transform, another poem, or a poem that is a prefix of
# one kept is a new request; a failure (an unknown transform) is not kept; with the server gone, kept
# replies still come and a new request gets a clean close with no reply.
. "$ROOT/tests/support/lib.sh"

build_exercise transform-proxy transform-proxy.c
PROXY="$WORK/transform-proxy"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if ! command -v "$PY" >/dev/null 2>&1; then
    skip "the proxy's replies" "needs python3, which is not installed"
    done_testing
fi
if ! start_process upstream "$BIN/transform-server"; then
    not_ok "transform-server starts" "$(show "$WORK/upstream.err")"
    done_testing
fi
if ! start_process proxy "$PROXY" --port 0 "$upstream_PORT"; then
    not_ok "the proxy starts and prints its port" "$(show "$WORK/proxy.err")" \
        "hint: the starter's main already listened and printed the port; keep it"
    done_testing
fi

# ask.py PORT NAME TEXT|@FILE: one request; prints the reply's bytes as Python's repr.
cat >"$WORK/ask.py" <<'PY'
import socket, sys
port, name, text = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3].encode()
if sys.argv[3].startswith("@"):
    text = open(sys.argv[3][1:], "rb").read()
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(20)
body = name + b"." + text
s.sendall(b"%d:%s," % (len(body), body))
out = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    out += d
if name == b"cummingsify":
    want = b"%d:%s," % (len(text), text.lower())
elif name == b"shout":
    want = b"%d:%s," % (len(text), text.upper())
else:
    want = b""
print("ok" if out == want else "got %r, want %r" % (out[:80], want[:80]))
PY

# The server logs each request (to an unbuffered stderr) before it answers it.
asked() { grep -c '^transform ' "$WORK/upstream.err"; }

# asks WHAT UPSTREAM_REQUESTS HINT NAME TEXT: one request; passes if the reply is right and the
# upstream has then seen UPSTREAM_REQUESTS requests in all.
asks() {
    local what=$1 want=$2 hint=$3 got
    shift 3
    got=$(run_with_timeout 30 "$PY" "$WORK/ask.py" "$proxy_PORT" "$@" 2>&1)
    if [ "$got" = ok ] && [ "$(asked)" -eq "$want" ]; then
        ok "$what"
    else
        not_ok "$what" "reply: $got" "the server has had $(asked) requests, not $want" "hint: $hint"
    fi
}

asks "cummingsify of 'HELLO, World' comes from the server" 1 \
    "forward what you cannot answer yourself, as the starter does" cummingsify "HELLO, World"
asks "asked again, the same reply, with no new request to the server" 1 \
    "keep each reply (keep_reply) and look for it first (find_reply)" cummingsify "HELLO, World"
asks "... and a third time" 1 "a kept reply is kept for every later client, not only the next one" \
    cummingsify "HELLO, World"
asks "another transform of the same poem is a new request" 2 \
    "the key is the whole request, NAME.POEM, not the poem alone" shout "HELLO, World"
asks "a poem that is a prefix of a kept one is a new request" 3 \
    "compare the lengths too, not only the first bytes" cummingsify "HELLO"
asks "... and the kept one still answers" 3 "keep every reply, not only the last" cummingsify "HELLO, World"
asks "a poem with non-ASCII bytes, byte for byte" 4 "poems are bytes: copy len bytes, not a C string" \
    cummingsify "@$POETRY/nachtlied.txt"
asks "... asked again, from memory" 4 "compare with memcmp over len bytes: a poem may hold any byte" \
    cummingsify "@$POETRY/nachtlied.txt"
asks "an unknown transform: no reply" 5 "a request that fails upstream gets a close with no reply" nope "a poem"
asks "... asked again, it goes to the server again: a failure is not kept" 6 \
    "keep only replies that came; a failure might not happen next time" nope "a poem"

kill "$upstream_PID" 2>/dev/null
wait "$upstream_PID" 2>/dev/null
got=$(run_with_timeout 30 "$PY" "$WORK/ask.py" "$proxy_PORT" shout "HELLO, World" 2>&1)
check "with the server gone, a kept reply still comes" test "$got" = ok
got=$(run_with_timeout 30 "$PY" "$WORK/ask.py" "$proxy_PORT" shout "Sonnet" 2>&1)
check "... and a new request gets a clean close with no reply" test "$got" = "got b'', want b'6:SONNET,'"
check "the proxy is still running" kill -0 "$proxy_PID"
done_testing
