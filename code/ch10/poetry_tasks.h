/* poetry_tasks.h: one download per command-line argument, all at the same time, each with its chain, and
 * the poems on stdout in argument order as they become ready.
 *
 * get-poetry and transform-client do the same thing around one step that differs: each task downloads a
 * poem (poetry_client.h), reports it, maybe changes it (get-poetry's cummingsify, transform-client's
 * request to the transformation server), keeps it for its turn on stdout, and counts itself as ended;
 * the last task to end stops the reactor. This module is that sameness; a program gives it the two
 * things that are its own: how a task's download starts, and the step (or none). Progress goes to
 * stderr as "Task N: ..." lines; errors as one line "PROGRAM: task N: WHO: why" (cli_warn). */
#ifndef POETRY_TASKS_H
#define POETRY_TASKS_H

#include "address.h"
#include "address_any.h"
#include "deferred.h"
#include "poem.h"
#include "poetry_client.h"
#include "reactor.h"

#include <stddef.h>

/* >> task */
enum poetry_task_state {
    POETRY_TASK_RUNNING, /* its chain has not finished */
    POETRY_TASK_DONE,    /* a poem is waiting for its turn on stdout, or has been written */
    POETRY_TASK_FAILED,  /* no poem: the failure has been reported */
};

struct poetry_tasks;

/* One argument's download, as the program sees it: who from, and what its chain left. */
struct poetry_task {
    int number;              /* 1-based, as the user counts the arguments */
    struct sockaddr_in addr; /* where from, for poetry_tasks_start_address (poetry_tasks_parse_addresses) */
    char who[ADDRESS_NAME_MAX + 8]; /* the server, as progress lines name it: "HOST:PORT", "[V6]:PORT" (the
                                     * program fills it in) */
    enum poetry_task_state state;
    struct poem *poem; /* POETRY_TASK_DONE: the poem, changed by the step or not (the task's) */
    double started;    /* when its download started (poetry_tasks_now) */
    struct poetry_tasks *all;
};

/* What the program adds. */
struct poetry_tasks_hooks {
    /* Starts task's download: sets *out to a Deferred (a reference the caller owns) that fires with a
     * struct poem * (freed by poem_free) or a failure, and returns 0; or returns a negative code, and
     * the task fails with it. Pass poetry_tasks_report_read as the download's progress callback, with
     * task as its argument, for the "read N bytes" lines. NULL: poetry_tasks_start_address. */
    int (*start)(struct poetry_task *task, void *context, struct deferred **out);
    /* NULL, or the step between the download and the keeping, a callback with the task as its argument:
     * it gets the downloaded poem and passes a poem on (it may return a Deferred: the chain waits for
     * it). A failure it passes on fails the task. */
    deferred_fn step;
    void *context; /* the program's, for start (and for step, through task->all->hooks.context) */
};

/* Every task, and what they share. */
struct poetry_tasks {
    const char *program; /* for error lines (not copied) */
    struct reactor *reactor;
    struct poetry_task *tasks; /* count of them (this struct's) */
    int count;
    int ended;                          /* tasks whose chain has finished */
    int written;                        /* the first task whose poem is not yet on stdout */
    struct poetry_client_limits limits; /* for the downloads (and whatever else the program uses them for) */
    struct poetry_tasks_hooks hooks;    /* a copy of the program's */
};
/* << task */

/* Sets up count >= 1 tasks, numbered 1 to count, each POETRY_TASK_RUNNING with an empty who, and
 * poetry_client_limits_default limits (change all->limits before poetry_tasks_run). program and the
 * hooks' context are borrowed. Returns 0, -EINVAL (count < 1, no hooks) or -ENOMEM; free with
 * poetry_tasks_free either way. */
int poetry_tasks_init(struct poetry_tasks *all, const char *program, int count,
                      const struct poetry_tasks_hooks *hooks);

/* Handles the download limits' options, for a program's option loop: if argv[*i] is --max-size,
 * --connect-timeout or --idle-timeout (with its value, as cli_option takes them), stores the value in
 * *limits, leaves *i at the value and returns 1; returns 0 for any other argument. A bad or missing
 * value exits with EXIT_USAGE and one line "PROGRAM: bad size 'V': ...". */
int poetry_tasks_limit_option(int argc, char **argv, int *i, const char *program,
                              struct poetry_client_limits *limits);

/* Parses texts[0 .. all->count - 1], each "[HOST:]PORT" with an IPv4 HOST (address_parse), into the
 * tasks' addr, and names each task's who after it. At the first that is not an address, frees the
 * tasks (poetry_tasks_free) and exits with EXIT_USAGE: "PROGRAM: bad address 'TEXT': why". */
void poetry_tasks_parse_addresses(struct poetry_tasks *all, char *const *texts);

/* The start hook of a task with an addr: poetry_client_get_watched from task->addr with all->limits and
 * the "read N bytes" lines. Returns what that returns (0, or -ENOMEM). context is not used. */
int poetry_tasks_start_address(struct poetry_task *task, void *context, struct deferred **out);

/* Creates a reactor (cli_new_reactor), starts every download once it runs (a "Task N: get poetry from
 * WHO" line each), runs it until the last task has ended, writes each poem to stdout in argument order
 * as soon as no unfinished task precedes it, and ends with "Got N poems in T s" on stderr. Returns the
 * number of tasks without a poem. Exits with EXIT_SOME_FAILED when stdout cannot be written (the poem
 * would be lost), when memory runs out, or when the reactor fails ("PROGRAM: reactor: why"). */
int poetry_tasks_run(struct poetry_tasks *all);

/* The rest of a main whose tasks download from IPv4 addresses: sets up count tasks with *limits and
 * *hooks, parses texts[0 .. count - 1] into them (poetry_tasks_parse_addresses), fails with
 * "PROGRAM: cannot write to stdout: it is closed" if stdout_closed (what cli_open_standard_fds
 * returned), runs them (poetry_tasks_run), frees them and closes stdout (cli_close_stdout). Returns
 * the exit status: EXIT_ALL_WELL when every task has its poem, EXIT_SOME_FAILED when one has not.
 * Exits instead on the errors those exit on, and with EXIT_SOME_FAILED when memory runs out. */
int poetry_tasks_main(const char *program, int count, char *const *texts,
                      const struct poetry_client_limits *limits, const struct poetry_tasks_hooks *hooks,
                      int stdout_closed);

/* Frees the tasks' poems and the tasks (not all itself). Safe on a zeroed or failed-init struct. */
void poetry_tasks_free(struct poetry_tasks *all);

/* A download's progress callback (poetry_client_progress_fn), arg the struct poetry_task: writes
 * "Task N: read LEN bytes from WHO" to stderr. */
void poetry_tasks_report_read(void *task, size_t len);

/* Seconds on a clock that never jumps backwards (unlike the time of day). */
double poetry_tasks_now(void);

#endif
