# client_contract.sh: the contract every poetry client in the workbook keeps (DESIGN.md, "Contracts"),
# as test cases. Source it after lib.sh; set CLIENT to the program under test; call the cases you need.

# with_hint HINT COMMAND...: runs COMMAND (contract cases), adding "hint: HINT" under each failure,
# for exercise tests whose every failure must carry a hint.
with_hint() {
    local hint=$1
    shift
    "$@" >"$WORK/contract.tap"
    awk -v hint="#   hint: $hint" '
        /^not ok / { if (open) print hint; open = 1; print; next }
        /^#/ { print; next }
        { if (open) print hint; open = 0; print }
        END { if (open) print hint }' "$WORK/contract.tap"
}

# contract_help: --help prints usage to stdout and exits 0.
contract_help() {
    if "$CLIENT" --help >"$WORK/help.out" 2>"$WORK/help.err" && grep -q '^usage: ' "$WORK/help.out"; then
        ok "--help prints usage to stdout and exits 0"
    else
        not_ok "--help prints usage to stdout and exits 0" "$(show "$WORK/help.out")"
    fi
}

# contract_usage_errors: no arguments and bad addresses exit 2 with a one-line error naming the address.
# A client that resolves host names (chapter 9 on) sets CONTRACT_RESOLVES_NAMES=1: foo:1 is then a
# name, and its failing to resolve is that download's failure (exit 1), not a bad command line.
contract_usage_errors() {
    run_with_timeout 10 "$CLIENT" >/dev/null 2>"$WORK/none.err"
    local status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/none.err")" -eq 1 ]; then
        ok "no arguments: exit 2 with a one-line error"
    else
        not_ok "no arguments: exit 2 with a one-line error" "status $status" "$(show "$WORK/none.err")"
    fi
    local bad bads=(foo:1 127.0.0.1:70000 1.2.3:80 "" 0)
    [ "${CONTRACT_RESOLVES_NAMES:-0}" != 1 ] || bads=("${bads[@]:1}")
    for bad in "${bads[@]}"; do
        run_with_timeout 10 "$CLIENT" "$bad" >"$WORK/bad.out" 2>"$WORK/bad.err"
        status=$?
        if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] && grep -qF "'$bad'" "$WORK/bad.err" &&
            [ ! -s "$WORK/bad.out" ]; then
            ok "bad address '$bad': exit 2 with a one-line error naming it"
        else
            not_ok "bad address '$bad': exit 2 with a one-line error naming it" "status $status" "$(show "$WORK/bad.err")"
        fi
    done
}

# contract_unknown_option: an option the client does not know is a usage error, not an address.
contract_unknown_option() {
    run_with_timeout 10 "$CLIENT" --frobnicate 1234 >/dev/null 2>"$WORK/option.err"
    local status=$?
    if [ $status -eq 2 ] && grep -q "unknown option '--frobnicate'" "$WORK/option.err"; then
        ok "an unknown option: exit 2 with 'unknown option'"
    else
        not_ok "an unknown option: exit 2 with 'unknown option'" "status $status" "$(show "$WORK/option.err")"
    fi
}

# contract_refused_and_reset: a refused connection and a server that resets mid-poem fail their tasks
# only; the good poems still arrive, in order; the partial poem is not written; exit 1.
contract_refused_and_reset() {
    start_poetry_server good1 "$POETRY/sonnet18.txt" --delay 0 --num-bytes 100 || return
    start_poetry_server good2 "$POETRY/hope.txt" --delay 0 --num-bytes 100 || return
    start_badpeer refusing refuse || return
    start_badpeer resetting reset-after 20 || return
    run_with_timeout 30 "$CLIENT" "$good1_PORT" "$refusing_PORT" "$resetting_PORT" "127.0.0.1:$good2_PORT" \
        >"$WORK/faults.out" 2>"$WORK/faults.err"
    local status=$?
    cat "$POETRY/sonnet18.txt" "$POETRY/hope.txt" >"$WORK/faults.expected"
    if [ $status -eq 1 ]; then ok "a failed download means exit 1"; else not_ok "a failed download means exit 1" "status $status"; fi
    if grep -q "task 2: 127.0.0.1:$refusing_PORT: Connection refused" "$WORK/faults.err"; then
        ok "a refused connection is reported as 'task 2: ADDR: Connection refused'"
    else
        not_ok "a refused connection is reported" "$(show "$WORK/faults.err")"
    fi
    if grep -q "task 3: 127.0.0.1:$resetting_PORT: Connection reset by peer" "$WORK/faults.err"; then
        ok "a reset mid-poem is reported as 'task 3: ADDR: Connection reset by peer'"
    else
        not_ok "a reset mid-poem is reported" "$(show "$WORK/faults.err")"
    fi
    if cmp -s "$WORK/faults.out" "$WORK/faults.expected"; then
        ok "the good poems arrive in order and the partial poem is not written"
    else
        not_ok "the good poems arrive in order and the partial poem is not written" \
            "stdout has $(wc -c <"$WORK/faults.out") bytes, expected $(wc -c <"$WORK/faults.expected")"
    fi
}

