/* get-poetry-timeout: the blocking poetry client, with a limit on how long it waits for a silent server.
 *
 * Like get-poetry it downloads one poem from each server in turn. With --timeout SECONDS it gives up on
 * a server that lets SECONDS pass without a byte, while connecting or between two reads: that download
 * is reported as timed out and the client moves on to the next server. */
#include "address.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: get-poetry-timeout [--timeout SECONDS] [HOST:]PORT ...\n"
            "\n"
            "Downloads a poem from each server, one after another, and writes the poems to stdout\n"
            "in the order given. HOST is an IPv4 address and defaults to 127.0.0.1.\n"
            "With --timeout, gives up on a server that stays silent for SECONDS.\n"
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

/* Waits until sock is ready for events, but at most timeout seconds (a negative timeout waits as long as
 * it takes). Returns 0 when it is ready, ETIMEDOUT when the time ran out, or the errno of poll. */
static int wait_for(int sock, short events, double timeout) {
    int ms = -1;
    if (timeout >= 0)
        ms = timeout * 1000.0 >= (double)INT_MAX ? INT_MAX : (int)(timeout * 1000.0 + 0.999);
    struct pollfd ready = {.fd = sock, .events = events};
    for (;;) {
        int n = poll(&ready, 1, ms);
        if (n > 0)
            return 0; /* ready, or an error or hang-up that the next call will report */
        if (n == 0)
            return ETIMEDOUT;
        if (errno != EINTR)
            return errno;
    }
}

/* Connects sock to addr, waiting at most timeout seconds (negative: as long as connect takes).
 * Returns 0, ETIMEDOUT, or the errno of the failed connect. The socket is left blocking. */
static int connect_within(int sock, const struct sockaddr_in *addr, double timeout) {
    int flags = fcntl(sock, F_GETFL);
    if (flags < 0 || fcntl(sock, F_SETFL, flags | O_NONBLOCK) != 0)
        return errno;
    int err = 0;
    if (connect(sock, (const struct sockaddr *)addr, sizeof *addr) != 0) {
        err = errno;
        if (err == EINPROGRESS) {
            /* The handshake goes on without us: wait until the socket is writable, then ask how it went. */
            err = wait_for(sock, POLLOUT, timeout);
            socklen_t len = sizeof err;
            if (err == 0 && getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
                err = errno;
        }
    }
    if (err == 0 && fcntl(sock, F_SETFL, flags) != 0)
        err = errno;
    return err;
}

/* Downloads the whole poem from the server at addr into *poem, blocking until the server closes the
 * connection, but giving up when the server is silent for timeout seconds (negative: never).
 * Returns 0, ETIMEDOUT, or the errno of the connect or read that failed. */
static int get_poem(const struct sockaddr_in *addr, double timeout, struct poem *poem) {
    int sock = socket(AF_INET, SOCK_STREAM, 0);
    if (sock < 0)
        return errno;
    int err = connect_within(sock, addr, timeout);
    if (err != 0) {
        close(sock);
        return err;
    }

    char chunk[4096];
    for (;;) {
        err = wait_for(sock, POLLIN, timeout); /* the clock restarts with every read */
        if (err != 0) {
            close(sock);
            return err;
        }
        ssize_t n = read(sock, chunk, sizeof chunk); /* bytes (or the close) are there: it won't block */
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

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        }
    }

    /* Check the options and every address before downloading anything: a typo should not cost a long
     * wait. */
    double timeout = -1; /* no --timeout: wait as long as it takes */
    struct sockaddr_in *addrs = calloc((size_t)argc, sizeof *addrs);
    if (addrs == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");
    int count = 0;
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (cli_option(argc, argv, &i, "--timeout", &value, program)) {
            if (cli_parse_seconds(value, &timeout) != 0 || timeout <= 0) {
                free(addrs);
                cli_fail(EXIT_USAGE, program, "bad timeout '%s': not a number of seconds > 0", value);
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
        int err = get_poem(&addrs[i], timeout, &poem);
        if (err == ETIMEDOUT && timeout > 0) {
            cli_warn(program, "task %d: %s: timed out after %gs of silence", i + 1, who, timeout);
            failures++;
        } else if (err != 0) {
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
