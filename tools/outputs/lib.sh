# lib.sh: what every recipe in tools/outputs/ shares. Sourced by each chNN.sh, after it has set ROOT, gone
# there (cd "$ROOT") and built its snapshot; the recipe keeps its own choices (BIN, DELAY, NUM_BYTES, the
# poems, the commands it shows).
#
# Sourcing it sets OUT (chapters/outputs, created if missing) and TMP (a scratch folder), and arranges
# for every server started with `start` (and every pid the recipe adds to `pids`) to be killed, and TMP
# removed, when the recipe exits. The functions below expect BIN (the snapshot's build folder) and, for
# `slow`, DELAY and NUM_BYTES.
#
# The NAME_PORT and NAME_SHOWN variables are set through printf -v, which shellcheck cannot follow.
# shellcheck shell=bash disable=SC2034

OUT=chapters/outputs
mkdir -p "$OUT"

TMP=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# build_badpeer: compiles the misbehaving test server tests/support/badpeer.c into $TMP/badpeer.
build_badpeer() {
    "${CC:-cc}" -std=c11 -D_DEFAULT_SOURCE -O2 -o "$TMP/badpeer" tests/support/badpeer.c
}

# start NAME COMMAND...: runs a server in the background, its stdout in $TMP/NAME.log (its stderr too,
# or in $TMP/NAME.err if the recipe set SERVER_STDERR=separate), waits (up to 10 s) for its first line
# "Serving ... on port PORT." and sets NAME_PORT. Exits the recipe if the server does not get there.
start() {
    local name=$1
    shift
    if [ "${SERVER_STDERR:-}" = separate ]; then
        "$@" >"$TMP/$name.log" 2>"$TMP/$name.err" &
    else
        "$@" >"$TMP/$name.log" 2>&1 &
    fi
    pids+=("$!")
    local pid=$! tries=0 line
    while [ $tries -lt 200 ]; do
        line=$(head -n 1 "$TMP/$name.log" 2>/dev/null || true)
        case "$line" in
        *" on port "*.)
            line=${line##* on port }
            printf -v "${name}_PORT" '%s' "${line%.}"
            return 0
            ;;
        esac
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
        tries=$((tries + 1))
    done
    if [ "${SERVER_STDERR:-}" = separate ]; then
        echo "${0##*/}: $name did not start: $(head -c 300 "$TMP/$name.log" "$TMP/$name.err")" >&2
    else
        echo "${0##*/}: $name did not start: $(head -c 300 "$TMP/$name.log")" >&2
    fi
    exit 1
}

# slow NAME POEM [FLAGS...]: starts $BIN/slowpoetry on port 0 for poetry/POEM, with FLAGS or by default
# the recipe's --delay "$DELAY" --num-bytes "$NUM_BYTES". Sets NAME_PORT, and NAME_SHOWN to the command
# as a reader would type it ("slowpoetry --port 0 FLAGS poetry/POEM").
slow() {
    local name=$1 poem=$2
    shift 2
    if [ $# -eq 0 ]; then set -- --delay "$DELAY" --num-bytes "$NUM_BYTES"; fi
    printf -v "${name}_SHOWN" 'slowpoetry --port 0 %s poetry/%s' "$*" "$poem"
    start "$name" "$BIN/slowpoetry" --port 0 "$@" "poetry/$poem"
}

# slow_servers NAME...: prints, as a terminal would show them, the servers NAME... (started with `slow`)
# started in the background one after another: their "$ slowpoetry ... &" lines, then their first lines.
slow_servers() {
    local name shown
    for name in "$@"; do
        shown="${name}_SHOWN"
        printf '$ %s &\n' "${!shown}"
    done
    for name in "$@"; do head -n 1 "$TMP/$name.log"; done
}

# show FILE "DISPLAYED COMMAND" COMMAND...: writes "$ DISPLAYED COMMAND", then everything COMMAND prints
# (stdout and stderr, in the order printed), into FILE. A failing status is kept, not fatal.
show() {
    local file=$1 shown=$2
    shift 2
    {
        printf '$ %s\n' "$shown"
        "$@" 2>&1 || true
    } >"$file"
}

# show_status FILE "DISPLAYED COMMAND" STDOUT COMMAND...: writes "$ DISPLAYED COMMAND", then what COMMAND
# prints on stderr, then "$ echo $?" and its status, into FILE. COMMAND's stdout goes to the file
# STDOUT, or with "-" into FILE too, in the order printed. A failing status is kept, not fatal.
show_status() {
    local file=$1 shown=$2 stdout=$3 status=0
    shift 3
    {
        printf '$ %s\n' "$shown"
        if [ "$stdout" = - ]; then
            "$@" 2>&1 || status=$?
        else
            # shellcheck disable=SC2069 # on purpose: stderr into FILE, stdout to STDOUT
            "$@" 2>&1 >"$stdout" || status=$?
        fi
        printf '$ echo $?\n%s\n' "$status"
    } >"$file"
}

# poems_identical POEM...: prints "$ cat poetry/POEM... | cmp - poems.txt && echo identical" and runs it
# against $TMP/poems.txt (so "identical" follows only if it is). Returns 0 either way.
poems_identical() {
    local poem files=()
    for poem in "$@"; do files+=("poetry/$poem"); done
    printf '$ cat %s | cmp - poems.txt && echo identical\n' "${files[*]}"
    if cat "${files[@]}" | cmp - "$TMP/poems.txt"; then echo identical; fi
}
