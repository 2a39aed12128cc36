# Exercise ch05/multi-poem-server (krondo part 11): one server process serves several poems, each on a
# port of its own that the kernel picks. It prints one "Serving POEM on port PORT." line per poem, in
# argument order, and each port serves its own poem, to many clients at once. Every poem file is read
# before any port opens: a missing one is a usage error that names it. The poems are fetched with the
# chapter's own get-poetry and with bash's /dev/tcp.
. "$ROOT/tests/support/lib.sh"

build_exercise multipoetry multipoetry.c
SERVER="$WORK/multipoetry"
NAME=multipoetry

if "$SERVER" --help >"$WORK/help.out" 2>"$WORK/help.err" && grep -q "^usage: $NAME" "$WORK/help.out"; then
    ok "--help prints usage to stdout and exits 0"
else
    not_ok "--help prints usage to stdout and exits 0" "$(show "$WORK/help.out")" \
        "hint: the starter already did this; did an edit move the --help check?"
fi

# expect_usage_error WHAT PATTERN ARGS...: exit status 2, one stderr line matching PATTERN, no stdout.
expect_usage_error() {
    local what=$1 pattern=$2
    shift 2
    run_with_timeout 10 "$SERVER" "$@" >"$WORK/bad.out" 2>"$WORK/bad.err"
    local status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] && grep -q -- "$pattern" "$WORK/bad.err" &&
        [ ! -s "$WORK/bad.out" ]; then
        ok "$what: exit 2 with a one-line error, nothing on stdout"
    else
        not_ok "$what: exit 2 with a one-line error, nothing on stdout" "status $status, stderr:" "$(show "$WORK/bad.err")" \
            "stdout:" "$(show "$WORK/bad.out")" \
            "hint: every poem is read before any port opens, and a bad command line is exit 2 (the starter did this)"
    fi
}
expect_usage_error "no poem" "no poem"
expect_usage_error "an unknown option" "unknown option '--frobnicate'" --frobnicate "$POETRY/tyger.txt"
expect_usage_error "a missing poem file among good ones" "'$WORK/no-such-poem.txt'" \
    "$POETRY/tyger.txt" "$WORK/no-such-poem.txt" "$POETRY/hope.txt"
expect_usage_error "a bad interface" "interface" --iface localhost "$POETRY/tyger.txt"

