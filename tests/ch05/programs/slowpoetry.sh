# Chapter 5's slow poetry server, rebuilt on the reactor: chapter 1's command line, first line, bytes and
# resilience, unchanged; plus what the reactor brings: many clients at once, each on its own pace, and
# a client that leaves early disturbs nobody else.
. "$ROOT/tests/support/lib.sh"

# --help
if "$BIN/slowpoetry" --help >"$WORK/help.out" 2>&1 && grep -q '^usage: slowpoetry' "$WORK/help.out"; then
    ok "--help prints usage to stdout and exits 0"
else
    not_ok "--help prints usage to stdout and exits 0" "$(show "$WORK/help.out")"
fi

# expect_usage_error WHAT PATTERN ARGS...: exit status 2 and one stderr line matching PATTERN.
expect_usage_error() {
    local what=$1 pattern=$2
    shift 2
    run_with_timeout 10 "$BIN/slowpoetry" "$@" >"$WORK/bad.out" 2>"$WORK/bad.err"
    local status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] && grep -q -- "$pattern" "$WORK/bad.err"; then
        ok "$what: exit 2 with a one-line error"
    else
        not_ok "$what: exit 2 with a one-line error" "status $status, stderr:" "$(show "$WORK/bad.err")"
    fi
}
expect_usage_error "no poem" "no poem" --port 0
expect_usage_error "missing poem file" "no-such-poem.txt" "$WORK/no-such-poem.txt"
expect_usage_error "unknown option" "'--fast'" --fast "$POETRY/tyger.txt"
expect_usage_error "port out of range" "70000" --port 70000 "$POETRY/tyger.txt"
expect_usage_error "negative delay" "delay" --delay -1 "$POETRY/tyger.txt"
expect_usage_error "zero bytes per send" "byte count" --num-bytes 0 "$POETRY/tyger.txt"
expect_usage_error "bad interface" "interface" --iface localhost "$POETRY/tyger.txt"
expect_usage_error "option without its value" "needs a value" "$POETRY/tyger.txt" --delay

# The first line names the poem as given and a real port.
if start_poetry_server fast "$POETRY/tyger.txt" --delay 0.01 --num-bytes 64; then
    if grep -qx "Serving $POETRY/tyger.txt on port [1-9][0-9]*\." "$WORK/fast.out"; then
        ok "first line is 'Serving POEM on port PORT.' with the port the kernel chose"
    else
        not_ok "first line is 'Serving POEM on port PORT.'" "$(show "$WORK/fast.out")"
    fi
    # Bytes, not text: what arrives is the file, byte for byte.
    run_with_timeout 20 bash -c "cat </dev/tcp/127.0.0.1/$fast_PORT" >"$WORK/tyger.got"
    if cmp -s "$WORK/tyger.got" "$POETRY/tyger.txt"; then
        ok "a client receives the poem's exact bytes"
    else
        not_ok "a client receives the poem's exact bytes" "got $(wc -c <"$WORK/tyger.got") bytes"
    fi
else
    not_ok "the server starts on port 0"
fi

# The non-ASCII poem passes unchanged, in slices that cut its multi-byte characters in two.
if start_poetry_server german "$POETRY/nachtlied.txt" --delay 0 --num-bytes 3; then
    run_with_timeout 20 bash -c "cat </dev/tcp/127.0.0.1/$german_PORT" >"$WORK/nachtlied.got"
    if cmp -s "$WORK/nachtlied.got" "$POETRY/nachtlied.txt"; then
        ok "UTF-8 bytes pass unchanged even when a slice splits a character"
    else
        not_ok "UTF-8 bytes pass unchanged" "$(cmp "$WORK/nachtlied.got" "$POETRY/nachtlied.txt" 2>&1)"
    fi
fi

# A client that leaves early costs the server nothing: the next client still gets the whole poem.
if start_poetry_server slow "$POETRY/ozymandias.txt" --delay 0.02 --num-bytes 5; then
    run_with_timeout 10 bash -c "exec 3</dev/tcp/127.0.0.1/$slow_PORT; head -c 5 <&3 >/dev/null; exec 3<&-"
    run_with_timeout 30 bash -c "cat </dev/tcp/127.0.0.1/$slow_PORT" >"$WORK/ozy.got"
    if kill -0 "$slow_PID" 2>/dev/null && cmp -s "$WORK/ozy.got" "$POETRY/ozymandias.txt"; then
        ok "a client leaving early does not stop the server"
    else
        not_ok "a client leaving early does not stop the server" "server stderr:" "$(show "$WORK/slow.err")"
    fi
    if grep -q "left early" "$WORK/slow.err"; then
        ok "the server reports the client that left early"
    else
        not_ok "the server reports the client that left early" "$(show "$WORK/slow.err")"
    fi

    # A port in use is a clear error, not a silent second server.
    run_with_timeout 10 "$BIN/slowpoetry" --port "$slow_PORT" "$POETRY/tyger.txt" >"$WORK/dup.out" 2>"$WORK/dup.err"
    status=$?
    if [ $status -eq 1 ] && grep -qx "slowpoetry: cannot listen on 127.0.0.1:$slow_PORT: Address already in use" "$WORK/dup.err" &&
        [ ! -s "$WORK/dup.out" ]; then
        ok "a port in use: exit 1 with 'cannot listen on ADDR: Address already in use'"
    else
        not_ok "a port in use: exit 1 with 'cannot listen on ADDR: why'" "status $status" "$(show "$WORK/dup.err")"
    fi
