# test_deliverable.sh: for exercises whose deliverable is a test (chapter 10). Source it after lib.sh.
# The reader's Check tests are built and run against the real code (they must pass) and against
# deliberately broken copies of it (each must make at least one of them fail): a test that passes on
# broken code tests nothing.

# build_reader_tests OUTPUT TEST.c [OBJECT...]: compiles $EXDIR/TEST.c (with the given extra objects or
# sources, which come before the library, so that a broken copy replaces the real module) against the
# snapshot into $WORK/OUTPUT. Status 0 if it built; the log is in $WORK/OUTPUT.build.
build_reader_tests() {
    local output=$1 test_source=$2
    shift 2
    # shellcheck disable=SC2086,SC2046
    ${CC:-cc} ${CFLAGS:-} -I"$EXDIR" -I"$SNAPSHOT" -I"$ROOT/tests/support" -o "$WORK/$output" "$EXDIR/$test_source" \
        "$@" "$BIN/libreactor.a" ${LDFLAGS:-} $(pkg-config --cflags --libs check) -lm -lpthread \
        >"$WORK/$output.build" 2>&1
}

# run_reader_tests EXE: runs the tests (fork mode, TAP) into $WORK/EXE.tap; sets reader_passed,
# reader_failed; status 0 when every test passed and there was at least one.
run_reader_tests() {
    local exe=$1
    run_with_timeout 120 "$WORK/$exe" >"$WORK/$exe.tap" 2>"$WORK/$exe.err"
    local status=$?
    reader_passed=$(grep -c '^ok ' "$WORK/$exe.tap")
    reader_failed=$(grep -c '^not ok ' "$WORK/$exe.tap")
    [ "$status" -eq 0 ] && [ "$reader_passed" -gt 0 ] && [ "$reader_failed" -eq 0 ]
}

# broken_copy SOURCE DEST SED-SCRIPT: DEST is SOURCE with SED-SCRIPT applied; fails (and records a
# failing case) if the script changed nothing, so that a drift in the real code is noticed here.
broken_copy() {
    sed "$3" "$1" >"$2"
    if cmp -s "$1" "$2"; then
        not_ok "the checker can make a broken copy of $(basename "$1")" \
            "the sed script '$3' no longer matches: this checker needs updating"
        return 1
    fi
}

# expect_caught NAME WHAT HINT OBJECT...: builds the reader's tests with the broken OBJECTs and checks
# that at least one of them fails. $READER_TESTS names the test file.
expect_caught() {
    local name=$1 what=$2 hint=$3
    shift 3
    if ! build_reader_tests "broken-$name" "$READER_TESTS" "$@"; then
        not_ok "your tests catch $what" "they do not build against the broken copy:" \
            "$(head -n 10 "$WORK/broken-$name.build")"
        return
    fi
    if run_reader_tests "broken-$name"; then
        not_ok "your tests catch $what" "all $reader_passed of your tests pass on code with that bug" "hint: $hint"
    else
        ok "your tests catch $what"
    fi
}

# expect_real_passes EXE OBJECT...: builds the reader's tests (with the real OBJECTs) and checks that
# every one passes; stops the test (done_testing) if they do not build or do not pass.
expect_real_passes() {
    local exe=$1
    shift
    if ! build_reader_tests "$exe" "$READER_TESTS" "$@"; then
        not_ok "$READER_TESTS compiles" "$(head -n 20 "$WORK/$exe.build")" \
            "hint: the starter compiled as given; fix the first error above, then check again"
        done_testing
    fi
    ok "$READER_TESTS compiles"
    if run_reader_tests "$exe"; then
        ok "all $reader_passed of your tests pass on the real code"
    else
        not_ok "your tests pass on the real code" "$reader_passed passed, $reader_failed failed:" \
            "$(grep -A 2 '^not ok' "$WORK/$exe.tap" | head -n 12)" "$(head -n 5 "$WORK/$exe.err")" \
            "hint: a test must pass on code that is right; fix the test, not the code"
        done_testing
    fi
}