# start_multi NAME N ARGS...: starts the server in the background and waits (up to 5 s) for N lines on
# its stdout. Sets NAME_PID; the lines are in $WORK/NAME.out. Returns 1 if fewer came.
start_multi() {
    local name=$1 lines=$2 tries=0 pid
    shift 2
    : >"$WORK/$name.out" # so that it exists before the server has even started
    "$SERVER" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    pid=$!
    background_pids+=("$pid")
    printf -v "${name}_PID" '%s' "$pid"
    while [ $tries -lt 100 ]; do
        [ "$(wc -l <"$WORK/$name.out")" -ge "$lines" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
        tries=$((tries + 1))
    done
    return 1
}
# port_of NAME N: the port on line N of NAME's stdout, if that line is "Serving ... on port PORT.".
port_of() { sed -n "${2}s/^Serving .* on port \([1-9][0-9]*\)\.\$/\1/p" "$WORK/$1.out"; }

poems=("$POETRY/tyger.txt" "$POETRY/hope.txt" "$POETRY/nachtlied.txt")
start_multi three 3 "${poems[@]}"
ports=()
lines_ok=1
for n in 1 2 3; do
    ports+=("$(port_of three $n)")
    [ "$(sed -n "${n}p" "$WORK/three.out")" = "Serving ${poems[n - 1]} on port ${ports[n - 1]}." ] &&
        [ -n "${ports[n - 1]}" ] || lines_ok=0
done
if [ $lines_ok = 1 ]; then
    ok "three poems: three lines 'Serving POEM on port PORT.', in argument order, as soon as it starts"
else
    not_ok "three poems: three lines 'Serving POEM on port PORT.', in argument order, as soon as it starts" \
        "stdout after 5 s:" "$(show "$WORK/three.out")" "stderr:" "$(show "$WORK/three.err")" \
        "hint: one port per poem, and one line per port, in the order the poems were given; then flush stdout"
fi
if [ -n "${ports[0]}" ] && [ -n "${ports[1]}" ] && [ -n "${ports[2]}" ] &&
    [ "$(printf '%s\n' "${ports[@]}" | sort -u | wc -l)" -eq 3 ]; then
    ok "three different ports"
else
    not_ok "three different ports" "ports read from stdout: '${ports[*]}'" \
        "hint: listen with port 0 once per poem, and ask each listening port which number it got"
fi

# Each port serves its own poem, fetched with the chapter's client.
for n in 1 2 3; do
    poem=${poems[n - 1]}
    port=${ports[n - 1]}
    what="port $n serves $(basename "$poem"), byte for byte"
    if [ -z "$port" ]; then
        not_ok "$what" "no port on line $n of stdout" "hint: one line per poem, in argument order"
        continue
    fi
    run_with_timeout 10 "$BIN/get-poetry" "$port" >"$WORK/fetch$n.out" 2>"$WORK/fetch$n.err"
    status=$?
    if [ $status -eq 0 ] && cmp -s "$WORK/fetch$n.out" "$poem"; then
        ok "$what"
    else
        not_ok "$what" "get-poetry: status $status, $(wc -c <"$WORK/fetch$n.out") bytes; the poem has $(wc -c <"$poem")" \
            "$(show "$WORK/fetch$n.err")" \
            "hint: a client of a port must get that port's poem; what does its protocol know about the port it came to?"
    fi
done

# All the ports at once, twice over, with one client: the poems come back in argument order.
if [ ${#ports[@]} -eq 3 ] && [ -n "${ports[2]}" ]; then
    run_with_timeout 10 "$BIN/get-poetry" "${ports[@]}" "${ports[@]}" >"$WORK/all.out" 2>"$WORK/all.err"
    status=$?
    cat "${poems[@]}" "${poems[@]}" >"$WORK/all.expected"
else
    status=-1
fi
if [ $status -eq 0 ] && cmp -s "$WORK/all.out" "$WORK/all.expected"; then
    ok "six downloads at once, two from each port: each gets its port's poem"
else
    not_ok "six downloads at once, two from each port: each gets its port's poem" "get-poetry: status $status" \
        "$(show "$WORK/all.err")" "hint: make the cases above pass first"
fi

# Many raw clients at once across the ports, and the server still serves after them all.
pids=()
for n in 1 2 3 4 5 6; do
    i=$(((n - 1) % 3))
    run_with_timeout 10 bash -c 'cat <"/dev/tcp/127.0.0.1/$1"' _ "${ports[i]:-1}" >"$WORK/raw$n.got" 2>/dev/null &
    pids+=($!)
done
wait "${pids[@]}"
exact=0
for n in 1 2 3 4 5 6; do cmp -s "$WORK/raw$n.got" "${poems[(n - 1) % 3]}" && exact=$((exact + 1)); done
if [ $exact -eq 6 ] && kill -0 "$three_PID" 2>/dev/null; then
    ok "six raw clients at once across the three ports each get their port's poem; the server runs on"
else
    not_ok "six raw clients at once across the three ports each get their port's poem; the server runs on" \
        "$exact of 6 exact" "$(tail -n 10 "$WORK/three.err")" "hint: make the cases above pass first"
fi

# --iface: every port listens on that address.
if start_multi iface 2 --iface 127.0.0.2 "$POETRY/ozymandias.txt" "$POETRY/sonnet18.txt"; then
    for n in 1 2; do
        run_with_timeout 10 bash -c 'cat <"/dev/tcp/127.0.0.2/$1"' _ "$(port_of iface $n)" >"$WORK/iface$n.got" 2>/dev/null
    done
    if cmp -s "$WORK/iface1.got" "$POETRY/ozymandias.txt" && cmp -s "$WORK/iface2.got" "$POETRY/sonnet18.txt"; then
        ok "--iface 127.0.0.2: every poem is served on that address"
    else
        not_ok "--iface 127.0.0.2: every poem is served on that address" "$(show "$WORK/iface.err")" \
            "hint: every port listens on the address --iface gives"
    fi
elif grep -q "cannot listen" "$WORK/iface.err" 2>/dev/null; then
    ok "# SKIP this system cannot bind 127.0.0.2"
else
    not_ok "--iface 127.0.0.2: every poem is served on that address" "stdout after 5 s:" "$(show "$WORK/iface.out")" \
        "$(show "$WORK/iface.err")" "hint: two poems, two ports, two lines"
fi

done_testing
