/* poetry_tasks.c: the tasks of get-poetry and transform-client — one download each, its chain, and the
 * poems on stdout in argument order. */
#include "poetry_tasks.h"

#include "cli.h"
#include "failure.h"
#include "result.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double poetry_tasks_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int poetry_tasks_init(struct poetry_tasks *all, const char *program, int count,
                      const struct poetry_tasks_hooks *hooks) {
    *all = (struct poetry_tasks){.program = program};
    poetry_client_limits_default(&all->limits); /* connect 30 s, idle 60 s, max 64 MiB */
    if (count < 1 || hooks == NULL)
        return -EINVAL;
    all->hooks = *hooks;
    if (all->hooks.start == NULL)
        all->hooks.start = poetry_tasks_start_address;
    all->tasks = calloc((size_t)count, sizeof *all->tasks);
    if (all->tasks == NULL)
        return -ENOMEM;
    all->count = count;
    for (int i = 0; i < count; i++)
        all->tasks[i] = (struct poetry_task){.number = i + 1, .state = POETRY_TASK_RUNNING, .all = all};
    return 0;
}

void poetry_tasks_free(struct poetry_tasks *all) {
    for (int i = 0; i < all->count; i++)
        poem_free(all->tasks[i].poem);
    free(all->tasks);
    all->tasks = NULL;
    all->count = 0;
}

int poetry_tasks_limit_option(int argc, char **argv, int *i, const char *program,
                              struct poetry_client_limits *limits) {
    const char *value;
    if (cli_option(argc, argv, i, "--max-size", &value, program)) {
        if (cli_parse_size(value, SIZE_MAX / 2, &limits->max_size) != 0)
            cli_fail(EXIT_USAGE, program, "bad size %s: not a number of bytes >= 1 (65536, 64K, 64M)",
                     cli_quote(value));
        return 1;
    }
    if (cli_option(argc, argv, i, "--connect-timeout", &value, program)) {
        if (cli_parse_seconds(value, &limits->connect_timeout) != 0)
            cli_fail(EXIT_USAGE, program, "bad connect timeout %s: not a number of seconds >= 0",
                     cli_quote(value));
        return 1;
    }
    if (cli_option(argc, argv, i, "--idle-timeout", &value, program)) {
        if (cli_parse_seconds(value, &limits->idle_timeout) != 0)
            cli_fail(EXIT_USAGE, program, "bad idle timeout %s: not a number of seconds >= 0",
                     cli_quote(value));
        return 1;
    }
    return 0;
}

void poetry_tasks_parse_addresses(struct poetry_tasks *all, char *const *texts) {
    for (int i = 0; i < all->count; i++) {
        struct poetry_task *task = &all->tasks[i];
        int err = address_parse(texts[i], &task->addr);
        if (err != 0) {
            poetry_tasks_free(all); /* texts and program are the caller's: still there */
            cli_fail(EXIT_USAGE, all->program, "bad address %s: %s", cli_quote(texts[i]),
                     address_strerror(err));
        }
        address_format(&task->addr, task->who, sizeof task->who);
    }
}

int poetry_tasks_start_address(struct poetry_task *task, void *context, struct deferred **out) {
    (void)context;
    return poetry_client_get_watched(task->all->reactor, &task->addr, &task->all->limits,
                                     poetry_tasks_report_read, task, out);
}

/* >> write-in-order */
/* Writes, in argument order, every finished poem that no unfinished task precedes. */
static void write_finished_poems(struct poetry_tasks *all) {
    while (all->written < all->count && all->tasks[all->written].state != POETRY_TASK_RUNNING) {
        struct poetry_task *task = &all->tasks[all->written];
        /* exits if stdout fails: the poem is lost, and so would the rest be */
        if (task->state == POETRY_TASK_DONE)
            cli_write_stdout(all->program, task->poem->bytes, task->poem->len);
        all->written += 1;
    }
}
/* << write-in-order */

void poetry_tasks_report_read(void *arg, size_t len) {
    struct poetry_task *task = arg;
    fprintf(stderr, "Task %d: read %zu bytes from %s\n", task->number, len, task->who);
}

