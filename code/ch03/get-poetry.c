/* get-poetry: the asynchronous poetry client, on the reactor.
 *
 * It downloads one poem from each server named on the command line, all at once, as chapter 2's client
 * did; but the select() loop is gone from this file. Each download is a descriptor: the reactor calls
 * its do_write when its connect has settled, its do_read when bytes arrive, and its connection_lost
 * when it is over. The poems still come out on stdout in the order given; progress and timing go to
 * stderr. */
#include "address.h"
#include "cli.h"
#include "reactor.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
/* Where one download stands. The reactor moves each task forward as its socket becomes ready. */
enum task_state {
    TASK_CONNECTING, /* connect() is in progress: a writer, since the socket turns writable when settled */
    TASK_READING,    /* connected: a reader, since the socket turns readable when bytes (or the end) arrive */
    TASK_DONE,       /* the server closed the connection: the poem is complete */
    TASK_FAILED,     /* connecting or reading failed; error says why */
};

struct downloads;

/* One download, as the reactor sees it: the descriptor comes first, so that the reactor's
 * struct descriptor pointer is also a pointer to the task. */
struct task {
    struct descriptor descriptor; /* descriptor.fd is the socket */
    int number;                   /* 1-based, as the user counts the arguments */
    struct sockaddr_in addr;
    char who[ADDRESS_TEXT_MAX];
    char name[24]; /* "task N", for the reactor's trace */
    enum task_state state;
    int error; /* why it failed: -errno or a REACTOR_ERR_* code */
    struct poem poem;
    double started;
    struct downloads *all;
};

