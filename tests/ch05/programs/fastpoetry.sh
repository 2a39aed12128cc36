# Chapter 5's fast poetry server: the whole poem at once to every client, many clients at a time, with
# the same command line rules as slowpoetry (less --delay and --num-bytes).
. "$ROOT/tests/support/lib.sh"
SERVER="$BIN/fastpoetry"

if "$SERVER" --help >"$WORK/help.out" 2>&1 && grep -q '^usage: fastpoetry' "$WORK/help.out"; then
    ok "--help prints usage to stdout and exits 0"
else
    not_ok "--help prints usage to stdout and exits 0" "$(show "$WORK/help.out")"
fi

# expect_usage_error WHAT PATTERN ARGS...: exit status 2 and one stderr line matching PATTERN.
expect_usage_error() {
    local what=$1 pattern=$2
    shift 2
    run_with_timeout 10 "$SERVER" "$@" >"$WORK/bad.out" 2>"$WORK/bad.err"
    local status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] && grep -q -- "$pattern" "$WORK/bad.err" &&
        [ ! -s "$WORK/bad.out" ]; then
        ok "$what: exit 2 with a one-line error"
    else
        not_ok "$what: exit 2 with a one-line error" "status $status, stderr:" "$(show "$WORK/bad.err")"
    fi
}
expect_usage_error "no poem" "no poem" --port 0
expect_usage_error "missing poem file" "no-such-poem.txt" "$WORK/no-such-poem.txt"
expect_usage_error "unknown option" "'--delay'" --delay 1 "$POETRY/tyger.txt"
expect_usage_error "port out of range" "70000" --port 70000 "$POETRY/tyger.txt"
expect_usage_error "bad interface" "interface" --iface localhost "$POETRY/tyger.txt"
expect_usage_error "two poems" "one poem only" "$POETRY/tyger.txt" "$POETRY/hope.txt"
expect_usage_error "option without its value" "needs a value" "$POETRY/tyger.txt" --port

# fetch_concurrently PORT N PREFIX: N clients at once; each one's bytes in $WORK/PREFIXn.got.
fetch_concurrently() {
    local port=$1 count=$2 prefix=$3 n pids=()
    for n in $(seq 1 "$count"); do
        run_with_timeout 30 bash -c "cat </dev/tcp/127.0.0.1/$port" >"$WORK/$prefix$n.got" &
        pids+=($!)
    done
    wait "${pids[@]}"
}

# count_exact FILE N PREFIX: how many of the N fetches are FILE byte for byte.
count_exact() {
    local file=$1 count=$2 prefix=$3 n exact=0
    for n in $(seq 1 "$count"); do cmp -s "$WORK/$prefix$n.got" "$file" && exact=$((exact + 1)); done
    echo $exact
}

if start_process fast "$SERVER" --port 0 "$POETRY/nachtlied.txt"; then
    if grep -qx "Serving $POETRY/nachtlied.txt on port [1-9][0-9]*\." "$WORK/fast.out"; then
        ok "first line is 'Serving POEM on port PORT.' with the port the kernel chose"
    else
        not_ok "first line is 'Serving POEM on port PORT.'" "$(show "$WORK/fast.out")"
    fi
    fetch_concurrently "$fast_PORT" 5 small
    exact=$(count_exact "$POETRY/nachtlied.txt" 5 small)
    if [ "$exact" -eq 5 ]; then
        ok "five clients at once each get the poem's exact bytes (UTF-8 unchanged)"
    else
        not_ok "five clients at once each get the poem's exact bytes" "$exact of 5 exact" "$(show "$WORK/fast.err")"
    fi
    if [ "$(grep -c "^Sending $(wc -c <"$POETRY/nachtlied.txt") bytes of poetry to 127.0.0.1:" "$WORK/fast.err")" -eq 5 ]; then
        ok "the server reports each client it serves"
    else
        not_ok "the server reports each client it serves" "$(show "$WORK/fast.err")"
    fi

    # A port in use is a clear error naming the address.
    run_with_timeout 10 "$SERVER" --port "$fast_PORT" "$POETRY/tyger.txt" >"$WORK/dup.out" 2>"$WORK/dup.err"
    status=$?
    if [ $status -eq 1 ] && grep -qx "fastpoetry: cannot listen on 127.0.0.1:$fast_PORT: Address already in use" "$WORK/dup.err"; then
        ok "a port in use: exit 1 with 'cannot listen on ADDR: Address already in use'"
    else
        not_ok "a port in use: exit 1 with 'cannot listen on ADDR: why'" "status $status" "$(show "$WORK/dup.err")"
    fi
else
    not_ok "the server starts on port 0"
fi

# A poem far larger than the socket buffers: the transport queues it and sends it as each socket drains,
# to several clients at once, every byte in order.
awk 'BEGIN { for (i = 0; i < 60000; i++) printf "line %d of a very long poem, with ünïcödé in it\n", i }' >"$WORK/long.txt"
if start_process long "$SERVER" "$WORK/long.txt"; then
    fetch_concurrently "$long_PORT" 4 long
    exact=$(count_exact "$WORK/long.txt" 4 long)
    if [ "$exact" -eq 4 ]; then
        ok "a $(wc -c <"$WORK/long.txt")-byte poem reaches four clients at once, byte for byte"
    else
        not_ok "a long poem reaches four clients at once, byte for byte" "$exact of 4 exact" "$(show "$WORK/long.err")"
    fi
    # A client that leaves at once does not stop the server.
    run_with_timeout 10 bash -c "exec 3</dev/tcp/127.0.0.1/$long_PORT; head -c 10 <&3 >/dev/null; exec 3<&-"
    fetch_concurrently "$long_PORT" 1 again
    if kill -0 "$long_PID" 2>/dev/null && cmp -s "$WORK/again1.got" "$WORK/long.txt"; then
        ok "a client that leaves early does not stop the server"
    else
        not_ok "a client that leaves early does not stop the server" "$(show "$WORK/long.err")"
    fi
fi

# --iface: listening on another loopback address serves there.
if start_process iface "$SERVER" --iface 127.0.0.2 "$POETRY/hope.txt"; then
    run_with_timeout 10 bash -c "cat </dev/tcp/127.0.0.2/$iface_PORT" >"$WORK/iface.got"
    if cmp -s "$WORK/iface.got" "$POETRY/hope.txt"; then
        ok "--iface 127.0.0.2 serves on that address"
    else
        not_ok "--iface 127.0.0.2 serves on that address" "$(show "$WORK/iface.err")"
    fi
else
    ok "# SKIP this system cannot bind 127.0.0.2"
fi

done_testing
