/* get-poetry: the blocking poetry client.
 *
 * It downloads one poem from each server named on the command line, one after the other: it connects,
 * reads until the server closes the connection, and only then moves on to the next server. Each poem is
 * written to stdout once it is complete; progress and timing go to stderr. */
#include "address.h"
#include "cli.h"

#include <errno.h>
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
            "usage: get-poetry [HOST:]PORT ...\n"
            "\n"
            "Downloads a poem from each server, one after another, and writes the poems to stdout\n"
            "in the order given. HOST is an IPv4 address and defaults to 127.0.0.1.\n"
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

/* >> get-poem */
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
        if (poem_append(poem, chunk, (size_t)n) != 0) {
            close(sock);
            return ENOMEM;
        }
    }
    close(sock);
    return 0;
}
/* << get-poem */

int main(int argc, char **argv) {
    if (argc < 2)
        cli_fail(EXIT_USAGE, program, "no server given (try --help)");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        }
        if (argv[i][0] == '-')
            cli_fail(EXIT_USAGE, program, "unknown option '%s' (try --help)", argv[i]);
    }

    /* >> check-addresses */
    /* Check every address before downloading anything: a typo should not cost a long wait. */
    int count = argc - 1;
    struct sockaddr_in *addrs = calloc((size_t)count, sizeof *addrs);
    if (addrs == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    for (int i = 0; i < count; i++) {
        int err = address_parse(argv[i + 1], &addrs[i]);
        if (err != 0) {
            free(addrs);
            cli_fail(EXIT_USAGE, program, "bad address '%s': %s", argv[i + 1], address_strerror(err));
        }
    }
    /* << check-addresses */

    /* >> main-loop */
    int failures = 0;
    double start = now_seconds();
    for (int i = 0; i < count; i++) {
        char who[ADDRESS_TEXT_MAX];
        address_format(&addrs[i], who, sizeof who);
        fprintf(stderr, "Task %d: get poetry from %s\n", i + 1, who);

        struct poem poem = {0};
        double task_start = now_seconds();
        int err = get_poem(&addrs[i], &poem);
        if (err != 0) {
            cli_warn(program, "task %d: %s: %s", i + 1, who, strerror(err));
            failures++;
        } else {
            if (poem.len > 0)
                fwrite(poem.bytes, 1, poem.len, stdout);
            fflush(stdout);
            fprintf(stderr, "Task %d: got %zu bytes of poetry from %s in %.1fs\n", i + 1, poem.len, who,
                    now_seconds() - task_start);
        }
        free(poem.bytes);
    }
    fprintf(stderr, "Got %d poem%s in %.1fs\n", count - failures, count - failures == 1 ? "" : "s",
            now_seconds() - start);
    /* << main-loop */

    free(addrs);
    return failures ? EXIT_SOME_FAILED : EXIT_ALL_WELL;
}
