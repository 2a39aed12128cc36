# Exercise ch04/looping-countdown: chapter 4's countdown on a looping call. The program must write
# exactly what code/ch04's countdown writes; unit tests on a task_clock check that the numbers come at
# 0, I, 2I, ... (aligned to the start, as a looping call's ticks are) and that the loop ends itself and
# tells done once, with 0; and the program's CPU time shows that it sleeps between ticks.
. "$ROOT/tests/support/lib.sh"
. "$ROOT/tests/support/unit_tests.sh"

build_exercise countdown-loop countdown-loop.c
LOOP="$WORK/countdown-loop"

cat >"$WORK/test_countdown_loop.c" <<'EOF'
/* Unit tests of countdown-loop.c on a task_clock: every line is stamped with the time it was written. */
#include "check_main.h"
#include "countdown_loop.h"
#include "task_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct task_clock *clock_;
static struct scheduler *sched;
static struct countdown *countdown;
static FILE *out;
static char *buffer;
static size_t length, consumed;
static char transcript[8192]; /* "T LINE\n" for each line written, T the time it appeared */
static int done_count;

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

static void done(void *arg, int status) {
    (void)arg;
    collect();
    done_count++;
    char line[64];
    snprintf(line, sizeof line, "(done is told, status %d)", status);
    note(line);
}

static void setup(void) {
    transcript[0] = '\0';
    done_count = 0;
    buffer = NULL;
    length = consumed = 0;
    out = open_memstream(&buffer, &length);
    clock_ = task_clock_new();
    sched = task_clock_scheduler(clock_);
    countdown = NULL;
}

static void teardown(void) {
    countdown_free(countdown);
    countdown = NULL;
    task_clock_free(clock_);
    fclose(out);
    free(buffer);
}

static void start(long from, double interval) {
    countdown = countdown_new(sched, from, out, done, NULL);
    ck_assert_msg(countdown != NULL, "countdown_new returned NULL");
    int err = countdown_start(countdown, interval);
    ck_assert_msg(err == 0, "countdown_start returned %d, not 0", err);
    collect();
}

/* Moves the clock in steps of 1/8 s up to `until`, stamping each line. */
static void run_until(double until) {
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

START_TEST(the_first_number_comes_before_start_returns) {
    start(3, 0.5);
    expect("0.000 3...\n");
}
END_TEST

START_TEST(the_numbers_come_at_0_I_2I_then_stop_and_done_once) {
    start(3, 0.5);
    run_until(5);
    expect("0.000 3...\n"
           "0.500 2...\n"
           "1.000 1...\n"
           "1.500 Stop!\n"
           "1.500 (done is told, status 0)\n");
    ck_assert_msg(done_count == 1, "done was told %d times, not once", done_count);
    ck_assert_msg(scheduler_pending(sched) == 0, "%zu calls still scheduled after Stop!", scheduler_pending(sched));
}
END_TEST

START_TEST(from_1_is_one_number_then_stop) {
    start(1, 0.25);
    run_until(2);
    expect("0.000 1...\n"
           "0.250 Stop!\n"
           "0.250 (done is told, status 0)\n");
}
END_TEST

START_TEST(a_late_tick_does_not_shift_the_next) {
    start(4, 1.0);
    task_clock_advance(clock_, 1.5); /* the tick due at 1 runs late, at 1.5 */
    collect();
    task_clock_advance(clock_, 0.5); /* the next is due at 2, as the start set it */
    collect();
    expect("0.000 4...\n"
           "1.500 3...\n"
           "2.000 2...\n");
}
END_TEST

START_TEST(an_interval_of_0_ticks_on_every_pass) {
    start(2, 0);
    task_clock_advance(clock_, 0);
    collect();
    task_clock_advance(clock_, 0);
    collect();
    expect("0.000 2...\n"
           "0.000 1...\n"
           "0.000 Stop!\n"
           "0.000 (done is told, status 0)\n");
}
END_TEST

START_TEST(free_before_the_end_stops_the_loop) {
    start(5, 1.0);
    run_until(1);
    countdown_free(countdown);
    countdown = NULL;
    ck_assert_msg(scheduler_pending(sched) == 0, "after countdown_free, %zu calls are still scheduled",
                  scheduler_pending(sched));
    ck_assert_msg(task_clock_advance(clock_, 10) == 0, "calls still ran after countdown_free");
    expect("0.000 5...\n"
           "1.000 4...\n");
}
END_TEST

int main(void) {
    Suite *suite = suite_create("countdown-loop");
    TCase *tc = tcase_create("countdown-loop");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_first_number_comes_before_start_returns);
    tcase_add_test(tc, the_numbers_come_at_0_I_2I_then_stop_and_done_once);
    tcase_add_test(tc, from_1_is_one_number_then_stop);
    tcase_add_test(tc, a_late_tick_does_not_shift_the_next);
    tcase_add_test(tc, an_interval_of_0_ticks_on_every_pass);
    tcase_add_test(tc, free_before_the_end_stops_the_loop);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
EOF

# The hint for each unit test, by name.
hint_for() {
    case "$1" in
    the_first_number_comes_before_start_returns)
        echo "looping_call_start's last argument says whether the first call happens at once" ;;
    the_numbers_come_at_0_I_2I_then_stop_and_done_once | from_1_is_one_number_then_stop | an_interval_of_0_ticks_on_every_pass)
        echo "one line per call of the loop's function; after '1...' the next call writes 'Stop!' and stops the loop from inside; done hears of it through the looping call's own done callback (looping_call_on_done)" ;;
    a_late_tick_does_not_shift_the_next)
        echo "a looping call keeps its ticks aligned to the start time; a countdown that schedules its own next tick with call-later drifts after a late tick" ;;
    free_before_the_end_stops_the_loop)
        echo "countdown_free (as the starter gives it) frees the looping call; the loop must be the one in countdown->loop" ;;
    *) echo "read the contract in countdown_loop.h again" ;;
    esac
}

