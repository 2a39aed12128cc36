/* get-poetry-timeout: chapter 2's asynchronous client, with a deadline on each download.
 *
 * With --timeout SECONDS, a download that has not finished SECONDS after it started is abandoned and
 * reported, while the others go on; the exit status is then 1. Without --timeout, downloads may take as
 * long as they take, as in get-poetry. The waiting is done by select()'s own timeout, computed on each
 * turn from the earliest deadline: the loop neither spins nor sleeps. */
#include "address.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *program = "get-poetry-timeout";

/* A poem as it arrives: a growing buffer the task owns. */
struct poem {
    char *bytes;
    size_t len;
    size_t capacity;
};

/* Where one download stands. The loop moves each task forward as its socket becomes ready. */
enum task_state {
    TASK_CONNECTING, /* connect() is in progress; the socket turns writable when it is settled */
    TASK_READING,    /* connected; the socket turns readable when bytes (or the end) arrive */
    TASK_DONE,       /* the server closed the connection: the poem is complete */
    TASK_FAILED,     /* connecting or reading failed; error says why */
};

struct task {
    int number; /* 1-based, as the user counts the arguments */
    struct sockaddr_in addr;
    char who[ADDRESS_TEXT_MAX];
    int fd;
    enum task_state state;
    int error;
    struct poem poem;
    double started;
    double deadline; /* when the task is abandoned, if it has not ended; 0 for never */
};

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: get-poetry-timeout [--timeout SECONDS] [HOST:]PORT ...\n"
            "\n"
            "Downloads a poem from each server, all at the same time, and writes the poems to stdout\n"
            "in the order given. With --timeout, a download not finished SECONDS after it started is\n"
            "abandoned. HOST is an IPv4 address and defaults to 127.0.0.1. Progress and timing go to\n"
            "stderr. Exit status: 0 all poems arrived, 1 some download failed or timed out, 2 bad\n"
            "command line.\n");
}

/* Seconds on a clock that never jumps backwards (unlike the time of day). */
static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Appends len bytes to the poem. Returns 0 or ENOMEM. */
static int poem_append(struct poem *poem, const char *bytes, size_t len) {
    if (poem->len + len > poem->capacity) {
        size_t capacity = poem->capacity ? poem->capacity : 4096;
        while (capacity < poem->len + len)
            capacity *= 2;
        char *bigger = realloc(poem->bytes, capacity);
        if (bigger == NULL)
            return ENOMEM;
        poem->bytes = bigger;
        poem->capacity = capacity;
    }
    memcpy(poem->bytes + poem->len, bytes, len);
    poem->len += len;
    return 0;
}

/* Ends a task: closes its socket and records how it ended (error 0 means the poem is complete). */
static void task_finish(struct task *task, int error) {
    close(task->fd);
    task->fd = -1;
    task->error = error;
    task->state = error ? TASK_FAILED : TASK_DONE;
    if (error)
        cli_warn(program, "task %d: %s: %s", task->number, task->who, strerror(error));
    else
        fprintf(stderr, "Task %d: got %zu bytes of poetry from %s in %.1fs\n", task->number, task->poem.len,
                task->who, now_seconds() - task->started);
}

/* True while a task is connecting or reading, so that its deadline counts. */
static int task_in_progress(const struct task *task) {
    return task->state == TASK_CONNECTING || task->state == TASK_READING;
}

/* Gives up on a task whose deadline has passed: closes its socket and reports it. Its partial poem,
 * if any, is never written. */
static void task_time_out(struct task *task) {
    close(task->fd);
    task->fd = -1;
    task->error = ETIMEDOUT;
    task->state = TASK_FAILED;
    cli_warn(program, "task %d: %s: timed out", task->number, task->who);
}

/* Opens a non-blocking socket and starts connecting it. connect() on a non-blocking socket returns at
 * once: usually with EINPROGRESS, meaning "under way; select() will tell you when it is settled". */
