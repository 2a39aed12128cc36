# Chapter 8's transform-client: get-poetry's contract (usage errors, quoting, refused and reset
# downloads, the empty poem, --max-size, lost stdout) with a transformation server in front; the
# poems transformed by our transform-server (cummingsify, the default, and shout) and by a Twisted
# transformation server, in argument order; and the fallback: when the transform fails — an unknown
# or failing transform, a server that refuses, closes, resets or stays silent — the original poem is
# written with a one-line warning, and the exit status is still 0. A failed download is still exit 1.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/client_contract.sh"

CLIENT=$BIN/transform-client
PY=/usr/bin/python3
PEERS=$ROOT/tests/ch08/twisted

# lower FILE / upper FILE: the file with its ASCII letters in lower / upper case (bytes, not text).
lower() { LC_ALL=C tr 'A-Z' 'a-z' <"$1"; }
upper() { LC_ALL=C tr 'a-z' 'A-Z' <"$1"; }

# ---- The command line ----
contract_help
contract_usage_errors
contract_unknown_option
contract_quoting

run_with_timeout 10 "$CLIENT" 1234 >/dev/null 2>"$WORK/nopoetry.err"
status=$?
if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/nopoetry.err")" -eq 1 ] && grep -q "no poetry server given" "$WORK/nopoetry.err"; then
    ok "a transformation server and no poetry server: exit 2, 'no poetry server given'"
else
    not_ok "a transformation server and no poetry server: exit 2, 'no poetry server given'" "status $status" \
        "$(show "$WORK/nopoetry.err")"
fi
run_with_timeout 10 "$CLIENT" 1234 foo:1 >/dev/null 2>"$WORK/badpoetry.err"
status=$?
if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/badpoetry.err")" -eq 1 ] && grep -qF "bad address 'foo:1'" "$WORK/badpoetry.err"; then
    ok "a bad poetry server address after a good transformation server: exit 2 naming it"
else
    not_ok "a bad poetry server address after a good transformation server: exit 2 naming it" "status $status" \
        "$(show "$WORK/badpoetry.err")"
fi
for bad in "" "a.b" "."; do
    run_with_timeout 10 "$CLIENT" --transform "$bad" 1234 1235 >/dev/null 2>"$WORK/name.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/name.err")" -eq 1 ] && grep -qF "bad transform name '$bad'" "$WORK/name.err"; then
        ok "--transform '$bad': exit 2, 'bad transform name' (the server reads the name up to the first '.')"
    else
        not_ok "--transform '$bad': exit 2, 'bad transform name'" "status $status" "$(show "$WORK/name.err")"
    fi
done
for bad in "--connect-timeout -1" "--idle-timeout x" "--max-size 0" "--transform"; do
    # shellcheck disable=SC2086
    run_with_timeout 10 "$CLIENT" $bad 1234 1235 >/dev/null 2>"$WORK/opt.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/opt.err")" -eq 1 ]; then
        ok "'$bad': exit 2 with a one-line error"
    else
        not_ok "'$bad': exit 2 with a one-line error" "status $status" "$(show "$WORK/opt.err")"
    fi
done

REACTOR_BACKEND=kqueue run_with_timeout 10 "$CLIENT" 1234 1235 >"$WORK/kq.out" 2>"$WORK/kq.err"
status=$?
if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/kq.err")" -eq 1 ] && grep -q "REACTOR_BACKEND='kqueue'" "$WORK/kq.err"; then
    ok "REACTOR_BACKEND=kqueue (not in this build): one line naming it, status 2 (cli_new_reactor)"
else
    not_ok "REACTOR_BACKEND=kqueue: one line naming it, status 2" "status $status" "$(show "$WORK/kq.err")"
fi

# ---- Against our transform-server ----
if ! start_process xs "$BIN/transform-server"; then
    not_ok "transform-server starts"
    done_testing
fi
start_poetry_server sonnet "$POETRY/sonnet18.txt" --delay 0.05 --num-bytes 200 || done_testing
start_poetry_server nacht "$POETRY/nachtlied.txt" --delay 0 --num-bytes 1000 || done_testing

# Two poems, the first slower than the second: both transformed, written in argument order.
run_with_timeout 30 "$CLIENT" "127.0.0.1:$xs_PORT" "$sonnet_PORT" "$nacht_PORT" >"$WORK/lower.out" 2>"$WORK/lower.err"
status=$?
{ lower "$POETRY/sonnet18.txt"; lower "$POETRY/nachtlied.txt"; } >"$WORK/lower.want"
if [ $status -eq 0 ] && cmp -s "$WORK/lower.out" "$WORK/lower.want"; then
    ok "the default transform, cummingsify: both poems in lower case (non-ASCII bytes unchanged), in order, exit 0"
