# Chapter 9's names: get-poetry takes host names (resolved in the thread pool) and IPv6 literals in
# brackets, tries every address a name has in turn, and the servers listen on IPv6 (--iface ::1).
# Chapter 5's client contract changes only where names are concerned: foo:1 is a download whose name does
# not resolve (exit 1), while what looks numeric must still be a whole dotted quad (1.2.3:80 exits 2).
# Names come from hosts files of the test's own (RESOLVER_HOSTS_FILE) or from /etc/hosts (localhost),
# never from the network's DNS. Checks that need ::1 are skipped where the host has no IPv6 loopback.
. "$ROOT/tests/support/lib.sh"
CLIENT=$BIN/get-poetry
POEM=$POETRY/sonnet18.txt
OTHER=$POETRY/hope.txt

# Is there an IPv6 loopback? A server of ours that cannot listen on ::1 says so and exits.
have_ipv6=0
if start_process probe6 "$BIN/fastpoetry" --port 0 --iface ::1 "$POEM"; then
    have_ipv6=1
    kill "$probe6_PID" 2>/dev/null
fi
no_ipv6="the host has no IPv6 loopback (::1): $(head -c 200 "$WORK/probe6.err")"

start_poetry_server v4 "$POEM" --delay 0 --num-bytes 1000 || done_testing
start_poetry_server other "$OTHER" --delay 0 --num-bytes 1000 || done_testing

# names FILE TEXT: a hosts file for RESOLVER_HOSTS_FILE.
hosts() { printf '%s' "$2" >"$WORK/$1"; }

# ---- localhost, whichever family comes first ----

# The system's resolver on localhost (/etc/hosts has it, so no name server is asked): the poem arrives
# whether localhost gives ::1 or 127.0.0.1 first, though the server listens on 127.0.0.1 only.
run_with_timeout 30 "$CLIENT" "localhost:$v4_PORT" >"$WORK/localhost.out" 2>"$WORK/localhost.err"
status=$?
if [ $status -eq 0 ] && cmp -s "$WORK/localhost.out" "$POEM" &&
    grep -q "^Task 1: got $(wc -c <"$POEM") bytes of poetry from localhost:$v4_PORT in " "$WORK/localhost.err"; then
    ok "localhost:PORT (getaddrinfo, /etc/hosts) reaches a server on 127.0.0.1"
else
    not_ok "localhost:PORT (getaddrinfo, /etc/hosts) reaches a server on 127.0.0.1" "status $status" \
        "$(show "$WORK/localhost.err")"
fi

# ::1 first, the server on 127.0.0.1 only: the first address fails, the second answers.
hosts v6first $'::1 both.test\n127.0.0.1 both.test\n'
RESOLVER_HOSTS_FILE=$WORK/v6first run_with_timeout 30 "$CLIENT" "both.test:$v4_PORT" >"$WORK/v6first.out" \
    2>"$WORK/v6first.err"
status=$?
if [ $status -eq 0 ] && cmp -s "$WORK/v6first.out" "$POEM" &&
    grep -q "^Task 1: \[::1\]:$v4_PORT: .*; trying 127.0.0.1:$v4_PORT$" "$WORK/v6first.err"; then
    ok "a name whose first address (::1) fails: the next (127.0.0.1) is tried, and the poem arrives"
else
    not_ok "a name whose first address (::1) fails: the next (127.0.0.1) is tried" "status $status" \
        "$(show "$WORK/v6first.err")"
fi

# ---- IPv6 ----

