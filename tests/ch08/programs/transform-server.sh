# Chapter 8's transform-server: its command line, its replies (cummingsify and shout, bytes not text),
# no reply for an unknown transform, a failing one or a malformed request (leading zeros, a missing
# comma, a length over the limit: refused before the body is sent, no '.'), and byte-for-byte
# agreement with Twisted: a client built on Twisted's NetstringReceiver gets our replies, our server's
# replies equal a Twisted transformation server's for the same requests, and our netstring receiver
# reads what Twisted's sendString writes.
. "$ROOT/tests/support/lib.sh"

SERVER=$BIN/transform-server
PEERS=$ROOT/tests/ch08/twisted
PY=/usr/bin/python3
POEM=$POETRY/nachtlied.txt # has non-ASCII bytes

# --- the command line ---
"$SERVER" --help >"$WORK/help" 2>&1
check "--help exits 0 and names the transforms" test $? -eq 0 -a -n "$(grep cummingsify "$WORK/help")"
"$SERVER" --bogus >/dev/null 2>"$WORK/err"
status=$?
check "an unknown option exits 2 with one line on stderr" test $status -eq 2 -a "$(wc -l <"$WORK/err")" -eq 1
"$SERVER" --port 99999 >/dev/null 2>&1
check "a bad port exits 2" test $? -eq 2
"$SERVER" extra >/dev/null 2>&1
check "an extra argument exits 2" test $? -eq 2

if ! start_process server "$SERVER"; then
    not_ok "transform-server starts"
    done_testing
fi
check "the first line says the port" grep -qx "Serving transforms on port $server_PORT." "$WORK/server.out"

netstring() { # netstring FILE: FILE's bytes framed
    printf '%d:' "$(wc -c <"$1")"
    cat "$1"
    printf ','
}

# ask NAME REQUEST_FILE: sends the request's bytes, puts the reply in $WORK/reply and the status in $asked
ask() {
    run_with_timeout 20 "$PY" "$PEERS/ask.py" "$server_PORT" <"$1" >"$WORK/reply" 2>"$WORK/ask.err"
    asked=$?
}

if ! "$PY" -c 'import twisted' 2>/dev/null; then
    have_python=0
    for what in replies "Twisted interop"; do
        skip "$what" "needs python3-twisted (and /usr/bin/python3), which is not installed"
    done
    done_testing
fi

# --- the replies ---
{ printf 'cummingsify.'; cat "$POEM"; } >"$WORK/body"
netstring "$WORK/body" >"$WORK/req"
ask "$WORK/req"
"$PY" -c 'import sys; sys.stdout.buffer.write(open(sys.argv[1],"rb").read().lower())' "$POEM" >"$WORK/lower"
netstring "$WORK/lower" >"$WORK/want"
check "cummingsify: one netstring with the poem in lower case (non-ASCII bytes unchanged), then a clean close" \
    test $asked -eq 0 -a "$(cmp "$WORK/reply" "$WORK/want" 2>&1)" = ""

{ printf 'shout.'; cat "$POEM"; } >"$WORK/body"
netstring "$WORK/body" >"$WORK/req"
ask "$WORK/req"
"$PY" -c 'import sys; sys.stdout.buffer.write(open(sys.argv[1],"rb").read().upper())' "$POEM" >"$WORK/upper"
netstring "$WORK/upper" >"$WORK/want"
check "shout: the poem in upper case" test $asked -eq 0 -a "$(cmp "$WORK/reply" "$WORK/want" 2>&1)" = ""

printf '12:cummingsify.,' >"$WORK/req"
ask "$WORK/req"
check "an empty poem: the empty netstring 0:," test $asked -eq 0 -a "$(cat "$WORK/reply")" = "0:,"

no_reply() { # no_reply WHAT BYTES
    printf '%s' "$2" >"$WORK/req"
    ask "$WORK/req"
    check "$1: a clean close with no reply" test $asked -eq 0 -a ! -s "$WORK/reply"
}
no_reply "an unknown transform" "11:nope.a poem,"
no_reply "a transform that fails" "8:fail.abc,"
no_reply "no '.' in the request" "5:hello,"
no_reply "a length with leading zeros" "03:a.b,"
no_reply "a missing comma" "3:a.bc"
no_reply "a length that is not a number" "x:a.b,"
no_reply "a length over the limit (99,999)" "100000:"
# Over the limit is refused before the body: the server closes though the body never comes.
printf '100000:' >"$WORK/req"
ask "$WORK/req"
check "a length over the limit closes before any of the body is sent" test $asked -eq 0