# contract_empty_poem: a server that closes at once sends an empty poem: a success, 0 bytes.
contract_empty_poem() {
    start_badpeer closing close || return
    run_with_timeout 10 "$CLIENT" "$closing_PORT" >"$WORK/empty.out" 2>"$WORK/empty.err"
    local status=$?
    if [ $status -eq 0 ] && [ ! -s "$WORK/empty.out" ] && grep -q "got 0 bytes" "$WORK/empty.err"; then
        ok "an empty poem is a success of 0 bytes"
    else
        not_ok "an empty poem is a success of 0 bytes" "status $status" "$(show "$WORK/empty.err")"
    fi
}

# contract_stdout_lost: a poem that cannot be written is a failure, never a success: a full disk, a
# closed stdout, a reader that leaves the pipe early (with SIGPIPE ignored, so that the client sees
# EPIPE) all end the client with exit 1 and a one-line reason, at once.
contract_stdout_lost() {
    start_poetry_server out1 "$POETRY/tyger.txt" --delay 0 --num-bytes 1000 || return
    local status
    run_with_timeout 20 "$CLIENT" "$out1_PORT" >/dev/full 2>"$WORK/full.err"
    status=$?
    if [ $status -eq 1 ] && grep -q "^get-poetry: cannot write to stdout: No space left on device$" "$WORK/full.err"; then
        ok "stdout on a full disk (>/dev/full): exit 1 with 'cannot write to stdout: No space left on device'"
    else
        not_ok "stdout on a full disk (>/dev/full): exit 1 with 'cannot write to stdout: why'" "status $status" \
            "$(show "$WORK/full.err")"
    fi
    run_with_timeout 20 "$CLIENT" "$out1_PORT" >&- 2>"$WORK/closed.err"
    status=$?
    if [ $status -eq 1 ] && grep -q "^get-poetry: cannot write to stdout: " "$WORK/closed.err"; then
        ok "stdout closed (>&-): exit 1 with 'cannot write to stdout', the poem sent nowhere"
    else
        not_ok "stdout closed (>&-): exit 1 with 'cannot write to stdout'" "status $status" "$(show "$WORK/closed.err")"
    fi
    run_with_timeout 20 "$CLIENT" "$out1_PORT" <&- 2>&- >"$WORK/std.out"
    status=$?
    if [ $status -eq 0 ] && cmp -s "$WORK/std.out" "$POETRY/tyger.txt"; then
        ok "stdin and stderr closed (<&- 2>&-): they are reopened on /dev/null, and the poem arrives"
    else
        not_ok "stdin and stderr closed (<&- 2>&-): the poem arrives, exit 0" "status $status" \
            "stdout has $(wc -c <"$WORK/std.out") bytes"
    fi
    awk 'BEGIN { for (i = 0; i < 40000; i++) printf "line %d of a poem longer than any pipe buffer\n", i }' \
        >"$WORK/pipe-poem.txt"
    start_poetry_server bigpoem "$WORK/pipe-poem.txt" --delay 0 --num-bytes 1000000 || return
    (
        trap '' PIPE
        run_with_timeout 30 "$CLIENT" "$bigpoem_PORT" "$bigpoem_PORT" 2>"$WORK/pipe.err"
        echo $? >"$WORK/pipe.status"
    ) | head -c 10 >/dev/null
    status=$(cat "$WORK/pipe.status")
    if [ "$status" -eq 1 ] && grep -q "^get-poetry: cannot write to stdout: Broken pipe$" "$WORK/pipe.err" &&
        true; then
        ok "a reader that leaves the pipe early (SIGPIPE ignored): exit 1 at once, 'Broken pipe'"
    else
        not_ok "a reader that leaves the pipe early (SIGPIPE ignored): exit 1 at once, 'Broken pipe'" \
            "status $status" "$(tail -n 5 "$WORK/pipe.err")"
    fi
}

