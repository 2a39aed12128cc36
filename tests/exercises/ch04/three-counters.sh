# Exercise ch04/three-counters: three countdowns on one reactor, each with its own count and pace; the
# reactor stops only when the last is done, then the program prints "all done". The counting takes a
# scheduler, so unit tests run it on a task_clock and assert the exact time of every line; two runs of
# the program on the real clock check the interleaving of its lines, with gaps of 0.1 s and more between
# them, and only wide bounds on its duration.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/unit_tests.sh"

build_exercise counters counters.c
COUNTERS="$WORK/counters"

cat >"$WORK/test_counters.c" <<'EOF'
/* Unit tests of counters.c on a task_clock: every line is stamped with the time it was written. */
#include "check_main.h"
#include "counters.h"
#include "task_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct task_clock *clock_;
static struct scheduler *sched;
static struct counters *counters;
static FILE *out;
static char *buffer;
static size_t length, consumed;
static char transcript[8192]; /* "T LINE\n" for each line written, T the time it appeared */
static int done_count;
static int free_in_done;

static void note(const char *line) {
    size_t used = strlen(transcript);
    snprintf(transcript + used, sizeof transcript - used, "%.3f %s\n", task_clock_seconds(clock_), line);
}

/* Stamps the lines written since the last call with the current time. */
static void collect(void) {
    fflush(out);
    while (consumed < length) {
        char *end = memchr(buffer + consumed, '\n', length - consumed);
        size_t n = end != NULL ? (size_t)(end - (buffer + consumed)) : length - consumed;
        char line[256];
        snprintf(line, sizeof line, "%.*s", (int)(n < 200 ? n : 200), buffer + consumed);
        note(line);
        consumed += n + (end != NULL);
    }
}

static void done(void *arg) {
    (void)arg;
    collect();
    done_count++;
    note("(done is told)");
    if (free_in_done) {
        counters_free(counters);
        counters = NULL;
    }
}

static void setup(void) {
    transcript[0] = '\0';
    done_count = free_in_done = 0;
    counters = NULL;
    buffer = NULL;
    length = consumed = 0;
    out = open_memstream(&buffer, &length);
    clock_ = task_clock_new();
    sched = task_clock_scheduler(clock_);
}

static void teardown(void) {
    counters_free(counters);
    counters = NULL;
    task_clock_free(clock_);
    fclose(out);
    free(buffer);
}

static void start(const struct counter_spec *specs, size_t n) {
    counters = counters_start(sched, specs, n, out, done, NULL);
    ck_assert_msg(counters != NULL, "counters_start returned NULL");
}

/* Runs what is due now, then moves the clock in steps of 1/8 s up to `until`, stamping each line. */
static void run_until(double until) {
    task_clock_advance(clock_, 0);
    collect();
    while (task_clock_seconds(clock_) < until) {
        task_clock_advance(clock_, 0.125);
        collect();
    }
}

/* Compares the transcript with the expected one, naming the first line that differs. */
static void expect(const char *expected) {
    const char *g = transcript, *e = expected;
    int line = 1;
    while (*g != '\0' && *e != '\0') {
        size_t gn = strcspn(g, "\n"), en = strcspn(e, "\n");
        if (gn != en || strncmp(g, e, gn) != 0)
            break;
        g += gn + (g[gn] != '\0');
        e += en + (e[en] != '\0');
        line++;
    }
    if (*g == '\0' && *e == '\0')
        return;
    ck_assert_msg(0, "line %d (time, then the line): expected '%.*s', got '%.*s'", line, (int)strcspn(e, "\n"),
                  *e ? e : "(nothing more)", (int)strcspn(g, "\n"), *g ? g : "(nothing more)");
}

START_TEST(the_first_ticks_run_on_the_next_pass_in_counter_order) {
    const struct counter_spec specs[] = {{3, 1.0}, {2, 0.75}, {4, 0.625}};
    start(specs, 3);
    collect();
    ck_assert_msg(transcript[0] == '\0', "counters_start wrote a line itself: %s", transcript);
    task_clock_advance(clock_, 0);
    collect();
    expect("0.000 counter 1: 3...\n"
           "0.000 counter 2: 2...\n"
           "0.000 counter 3: 4...\n");
}
END_TEST

