/* get-poetry-lines: the blocking poetry client that reads only the first lines of each poem.
 *
 * Like get-poetry it downloads from each server in turn. With --lines N it keeps only the first N lines
 * of each poem and hangs up on the server as soon as they have arrived, without waiting for the rest.
 * A line is every byte up to and including a newline; a poem shorter than N lines is kept whole. */
#include "address.h"
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *program = "get-poetry-lines";

/* A poem as it arrives: a growing buffer the task owns. */
struct poem {
    char *bytes;
    size_t len;
    size_t capacity;
};

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: get-poetry-lines [--lines N] [HOST:]PORT ...\n"
            "\n"
            "Downloads a poem from each server, one after another, and writes the poems to stdout\n"
            "in the order given. HOST is an IPv4 address and defaults to 127.0.0.1.\n"
            "With --lines, keeps only the first N lines of each poem and hangs up once they are in.\n"
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

/* Downloads the poem from the server at addr into *poem: its first max_lines lines, hanging up as soon as
 * they are in, or all of it when max_lines is 0 or the poem is shorter. Returns 0, or the errno of the
 * connect or read that failed. */
static int get_poem(const struct sockaddr_in *addr, long max_lines, struct poem *poem) {
    int sock = socket(AF_INET, SOCK_STREAM, 0);
    if (sock < 0)
        return errno;
    if (connect(sock, (const struct sockaddr *)addr, sizeof *addr) != 0) {
        int err = errno;
        close(sock);
        return err;
    }

    char chunk[4096];
    long lines = 0; /* complete lines kept so far: the count carries over from one read to the next */
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
        /* One read may end in the middle of a line, or hold several lines: keep bytes up to the newline
         * that ends line max_lines, if it is in this chunk. */
        size_t keep = (size_t)n;
        int enough = 0;
        if (max_lines > 0) {
            for (size_t i = 0; i < (size_t)n; i++) {
                if (chunk[i] == '\n' && ++lines == max_lines) {
                    keep = i + 1;
                    enough = 1;
                    break;
                }
            }
        }
        if (poem_append(poem, chunk, keep) != 0) {
            close(sock);
            return ENOMEM;
        }
        if (enough)
            break; /* hang up: the server will find out at its next send */
    }
    close(sock);
    return 0;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        }
    }

    /* Check the options and every address before downloading anything: a typo should not cost a long
     * wait. */
    long max_lines = 0; /* no --lines: the whole poem */
    struct sockaddr_in *addrs = calloc((size_t)argc, sizeof *addrs);
    if (addrs == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    int count = 0;
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (cli_option(argc, argv, &i, "--lines", &value, program)) {
            if (cli_parse_count(value, 1000000000L, &max_lines) != 0) {
                free(addrs);
                cli_fail(EXIT_USAGE, program, "bad line count '%s': not a whole number >= 1", value);
            }
            continue;
        }
        if (argv[i][0] == '-') {
            free(addrs);
            cli_fail(EXIT_USAGE, program, "unknown option '%s' (try --help)", argv[i]);
        }
        int err = address_parse(argv[i], &addrs[count]);
        if (err != 0) {
            free(addrs);
            cli_fail(EXIT_USAGE, program, "bad address '%s': %s", argv[i], address_strerror(err));
        }
        count++;
    }
    if (count == 0) {
        free(addrs);
        cli_fail(EXIT_USAGE, program, "no server given (try --help)");
    }

    int failures = 0;
    double start = now_seconds();
    for (int i = 0; i < count; i++) {
        char who[ADDRESS_TEXT_MAX];
        address_format(&addrs[i], who, sizeof who);
        fprintf(stderr, "Task %d: get poetry from %s\n", i + 1, who);

        struct poem poem = {0};
        double task_start = now_seconds();
        int err = get_poem(&addrs[i], max_lines, &poem);
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

    free(addrs);
    return failures ? EXIT_SOME_FAILED : EXIT_ALL_WELL;
}