/* >> chain */
/* The first callback: the download worked. Report it, and pass the poem on. */
static struct deferred_result got_poem(struct deferred_result result, void *arg) {
    struct poetry_task *task = arg;
    struct poem *poem = result.value;
    fprintf(stderr, "Task %d: got %zu bytes of poetry from %s in %.1fs\n", task->number, poem->len, task->who,
            poetry_tasks_now() - task->started);
    return result;
}

/* The download (or the step) failed: one line on stderr. The failure is handled here. */
static struct deferred_result poem_failed(struct deferred_result result, void *arg) {
    struct poetry_task *task = arg;
    cli_warn(task->all->program, "task %d: %s: %s", task->number, task->who, failure_message(result.failure));
    deferred_result_free(result);
    task->state = POETRY_TASK_FAILED;
    return deferred_none();
}

/* The poem, changed by the step or not, is ready: keep it for its turn on stdout. */
static struct deferred_result poem_ready(struct deferred_result result, void *arg) {
    struct poetry_task *task = arg;
    task->poem = result.value; /* the task's now */
    task->state = POETRY_TASK_DONE;
    return deferred_none();
}

/* The last pair, on both tracks (Twisted's addBoth): the task is over, well or badly. Write what can
 * be written, and stop the reactor after the last task. */
static struct deferred_result task_ended(struct deferred_result result, void *arg) {
    struct poetry_task *task = arg;
    struct poetry_tasks *all = task->all;
    write_finished_poems(all);
    all->ended += 1;
    if (all->ended == all->count)
        reactor_stop(all->reactor);
    return result;
}

/* Starts every download once the reactor runs, each with its chain. */
static int start_downloads(void *arg) {
    struct poetry_tasks *all = arg;
    for (int i = 0; i < all->count; i++) {
        struct poetry_task *task = &all->tasks[i];
        fprintf(stderr, "Task %d: get poetry from %s\n", task->number, task->who);
        task->started = poetry_tasks_now();
        struct deferred *d = NULL;
        int err = all->hooks.start(task, all->hooks.context, &d);
        if (err != 0 || d == NULL)
            d = deferred_fail(failure_from_code(err != 0 ? err : -ENOMEM));
        if (d == NULL)
            cli_fail(EXIT_SOME_FAILED, all->program, "out of memory");
        deferred_fn step = all->hooks.step;
        /* >> the-chain */
        deferred_add_callback(d, got_poem, task);
        if (step != NULL)
            deferred_add_callback(d, step, task); /* may return a Deferred: the chain waits for it */
        deferred_add_callbacks(d, poem_ready, task, poem_failed, task);
        deferred_add_both(d, task_ended, task);
        /* << the-chain */
        deferred_unref(d); /* the download holds its own reference until it fires */
    }
    return 0;
}
/* << chain */

int poetry_tasks_run(struct poetry_tasks *all) {
    all->reactor = cli_new_reactor(all->program);
    double start = poetry_tasks_now();
    reactor_call_when_running(all->reactor, start_downloads, all);
    int err = reactor_run(all->reactor); /* returns once the last task has stopped it */
    reactor_free(all->reactor);
    all->reactor = NULL;
    if (err != 0)
        cli_fail(EXIT_SOME_FAILED, all->program, "reactor: %s", reactor_strerror(err));
    int failures = 0;
    for (int i = 0; i < all->count; i++)
        failures += all->tasks[i].state != POETRY_TASK_DONE;
    fprintf(stderr, "Got %d poem%s in %.1fs\n", all->count - failures, all->count - failures == 1 ? "" : "s",
            poetry_tasks_now() - start);
    return failures;
}

int poetry_tasks_main(const char *program, int count, char *const *texts,
                      const struct poetry_client_limits *limits, const struct poetry_tasks_hooks *hooks,
                      int stdout_closed) {
    /* Check every address before downloading anything: a typo should not cost a long wait. */
    struct poetry_tasks all;
    if (poetry_tasks_init(&all, program, count, hooks) != 0)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    all.limits = *limits;
    poetry_tasks_parse_addresses(&all, texts);
    if (stdout_closed)
        cli_fail(EXIT_SOME_FAILED, program, "cannot write to stdout: it is closed");
    int failures = poetry_tasks_run(&all);
    poetry_tasks_free(&all);
    cli_close_stdout(program);
    return failures ? EXIT_SOME_FAILED : EXIT_ALL_WELL;
}
