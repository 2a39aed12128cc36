# Chapter 9's pool-demo: blocking work on the reactor's thread pool, progress through calls from threads,
# the loop ticking meanwhile. Order is asserted, never a time: each job's progress comes in order and
# before its done line, every done line says it ran on the reactor's thread, and a tick comes between the
# first progress line and the last done line (the loop was free while the work blocked).
. "$ROOT/tests/support/lib.sh"
DEMO="$BIN/pool-demo"

if "$DEMO" --help >"$WORK/help" 2>&1 && grep -q '^usage: pool-demo' "$WORK/help"; then
    ok "--help prints usage and exits 0"
else
    not_ok "--help prints usage and exits 0" "$(show "$WORK/help")"
fi
for bad in "--jobs 0" "--jobs x" "--threads 0" "--work -1" "--tick 0" "--nope"; do
    # shellcheck disable=SC2086
    run_with_timeout 10 "$DEMO" $bad >"$WORK/out" 2>"$WORK/err"
    status=$?
    if [ $status -eq 2 ] && [ "$(head -n 1 "$WORK/err" | grep -c '^pool-demo: ')" = 1 ]; then
        ok "pool-demo $bad: exit 2 and one line 'pool-demo: ...'"
    else
        not_ok "pool-demo $bad: exit 2 and one line 'pool-demo: ...'" "status $status; $(show "$WORK/err")"
    fi
done

# check_run JOBS THREADS: one run, its output checked.
check_run() {
    local jobs=$1 threads=$2 what="pool-demo --jobs $1 --threads $2"
    if ! run_with_timeout 60 "$DEMO" --jobs "$jobs" --threads "$threads" --work 0.2 --tick 0.02 >"$WORK/out" 2>"$WORK/err"; then
        not_ok "$what: exits 0" "$(show "$WORK/err")"
        return
    fi
    ok "$what: exits 0"
    local problems
    problems=$(awk -v jobs="$jobs" '
        /^job [0-9]+: [0-9]+%$/ { j = $2 + 0; p = $3 + 0; if (p != last[j] + 25) print "job " j ": " p "% after " last[j] "%"; last[j] = p
                                  if (!first) first = NR; next }
        /^job [0-9]+: done, on the reactor.s thread$/ { j = $2 + 0; if (last[j] != 100) print "job " j " done before 100%"
                                                        done[j]++; lastdone = NR; next }
        /^tick [0-9]+$/ { ticks[++nt] = NR; next }
        { print "unexpected line: " $0 }
        END {
            for (j = 1; j <= jobs; j++) if (done[j] != 1) print "job " j " done " done[j] + 0 " times"
            between = 0; for (i = 1; i <= nt; i++) if (ticks[i] > first && ticks[i] < lastdone) between = 1
            if (!between) print "no tick between the first progress line and the last done line"
        }' "$WORK/out")
    if [ -z "$problems" ]; then
        ok "$what: each job reports 25..100% in order, is done once on the reactor's thread, and the loop ticks meanwhile"
    else
        not_ok "$what: each job reports 25..100% in order, is done once on the reactor's thread, and the loop ticks meanwhile" \
            "$problems" "$(head -n 40 "$WORK/out")"
    fi
}
check_run 3 10
check_run 8 2

if [[ $BIN == *san* ]] || [[ $BIN == *tsan* ]] || ! command -v valgrind >/dev/null 2>&1; then
    ok "pool-demo under valgrind # SKIP a sanitizer build, or no valgrind"
elif run_with_timeout 120 valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    "$DEMO" --jobs 3 --work 0.1 >/dev/null 2>"$WORK/vg.err"; then
    ok "pool-demo under valgrind: no leak, no invalid access"
else
    not_ok "pool-demo under valgrind: no leak, no invalid access" "$(show "$WORK/vg.err")"
fi
done_testing
