#!/usr/bin/env bash
# demo.sh NN: see chapter NN's point in one command (`make demo CH=NN`).
#
# Builds code/chNN, starts three slow poetry servers on ports the kernel picks, each with a different
# poem, and runs the chapter's client against all three, so you watch its progress lines on stderr (the
# poems go to stdout). The servers are stopped when the demo ends, however it ends.
#
#   tools/demo.sh --client NN   prints only the name of chapter NN's client (other tools use it)
#
# Environment: DELAY (default 0.1) and NUM_BYTES (20) set the servers' pace; CLIENT overrides the
# client program (see client_for below), e.g. CLIENT=get-poetry-fast make demo CH=05.
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
DELAY=${DELAY:-0.1}
NUM_BYTES=${NUM_BYTES:-20}
POEMS=(poetry/tyger.txt poetry/ozymandias.txt poetry/sonnet18.txt)

echo "\$ make -C $dir"
make -s -C "$dir"
bin=$dir/build
for program in slowpoetry "$client"; do
    [ -x "$bin/$program" ] || { echo "demo: $dir does not build a program '$program'" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/demo.XXXXXX")
pids=()
stop_servers() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap stop_servers EXIT
trap 'exit 130' INT TERM

# start_server POEM: starts a slow poetry server on port 0 and sets PORT from its first line,
# "Serving POEM on port PORT.".
start_server() {
    local poem=$1 out="$tmp/server${#pids[@]}.out" line tries=0
    echo "\$ $bin/slowpoetry --port 0 --delay $DELAY --num-bytes $NUM_BYTES $poem &"
    "$bin/slowpoetry" --port 0 --delay "$DELAY" --num-bytes "$NUM_BYTES" "$poem" >"$out" 2>"$out.err" &
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

ports=()
for poem in "${POEMS[@]}"; do
    start_server "$poem"
    ports+=("$PORT")
done

echo
echo "\$ $bin/$client ${ports[*]}"
echo "(the poems go to stdout, the progress lines to stderr)"
echo
status=0
"$bin/$client" "${ports[@]}" || status=$?
echo
echo "demo: $client exited with status $status; stopping the servers."
exit $status