# A second request on the same connection is not answered: one request per connection.
printf '13:cummingsify.A,7:shout.b,' >"$WORK/req"
ask "$WORK/req"
check "one request per connection: the second is ignored" test $asked -eq 0 -a "$(cat "$WORK/reply")" = "1:a,"

# --- Twisted interop ---
run_with_timeout 20 "$PY" "$PEERS/transform_client.py" "$server_PORT" cummingsify "$POEM" >"$WORK/tw-reply" 2>"$WORK/tw.err"
status=$?
check "a client on Twisted's NetstringReceiver gets our reply" \
    test $status -eq 0 -a "$(cmp "$WORK/tw-reply" "$WORK/lower" 2>&1)" = ""
run_with_timeout 20 "$PY" "$PEERS/transform_client.py" "$server_PORT" fail "$POEM" >/dev/null 2>"$WORK/tw.err"
check "... and no reply for a failing transform" test $? -eq 3

if start_process twserver "$PY" "$PEERS/transform_server.py"; then
    same=0 differ=""
    # Not compared: two requests on one connection. Twisted's NetstringReceiver goes on parsing after
    # loseConnection, and its transport still sends, so it answers both; ours answers one, as the
    # service is specified (one request, one reply, then the close).
    for req in "12:cummingsify.," "8:fail.abc," "11:nope.a poem," "03:a.b," "3:a.bc" "x:a.b," \
        "5:hello," "21:shout.Hello, World \xc3\xa9!," "100000:"; do
        printf "$req" >"$WORK/req"
        run_with_timeout 20 "$PY" "$PEERS/ask.py" "$server_PORT" <"$WORK/req" >"$WORK/ours"
        a=$?
        run_with_timeout 20 "$PY" "$PEERS/ask.py" "$twserver_PORT" <"$WORK/req" >"$WORK/theirs"
        b=$?
        if [ $a -eq $b ] && cmp -s "$WORK/ours" "$WORK/theirs"; then same=$((same + 1)); else differ+=" $req"; fi
    done
    check "our server answers as Twisted's transformation server does, byte for byte (9 requests)" test -z "$differ"
    [ -z "$differ" ] || echo "# differ:$differ"
else
    not_ok "a Twisted transformation server starts" "$(head -n 5 "$WORK/twserver.err")"
fi

# Our netstring receiver reads what Twisted's sendString writes.
cc=${CC:-cc}
case "$BIN" in *clang*) cc=clang ;; esac
flags=(-std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -g)
case "$BIN" in *-san) flags+=(-fsanitize=address,undefined -fno-sanitize-recover=all) ;; esac
if $cc "${flags[@]}" -I"$SNAPSHOT" -o "$WORK/netstring_dump" "$ROOT/tests/ch08/programs/netstring_dump.c" \
    "$BIN/libreactor.a" -lm >"$WORK/build.log" 2>&1 && start_process twsender "$PY" "$PEERS/netstring_server.py"; then
    run_with_timeout 20 "$WORK/netstring_dump" "$twsender_PORT" >"$WORK/dumped" 2>"$WORK/dump.err"
    status=$?
    "$PY" -c '
import sys; sys.path.insert(0, sys.argv[1])
STRINGS = [b"", b"hello", b"\x00\r\n:,\xc3\xa9", b"x" * 99999, b"0:,", b"last"]
sys.stdout.buffer.write(b"".join(b"%d:%s," % (len(s), s) for s in STRINGS))' "$PEERS" >"$WORK/want"
    check "our netstring receiver reads Twisted's sendString: every string whole, in order (99,999 bytes too)" \
        test $status -eq 0 -a "$(cmp "$WORK/dumped" "$WORK/want" 2>&1)" = ""
else
    not_ok "the netstring dump client builds and Twisted's sender starts" "$(head -n 10 "$WORK/build.log")"
fi
done_testing
