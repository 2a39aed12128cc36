/* get-poetry: the asynchronous poetry client.
 *
 * It downloads one poem from each server named on the command line, all at once: every socket is
 * non-blocking, and a single select() loop waits on all of them and serves whichever is ready. The
 * poems still come out on stdout in the order given; progress and timing go to stderr. */
#include "address.h"
#include "cli.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *program = "get-poetry";

/* A poem as it arrives: a growing buffer the task owns. */
struct poem {
    char *bytes;
    size_t len;
    size_t capacity;
};

/* >> task */
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
    struct poem poem;
    double started;
};
/* << task */

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: get-poetry [--max-size BYTES] [HOST:]PORT ...\n"
            "\n"
            "Downloads a poem from each server, all at the same time, and writes the poems to stdout\n"
            "in the order given. HOST is an IPv4 address and defaults to 127.0.0.1.\n"
            "A poem larger than --max-size BYTES (default 64M; K, M, G\n"
            "suffixes) fails its download. Progress and timing go to stderr. Exit status: 0 all poems\n"
            "arrived, 1 some download failed or stdout could not be written, 2 bad command line.\n");
}

/* The largest poem one download may bring: --max-size, 64 MiB unless it says otherwise. */
static size_t max_size = (size_t)64 << 20;

/* Why a download failed, in words: strerror's, except for the two ways a poem cannot be kept. */
static const char *task_strerror(int error) {
    static char why[64];
    if (error == EFBIG) {
        snprintf(why, sizeof why, "poem larger than --max-size (%zu bytes)", max_size);
        return why;
    }
    if (error == ENOMEM)
        return "out of memory";
    return strerror(error);
}