else
    not_ok "the default transform, cummingsify: both poems in lower case, in order, exit 0" "status $status" \
        "$(show "$WORK/lower.err")"
fi
got=$(grep -n '^Task 1: got ' "$WORK/lower.err" | cut -d: -f1)
transformed=$(grep -n '^Task 1: transformed [0-9]* bytes with cummingsify$' "$WORK/lower.err" | cut -d: -f1)
if [ -n "$got" ] && [ -n "$transformed" ] && [ "$got" -lt "$transformed" ] && ! grep -q "failed" "$WORK/lower.err" &&
    grep -q '^Got 2 poems in ' "$WORK/lower.err"; then
    ok "progress on stderr: each poem is got, then transformed; no warning"
else
    not_ok "progress on stderr: each poem is got, then transformed; no warning" "$(show "$WORK/lower.err")"
fi

run_with_timeout 30 "$CLIENT" --transform shout "127.0.0.1:$xs_PORT" "$nacht_PORT" >"$WORK/upper.out" 2>"$WORK/upper.err"
status=$?
upper "$POETRY/nachtlied.txt" >"$WORK/upper.want"
if [ $status -eq 0 ] && cmp -s "$WORK/upper.out" "$WORK/upper.want"; then
    ok "--transform shout: the poem in upper case, exit 0"
else
    not_ok "--transform shout: the poem in upper case, exit 0" "status $status" "$(show "$WORK/upper.err")"
fi

# fallback WHAT XFORM_ADDR REASON [OPTIONS...]: the original poems, one warning line per task naming
# REASON, exit 0.
# Every backend this build has gives the same transformed poem.
for backend in select poll epoll; do
    REACTOR_BACKEND=$backend run_with_timeout 30 "$CLIENT" "127.0.0.1:$xs_PORT" "$nacht_PORT" >"$WORK/be.out" \
        2>"$WORK/be.err"
    status=$?
    if [ $status -eq 2 ] && grep -q "REACTOR_BACKEND='$backend'" "$WORK/be.err"; then
        continue # not in this build (epoll outside Linux)
    fi
    if [ $status -eq 0 ] && cmp -s "$WORK/be.out" <(lower "$POETRY/nachtlied.txt"); then
        ok "REACTOR_BACKEND=$backend: the transformed poem"
    else
        not_ok "REACTOR_BACKEND=$backend: the transformed poem" "status $status" "$(show "$WORK/be.err")"
    fi
done

fallback() {
    local what=$1 xform=$2 reason=$3
    shift 3
    run_with_timeout 30 "$CLIENT" "$@" "$xform" "$sonnet_PORT" "$nacht_PORT" >"$WORK/fb.out" 2>"$WORK/fb.err"
    local status=$?
    cat "$POETRY/sonnet18.txt" "$POETRY/nachtlied.txt" >"$WORK/fb.want"
    if [ $status -eq 0 ] && cmp -s "$WORK/fb.out" "$WORK/fb.want" &&
        [ "$(grep -c "^transform-client: task [12]: transform '[a-z]*' failed: .*$reason.*; using the original$" "$WORK/fb.err")" -eq 2 ] &&
        grep -q '^Got 2 poems in ' "$WORK/fb.err"; then
        ok "$what: the original poems, one warning each ('$reason'), exit 0"
    else
        not_ok "$what: the original poems, one warning each ('$reason'), exit 0" "status $status" "$(show "$WORK/fb.err")"
    fi
}
fallback "an unknown transform" "127.0.0.1:$xs_PORT" "closed without a reply" --transform nope
fallback "a transform that fails on the server" "127.0.0.1:$xs_PORT" "closed without a reply" --transform fail
start_badpeer xrefuse refuse || done_testing
fallback "a transformation server that refuses" "$xrefuse_PORT" "Connection refused"
start_badpeer xclose close || done_testing
# It closes while the request is on its way, so the kernel may answer the request with a reset.
fallback "a transformation server that closes at once" "$xclose_PORT" \
    "\(closed without a reply\|Connection reset by peer\|Broken pipe\)"
start_badpeer xreset reset-after 0 || done_testing
fallback "a transformation server that resets" "$xreset_PORT" "Connection reset by peer"
start_badpeer xjunk reset-after 20 || done_testing
fallback "a transformation server that answers junk, then resets" "$xjunk_PORT" "malformed netstring"
start_badpeer xsilent silent || done_testing
fallback "a transformation server that never answers, --idle-timeout 0.5" "$xsilent_PORT" "no byte for 0.5 s" \
    --idle-timeout 0.5

