# unit_tests.sh: for exercise tests that drive the reader's code with Check unit tests (typically on a
# task_clock, so that time-dependent code is tested without sleeping). Source it after lib.sh.
# A test using it defines UNIT_HEADER (the header its unit tests include, named in a hint) and
# hint_for NAME (the hint for a failing unit test NAME); UNIT_LABEL, if set, begins each case's name
# instead of "on the task_clock: ".

# build_unit_tests OUTPUT TEST.c SOURCE...: compiles the exercise's SOURCEs (a main in them renamed
# exercise_main, so that the tests' own main is the one that runs) and the Check unit tests $WORK/TEST.c
# against the exercise's headers, and links them with the snapshot's library into $WORK/OUTPUT.
build_unit_tests() {
    local output=$1 test_source=$2 objects=() source
    shift 2
    : >"$WORK/unit-build.log"
    for source in "$@"; do
        objects+=("$WORK/unit-${source%.c}.o")
        # shellcheck disable=SC2086
        ${CC:-cc} ${CFLAGS:-} -Dmain=exercise_main -I"$SNAPSHOT" -c -o "$WORK/unit-${source%.c}.o" \
            "$EXDIR/$source" >>"$WORK/unit-build.log" 2>&1 || break
    done
    # shellcheck disable=SC2086,SC2046
    if [ ! -s "$WORK/unit-build.log" ] &&
        ${CC:-cc} ${CFLAGS:-} -I"$EXDIR" -I"$SNAPSHOT" -I"$ROOT/tests/support" -o "$WORK/$output" \
            "$WORK/$test_source" "${objects[@]}" "$BIN/libreactor.a" ${LDFLAGS:-} $(pkg-config --cflags --libs check) \
            -lm -lpthread >"$WORK/unit-build.log" 2>&1; then
        ok "the unit tests build with your code"
    else
        not_ok "the unit tests build with your code" "$(head -n 20 "$WORK/unit-build.log")" \
            "hint: the tests use $UNIT_HEADER as the starter gives it; keep its declarations as they are"
        done_testing
    fi
}

# run_unit_tests EXE: runs the Check unit tests (fork mode, TAP) and records each as a case, a failing
# one with its message and the hint that `hint_for TEST_NAME` gives. Sets unit_failures.
run_unit_tests() {
    local exe=$1 line rest name message status seen=0
    unit_failures=0
    run_with_timeout 120 "$exe" >"$WORK/unit.tap" 2>"$WORK/unit.err"
    status=$?
    while IFS= read -r line; do
        case "$line" in
        "ok "* | "not ok "*)
            seen=$((seen + 1))
            rest=${line#* - }           # FILE.c:TCASE:NAME: MESSAGE
            rest=${rest#*.c:}
            rest=${rest#*:}             # NAME: MESSAGE
            name=${rest%%:*}
            message=${rest#*: }
            if [ "${line%% *}" = ok ]; then
                ok "${UNIT_LABEL-on the task_clock: }${name//_/ }"
            else
                unit_failures=$((unit_failures + 1))
                case "$message" in
                "Received signal"* | "Early exit"*)
                    not_ok "${UNIT_LABEL-on the task_clock: }${name//_/ }" "$message; stderr of the unit tests:" \
                        "$(head -n 12 "$WORK/unit.err")" "hint: $(hint_for "$name")"
                    ;;
                *) not_ok "${UNIT_LABEL-on the task_clock: }${name//_/ }" "$message" "hint: $(hint_for "$name")" ;;
                esac
            fi
            ;;
        esac
    done <"$WORK/unit.tap"
    if [ $seen -eq 0 ] || [ $status -eq 124 ]; then
        unit_failures=$((unit_failures + 1))
        not_ok "the unit tests run to the end" "exit status $status; stderr:" "$(head -n 12 "$WORK/unit.err")" \
            "hint: a call that never returns (a loop waiting for time that only the test can move?) or a crash"
    fi
}

# check_leaks EXE: runs the unit tests again, all in one process (CK_FORK=no), under valgrind, which
# must find no leak and no invalid access. Skipped under the sanitizers (which check every test in
# its own process already), without valgrind, and while unit tests fail.
check_leaks() {
    local exe=$1 status
    if [[ ${CFLAGS:-} == *sanitize* ]]; then
        ok "valgrind finds no leak # SKIP the sanitizers check each unit test instead"
    elif ! command -v valgrind >/dev/null 2>&1; then
        ok "valgrind finds no leak # SKIP needs valgrind, which is not installed"
    elif [ "$unit_failures" -gt 0 ]; then
        ok "valgrind finds no leak # SKIP until the unit tests pass"
    else
        CK_FORK=no run_with_timeout 120 valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --error-exitcode=99 "$exe" >"$WORK/valgrind.out" 2>"$WORK/valgrind.err"
        status=$?
        if [ $status -eq 0 ]; then
            ok "valgrind finds no leak and no invalid access (all unit tests in one process)"
        else
            not_ok "valgrind finds no leak and no invalid access (all unit tests in one process)" \
                "exit status $status; valgrind says:" "$(grep -v '^==[0-9]*== *$' "$WORK/valgrind.err" | head -n 25)" \
                "hint: every allocation needs a free on every path (the end, a cancel, a free while waiting), and nothing may be touched after it is freed"
        fi
    fi
}
