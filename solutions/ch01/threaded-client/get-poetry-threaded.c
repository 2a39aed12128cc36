/* get-poetry-threaded: the blocking poetry client, with one thread per download.
 *
 * Each download still blocks, but in a thread of its own, so the downloads wait at the same time instead
 * of one after another. The main thread starts them all, waits for every one to finish, and then writes
 * the complete poems to stdout in the order the servers were given. Progress goes to stderr as it
 * happens. */
#include "address.h"
#include "cli.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *program = "get-poetry-threaded";

/* A poem as it arrives: a growing buffer the task owns. */
struct poem {
    char *bytes;
    size_t len;
    size_t capacity;
};

/* One download: what it needs to start, and what it leaves behind for main to read after the join. */
struct task {
    int number;                   /* 1, 2, ... in argument order */
    struct sockaddr_in addr;
    char who[ADDRESS_TEXT_MAX];   /* the address as text, for messages */
    struct poem poem;             /* filled in by the download */
    int err;                      /* 0, or the errno that ended the download */
};

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: get-poetry-threaded [HOST:]PORT ...\n"
            "\n"
            "Downloads a poem from each server, each in a thread of its own, and writes the poems to\n"
            "stdout in the order given. HOST is an IPv4 address and defaults to 127.0.0.1.\n"
            "Progress and timing go to stderr. Exit status: 0 all poems arrived, 1 some download\n"
            "failed, 2 bad command line.\n");
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

/* Downloads the whole poem from the server at addr into *poem, blocking until the server closes the
 * connection. Returns 0, or the errno of the connect or read that failed. */
static int get_poem(const struct sockaddr_in *addr, struct poem *poem) {
    int sock = socket(AF_INET, SOCK_STREAM, 0);
    if (sock < 0)
        return errno;
    if (connect(sock, (const struct sockaddr *)addr, sizeof *addr) != 0) {
        int err = errno;
        close(sock);
        return err;
    }

    char chunk[4096];
    for (;;) {
        ssize_t n = read(sock, chunk, sizeof chunk);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            close(sock);
            return err;
        }
        if (poem_append(poem, chunk, (size_t)n) != 0) {
            close(sock);
            return ENOMEM;
        }
    }
    close(sock);
    return 0;
}

/* The body of one download thread. arg is the struct task; the thread touches only its own task, so
 * the threads share nothing but stderr (whose stdio lock keeps each fprintf's line whole). */
static void *download(void *arg) {
    struct task *task = arg;
    fprintf(stderr, "Task %d: get poetry from %s\n", task->number, task->who);
    double start = now_seconds();
    task->err = get_poem(&task->addr, &task->poem);
    if (task->err != 0) {
        char why[128];
        /* strerror may hand every thread the same static buffer; strerror_r writes into ours. */
        if (strerror_r(task->err, why, sizeof why) != 0)
            snprintf(why, sizeof why, "error %d", task->err);
        cli_warn(program, "task %d: %s: %s", task->number, task->who, why);
    } else {
        fprintf(stderr, "Task %d: got %zu bytes of poetry from %s in %.1fs\n", task->number, task->poem.len,
                task->who, now_seconds() - start);
    }
    return NULL;
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
        if (argv[i][0] == '-')
            cli_fail(EXIT_USAGE, program, "unknown option '%s' (try --help)", argv[i]);
    }

    int count = argc - 1;
    struct task *tasks = calloc((size_t)count, sizeof *tasks);
    pthread_t *threads = calloc((size_t)count, sizeof *threads);
    int *started = calloc((size_t)count, sizeof *started);
    if (tasks == NULL || threads == NULL || started == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    for (int i = 0; i < count; i++) {
        int err = address_parse(argv[i + 1], &tasks[i].addr);
        if (err != 0) {
            free(tasks);
            free(threads);
            free(started);
            cli_fail(EXIT_USAGE, program, "bad address '%s': %s", argv[i + 1], address_strerror(err));
        }
        tasks[i].number = i + 1;
        address_format(&tasks[i].addr, tasks[i].who, sizeof tasks[i].who);
    }

    double start = now_seconds();
    for (int i = 0; i < count; i++) {
        int err = pthread_create(&threads[i], NULL, download, &tasks[i]);
        if (err == 0)
            started[i] = 1;
        else
            download(&tasks[i]); /* no thread to be had: this one waits its turn */
    }
    for (int i = 0; i < count; i++)
        if (started[i])
            pthread_join(threads[i], NULL);

    /* Every download has ended: write the complete poems in argument order. */
    int failures = 0;
    for (int i = 0; i < count; i++) {
        if (tasks[i].err != 0)
            failures++;
        else if (tasks[i].poem.len > 0)
            fwrite(tasks[i].poem.bytes, 1, tasks[i].poem.len, stdout);
        free(tasks[i].poem.bytes);
    }
    fflush(stdout);
    fprintf(stderr, "Got %d poem%s in %.1fs\n", count - failures, count - failures == 1 ? "" : "s",
            now_seconds() - start);

    free(tasks);
    free(threads);
    free(started);
    return failures ? EXIT_SOME_FAILED : EXIT_ALL_WELL;
}