/* Seconds on a clock that never jumps backwards (unlike the time of day). */
static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Appends len bytes to the poem, which may not grow past max_size bytes. Returns 0, EFBIG or ENOMEM. */
static int poem_append(struct poem *poem, const char *bytes, size_t len) {
    if (len > max_size - poem->len)
        return EFBIG;
    if (poem->len + len > poem->capacity) {
        size_t capacity = poem->capacity ? poem->capacity : 4096;
        while (capacity < poem->len + len)
            capacity *= 2;
        if (capacity > max_size)
            capacity = max_size;
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

/* >> task-finish */
/* Ends a task: closes its socket, if it has one, and reports how it ended. error 0 means the poem is
 * complete; otherwise the report gives `why`, or strerror(error) when why is NULL. */
static void task_finish(struct task *task, int error, const char *why) {
    if (task->fd >= 0)
        close(task->fd);
    task->fd = -1;
    task->state = error ? TASK_FAILED : TASK_DONE;
    if (error)
        cli_warn(program, "task %d: %s: %s", task->number, task->who, why ? why : task_strerror(error));
    else
        fprintf(stderr, "Task %d: got %zu bytes of poetry from %s in %.1fs\n", task->number, task->poem.len,
                task->who, now_seconds() - task->started);
}
/* << task-finish */

/* >> start-connect */
/* Opens a non-blocking socket and starts connecting it. connect() on a non-blocking socket returns at
 * once: usually with EINPROGRESS, meaning "under way; select() will tell you when it is settled". */
static void task_start(struct task *task) {
    task->started = now_seconds();
    task->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (task->fd < 0) {
        task_finish(task, errno, NULL);
        return;
    }
    if (task->fd >= FD_SETSIZE) {
        /* select() can only watch descriptors below FD_SETSIZE; chapter 7 lifts this limit. */
        char why[80];
        snprintf(why, sizeof why, "descriptor %d is beyond select()'s limit of %d", task->fd, FD_SETSIZE);
        task_finish(task, EMFILE, why);
        return;
    }
    int flags = fcntl(task->fd, F_GETFL);
    if (flags < 0 || fcntl(task->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        task_finish(task, errno, NULL);
        return;
    }
    task->state = TASK_CONNECTING;
    if (connect(task->fd, (const struct sockaddr *)&task->addr, sizeof task->addr) == 0)
        task->state = TASK_READING; /* loopback connections may be settled at once */
    else if (errno != EINPROGRESS)
        task_finish(task, errno, NULL);
}
/* << start-connect */

/* >> connect-ready */
/* The socket of a connecting task became writable: the connect has settled, for better or worse.
 * SO_ERROR says which. */
static void task_connect_ready(struct task *task) {
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(task->fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
        error = errno;
    if (error != 0)
        task_finish(task, error, NULL);
    else
        task->state = TASK_READING;
}
/* << connect-ready */

/* >> read-ready */
/* The socket of a reading task became readable. Reads until the kernel has nothing more for us
 * (EAGAIN), the server closes the connection (0), or a real error. Never blocks. */
static void task_read_ready(struct task *task) {
    char chunk[4096];
    for (;;) {
        ssize_t n = read(task->fd, chunk, sizeof chunk);
        if (n > 0) {
            fprintf(stderr, "Task %d: read %zd bytes from %s\n", task->number, n, task->who);
            int err = poem_append(&task->poem, chunk, (size_t)n);
            if (err != 0) {
                task_finish(task, err, NULL);
                return;
            }
        } else if (n == 0) {
            task_finish(task, 0, NULL); /* a clean close: the poem is complete */
            return;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return; /* nothing more for now: back to select() */
        } else if (errno != EINTR) {
            task_finish(task, errno, NULL);
            return;
        }
    }
}
/* << read-ready */

/* >> write-in-order */
/* Writes, in argument order, every finished poem that no unfinished task precedes. *next is the index
 * of the first task not yet written; failed tasks are skipped, as their partial poems are not written. */
static void write_finished_poems(struct task *tasks, int count, int *next) {
    while (*next < count && (tasks[*next].state == TASK_DONE || tasks[*next].state == TASK_FAILED)) {
        struct task *task = &tasks[*next];
        if (task->state == TASK_DONE) /* exits if stdout fails: the poem is lost, and so would the rest be */
            cli_write_stdout(program, task->poem.bytes, task->poem.len);
        *next += 1;
    }
}
/* << write-in-order */

/* >> select-loop */
/* Runs every task to its end. Each turn of the loop tells select() which sockets we wait on — writable
 * for a connect in progress, readable for a poem being read — and sleeps until one of them is ready. */
static void run_tasks(struct task *tasks, int count) {
    int written = 0;
    for (;;) {
        fd_set readable, writable;
        FD_ZERO(&readable);
        FD_ZERO(&writable);
        int max_fd = -1;
        for (int i = 0; i < count; i++) {
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

        if (select(max_fd + 1, &readable, &writable, NULL, NULL) < 0) {
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
    }
}
/* << select-loop */

int main(int argc, char **argv) {
    int stdout_closed = cli_open_standard_fds();
    int count = 0; /* the addresses, moved up to argv[1] .. argv[count] */
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        }
        if (cli_option(argc, argv, &i, "--max-size", &value, program)) {
            if (cli_parse_size(value, SIZE_MAX / 2, &max_size) != 0)
                cli_fail(EXIT_USAGE, program, "bad size %s: not a number of bytes >= 1 (65536, 64K, 64M)",
                         cli_quote(value));
            continue;
        }
        if (argv[i][0] == '-')
            cli_fail(EXIT_USAGE, program, "unknown option %s (try --help)", cli_quote(argv[i]));
        argv[++count] = argv[i];
    }
    if (count == 0)
        cli_fail(EXIT_USAGE, program, "no server given (try --help)");

    /* Check every address before downloading anything: a typo should not cost a long wait. */
    struct task *tasks = calloc((size_t)count, sizeof *tasks);
    if (tasks == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    for (int i = 0; i < count; i++) {
        int err = address_parse(argv[i + 1], &tasks[i].addr);
        if (err != 0) {
            free(tasks);
            cli_fail(EXIT_USAGE, program, "bad address %s: %s", cli_quote(argv[i + 1]), address_strerror(err));
        }
        tasks[i].number = i + 1;
        tasks[i].fd = -1;
        address_format(&tasks[i].addr, tasks[i].who, sizeof tasks[i].who);
    }
    if (stdout_closed)
        cli_fail(EXIT_SOME_FAILED, program, "cannot write to stdout: it is closed");

    /* >> main */
    double start = now_seconds();
    for (int i = 0; i < count; i++) {
        fprintf(stderr, "Task %d: get poetry from %s\n", tasks[i].number, tasks[i].who);
        task_start(&tasks[i]);
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
    cli_close_stdout(program);
    return failures ? EXIT_SOME_FAILED : EXIT_ALL_WELL;
}
