#!/usr/bin/env bash
# demo.sh NN: see chapter NN's point in one command (`make demo CH=NN`).
#
# Each chapter has a recipe: a function demo_chNN below, or, for a chapter without one, the default:
# build code/chNN, start three slow poetry servers on ports the kernel picks, each with a different poem,
# and run the chapter's client against all three, so you watch its progress lines on stderr (the poems
# go to stdout). A chapter whose point is something else adds its own demo_chNN (chapter 5's: one
# server on the reactor serving three clients at once, beside chapter 1's server, one at a time;
# chapter 6's: the same run, then each poem's chain with a transform that sometimes fails). The
# servers are stopped when the demo ends, however it ends.
#
#   tools/demo.sh --client NN   prints only the name of chapter NN's client (other tools use it)
#
# Environment: DELAY and NUM_BYTES set the servers' pace (defaults: the recipe's); CLIENT overrides the
# client program (see client_for below).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

print_client=0
if [ "${1:-}" = --client ]; then print_client=1; shift; fi
[ $# -eq 1 ] || { echo "usage: tools/demo.sh NN   (or: make demo CH=NN)" >&2; exit 2; }
arg=${1#ch}
[[ $arg =~ ^[0-9]{1,2}$ ]] || { echo "demo: '$1' is not a chapter number" >&2; exit 2; }
ch=$(printf 'ch%02d' "$((10#$arg))")
dir=code/$ch

# client_for chNN: the program a chapter's demo runs. Most chapters keep the name get-poetry; a chapter
# whose client has another name gets a line here.
client_for() {
    case $1 in
    *) echo get-poetry ;;
    esac
}
client=${CLIENT:-$(client_for "$ch")}
if [ $print_client = 1 ]; then echo "$client"; exit 0; fi
[ -d "$dir" ] || { echo "demo: no snapshot $dir (the chapters are: $(ls code | tr '\n' ' '))" >&2; exit 2; }
POEMS=(poetry/tyger.txt poetry/ozymandias.txt poetry/sonnet18.txt)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/demo.XXXXXX")
pids=()
stop_servers() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
}
trap 'stop_servers; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# build DIR PROGRAM...: builds the snapshot and checks that it has the programs.
build() {
    local dir=$1 program
    shift
    echo "\$ make -C $dir"
    make -s -C "$dir"
    for program in "$@"; do
        [ -x "$dir/build/$program" ] || { echo "demo: $dir does not build a program '$program'" >&2; exit 1; }
    done
}