/* Every task, and what the tasks share: the reactor, and how far the output has got. */
struct downloads {
    struct reactor *reactor;
    struct task *tasks;
    int count;
    int ended;   /* tasks done or failed */
    int written; /* the first task whose poem is not yet on stdout */
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

/* Why a download failed, in words: the reactor's, except for the two ways a poem cannot be kept. */
static const char *task_strerror(int error) {
    static char why[64];
    if (error == -EFBIG) {
        snprintf(why, sizeof why, "poem larger than --max-size (%zu bytes)", max_size);
        return why;
    }
    if (error == -ENOMEM)
        return "out of memory";
    return reactor_strerror(error);
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


/* >> start-connect */
/* Opens a non-blocking socket, starts connecting it and registers the task as a writer: connect() on
 * a non-blocking socket returns at once, usually with EINPROGRESS ("under way; the socket turns
 * writable when it is settled"). Returns 0, or the reason the task ended before it began. */
static int task_start(struct task *task, struct reactor *reactor) {
    task->started = now_seconds();
    task->descriptor.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (task->descriptor.fd < 0)
        return -errno;
    int flags = fcntl(task->descriptor.fd, F_GETFL);
    if (flags < 0 || fcntl(task->descriptor.fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -errno;
    task->state = TASK_CONNECTING;
    if (connect(task->descriptor.fd, (const struct sockaddr *)&task->addr, sizeof task->addr) == 0) {
        task->state = TASK_READING; /* loopback connections may be settled at once */
        return reactor_add_reader(reactor, &task->descriptor);
    }
    if (errno != EINPROGRESS)
        return -errno;
    return reactor_add_writer(reactor, &task->descriptor);
}
/* << start-connect */

/* >> connect-ready */
/* do_write: the socket of a connecting task became writable, so the connect has settled, for better or
 * worse. SO_ERROR says which. Connected, the task stops being a writer and becomes a reader. */
static int task_do_write(struct descriptor *descriptor) {
    struct task *task = (struct task *)descriptor;
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(descriptor->fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
        error = errno;
    if (error != 0)
        return -error; /* the reactor removes us and calls task_connection_lost */
    task->state = TASK_READING;
    reactor_remove_writer(task->all->reactor, descriptor);
    return reactor_add_reader(task->all->reactor, descriptor);
}
/* << connect-ready */

/* >> read-ready */
/* do_read: the socket of a reading task became readable. Reads until the kernel has nothing more for us
 * (EAGAIN), the server closes the connection (0), or a real error. Never blocks. */
static int task_do_read(struct descriptor *descriptor) {
    struct task *task = (struct task *)descriptor;
    char chunk[4096];
    for (;;) {
        ssize_t n = read(descriptor->fd, chunk, sizeof chunk);
        if (n > 0) {
            fprintf(stderr, "Task %d: read %zd bytes from %s\n", task->number, n, task->who);
            int err = poem_append(&task->poem, chunk, (size_t)n);
            if (err != 0)
                return -err; /* -EFBIG or -ENOMEM */
        } else if (n == 0) {
            return REACTOR_CONNECTION_DONE; /* a clean close: the poem is complete */
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return 0; /* nothing more for now: back to the reactor */
        } else if (errno != EINTR) {
            return -errno;
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

/* >> connection-lost */
/* connection_lost: the task is over, well or badly, and the reactor has let go of it. Closes the socket,
 * reports, writes whatever poems can now go out in order, and stops the reactor after the last task. */
static void task_connection_lost(struct descriptor *descriptor, int reason) {
    struct task *task = (struct task *)descriptor;
    struct downloads *all = task->all;
    if (descriptor->fd >= 0)
        close(descriptor->fd);
    descriptor->fd = -1;
    task->error = reason == REACTOR_CONNECTION_DONE ? 0 : reason;
    task->state = task->error ? TASK_FAILED : TASK_DONE;
    if (task->error)
        cli_warn(program, "task %d: %s: %s", task->number, task->who, task_strerror(task->error));
    else
        fprintf(stderr, "Task %d: got %zu bytes of poetry from %s in %.1fs\n", task->number, task->poem.len,
                task->who, now_seconds() - task->started);
    write_finished_poems(all->tasks, all->count, &all->written);
    all->ended += 1;
    if (all->ended == all->count)
        reactor_stop(all->reactor);
}
/* << connection-lost */

static const char *task_log_prefix(struct descriptor *descriptor) {
    return ((struct task *)descriptor)->name;
}

/* >> task-ops */
/* What the reactor calls on a task. */
static const struct descriptor_ops task_ops = {
    .do_read = task_do_read,
    .do_write = task_do_write,
    .connection_lost = task_connection_lost,
    .log_prefix = task_log_prefix,
};
/* << task-ops */

/* >> start-downloads */
/* Starts every download once the reactor runs (so that a task that fails at once can already stop it).
 * A task that cannot even start is lost right here, as if the reactor had lost it. */
static int start_downloads(void *arg) {
    struct downloads *all = arg;
    for (int i = 0; i < all->count; i++) {
        struct task *task = &all->tasks[i];
        fprintf(stderr, "Task %d: get poetry from %s\n", task->number, task->who);
        int err = task_start(task, all->reactor);
        if (err != 0)
            task_connection_lost(&task->descriptor, err);
    }
    return 0;
}
/* << start-downloads */

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
        tasks[i].descriptor.fd = -1;
        tasks[i].descriptor.ops = &task_ops;
        snprintf(tasks[i].name, sizeof tasks[i].name, "task %d", i + 1);
        address_format(&tasks[i].addr, tasks[i].who, sizeof tasks[i].who);
    }
    if (stdout_closed)
        cli_fail(EXIT_SOME_FAILED, program, "cannot write to stdout: it is closed");

    /* >> main */
    struct downloads all = {.reactor = reactor_new(), .tasks = tasks, .count = count};
    if (all.reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    for (int i = 0; i < count; i++)
        tasks[i].all = &all;
    double start = now_seconds();
    reactor_call_when_running(all.reactor, start_downloads, &all);
    int err = reactor_run(all.reactor); /* returns once the last task has stopped it */
    reactor_free(all.reactor);
    if (err != 0)
        cli_fail(EXIT_SOME_FAILED, program, "reactor: %s", reactor_strerror(err));

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