# ---- get-poetry's contract, with a transformation server in front ----
# The contract's cases give poetry servers only: a wrapper puts the transformation server first. The
# refused-and-reset case compares stdout with the original poems, so its transformation server is the
# refusing one: every transform falls back, and the contract holds as it stands.
wrapper() { # wrapper FILE XFORM_ADDR
    printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$BIN/transform-client" "$2" >"$1"
    chmod +x "$1"
}
wrapper "$WORK/tc-refused" "$xrefuse_PORT"
wrapper "$WORK/tc" "127.0.0.1:$xs_PORT"
CLIENT=$WORK/tc-refused
contract_refused_and_reset
CLIENT=$WORK/tc
contract_empty_poem
contract_max_size
CLIENT=$BIN/transform-client

# A refused download is a failed task (exit 1) even when the other one is transformed.
start_badpeer refusing_poetry refuse || done_testing
run_with_timeout 30 "$CLIENT" "127.0.0.1:$xs_PORT" "$refusing_poetry_PORT" "$nacht_PORT" >"$WORK/mixed.out" 2>"$WORK/mixed.err"
status=$?
lower "$POETRY/nachtlied.txt" >"$WORK/mixed.want"
if [ $status -eq 1 ] && cmp -s "$WORK/mixed.out" "$WORK/mixed.want" &&
    grep -q "^transform-client: task 1: 127.0.0.1:$refusing_poetry_PORT: Connection refused$" "$WORK/mixed.err"; then
    ok "a refused download: exit 1, reported as 'task 1: ADDR: Connection refused'; the other poem transformed"
else
    not_ok "a refused download: exit 1; the other poem transformed" "status $status" "$(show "$WORK/mixed.err")"
fi

# Lost stdout: exit 1 with a one-line reason.
run_with_timeout 20 "$CLIENT" "127.0.0.1:$xs_PORT" "$nacht_PORT" >/dev/full 2>"$WORK/full.err"
status=$?
if [ $status -eq 1 ] && grep -q "^transform-client: cannot write to stdout: No space left on device$" "$WORK/full.err"; then
    ok "stdout on a full disk: exit 1 with 'cannot write to stdout: No space left on device'"
else
    not_ok "stdout on a full disk: exit 1 with 'cannot write to stdout'" "status $status" "$(show "$WORK/full.err")"
fi
run_with_timeout 20 "$CLIENT" "127.0.0.1:$xs_PORT" "$nacht_PORT" >&- 2>"$WORK/closed.err"
status=$?
if [ $status -eq 1 ] && grep -q "^transform-client: cannot write to stdout: " "$WORK/closed.err"; then
    ok "stdout closed: exit 1 with 'cannot write to stdout'"
else
    not_ok "stdout closed: exit 1 with 'cannot write to stdout'" "status $status" "$(show "$WORK/closed.err")"
fi

# ---- Against Twisted's transformation server ----
if ! "$PY" -c 'import twisted' 2>/dev/null; then
    skip "against a Twisted transformation server" "needs python3-twisted (and /usr/bin/python3), which is not installed"
    done_testing
fi
if ! start_process twisted "$PY" "$PEERS/transform_server.py"; then
    not_ok "the Twisted transformation server starts"
    done_testing
fi
run_with_timeout 30 "$CLIENT" "127.0.0.1:$twisted_PORT" "$sonnet_PORT" "$nacht_PORT" >"$WORK/tw.out" 2>"$WORK/tw.err"
status=$?
if [ $status -eq 0 ] && cmp -s "$WORK/tw.out" "$WORK/lower.want" && ! grep -q "failed" "$WORK/tw.err"; then
    ok "a Twisted transformation server: cummingsify, both poems, byte for byte as ours"
else
    not_ok "a Twisted transformation server: cummingsify, both poems" "status $status" "$(show "$WORK/tw.err")"
fi
run_with_timeout 30 "$CLIENT" --transform shout "127.0.0.1:$twisted_PORT" "$nacht_PORT" >"$WORK/twu.out" 2>"$WORK/twu.err"
status=$?
if [ $status -eq 0 ] && cmp -s "$WORK/twu.out" "$WORK/upper.want"; then
    ok "a Twisted transformation server: shout"
else
    not_ok "a Twisted transformation server: shout" "status $status" "$(show "$WORK/twu.err")"
fi
fallback "a Twisted transformation server, an unknown transform" "127.0.0.1:$twisted_PORT" "closed without a reply" \
    --transform nope
fallback "a Twisted transformation server, a transform that fails" "127.0.0.1:$twisted_PORT" "closed without a reply" \
    --transform fail

done_testing