# start_server SERVER POEM: starts a slow poetry server on port 0 and sets PORT from its first line,
# "Serving POEM on port PORT.".
start_server() {
    local server=$1 poem=$2 out="$tmp/server${#pids[@]}.out" line tries=0
    echo "\$ $server --port 0 --delay $DELAY --num-bytes $NUM_BYTES $poem &"
    rm -f "$out" "$out.err" # a new server's own file: never read an earlier server's port
    "$server" --port 0 --delay "$DELAY" --num-bytes "$NUM_BYTES" "$poem" >"$out" 2>"$out.err" &
    pids+=($!)
    while [ $tries -lt 100 ]; do
        line=$(head -n 1 "$out" 2>/dev/null || true)
        if [[ $line == *" on port "*. ]]; then
            PORT=${line##* on port }
            PORT=${PORT%.}
            echo "$line"
            return 0
        fi
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.05
        tries=$((tries + 1))
    done
    echo "demo: the server for $poem did not start: $(head -c 300 "$out.err")" >&2
    exit 1
}

# The default recipe: three servers, three poems, the chapter's client.
demo_default() {
    DELAY=${DELAY:-0.1}
    NUM_BYTES=${NUM_BYTES:-20}
    build "$dir" slowpoetry "$client"
    local bin=$dir/build poem ports=() status=0
    for poem in "${POEMS[@]}"; do
        start_server "$bin/slowpoetry" "$poem"
        ports+=("$PORT")
    done
    echo
    echo "\$ $bin/$client ${ports[*]}"
    echo "(the poems go to stdout, the progress lines to stderr)"
    echo
    "$bin/$client" "${ports[@]}" || status=$?
    echo
    echo "demo: $client exited with status $status; stopping the servers."
    return $status
}

# fetch_three LABEL CLIENT PORT: the client fetches the same poem three times at once from one server;
# prints its progress lines (the poems go to /dev/null) and sets TOOK to its "Got 3 poems in T" time.
fetch_three() {
    local label=$1 client=$2 port=$3 status=0
    echo "\$ $client $port $port $port >/dev/null"
    "$client" "$port" "$port" "$port" 2>"$tmp/$label.err" >/dev/null || status=$?
    cat "$tmp/$label.err"
    TOOK=$(sed -n 's/^Got [0-9]* poems\{0,1\} in \([0-9.]*s\).*/\1/p' "$tmp/$label.err" | tail -n 1)
    [ $status -eq 0 ] || { echo "demo: $client exited with status $status" >&2; exit 1; }
}

# Chapter 5: a server on the reactor serves every client at once. Three clients of one server finish
# together, in the time of one poem; chapter 1's server, which serves one client at a time, makes the
# same three take three times as long.
demo_ch05() {
    DELAY=${DELAY:-0.2}
    NUM_BYTES=${NUM_BYTES:-100}
    local poem=poetry/ozymandias.txt reactor_took one_took
    build code/ch05 slowpoetry "$client"
    build code/ch01 slowpoetry
    echo
    echo "== One server on chapter 5's reactor; three clients at once"
    start_server code/ch05/build/slowpoetry "$poem"
    fetch_three reactor "code/ch05/build/$client" "$PORT"
    reactor_took=$TOOK
    stop_servers
    echo
    echo "== The same three clients, against chapter 1's server, which serves one client at a time"
    start_server code/ch01/build/slowpoetry "$poem"
    fetch_three one "code/ch05/build/$client" "$PORT"
    one_took=$TOOK
    stop_servers
    echo
    echo "demo: three clients of one server: ${reactor_took:-?} on the reactor (its progress lines interleave:"
    echo "      every client is served at once), ${one_took:-?} one at a time (the clients take turns, and the"
    echo "      last waits for the two before it)."
}

# Chapter 6: the client on Deferreds. First chapter 5's run, which looks the same (only who decides
# what happens to a poem has changed); then, against the same three servers, each poem's chain with a
# transform that fails half the time (--seed makes it repeatable): its errback falls back to the
# original poem.
demo_ch06() {
    DELAY=${DELAY:-0.1}
    NUM_BYTES=${NUM_BYTES:-20}
    build "$dir" slowpoetry "$client"
    local bin=$dir/build poem ports=() status=0
    for poem in "${POEMS[@]}"; do
        start_server "$bin/slowpoetry" "$poem"
        ports+=("$PORT")
    done
    echo
    echo "== A Deferred per poem: the same output as chapter 5's"
    echo "\$ $bin/$client ${ports[*]} >/dev/null"
    "$bin/$client" "${ports[@]}" >/dev/null || status=$?
    [ $status -eq 0 ] || { echo "demo: $client exited with status $status" >&2; return $status; }
    echo
    echo "== Each chain with a transform that fails half the time; the errback keeps the original poem"
    echo "\$ $bin/$client --transform cummingsify --fail-rate 0.5 --seed 3 ${ports[*]}"
    echo "(the poems go to stdout, lowercased where the transform worked; the progress lines to stderr)"
    echo
    "$bin/$client" --transform cummingsify --fail-rate 0.5 --seed 3 "${ports[@]}" || status=$?
    echo
    echo "demo: $client exited with status $status; stopping the servers."
    return $status
}

# Chapter 7: backends. The same three downloads on each backend, chosen by REACTOR_BACKEND; the trace
# (REACTOR_TRACE=1) says which backend each run used: its line is shown above the run's progress lines.
demo_ch07() {
    DELAY=${DELAY:-0.1}
    NUM_BYTES=${NUM_BYTES:-20}
    build "$dir" slowpoetry "$client"
    local bin=$dir/build poem ports=() status=0 backend used=()
    for poem in "${POEMS[@]}"; do
        start_server "$bin/slowpoetry" "$poem"
        ports+=("$PORT")
    done
    for backend in select poll epoll; do
        echo
        echo "== REACTOR_BACKEND=$backend"
        echo "\$ REACTOR_BACKEND=$backend REACTOR_TRACE=1 $bin/$client ${ports[*]} >/dev/null"
        REACTOR_BACKEND=$backend REACTOR_TRACE=1 "$bin/$client" "${ports[@]}" 2>"$tmp/$backend.err" >/dev/null ||
            status=$?
        grep '^reactor: running, on the ' "$tmp/$backend.err" || true
        grep -v '^reactor: ' "$tmp/$backend.err" || true
        [ $status -eq 0 ] || { echo "demo: $client exited with status $status on $backend" >&2; return $status; }
        used+=("$(sed -n 's/^reactor: running, on the \(.*\) backend$/\1/p' "$tmp/$backend.err" | head -n 1)")
    done
    echo
    echo "demo: the same three poems on each backend; the runs used: ${used[*]}."
}

# Chapter 8: protocols on protocols. The transformation server reads one netstring request and answers
# with one netstring; a malformed request is closed without a reply.
demo_ch08() {
    build code/ch08 transform-server
    local poem=poetry/nachtlied.txt out="$tmp/transform.out" tries=0 line
    echo
    echo "\$ code/ch08/build/transform-server &"
    code/ch08/build/transform-server >"$out" 2>"$out.err" &
    pids+=($!)
    while [ $tries -lt 100 ]; do
        line=$(head -n 1 "$out" 2>/dev/null || true)
        [[ $line == *" on port "*. ]] && break
        sleep 0.05
        tries=$((tries + 1))
    done
    echo "$line"
    PORT=${line##* on port }
    PORT=${PORT%.}
    ask() { # ask REQUEST_BYTES: sends them, shows the reply
        exec 3<>"/dev/tcp/127.0.0.1/$PORT"
        printf '%s' "$1" >&3
        echo "reply: $(cat <&3)"
        exec 3<&-
    }
    local body
    body="cummingsify.$(cat "$poem")"
    echo
    echo "== a request: one netstring, LEN:cummingsify.POEM, (LEN = $(printf '%s' "$body" | wc -c) bytes)"
    ask "$(printf '%s' "$body" | wc -c | tr -d ' '):$body,"
    echo
    echo "== a transform that does not exist: the server closes with no reply"
    ask "12:nope.a poem!,"
    echo
    echo "== a malformed netstring (a leading zero): no reply either"
    ask "05:shout,"
    echo
    echo "The server's log (stderr):"
    sleep 0.2
    cat "$out.err"
    demo_ch08_proxy
}

# Chapter 8's caching proxy: three clients at once share one fetch from a slow server; a fourth gets the
# kept poem at once; the slow server's log shows one connection.
demo_ch08_proxy() {
    build code/ch08 slowpoetry poetry-proxy get-poetry
    local bin=code/ch08/build out="$tmp/proxy.out" tries=0 line upstream
    DELAY=0.2
    NUM_BYTES=200
    echo
    echo "== the caching proxy: one fetch, many waiters"
    start_server "$bin/slowpoetry" poetry/tyger.txt
    upstream=$PORT
    local slow_log="$tmp/server$((${#pids[@]} - 1)).out.err" # start_server's file for it
    echo "\$ $bin/poetry-proxy --port 0 $upstream &"
    "$bin/poetry-proxy" --port 0 "$upstream" >"$out" 2>"$out.err" &
    pids+=($!)
    while [ $tries -lt 100 ]; do
        line=$(head -n 1 "$out" 2>/dev/null || true)
        [[ $line == *" on port "*. ]] && break
        sleep 0.05
        tries=$((tries + 1))
    done
    echo "$line"
    PORT=${line##* on port }
    PORT=${PORT%.}
    fetch_three proxy-three "$bin/get-poetry" "$PORT"
    echo "\$ $bin/get-poetry $PORT >/dev/null"
    "$bin/get-poetry" "$PORT" >/dev/null
    echo
    echo "The proxy's log (stderr):"
    cat "$out.err"
    echo "The slow server's log (stderr): one connection, the proxy's"
    cat "$slow_log"
}

# Chapter 9: threads. Blocking work goes to the reactor's thread pool and reports its progress through
# calls from threads, while the loop goes on ticking; each job's Deferred fires on the reactor's thread.
demo_ch09() {
    build code/ch09 pool-demo
    echo
    echo "\$ code/ch09/build/pool-demo --jobs 3 --work 0.6 --tick 0.1"
    code/ch09/build/pool-demo --jobs 3 --work 0.6 --tick 0.1
    echo
    echo "The ticks come from the reactor's thread while the three jobs block on theirs."
}

# Chapter 10: testing without a network. The transformation client and server pumped by hand on the
# test doubles: whole, split by the chunker (seed 3), and broken five bytes into the reply; then seed 3
# again, twice, to show that a seed gives the same pieces every time.
demo_ch10() {
    build code/ch10 pump-trace
    local first second
    echo
    echo "\$ code/ch10/build/pump-trace cummingsify 'Hello World'"
    code/ch10/build/pump-trace cummingsify 'Hello World'
    echo
    echo "\$ code/ch10/build/pump-trace --seed 3 cummingsify 'Hello World'"
    code/ch10/build/pump-trace --seed 3 cummingsify 'Hello World'
    echo
    echo "\$ code/ch10/build/pump-trace --drop 5 shout Hello"
    code/ch10/build/pump-trace --drop 5 shout Hello || true
    echo
    first=$(code/ch10/build/pump-trace --seed 3 cummingsify 'Hello World' | grep -c '^to ')
    second=$(code/ch10/build/pump-trace --seed 3 cummingsify 'Hello World' | grep -c '^to ')
    echo "demo: no socket was opened; seed 3, run twice more, cut the conversation into $first and $second pieces."
}

if declare -F "demo_$ch" >/dev/null; then
    "demo_$ch"
else
    demo_default
fi