fi

# ---- many clients at once ----

# Three clients at once each get the whole poem, and together they take about one poem's time, not
# three: the sleeps guarantee (slices - 1) * delay for one poem; the upper bound is twice that.
delay=0.15
if start_poetry_server many "$POETRY/ozymandias.txt" --delay $delay --num-bytes 100; then
    one=$(awk -v size="$(wc -c <"$POETRY/ozymandias.txt")" -v d=$delay 'BEGIN { print (int((size + 99) / 100) - 1) * d }')
    started=$(now)
    pids=()
    for n in 1 2 3; do
        run_with_timeout 30 bash -c "cat </dev/tcp/127.0.0.1/$many_PORT" >"$WORK/many$n.got" &
        pids+=($!)
    done
    wait "${pids[@]}"
    took=$(elapsed_since "$started")
    whole=0
    for n in 1 2 3; do cmp -s "$WORK/many$n.got" "$POETRY/ozymandias.txt" && whole=$((whole + 1)); done
    if [ $whole -eq 3 ]; then
        ok "three clients at once each get the whole poem"
    else
        not_ok "three clients at once each get the whole poem" "only $whole of 3 were whole" "$(show "$WORK/many.err")"
    fi
    if ! less_than "$took" "$one" && less_than "$took" "$(awk -v s="$one" 'BEGIN { print 2 * s }')"; then
        ok "three clients take about one poem's time, not three (${took}s; one >= ${one}s)"
    else
        not_ok "three clients take about one poem's time, not three" "took ${took}s; one poem >= ${one}s"
    fi
    if [ "$(grep -c '^Sending ' "$WORK/many.err")" -eq 3 ]; then
        ok "the server reports each client it serves"
    else
        not_ok "the server reports each client it serves" "$(show "$WORK/many.err")"
    fi

    # A client that leaves early, while two others are being served, disturbs neither: they get the
    # whole poem, the server reports the one that left and keeps serving.
    pids=()
    for n in 1 2; do
        run_with_timeout 30 bash -c "cat </dev/tcp/127.0.0.1/$many_PORT" >"$WORK/stay$n.got" &
        pids+=($!)
    done
    run_with_timeout 10 bash -c "exec 3</dev/tcp/127.0.0.1/$many_PORT; head -c 50 <&3 >/dev/null; exec 3<&-"
    wait "${pids[@]}"
    if cmp -s "$WORK/stay1.got" "$POETRY/ozymandias.txt" && cmp -s "$WORK/stay2.got" "$POETRY/ozymandias.txt"; then
        ok "a client leaving early does not disturb the others being served"
    else
        not_ok "a client leaving early does not disturb the others" "$(show "$WORK/many.err")"
    fi
    if grep -q "left early, after [0-9]* of $(wc -c <"$POETRY/ozymandias.txt") bytes" "$WORK/many.err" &&
        kill -0 "$many_PID" 2>/dev/null; then
        ok "the server reports the client that left early, with how far it got, and keeps running"
    else
        not_ok "the server reports the client that left early, and keeps running" "$(show "$WORK/many.err")"
    fi
    run_with_timeout 20 bash -c "cat </dev/tcp/127.0.0.1/$many_PORT" >"$WORK/after.got"
    if cmp -s "$WORK/after.got" "$POETRY/ozymandias.txt"; then
        ok "after all that, the next client still gets the whole poem"
    else
        not_ok "after all that, the next client still gets the whole poem" "$(show "$WORK/many.err")"
    fi
else
    not_ok "the server starts on port 0 for the concurrency cases"
fi

# An empty poem is served as an empty poem: the connection closes at once.
: >"$WORK/empty.txt"
if start_poetry_server empty "$WORK/empty.txt" --delay 0.5; then
    run_with_timeout 10 bash -c "cat </dev/tcp/127.0.0.1/$empty_PORT" >"$WORK/empty.got"
    status=$?
    if [ $status -eq 0 ] && [ ! -s "$WORK/empty.got" ]; then
        ok "an empty poem: the client gets 0 bytes and a clean close"
    else
        not_ok "an empty poem: the client gets 0 bytes and a clean close" "status $status"
    fi
fi

done_testing