if [ $have_ipv6 = 1 ]; then
    start_process v6 "$BIN/slowpoetry" --port 0 --iface ::1 --delay 0 --num-bytes 1000 "$OTHER" || done_testing
    run_with_timeout 30 "$CLIENT" "[::1]:$v6_PORT" >"$WORK/v6client.out" 2>"$WORK/v6client.err"
    status=$?
    if [ $status -eq 0 ] && cmp -s "$WORK/v6client.out" "$OTHER" &&
        grep -q "^Task 1: got $(wc -c <"$OTHER") bytes of poetry from \[::1\]:$v6_PORT in " "$WORK/v6client.err"; then
        ok "[::1]:PORT against slowpoetry --iface ::1: the poem arrives, the address printed [::1]:PORT"
    else
        not_ok "[::1]:PORT against slowpoetry --iface ::1" "status $status" "$(show "$WORK/v6client.err")"
    fi
    if grep -qE "^Sending $(wc -c <"$OTHER") bytes of poetry to \[::1\]:[0-9]+$" "$WORK/v6.err"; then
        ok "slowpoetry prints its IPv6 client as [::1]:PORT"
    else
        not_ok "slowpoetry prints its IPv6 client as [::1]:PORT" "$(show "$WORK/v6.err")"
    fi
    # 127.0.0.1 first, the server on ::1 only.
    hosts v4first $'127.0.0.1 both.test\n::1 both.test\n'
    RESOLVER_HOSTS_FILE=$WORK/v4first run_with_timeout 30 "$CLIENT" "both.test:$v6_PORT" >"$WORK/v4first.out" \
        2>"$WORK/v4first.err"
    status=$?
    if [ $status -eq 0 ] && cmp -s "$WORK/v4first.out" "$OTHER" &&
        grep -q "^Task 1: 127.0.0.1:$v6_PORT: Connection refused; trying \[::1\]:$v6_PORT$" "$WORK/v4first.err"; then
        ok "a name whose first address (127.0.0.1) refuses: [::1] is tried, and the poem arrives"
    else
        not_ok "a name whose first address (127.0.0.1) refuses: [::1] is tried" "status $status" \
            "$(show "$WORK/v4first.err")"
    fi
    start_process fast6 "$BIN/fastpoetry" --port 0 --iface ::1 "$POEM" || done_testing
    run_with_timeout 30 "$CLIENT" "[::1]:$fast6_PORT" "$other_PORT" >"$WORK/fast6client.out" 2>"$WORK/fast6client.err"
    status=$?
    cat "$POEM" "$OTHER" >"$WORK/fast6client.expected"
    if [ $status -eq 0 ] && cmp -s "$WORK/fast6client.out" "$WORK/fast6client.expected"; then
        ok "fastpoetry --iface ::1 serves [::1]:PORT, beside an IPv4 download"
    else
        not_ok "fastpoetry --iface ::1 serves [::1]:PORT, beside an IPv4 download" "status $status" \
            "$(show "$WORK/fast6client.err")"
    fi
    if start_process transform6 "$BIN/transform-server" --port 0 --iface '[::1]' &&
        grep -qx "Serving transforms on port $transform6_PORT." "$WORK/transform6.out"; then
        ok "transform-server --iface [::1] listens"
    else
        not_ok "transform-server --iface [::1] listens" "$(show "$WORK/transform6.err")"
    fi
else
    for what in "[::1]:PORT against slowpoetry --iface ::1" "a name whose first address (127.0.0.1) refuses" \
        "fastpoetry --iface ::1" "transform-server --iface [::1]"; do
        skip "$what" "$no_ipv6"
    done
fi

# ---- names that do not resolve ----

hosts only $'127.0.0.1 poetry.test\n'
export RESOLVER_HOSTS_FILE=$WORK/only
started=$(now)
run_with_timeout 30 "$CLIENT" "poetry.test:$v4_PORT" "nonexistent.invalid:$v4_PORT" "foo:1" "$other_PORT" \
    >"$WORK/unresolved.out" 2>"$WORK/unresolved.err"
status=$?
took=$(elapsed_since "$started")
cat "$POEM" "$OTHER" >"$WORK/unresolved.expected"
if [ $status -eq 1 ] && cmp -s "$WORK/unresolved.out" "$WORK/unresolved.expected"; then
    ok "names that do not resolve fail their downloads only: exit 1, the other poems arrive in order"
else
    not_ok "names that do not resolve fail their downloads only: exit 1, the other poems arrive" "status $status" \
        "$(show "$WORK/unresolved.err")"
fi
if grep -qx "get-poetry: task 2: nonexistent.invalid:$v4_PORT: no such host name" "$WORK/unresolved.err" &&
    grep -qx "get-poetry: task 3: foo:1: no such host name" "$WORK/unresolved.err" &&
    [ "$(grep -c '^get-poetry: ' "$WORK/unresolved.err")" -eq 2 ]; then
    ok "each is one line: 'task N: HOST:PORT: no such host name'"
else
    not_ok "each is one line: 'task N: HOST:PORT: no such host name'" "$(show "$WORK/unresolved.err")"
fi
if grep -q '^Got 2 poems in ' "$WORK/unresolved.err" && less_than "$took" 10; then
    ok "the summary counts them as failed, and nothing waited on a name server (${took}s)"
else
    not_ok "the summary counts them as failed, and nothing waited on a name server" "took ${took}s" \
        "$(show "$WORK/unresolved.err")"
