#!/usr/bin/env bash
# valgrind-programs.sh: each snapshot's poetry client and library tests under valgrind (`make valgrind`).
#
#   tools/valgrind-programs.sh [chNN ...]     every snapshot, or only those named
#
# For each snapshot: starts three fast slow-poetry servers (--delay 0 --num-bytes 1000) and runs the
# chapter's client against them under valgrind; then runs it once more against a port where nothing
# listens (the failure path must not leak either); then runs each server (slowpoetry, fastpoetry) under
# valgrind while clients fetch from it, one leaving early, and stops it with SIGTERM (chapter 8 on: the
# transformation server too, with transform-client under valgrind against it, and the caching proxy:
# see check_proxy); then builds each
# library test that applies to the snapshot (tests/chNN/lib/test_*.c, NN <= the snapshot) and runs it
# once under valgrind with CK_FORK=no, so that every test runs in the one process valgrind watches.
# Reports per snapshot "ok" or what valgrind found, with the log's path. Exits 1 if any snapshot leaked,
# had a memory error, or a library test failed under valgrind.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2

command -v valgrind >/dev/null || { echo "valgrind-programs: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
VALGRIND=(valgrind --leak-check=full '--errors-for-leak-kinds=definite,indirect' --error-exitcode=99
    --track-fds=no --quiet)
LOGS=build/valgrind
mkdir -p "$LOGS"

snapshots=()
if [ $# -gt 0 ]; then
    for arg in "$@"; do snapshots+=("$(printf 'ch%02d' "$((10#${arg#ch}))")"); done
else
    for dir in code/ch[0-9][0-9]; do [ -d "$dir" ] && snapshots+=("${dir#code/}"); done
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/valgrind-programs.XXXXXX")
pids=()
stop_servers() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
}
trap 'stop_servers; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# start_server BIN POEM: a server on port 0; sets PORT from its first line. Returns 1 if it never said.
start_server() {
    local bin=$1 poem=$2 out="$tmp/server${#pids[@]}.out" line tries=0
    "$bin/slowpoetry" --port 0 --delay 0 --num-bytes 1000 "$poem" >"$out" 2>"$out.err" &
    pids+=($!)
    while [ $tries -lt 200 ]; do
        line=$(head -n 1 "$out" 2>/dev/null)
        if [[ $line == *" on port "*. ]]; then
            PORT=${line##* on port }
            PORT=${PORT%.}
            return 0
        fi
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.05
        tries=$((tries + 1))
    done
    return 1
}

# run_checked LOG ARGS...: the client under valgrind. Prints "" when clean, else what went wrong.
run_checked() {
    local log=$1 status
    shift
    timeout -k 5 120 "${VALGRIND[@]}" --log-file="$log" "$bin/$client" "$@" >/dev/null 2>"$log.stderr"
    status=$?
    if [ $status -eq 99 ]; then
        if grep -q 'definitely lost\|indirectly lost' "$log"; then echo "leak"; else echo "memory error"; fi
    elif [ $status -eq 124 ] || [ $status -eq 137 ]; then
        echo "timed out"
    elif [ $status -gt 2 ]; then
        echo "exit status $status"
    fi
}

# check_server NAME LOG: runs $bin/NAME under valgrind, fetches from it, stops it. Prints "" when clean.
check_server() {
    local name=$1 log=$2 out="$tmp/$1.out" line tries=0 port= pid
    local fast=()
    [ "$name" = slowpoetry ] && fast=(--delay 0.01 --num-bytes 100)
    "${VALGRIND[@]}" --log-file="$log" "$bin/$name" --port 0 "${fast[@]}" poetry/tyger.txt >"$out" 2>"$out.err" &
    pid=$!
    while [ $tries -lt 400 ]; do
        line=$(head -n 1 "$out" 2>/dev/null)
        if [[ $line == *" on port "*. ]]; then port=${line##* on port }; port=${port%.}; break; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
        tries=$((tries + 1))
    done
    if [ -z "$port" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; echo "no start"; return; fi
    timeout 60 bash -c "exec 3</dev/tcp/127.0.0.1/$port; head -c 5 <&3 >/dev/null; exec 3<&-" 2>/dev/null
    timeout 120 "$bin/$client" "$port" "$port" "$port" >/dev/null 2>&1
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if grep -Eq '(definitely|indirectly) lost: [1-9]' "$log"; then
        echo "leak"
    elif grep -Eq 'ERROR SUMMARY: [1-9]' "$log" || grep -q 'Invalid (read|write)' "$log"; then
        echo "memory error"
    fi
}

# check_transform LOG_PREFIX: chapter 8's transformation service. transform-server under valgrind; against
# it transform-client, under valgrind too, with a transform, with an unknown one (the fallback) and
# with a malformed request sent by hand; then the server is stopped with SIGTERM. The client exits by
# itself, so its whole heap is checked; the server has no clean shutdown path, so there (as for the
# poetry servers) only lost blocks and errors count. Prints one problem per line; nothing when clean.
check_transform() {
    local prefix=$1 out="$tmp/transform-server.out" line tries=0 xport= pid what
    "${VALGRIND[@]}" --log-file="$prefix-transform-server.log" "$bin/transform-server" --port 0 >"$out" 2>"$out.err" &
    pid=$!
    while [ $tries -lt 400 ]; do
        line=$(head -n 1 "$out" 2>/dev/null)
        if [[ $line == *" on port "*. ]]; then xport=${line##* on port }; xport=${xport%.}; break; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
        tries=$((tries + 1))
    done
    if [ -z "$xport" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; echo "transform-server: no start"; return; fi
    if start_server "$bin" poetry/tyger.txt; then
        what=$(client=transform-client run_checked "$prefix-transform-client.log" "127.0.0.1:$xport" "$PORT" "$PORT")
        [ -z "$what" ] || echo "$what in transform-client (log: $prefix-transform-client.log)"
        what=$(client=transform-client run_checked "$prefix-transform-fallback.log" --transform nope \
            "127.0.0.1:$xport" "$PORT")
        [ -z "$what" ] || echo "$what in transform-client's fallback (log: $prefix-transform-fallback.log)"
    else
        echo "the poetry server for transform-client did not start"
    fi
    stop_servers
    timeout 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$xport; printf '03:a.b,' >&3; cat <&3 >/dev/null" 2>/dev/null
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if grep -Eq '(definitely|indirectly) lost: [1-9]' "$prefix-transform-server.log"; then
        echo "leak in transform-server (log: $prefix-transform-server.log)"
    elif grep -Eq 'ERROR SUMMARY: [1-9]' "$prefix-transform-server.log" ||
        grep -q 'Invalid (read|write)' "$prefix-transform-server.log"; then
        echo "memory error in transform-server (log: $prefix-transform-server.log)"
    fi
}

# check_proxy LOG: runs $bin/poetry-proxy (chapter 8 on) under valgrind in front of a slow-poetry server:
# a client that leaves at once, three at once (one fetch), one more after --expire (a new fetch, the old
# poem freed), then with the server gone (a failed fetch: its client is reset); stops it with SIGTERM.
# Prints "" when clean.
check_proxy() {
    local log=$1 out="$tmp/poetry-proxy.out" line tries=0 port='' pid
    start_server "$bin" poetry/tyger.txt || { echo "no upstream server"; return; }
    "${VALGRIND[@]}" --log-file="$log" "$bin/poetry-proxy" --port 0 --expire 0.5 "$PORT" >"$out" 2>"$out.err" &
    pid=$!
    while [ $tries -lt 400 ]; do
        line=$(head -n 1 "$out" 2>/dev/null)
        if [[ $line == *" on port "*. ]]; then port=${line##* on port }; port=${port%.}; break; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
        tries=$((tries + 1))
    done
    if [ -z "$port" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; stop_servers; echo "no start"; return; fi
    timeout 60 bash -c "exec 3</dev/tcp/127.0.0.1/$port; exec 3<&-" 2>/dev/null
    timeout 120 "$bin/$client" "$port" "$port" "$port" >/dev/null 2>&1
    sleep 1
    timeout 120 "$bin/$client" "$port" >/dev/null 2>&1
    stop_servers
    sleep 1
    timeout 120 "$bin/$client" "$port" >/dev/null 2>&1
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if grep -Eq '(definitely|indirectly) lost: [1-9]' "$log"; then
        echo "leak"
    elif grep -Eq 'ERROR SUMMARY: [1-9]' "$log" || grep -q 'Invalid (read|write)' "$log"; then
        echo "memory error"
    elif [ "$(grep -c '^Fetching' "$out.err")" -lt 3 ]; then
        echo "fewer fetches than expected (log: $out.err)"
    fi
}

# check_library_tests CH: each library test that applies to snapshot CH, built against its library and
# run once under valgrind in one process (CK_FORK=no). Prints one problem per line; nothing when clean.
check_library_tests() {
    local ch=$1 test_file test_ch base exe log status
    for test_file in tests/ch[0-9][0-9]/lib/test_*.c; do
        [ -f "$test_file" ] || continue
        test_ch=${test_file#tests/}; test_ch=${test_ch%%/*}
        [ $((10#${test_ch#ch})) -le $((10#${ch#ch})) ] || continue
        base=$(basename "$test_file" .c)
        exe="$tmp/$test_ch-$base-$ch"
        log="$LOGS/$ch-lib-$test_ch-$base.log"
        # shellcheck disable=SC2046
        if ! ${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -O2 -g -I"code/$ch" -Itests/support \
            -o "$exe" "$test_file" "code/$ch/build/libreactor.a" $(pkg-config --cflags --libs check) -lm -lpthread \
            >"$log.build" 2>&1; then
            echo "$test_ch/lib/$base does not build (log: $log.build)"
            continue
        fi
        CK_FORK=no timeout -k 5 300 "${VALGRIND[@]}" --log-file="$log" "$exe" >"$log.tap" 2>&1 </dev/null
        status=$?
        if [ $status -eq 99 ]; then
            if grep -q 'definitely lost\|indirectly lost' "$log"; then
                echo "leak in $test_ch/lib/$base (log: $log)"
            else
                echo "memory error in $test_ch/lib/$base (log: $log)"
            fi
        elif [ $status -eq 124 ] || [ $status -eq 137 ]; then
            echo "$test_ch/lib/$base timed out under valgrind (log: $log.tap)"
        elif [ $status -ne 0 ] || grep -q '^not ok' "$log.tap"; then
            echo "$test_ch/lib/$base failed under valgrind (log: $log.tap)"
        fi
    done
}

bad=0
for ch in "${snapshots[@]}"; do
    dir=code/$ch
    if [ ! -d "$dir" ]; then echo "$ch: no snapshot $dir"; bad=1; continue; fi
    if ! make -s -C "$dir" >"$LOGS/$ch-build.log" 2>&1; then
        echo "$ch: does not build (log: $LOGS/$ch-build.log)"; bad=1; continue
    fi
    bin=$dir/build
    lib_problems=()
    mapfile -t lib_problems < <(check_library_tests "$ch")
    client=$(bash tools/demo.sh --client "$ch")
    if [ ! -x "$bin/$client" ] || [ ! -x "$bin/slowpoetry" ]; then
        if [ ${#lib_problems[@]} -eq 0 ]; then
            echo "$ch: library tests ok; programs skipped (no $client or slowpoetry in $bin)"
        else
            bad=1
            echo "$ch: $(IFS=';'; echo "${lib_problems[*]}" | sed 's/;/; /g')"
        fi
        continue
    fi

    ports=()
    for poem in poetry/tyger.txt poetry/ozymandias.txt poetry/sonnet18.txt; do
        if start_server "$bin" "$poem"; then ports+=("$PORT"); fi
    done
    if [ ${#ports[@]} -ne 3 ]; then
        echo "$ch: the servers did not start"; bad=1; stop_servers; continue
    fi
    problems=("${lib_problems[@]}")
    what=$(run_checked "$LOGS/$ch-poems.log" "${ports[@]}")
    [ -z "$what" ] || problems+=("$what fetching three poems (log: $LOGS/$ch-poems.log)")

    # A refused port: a server's port once it has gone.
    refused=${ports[0]}
    stop_servers
    what=$(run_checked "$LOGS/$ch-refused.log" "$refused")
    [ -z "$what" ] || problems+=("$what on a refused connection (log: $LOGS/$ch-refused.log)")

    # The servers, under valgrind: serve three clients at once and one that leaves early, then stop
    # with SIGTERM. Memory still held then is "still reachable"; only lost blocks and errors count.
    servers=()
    for server in slowpoetry fastpoetry; do
        [ -x "$bin/$server" ] || continue
        servers+=("$server")
        what=$(check_server "$server" "$LOGS/$ch-$server.log")
        [ -z "$what" ] || problems+=("$what in $server (log: $LOGS/$ch-$server.log)")
    done

    if [ -x "$bin/transform-server" ] && [ -x "$bin/transform-client" ]; then
        servers+=(transform-server transform-client)
        mapfile -t -O "${#problems[@]}" problems < <(check_transform "$LOGS/$ch")
    fi

    if [ -x "$bin/poetry-proxy" ]; then
        servers+=(poetry-proxy)
        what=$(check_proxy "$LOGS/$ch-poetry-proxy.log")
        [ -z "$what" ] || problems+=("$what in poetry-proxy (log: $LOGS/$ch-poetry-proxy.log)")
    fi

    if [ ${#problems[@]} -eq 0 ]; then
        echo "$ch: ok ($client, ${servers[*]}, library tests)"
    else
        bad=1
        echo "$ch: $(IFS=';'; echo "${problems[*]}" | sed 's/;/; /g')"
    fi
done
[ $bad -eq 0 ]
