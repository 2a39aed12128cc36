/* Chapter 8's poetry tasks (poetry_tasks.h), with fake downloads and no sockets: init refuses what it
 * cannot run and numbers the tasks; the limits' options take their values and leave other arguments
 * alone; a run writes the poems in argument order however the downloads finish, passes each poem
 * through the step, counts a failed download, a download that cannot start and a failing step as
 * failed tasks, and stops after the last. */
#include "check_main.h"
#include "deferred.h"
#include "failure.h"
#include "poem.h"
#include "poetry_tasks.h"
#include "reactor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct poem *make_poem(const char *text) {
    struct poem *p = calloc(1, sizeof *p);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(poem_append(p, text, strlen(text), 1 << 20), 0);
    return p;
}

static int never_start(struct poetry_task *task, void *context, struct deferred **out) {
    (void)task, (void)context, (void)out;
    return -ENOSYS;
}

START_TEST(init_refuses_no_tasks_and_no_hooks_and_numbers_the_tasks) {
    struct poetry_tasks all;
    struct poetry_tasks_hooks hooks = {.start = never_start};
    ck_assert_int_eq(poetry_tasks_init(&all, "test", 0, &hooks), -EINVAL);
    poetry_tasks_free(&all);
    ck_assert_int_eq(poetry_tasks_init(&all, "test", 2, NULL), -EINVAL);
    poetry_tasks_free(&all);
    ck_assert_int_eq(poetry_tasks_init(&all, "test", 3, &hooks), 0);
    ck_assert_int_eq(all.count, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(all.tasks[i].number, i + 1);
        ck_assert_int_eq(all.tasks[i].state, POETRY_TASK_RUNNING);
        ck_assert_ptr_eq(all.tasks[i].all, &all);
        ck_assert_ptr_null(all.tasks[i].poem);
    }
    ck_assert(all.hooks.start == never_start);
    ck_assert_uint_eq(all.limits.max_size, 64u << 20);
    poetry_tasks_free(&all);
    ck_assert_int_eq(poetry_tasks_init(&all, "test", 1, &(struct poetry_tasks_hooks){0}), 0);
    ck_assert(all.hooks.start == poetry_tasks_start_address); /* no start hook: the IPv4 one */
    poetry_tasks_free(&all);
}
END_TEST

START_TEST(the_limit_options_take_their_values_and_nothing_else) {
    char *argv[] = {"prog", "--max-size",     "64K", "--connect-timeout",
                    "2.5",  "--idle-timeout", "0",   "--timeout",
                    "9",    "1234",           NULL};
    int argc = 10;
    struct poetry_client_limits limits;
    poetry_client_limits_default(&limits);
    int i = 1;
    ck_assert_int_eq(poetry_tasks_limit_option(argc, argv, &i, "prog", &limits), 1);
    ck_assert_int_eq(i, 2); /* at the value: the caller's loop steps past it */
    ck_assert_uint_eq(limits.max_size, 64 * 1024);
    i = 3;
    ck_assert_int_eq(poetry_tasks_limit_option(argc, argv, &i, "prog", &limits), 1);
    ck_assert_int_eq(i, 4);
    ck_assert(limits.connect_timeout == 2.5);
    i = 5;
    ck_assert_int_eq(poetry_tasks_limit_option(argc, argv, &i, "prog", &limits), 1);
    ck_assert(limits.idle_timeout == 0);
    i = 7; /* --timeout is get-poetry's own */
    ck_assert_int_eq(poetry_tasks_limit_option(argc, argv, &i, "prog", &limits), 0);
    ck_assert_int_eq(i, 7);
    ck_assert(limits.timeout == 0);
    i = 9;
    ck_assert_int_eq(poetry_tasks_limit_option(argc, argv, &i, "prog", &limits), 0);
}
END_TEST

/* ---- Fake downloads: task N's poem comes after delays[N-1] seconds, or its download fails. ---- */

struct fake {
    const char *poems[4]; /* NULL: the download fails */
    double delays[4];
    int cannot_start; /* a task number whose start returns an error, or 0 */
    int step_fails;   /* a task number whose step fails, or 0 */
    int steps;
};

struct fake_download {
    const char *text;
};

static struct deferred_result fake_fire(void *arg) {
    struct fake_download *dl = arg;
    const char *text = dl->text;
    free(dl);
    if (text == NULL)
        return deferred_failure(failure_new(-ECONNRESET, "fake reset"));
    return deferred_value(make_poem(text), poem_free);
}

