/* get-poetry: the blocking poetry client.
 *
 * It downloads one poem from each server named on the command line, one after the other: it connects,
 * reads until the server closes the connection, and only then moves on to the next server. Each poem is
 * written to stdout once it is complete; progress and timing go to stderr. */
#include "address.h"
#include "cli.h"

#include <errno.h>
#include <stdint.h>
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

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: get-poetry [--max-size BYTES] [HOST:]PORT ...\n"
            "\n"
            "Downloads a poem from each server, one after another, and writes the poems to stdout\n"
            "in the order given. HOST is an IPv4 address and defaults to 127.0.0.1. A poem larger\n"
            "than --max-size (default 64M; K, M, G suffixes) fails its download.\n"
            "Progress and timing go to stderr. Exit status: 0 all poems arrived, 1 some download\n"
            "failed or stdout could not be written, 2 bad command line.\n");
}

/* The largest poem one download may bring, unless --max-size says otherwise. */
#define DEFAULT_MAX_SIZE ((size_t)64 << 20)

/* Seconds on a clock that never jumps backwards (unlike the time of day). */
static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Appends len bytes to the poem, which may not grow past max bytes. Returns 0, EFBIG or ENOMEM. */
static int poem_append(struct poem *poem, const char *bytes, size_t len, size_t max) {
    if (len > max - poem->len)
        return EFBIG;
    if (poem->len + len > poem->capacity) {
        size_t capacity = poem->capacity ? poem->capacity : 4096;
        while (capacity < poem->len + len)
            capacity *= 2;
        if (capacity > max)
            capacity = max;
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

/* >> get-poem */
/* Downloads the whole poem from the server at addr into *poem, blocking until the server closes the
 * connection. Returns 0, or the errno of the connect or read that failed (EFBIG: the poem is larger
 * than max_size bytes). */
static int get_poem(const struct sockaddr_in *addr, struct poem *poem, size_t max_size) {
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
        ssize_t n = read(sock, chunk, sizeof chunk); /* waits here until bytes arrive */
        if (n == 0)
            break; /* the server closed the connection: the poem is complete */
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            close(sock);
            return err;
        }
        int err = poem_append(poem, chunk, (size_t)n, max_size);
        if (err != 0) {
            close(sock);
            return err;
        }
    }
    close(sock);
    return 0;
}
/* << get-poem */

int main(int argc, char **argv) {
    int stdout_closed = cli_open_standard_fds();
    size_t max_size = DEFAULT_MAX_SIZE;
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

    /* >> check-addresses */
    /* Check every address before downloading anything: a typo should not cost a long wait. */
    struct sockaddr_in *addrs = calloc((size_t)count, sizeof *addrs);
    if (addrs == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    for (int i = 0; i < count; i++) {
        int err = address_parse(argv[i + 1], &addrs[i]);
        if (err != 0) {
            free(addrs);
            cli_fail(EXIT_USAGE, program, "bad address %s: %s", cli_quote(argv[i + 1]), address_strerror(err));
        }
    }
    /* << check-addresses */
    if (stdout_closed)
        cli_fail(EXIT_SOME_FAILED, program, "cannot write to stdout: it is closed");

    /* >> main-loop */
    int failures = 0;
    double start = now_seconds();
    for (int i = 0; i < count; i++) {
        char who[ADDRESS_TEXT_MAX];
        address_format(&addrs[i], who, sizeof who);
        fprintf(stderr, "Task %d: get poetry from %s\n", i + 1, who);

        struct poem poem = {0};
        double task_start = now_seconds();
        int err = get_poem(&addrs[i], &poem, max_size);
        if (err == EFBIG) {
            cli_warn(program, "task %d: %s: poem larger than --max-size (%zu bytes)", i + 1, who, max_size);
            failures++;
        } else if (err != 0) {
            cli_warn(program, "task %d: %s: %s", i + 1, who, err == ENOMEM ? "out of memory" : strerror(err));
            failures++;
        } else {
            cli_write_stdout(program, poem.bytes, poem.len); /* exits if stdout fails: the poem is lost */
            fprintf(stderr, "Task %d: got %zu bytes of poetry from %s in %.1fs\n", i + 1, poem.len, who,
                    now_seconds() - task_start);
        }
        free(poem.bytes);
    }
    fprintf(stderr, "Got %d poem%s in %.1fs\n", count - failures, count - failures == 1 ? "" : "s",
            now_seconds() - start);
    /* << main-loop */

    free(addrs);
    cli_close_stdout(program);
    return failures ? EXIT_SOME_FAILED : EXIT_ALL_WELL;
}