static void task_start(struct task *task) {
    task->started = now_seconds();
    task->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (task->fd < 0) {
        task->state = TASK_FAILED;
        task->error = errno;
        cli_warn(program, "task %d: %s: %s", task->number, task->who, strerror(errno));
        return;
    }
    if (task->fd >= FD_SETSIZE) {
        /* select() can only watch descriptors below FD_SETSIZE; chapter 7 lifts this limit. */
        cli_warn(program, "task %d: descriptor %d is beyond select()'s limit of %d", task->number, task->fd,
                 FD_SETSIZE);
        task_finish(task, EMFILE);
        return;
    }
    int flags = fcntl(task->fd, F_GETFL);
    if (flags < 0 || fcntl(task->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        task_finish(task, errno);
        return;
    }
    task->state = TASK_CONNECTING;
    if (connect(task->fd, (const struct sockaddr *)&task->addr, sizeof task->addr) == 0)
        task->state = TASK_READING; /* loopback connections may be settled at once */
    else if (errno != EINPROGRESS)
        task_finish(task, errno);
}

/* The socket of a connecting task became writable: the connect has settled, for better or worse.
 * SO_ERROR says which. */
static void task_connect_ready(struct task *task) {
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(task->fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
        error = errno;
    if (error != 0)
        task_finish(task, error);
    else
        task->state = TASK_READING;
}

/* The socket of a reading task became readable. Reads until the kernel has nothing more for us
 * (EAGAIN), the server closes the connection (0), or a real error. Never blocks. */
static void task_read_ready(struct task *task) {
    char chunk[4096];
    for (;;) {
        ssize_t n = read(task->fd, chunk, sizeof chunk);
        if (n > 0) {
            fprintf(stderr, "Task %d: read %zd bytes from %s\n", task->number, n, task->who);
            if (poem_append(&task->poem, chunk, (size_t)n) != 0) {
                task_finish(task, ENOMEM);
                return;
            }
        } else if (n == 0) {
            task_finish(task, 0); /* a clean close: the poem is complete */
            return;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return; /* nothing more for now: back to select() */
        } else if (errno != EINTR) {
            task_finish(task, errno);
            return;
        }
    }
}

/* Writes, in argument order, every finished poem that no unfinished task precedes. *next is the index
 * of the first task not yet written; failed tasks are skipped, as their partial poems are not written. */
static void write_finished_poems(struct task *tasks, int count, int *next) {
    while (*next < count && (tasks[*next].state == TASK_DONE || tasks[*next].state == TASK_FAILED)) {
        struct task *task = &tasks[*next];
        if (task->state == TASK_DONE && task->poem.len > 0) {
            fwrite(task->poem.bytes, 1, task->poem.len, stdout);
            fflush(stdout);
        }
        *next += 1;
    }
}

/* Runs every task to its end. Each turn of the loop tells select() which sockets we wait on — writable
 * for a connect in progress, readable for a poem being read — and sleeps until one of them is ready, or
 * until the earliest deadline of the tasks in progress, whichever comes first. */
static void run_tasks(struct task *tasks, int count) {
    int written = 0;
    for (;;) {
        fd_set readable, writable;
        FD_ZERO(&readable);
        FD_ZERO(&writable);
        int max_fd = -1;
        double earliest = 0; /* the earliest deadline of a task in progress; 0 for none */
        for (int i = 0; i < count; i++) {
            if (task_in_progress(&tasks[i]) && tasks[i].deadline > 0 &&
                (earliest == 0 || tasks[i].deadline < earliest))
                earliest = tasks[i].deadline;
            if (tasks[i].state == TASK_CONNECTING)
                FD_SET(tasks[i].fd, &writable);
            else if (tasks[i].state == TASK_READING)
                FD_SET(tasks[i].fd, &readable);
            else
                continue;
            if (tasks[i].fd > max_fd)
                max_fd = tasks[i].fd;
        }
        write_finished_poems(tasks, count, &written);
        if (max_fd < 0)
            return; /* every task has ended */

        /* select() sleeps until a socket is ready or the time in `wait` has passed; NULL means no limit.
         * The wait is recomputed on every turn, so it always ends at the earliest deadline. */
        struct timeval wait, *wait_limit = NULL;
        if (earliest > 0) {
            double left = earliest - now_seconds();
            if (left < 0)
                left = 0;
            wait.tv_sec = (time_t)left;
            /* Round up: waking a microsecond early would cost a useless extra turn. */
            wait.tv_usec = (suseconds_t)((left - (double)wait.tv_sec) * 1e6) + 1;
            if (wait.tv_usec >= 1000000) {
                wait.tv_sec += 1;
                wait.tv_usec -= 1000000;
            }
            wait_limit = &wait;
        }
        if (select(max_fd + 1, &readable, &writable, NULL, wait_limit) < 0) {
            if (errno == EINTR)
                continue;
            cli_fail(EXIT_SOME_FAILED, program, "select: %s", strerror(errno));
        }

        for (int i = 0; i < count; i++) {
            struct task *task = &tasks[i];
            if (task->state == TASK_CONNECTING && FD_ISSET(task->fd, &writable))
                task_connect_ready(task);
            else if (task->state == TASK_READING && FD_ISSET(task->fd, &readable))
                task_read_ready(task);
        }

        /* Whatever woke us, abandon the tasks whose time is up. */
        double now = now_seconds();
        for (int i = 0; i < count; i++) {
            struct task *task = &tasks[i];
            if (task_in_progress(task) && task->deadline > 0 && now >= task->deadline)
                task_time_out(task);
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        cli_fail(EXIT_USAGE, program, "no server given (try --help)");
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        }
    }

    /* The options, then every address, checked before anything is downloaded. */
    struct task *tasks = calloc((size_t)argc, sizeof *tasks);
    if (tasks == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    double timeout = 0; /* 0: no --timeout, so no deadline */
    int count = 0;
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (cli_option(argc, argv, &i, "--timeout", &value, program)) {
            if (cli_parse_seconds(value, &timeout) != 0 || timeout <= 0) {
                free(tasks);
                cli_fail(EXIT_USAGE, program, "bad --timeout '%s': it must be a positive number of seconds",
                         value);
            }
            continue;
        }
        if (argv[i][0] == '-') {
            free(tasks);
            cli_fail(EXIT_USAGE, program, "unknown option '%s' (try --help)", argv[i]);
        }
        struct task *task = &tasks[count];
        int err = address_parse(argv[i], &task->addr);
        if (err != 0) {
            free(tasks);
            cli_fail(EXIT_USAGE, program, "bad address '%s': %s", argv[i], address_strerror(err));
        }
        task->number = ++count;
        task->fd = -1;
        address_format(&task->addr, task->who, sizeof task->who);
    }
    if (count == 0) {
        free(tasks);
        cli_fail(EXIT_USAGE, program, "no server to get poetry from (try --help)");
    }

    double start = now_seconds();
    for (int i = 0; i < count; i++) {
        fprintf(stderr, "Task %d: get poetry from %s\n", tasks[i].number, tasks[i].who);
        task_start(&tasks[i]);
        tasks[i].deadline = timeout > 0 ? tasks[i].started + timeout : 0;
    }
    run_tasks(tasks, count);

    int failures = 0;
    for (int i = 0; i < count; i++) {
        failures += tasks[i].state == TASK_FAILED;
        free(tasks[i].poem.bytes);
    }
    fprintf(stderr, "Got %d poem%s in %.1fs\n", count - failures, count - failures == 1 ? "" : "s",
            now_seconds() - start);
    /* << main */
    free(tasks);
    return failures ? EXIT_SOME_FAILED : EXIT_ALL_WELL;
}