START_TEST(each_line_comes_at_its_exact_time) {
    const struct counter_spec specs[] = {{3, 1.0}, {2, 0.75}, {4, 0.625}};
    start(specs, 3);
    run_until(5);
    expect("0.000 counter 1: 3...\n"
           "0.000 counter 2: 2...\n"
           "0.000 counter 3: 4...\n"
           "0.625 counter 3: 3...\n"
           "0.750 counter 2: 1...\n"
           "1.000 counter 1: 2...\n"
           "1.250 counter 3: 2...\n"
           "1.500 counter 2: done\n"
           "1.875 counter 3: 1...\n"
           "2.000 counter 1: 1...\n"
           "2.500 counter 3: done\n"
           "3.000 counter 1: done\n"
           "3.000 (done is told)\n");
}
END_TEST

START_TEST(done_is_told_once_after_the_last_counter_and_nothing_is_left) {
    const struct counter_spec specs[] = {{1, 0.25}, {2, 1.0}, {1, 0.5}};
    start(specs, 3);
    run_until(1.875);
    ck_assert_msg(done_count == 0, "done was told before the last counter finished (at t = 2):\n%s", transcript);
    run_until(2);
    ck_assert_msg(done_count == 1, "done was told %d times by t = 2, when the last counter finished", done_count);
    run_until(12);
    ck_assert_msg(done_count == 1, "done was told %d times, not once", done_count);
    ck_assert_msg(scheduler_pending(sched) == 0, "%zu calls still scheduled after the end",
                  scheduler_pending(sched));
}
END_TEST

START_TEST(a_count_of_0_is_done_at_once_and_a_count_of_1_ticks_once) {
    const struct counter_spec specs[] = {{0, 1.0}, {1, 0.5}, {2, 0.375}};
    start(specs, 3);
    run_until(3);
    expect("0.000 counter 1: done\n"
           "0.000 counter 2: 1...\n"
           "0.000 counter 3: 2...\n"
           "0.375 counter 3: 1...\n"
           "0.500 counter 2: done\n"
           "0.750 counter 3: done\n"
           "0.750 (done is told)\n");
}
END_TEST

START_TEST(three_counts_of_0_end_at_once) {
    const struct counter_spec specs[] = {{0, 1.0}, {0, 2.0}, {0, 0.5}};
    start(specs, 3);
    run_until(3);
    expect("0.000 counter 1: done\n"
           "0.000 counter 2: done\n"
           "0.000 counter 3: done\n"
           "0.000 (done is told)\n");
}
END_TEST

START_TEST(one_counter_alone) {
    const struct counter_spec specs[] = {{2, 0.5}};
    start(specs, 1);
    run_until(3);
    expect("0.000 counter 1: 2...\n"
           "0.500 counter 1: 1...\n"
           "1.000 counter 1: done\n"
           "1.000 (done is told)\n");
}
END_TEST

START_TEST(free_before_the_end_cancels_the_ticks) {
    const struct counter_spec specs[] = {{3, 1.0}, {2, 0.75}, {4, 0.625}};
    start(specs, 3);
    run_until(1);
    counters_free(counters);
    counters = NULL;
    ck_assert_msg(scheduler_pending(sched) == 0, "after counters_free, %zu ticks are still scheduled",
                  scheduler_pending(sched));
    long ran = task_clock_advance(clock_, 10);
    ck_assert_msg(ran == 0, "after counters_free, %ld ticks still ran", ran);
    ck_assert_msg(done_count == 0, "done was told after counters_free");
}
END_TEST

START_TEST(done_may_free_the_counters) {
    const struct counter_spec specs[] = {{1, 0.5}, {2, 0.25}, {0, 1.0}};
    free_in_done = 1;
    start(specs, 3);
    run_until(3);
    ck_assert_msg(done_count == 1, "done was told %d times, not once", done_count);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("counters");
    TCase *tc = tcase_create("counters");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_first_ticks_run_on_the_next_pass_in_counter_order);
    tcase_add_test(tc, each_line_comes_at_its_exact_time);
    tcase_add_test(tc, done_is_told_once_after_the_last_counter_and_nothing_is_left);
    tcase_add_test(tc, a_count_of_0_is_done_at_once_and_a_count_of_1_ticks_once);
    tcase_add_test(tc, three_counts_of_0_end_at_once);
    tcase_add_test(tc, one_counter_alone);
    tcase_add_test(tc, free_before_the_end_cancels_the_ticks);
    tcase_add_test(tc, done_may_free_the_counters);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
EOF