# contract_max_size: a server that never stops sending cannot exhaust the client's memory: past
# --max-size (default 64 MiB) that download fails with a one-line reason.
contract_max_size() {
    start_badpeer flood flood || return
    local status
    run_with_timeout 30 "$CLIENT" --max-size 1M "$flood_PORT" >"$WORK/flood.out" 2>"$WORK/flood.err"
    status=$?
    if [ $status -eq 1 ] && [ ! -s "$WORK/flood.out" ] &&
        grep -q "task 1: 127.0.0.1:$flood_PORT: poem larger than --max-size (1048576 bytes)" "$WORK/flood.err"; then
        ok "an endless server, --max-size 1M: that download fails, 'poem larger than --max-size', exit 1"
    else
        not_ok "an endless server, --max-size 1M: that download fails, 'poem larger than --max-size'" \
            "status $status" "$(grep -v 'read .* bytes' "$WORK/flood.err" | tail -n 5)"
    fi
    run_with_timeout 60 "$CLIENT" "$flood_PORT" >"$WORK/flood.out" 2>"$WORK/flood.err"
    status=$?
    if [ $status -eq 1 ] && [ ! -s "$WORK/flood.out" ] &&
        grep -q "poem larger than --max-size (67108864 bytes)" "$WORK/flood.err"; then
        ok "an endless server, no --max-size: the download stops at 64 MiB, exit 1"
    else
        not_ok "an endless server, no --max-size: the download stops at 64 MiB" "status $status" \
            "$(grep -v 'read .* bytes' "$WORK/flood.err" | tail -n 5)"
    fi
    run_with_timeout 10 "$CLIENT" --max-size 0 1234 >/dev/null 2>"$WORK/size.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/size.err")" -eq 1 ] && grep -q "bad size '0'" "$WORK/size.err"; then
        ok "--max-size 0: exit 2 with 'bad size'"
    else
        not_ok "--max-size 0: exit 2 with 'bad size'" "status $status" "$(show "$WORK/size.err")"
    fi
}

# contract_quoting: an argument is quoted in messages: a newline in it cannot add a line, an escape
# byte cannot reach the terminal.
contract_quoting() {
    local status
    run_with_timeout 10 "$CLIENT" $'80\n' >/dev/null 2>"$WORK/nl.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/nl.err")" -eq 1 ] && grep -qF "bad address '80\\n'" "$WORK/nl.err"; then
        ok "an address with a newline: exit 2, one line, the newline written as \\n"
    else
        not_ok "an address with a newline: exit 2, one line, the newline written as \\n" "status $status" \
            "$(show "$WORK/nl.err")"
    fi
    run_with_timeout 10 "$CLIENT" $'\e[31m1' >/dev/null 2>"$WORK/esc.err"
    status=$?
    if [ $status -eq 2 ] && ! grep -q $'\e' "$WORK/esc.err" && grep -qF "'\\x1b[31m1'" "$WORK/esc.err"; then
        ok "an address with an ESC byte: exit 2, the byte written as \\x1b"
    else
        not_ok "an address with an ESC byte: exit 2, the byte written as \\x1b" "status $status" \
            "$(od -c "$WORK/esc.err" | head -n 5)"
    fi
    run_with_timeout 10 "$CLIENT" $'--bad\e' 1 >/dev/null 2>"$WORK/opt.err"
    status=$?
    if [ $status -eq 2 ] && ! grep -q $'\e' "$WORK/opt.err" && grep -qF "unknown option '--bad\\x1b'" "$WORK/opt.err"; then
        ok "an unknown option with an ESC byte: exit 2, the byte escaped"
    else
        not_ok "an unknown option with an ESC byte: exit 2, the byte escaped" "status $status" \
            "$(od -c "$WORK/opt.err" | head -n 5)"
    fi
}

# contract_hostile: every case above that the issue of hostile peers added (stdout, size, quoting).
contract_hostile() {
    contract_stdout_lost
    contract_max_size
    contract_quoting
}