fi
RESOLVER_HOSTS_FILE=$WORK/missing run_with_timeout 30 "$CLIENT" "poetry.test:$v4_PORT" >/dev/null 2>"$WORK/nofile.err"
status=$?
if [ $status -eq 1 ] && grep -qx "get-poetry: task 1: poetry.test:$v4_PORT: cannot read the hosts file" "$WORK/nofile.err"; then
    ok "a hosts file that cannot be read fails the download, saying so"
else
    not_ok "a hosts file that cannot be read fails the download, saying so" "status $status" "$(show "$WORK/nofile.err")"
fi

# A lookup that blocks (its hosts file is a FIFO no one writes yet: open() waits) blocks a thread of the
# pool, not the loop: the other download goes on and finishes, and --timeout gives the blocked one up.
# The pool's stop waits for the blocked lookup at shutdown (thread_pool.h), so the test then lets it go.
rm -f "$WORK/fifo" && mkfifo "$WORK/fifo"
RESOLVER_HOSTS_FILE=$WORK/fifo run_with_timeout 30 "$CLIENT" --timeout 1 "blocked.test:$v4_PORT" "$other_PORT" \
    >"$WORK/blocked.out" 2>"$WORK/blocked.err" &
client_pid=$!
background_pids+=("$client_pid")
tries=0
until { grep -q "task 1: .*timed out" "$WORK/blocked.err" && grep -q "^Task 2: got " "$WORK/blocked.err"; } 2>/dev/null ||
    [ $tries -ge 200 ]; do
    sleep 0.05
    tries=$((tries + 1))
done
before_release=$(cat "$WORK/blocked.err") # what happened while the lookup was still blocked
printf '127.0.0.1 blocked.test\n' >"$WORK/fifo" & # lets the lookup finish (its answer goes to no one)
background_pids+=("$!")
wait "$client_pid"
status=$?
if [ $status -eq 1 ] && cmp -s "$WORK/blocked.out" "$OTHER" &&
    grep -qx "get-poetry: task 1: blocked.test:$v4_PORT: timed out after 1 s" <<<"$before_release" &&
    grep -q "^Task 2: got $(wc -c <"$OTHER") bytes" <<<"$before_release"; then
    ok "a lookup that blocks holds up a pool thread, not the loop: the other poem arrives, --timeout ends it"
else
    not_ok "a lookup that blocks holds up a pool thread, not the loop" "status $status" "$(show "$WORK/blocked.err")"
fi

# ---- what is refused before anything starts: exit 2, one line naming it ----

for bad in "1.2.3:$v4_PORT" "127.1:$v4_PORT" "0x7f000001:$v4_PORT" "[::1]" "[::1]:0" "::1:$v4_PORT" \
    "[localhost]:$v4_PORT" "[::1]:65536" "localhost:65536" "a..b:$v4_PORT" "a-:$v4_PORT" "caf"$'\xc3\xa9'":$v4_PORT"; do
    run_with_timeout 10 "$CLIENT" "$v4_PORT" "$bad" >"$WORK/bad.out" 2>"$WORK/bad.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] && grep -qF "bad address '$bad'" "$WORK/bad.err" &&
        [ ! -s "$WORK/bad.out" ]; then
        ok "'$bad': exit 2 with one line naming it, nothing downloaded"
    else
        not_ok "'$bad': exit 2 with one line naming it" "status $status" "$(show "$WORK/bad.err")"
    fi
done
"$CLIENT" --help >"$WORK/help.out"
if grep -q '\[::1\]:PORT' "$WORK/help.out" && grep -q 'host name' "$WORK/help.out"; then
    ok "--help tells of host names and [::1]:PORT"
else
    not_ok "--help tells of host names and [::1]:PORT" "$(show "$WORK/help.out")"
fi

for server in slowpoetry fastpoetry; do
    for bad in 1.2.3 localhost '::1::2' '[::1' '[::1]:80'; do
        run_with_timeout 10 "$BIN/$server" --iface "$bad" "$POEM" >"$WORK/iface.out" 2>"$WORK/iface.err"
        status=$?
        if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/iface.err")" -eq 1 ] &&
            grep -qF "$server: bad interface '$bad'" "$WORK/iface.err"; then
            ok "$server --iface '$bad': exit 2, 'bad interface'"
        else
            not_ok "$server --iface '$bad': exit 2, 'bad interface'" "status $status" "$(show "$WORK/iface.err")"
        fi
    done
    if "$BIN/$server" --help | grep -q 'IPv4 or IPv6 address'; then
        ok "$server --help says --iface takes IPv6 too"
    else
        not_ok "$server --help says --iface takes IPv6 too"
    fi
done

done_testing