# The hint for each unit test, by name.
hint_for() {
    case "$1" in
    the_first_ticks_run_on_the_next_pass_in_counter_order)
        echo "counters_start (as the starter gives it) schedules each counter's first tick with a delay of 0; the first tick writes the count" ;;
    each_line_comes_at_its_exact_time | a_count_of_0_* | one_counter_alone)
        echo "each tick writes one line, then schedules the counter's next tick 'interval' seconds later; after '1...' comes 'done', one interval later" ;;
    done_is_told_once_* | three_counts_of_0_end_at_once)
        echo "every counter says 'done', but only the last one to do so may tell done: the counters need something they share" ;;
    free_before_the_end_cancels_the_ticks)
        echo "counters_free cancels the ticks through their handles: keep the handle of each newly scheduled tick where counters_free looks for it" ;;
    done_may_free_the_counters)
        echo "telling done must be the last thing a tick does: done may have freed everything" ;;
    *) echo "read the contract in counters.h again" ;;
    esac
}

UNIT_HEADER=counters.h
build_unit_tests test_counters test_counters.c counters.c
run_unit_tests "$WORK/test_counters"
check_leaks "$WORK/test_counters"

# The program.
if run_with_timeout 10 "$COUNTERS" --help >"$WORK/help.out" 2>"$WORK/help.err" && grep -q '^usage: counters' "$WORK/help.out"; then
    ok "--help prints usage to stdout and exits 0"
else
    not_ok "--help prints usage to stdout and exits 0" "$(show "$WORK/help.out")" \
        "hint: the starter did this; did an edit move the --help check?"
fi
for args in "1:1 2:2" "1:1 2:2 3:3 4:4" "a:1 1:1 1:1" "1:x 1:1 1:1" "-1:1 1:1 1:1" "--bogus 1:1 1:1 1:1"; do
    # shellcheck disable=SC2086
    run_with_timeout 10 "$COUNTERS" $args >"$WORK/bad.out" 2>"$WORK/bad.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] && grep -q '^counters: ' "$WORK/bad.err" &&
        [ ! -s "$WORK/bad.out" ]; then
        ok "'counters $args': exit 2 with a one-line error"
    else
        not_ok "'counters $args': exit 2 with a one-line error" "status $status, stderr:" "$(show "$WORK/bad.err")" \
            "hint: the starter did this: three arguments COUNT:SECONDS, anything else is a bad command line"
    fi
done

# run_counters NAME MIN ARGS...: runs the program; the lines must come in the order of $WORK/NAME.expected,
# and the run must take at least MIN seconds (what the intervals guarantee) and less than 4 times that.
run_counters() {
    local name=$1 min=$2 started took status
    shift 2
    started=$(now)
    run_with_timeout 15 "$COUNTERS" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
    status=$?
    took=$(elapsed_since "$started")
    if [ $status -eq 0 ] && cmp -s "$WORK/$name.out" "$WORK/$name.expected" && [ ! -s "$WORK/$name.err" ]; then
        ok "counters $*: the lines interleave in time order, 'all done' last; exit 0"
    else
        local first
        first=$(cmp "$WORK/$name.out" "$WORK/$name.expected" 2>/dev/null | sed 's/.*line //')
        not_ok "counters $*: the lines interleave in time order, 'all done' last; exit 0" \
            "status $status; line ${first:-?} is not what was due then; stdout:" "$(show "$WORK/$name.out")" \
            "stderr:" "$(show "$WORK/$name.err")" \
            "hint: each counter writes a number per interval, then 'done' one interval after '1...'; the reactor stops only after the last 'done'"
    fi
    if ! less_than "$took" "$min" && less_than "$took" "$(awk -v m="$min" 'BEGIN { print 4 * m }')"; then
        ok "counters $*: takes from ${min}s (the longest counter) to $(awk -v m="$min" 'BEGIN { print 4 * m }')s (${took}s)"
    else
        not_ok "counters $*: takes from ${min}s (the longest counter) to $(awk -v m="$min" 'BEGIN { print 4 * m }')s" \
            "took ${took}s" \
            "hint: the program may end only when the slowest counter is done, and the counters run at the same time, not one after another"
    fi
}

printf '%s\n' "counter 1: 3..." "counter 2: 2..." "counter 3: 1..." "counter 1: 2..." "counter 3: done" \
    "counter 1: 1..." "counter 2: 1..." "counter 1: done" "counter 2: done" "all done" >"$WORK/mixed.expected"
run_counters mixed 2.0 3:0.4 2:1.0 1:0.6

printf '%s\n' "counter 1: 4..." "counter 2: 1..." "counter 3: done" "counter 2: done" "counter 1: 3..." \
    "counter 1: 2..." "counter 1: 1..." "counter 1: done" "all done" >"$WORK/first-last.expected"
run_counters first-last 1.0 4:0.25 1:0.1 0:0

done_testing