static int fake_start(struct poetry_task *task, void *context, struct deferred **out) {
    struct fake *fake = context;
    if (task->number == fake->cannot_start)
        return -ENOMEM;
    struct fake_download *dl = malloc(sizeof *dl);
    ck_assert_ptr_nonnull(dl);
    dl->text = fake->poems[task->number - 1];
    return deferred_later(reactor_scheduler(task->all->reactor), fake->delays[task->number - 1], fake_fire,
                          dl, out);
}

/* The step: the poem in upper case, or a failure for fake->step_fails. */
static struct deferred_result fake_step(struct deferred_result result, void *arg) {
    struct poetry_task *task = arg;
    struct fake *fake = task->all->hooks.context;
    fake->steps += 1;
    if (task->number == fake->step_fails) {
        deferred_result_free(result);
        return deferred_failure(failure_new(-EPROTO, "fake step failed"));
    }
    struct poem *poem = result.value;
    for (size_t i = 0; i < poem->len; i++)
        if (poem->bytes[i] >= 'a' && poem->bytes[i] <= 'z')
            poem->bytes[i] = (char)(poem->bytes[i] - 'a' + 'A');
    return result;
}

/* Runs count tasks with fake, stdout going to a file; returns what stdout got (the caller frees it). */
static char *run_capturing(struct fake *fake, int count, deferred_fn step, int *failures,
                           enum poetry_task_state *states) {
    FILE *file = tmpfile();
    ck_assert_ptr_nonnull(file);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(dup2(fileno(file), STDOUT_FILENO), 0);
    struct poetry_tasks all;
    struct poetry_tasks_hooks hooks = {.start = fake_start, .step = step, .context = fake};
    ck_assert_int_eq(poetry_tasks_init(&all, "test", count, &hooks), 0);
    for (int i = 0; i < count; i++)
        snprintf(all.tasks[i].who, sizeof all.tasks[i].who, "fake%d", i + 1);
    *failures = poetry_tasks_run(&all);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    for (int i = 0; i < count; i++)
        states[i] = all.tasks[i].state;
    poetry_tasks_free(&all);
    ck_assert_int_eq(fseek(file, 0, SEEK_END), 0);
    long len = ftell(file);
    ck_assert_int_ge(len, 0);
    rewind(file);
    char *out = calloc((size_t)len + 1, 1);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(fread(out, 1, (size_t)len, file), (size_t)len);
    fclose(file);
    return out;
}

START_TEST(poems_come_out_in_argument_order_however_the_downloads_finish) {
    /* the first finishes last: the others wait for it */
    struct fake fake = {.poems = {"one\n", "two\n", "three\n"}, .delays = {0.05, 0, 0.01}};
    int failures = -1;
    enum poetry_task_state states[3];
    char *out = run_capturing(&fake, 3, NULL, &failures, states);
    ck_assert_str_eq(out, "one\ntwo\nthree\n");
    ck_assert_int_eq(failures, 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(states[i], POETRY_TASK_DONE);
    free(out);
}
END_TEST

START_TEST(the_step_changes_each_poem_and_failures_are_counted_and_skipped) {
    struct fake fake = {.poems = {"one\n", NULL, "three\n", "four\n"},
                        .delays = {0.02, 0, 0, 0.01},
                        .cannot_start = 3,
                        .step_fails = 4};
    int failures = -1;
    enum poetry_task_state states[4];
    char *out = run_capturing(&fake, 4, fake_step, &failures, states);
    ck_assert_str_eq(out, "ONE\n"); /* 2: reset; 3: never started; 4: its step failed */
    ck_assert_int_eq(failures, 3);
    ck_assert_int_eq(states[0], POETRY_TASK_DONE);
    ck_assert_int_eq(states[1], POETRY_TASK_FAILED);
    ck_assert_int_eq(states[2], POETRY_TASK_FAILED);
    ck_assert_int_eq(states[3], POETRY_TASK_FAILED);
    ck_assert_int_eq(fake.steps, 2); /* only downloads that worked reach the step */
    free(out);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("poetry_tasks");
    TCase *tc = tcase_create("poetry_tasks");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, init_refuses_no_tasks_and_no_hooks_and_numbers_the_tasks);
    tcase_add_test(tc, the_limit_options_take_their_values_and_nothing_else);
    tcase_add_test(tc, poems_come_out_in_argument_order_however_the_downloads_finish);
    tcase_add_test(tc, the_step_changes_each_poem_and_failures_are_counted_and_skipped);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