UNIT_HEADER=countdown_loop.h
build_unit_tests test_countdown_loop test_countdown_loop.c countdown-loop.c
run_unit_tests "$WORK/test_countdown_loop"
check_leaks "$WORK/test_countdown_loop"

# The program.
if run_with_timeout 10 "$LOOP" --help >"$WORK/help.out" 2>"$WORK/help.err" && grep -q '^usage: countdown-loop' "$WORK/help.out"; then
    ok "--help prints usage to stdout and exits 0"
else
    not_ok "--help prints usage to stdout and exits 0" "$(show "$WORK/help.out")" \
        "hint: the starter did this; did an edit move the --help check?"
fi
for args in "--from 0" "--interval -1" "--from" "--bogus"; do
    # shellcheck disable=SC2086
    run_with_timeout 10 "$LOOP" $args >"$WORK/bad.out" 2>"$WORK/bad.err"
    status=$?
    if [ $status -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] && grep -q '^countdown-loop: ' "$WORK/bad.err" &&
        [ ! -s "$WORK/bad.out" ]; then
        ok "'countdown-loop $args': exit 2 with a one-line error"
    else
        not_ok "'countdown-loop $args': exit 2 with a one-line error" "status $status, stderr:" "$(show "$WORK/bad.err")" \
            "hint: the starter did this, as countdown does; did an edit change the command line?"
    fi
done

# The same output as chapter 4's countdown, for several counts.
for args in "--from 3 --interval 0.05" "--from=1 --interval=0.01" "--interval 0" "--from 12 --interval 0"; do
    # shellcheck disable=SC2086
    run_with_timeout 10 "$BIN/countdown" $args >"$WORK/real.out" 2>/dev/null
    # shellcheck disable=SC2086
    run_with_timeout 10 "$LOOP" $args >"$WORK/loop.out" 2>"$WORK/loop.err"
    status=$?
    if [ $status -eq 0 ] && [ -s "$WORK/real.out" ] && cmp -s "$WORK/loop.out" "$WORK/real.out" && [ ! -s "$WORK/loop.err" ]; then
        ok "'countdown-loop $args' writes what countdown writes; exit 0"
    else
        not_ok "'countdown-loop $args' writes what countdown writes; exit 0" "status $status; stdout:" \
            "$(show "$WORK/loop.out")" "stderr:" "$(show "$WORK/loop.err")" \
            "hint: run code/ch04/build/countdown with the same options and compare; the program ends when the countdown's done function stops the reactor"
    fi
done

# It sleeps between ticks: 5 intervals of 0.2 s take at least 1 s (the reactor's waits guarantee it),
# with almost no CPU time.
started=$(now)
TIMEFORMAT='%U %S'
{ time run_with_timeout 10 "$LOOP" --from 5 --interval 0.2 >"$WORK/cpu.out" 2>"$WORK/cpu.err"; } 2>"$WORK/cpu.time"
status=$?
took=$(elapsed_since "$started")
cpu=$(awk '{ printf "%.3f\n", $1 + $2 }' "$WORK/cpu.time")
if [ $status -eq 0 ] && [ "$(wc -l <"$WORK/cpu.out")" -eq 6 ] && ! less_than "$took" 1.0 && less_than "$took" 5 &&
    less_than "$cpu" 0.3; then
    ok "--from 5 --interval 0.2: takes 1 s to 5 s (${took}s) with almost no CPU (${cpu}s)"
else
    not_ok "--from 5 --interval 0.2: takes 1 s to 5 s with almost no CPU" \
        "status $status; ${cpu}s of CPU in ${took}s; stdout:" "$(show "$WORK/cpu.out")" \
        "hint: between ticks the reactor should sleep until the looping call's next tick is due; a loop that keeps checking the time burns the CPU"
fi

done_testing
