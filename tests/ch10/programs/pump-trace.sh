# Chapter 10's pump-trace: the transformation client and server pumped by hand, with no socket. Its
# command line, the reply, the same pieces for the same seed (and more than one), a drop that turns
# the reply into a reset, and no reply for an unknown transform.
. "$ROOT/tests/support/lib.sh"

P=$BIN/pump-trace
"$P" --help >"$WORK/help" 2>&1
check "--help exits 0" test $? -eq 0
check "--help prints the usage" grep -q '^usage: pump-trace' "$WORK/help"
"$P" --nope x y >"$WORK/out" 2>"$WORK/err"
status=$?
if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/err")" -eq 1 ] && grep -q "^pump-trace: unknown option '--nope'" "$WORK/err"; then
    ok "an unknown option is one line and status 2"
else
    not_ok "an unknown option is one line and status 2" "status $status: $(show "$WORK/err")"
fi
"$P" shout >"$WORK/out" 2>"$WORK/err"
check "a missing text is status 2" test $? -eq 2
"$P" --seed x shout y >"$WORK/out" 2>"$WORK/err"
check "a bad seed is status 2" test $? -eq 2

"$P" cummingsify 'Hello World' >"$WORK/whole" 2>&1
status=$?
if [ $status -eq 0 ] && tail -n 1 "$WORK/whole" | grep -qx 'reply: "hello world"' &&
    grep -qx 'to server: 27 bytes  "23:cummingsify.Hello World,"' "$WORK/whole"; then
    ok "the request goes whole, and the reply comes back"
else
    not_ok "the request goes whole, and the reply comes back" "status $status:" "$(show "$WORK/whole")"
fi

"$P" --seed 3 cummingsify 'Hello World' >"$WORK/split1" 2>&1
"$P" --seed 3 cummingsify 'Hello World' >"$WORK/split2" 2>&1
pieces=$(grep -c '^to server: ' "$WORK/split1")
if cmp -s "$WORK/split1" "$WORK/split2" && [ "$pieces" -gt 1 ] && tail -n 1 "$WORK/split1" | grep -qx 'reply: "hello world"'; then
    ok "seed 3 splits the request into $pieces pieces, the same each time, and the reply is the same"
else
    not_ok "a seed splits the same way each time" "$(show "$WORK/split1")"
fi

"$P" --drop 5 shout Hello >"$WORK/drop" 2>&1
status=$?
if [ $status -eq 1 ] && grep -q '^to client:  5 bytes  "5:HEL"$' "$WORK/drop" &&
    tail -n 1 "$WORK/drop" | grep -qx 'no reply: Connection reset by peer'; then
    ok "--drop 5 breaks the reply after 5 bytes: no reply, status 1"
else
    not_ok "--drop 5 breaks the reply after 5 bytes" "status $status:" "$(show "$WORK/drop")"
fi

"$P" nosuch x >"$WORK/nosuch" 2>&1
status=$?
if [ $status -eq 1 ] && grep -qx 'to client: end of input' "$WORK/nosuch"; then
    ok "an unknown transform: the server closes, no reply, status 1"
else
    not_ok "an unknown transform: the server closes, no reply" "status $status:" "$(show "$WORK/nosuch")"
fi
done_testing
