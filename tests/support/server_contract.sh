# server_contract.sh: what every poetry server in the workbook keeps about its command line and its
# poem file, as test cases. Source it after lib.sh; set SERVER to the program under test (its name,
# as it signs its errors, is basename SERVER).

# server_expect_usage_error WHAT PATTERN ARGS...: within 10 s, exit 2 with one stderr line matching
# PATTERN (grep -F) and nothing on stdout.
server_expect_usage_error() {
    local what=$1 pattern=$2
    shift 2
    run_with_timeout 10 "$SERVER" "$@" >"$WORK/srv.out" 2>"$WORK/srv.err"
    local status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/srv.err")" -eq 1 ] && grep -qF -- "$pattern" "$WORK/srv.err" &&
        [ ! -s "$WORK/srv.out" ]; then
        ok "$what: exit 2 with a one-line error"
    else
        not_ok "$what: exit 2 with a one-line error ($pattern)" "status $status, stderr:" "$(show "$WORK/srv.err")"
    fi
}

# server_poem_checks: a poem must be a regular file of at most 64 MiB, checked before reading (so a
# FIFO or /dev/zero is refused at once, not waited on or read until memory runs out).
server_poem_checks() {
    local name
    name=$(basename "$SERVER")
    server_expect_usage_error "a directory as the poem" "$name: cannot read poem '$WORK': is a directory" "$WORK"
    rm -f "$WORK/fifo-poem" && mkfifo "$WORK/fifo-poem"
    server_expect_usage_error "a FIFO as the poem" "cannot read poem '$WORK/fifo-poem': not a regular file" \
        "$WORK/fifo-poem"
    server_expect_usage_error "/dev/zero as the poem" "cannot read poem '/dev/zero': not a regular file" /dev/zero
    truncate -s 65M "$WORK/huge-poem.txt"
    server_expect_usage_error "a poem larger than 64 MiB" "larger than 64 MiB" "$WORK/huge-poem.txt"
}

# server_quoting: arguments are quoted in messages: a newline cannot add a line, ESC is escaped.
server_quoting() {
    server_expect_usage_error "a port with a newline" "bad port '80\\n'" --port $'80\n' "$POETRY/tyger.txt"
    run_with_timeout 10 "$SERVER" $'no-such-\e[31mpoem' >/dev/null 2>"$WORK/esc.err"
    local status=$?
    if [ $status -eq 2 ] && ! grep -q $'\e' "$WORK/esc.err" && grep -qF "'no-such-\\x1b[31mpoem'" "$WORK/esc.err"; then
        ok "a poem name with an ESC byte: exit 2, the byte written as \\x1b"
    else
        not_ok "a poem name with an ESC byte: exit 2, the byte written as \\x1b" "status $status" \
            "$(od -c "$WORK/esc.err" | head -n 5)"
    fi
}

# server_delay_limit: a delay too large to sleep is refused, not cast into undefined behaviour.
server_delay_limit() {
    server_expect_usage_error "--delay 1e19" "bad delay '1e19'" --delay 1e19 "$POETRY/tyger.txt"
    server_expect_usage_error "--delay 1e300" "bad delay '1e300'" --delay 1e300 "$POETRY/tyger.txt"
    server_expect_usage_error "--delay 86401" "bad delay '86401'" --delay 86401 "$POETRY/tyger.txt"
}
