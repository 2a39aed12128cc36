/* echo-upper: standard input echoed to stdout in upper case, while a poem downloads, on one reactor --
 * once you finish it.
 *
 * The exercise (see README.md): standard input should be a descriptor of the reactor, beside the poem
 * download, so that neither waits for the other. As given, the download is a descriptor (as in
 * get-poetry) but standard input is copied by a blocking loop before the reactor even runs. Look for
 * the TODO in main. */
#include "address.h"
#include "cli.h"
#include "reactor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *program = "echo-upper";

/* What the descriptors share. */
struct shared {
    struct reactor *reactor;
    int open;   /* descriptors that have not ended yet: the last one to end stops the reactor */
    int failed; /* something went wrong (reported on stderr): exit 1 */
};

/* One descriptor has ended; the last one stops the reactor. */
static void descriptor_ended(struct shared *shared) {
    shared->open -= 1;
    if (shared->open == 0)
        reactor_stop(shared->reactor);
}

/* Sets O_NONBLOCK on fd; stores its flags as they were in *old_flags if that is not NULL. Returns 0 or
 * -errno. */
static int set_nonblocking(int fd, int *old_flags) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -errno;
    if (old_flags != NULL)
        *old_flags = flags;
    return 0;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- Standard input, echoed in upper case. */

/* Makes the ASCII letters a-z upper case and leaves every other byte alone (toupper would consult the
 * locale). */
static void upper_ascii(char *bytes, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (bytes[i] >= 'a' && bytes[i] <= 'z')
            bytes[i] = (char)(bytes[i] - 'a' + 'A');
}

/* Copies standard input to stdout in upper case until the input ends, waiting in read() for each
 * chunk. Returns 0, or -errno if reading failed. */
static int echo_blocking(void) {
    char chunk[4096];
    for (;;) {
        ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk); /* waits here until input arrives */
        if (n > 0) {
            upper_ascii(chunk, (size_t)n);
            fwrite(chunk, 1, (size_t)n, stdout);
            fflush(stdout);
        } else if (n == 0) {
            return 0; /* the end of the input */
        } else if (errno != EINTR) {
            return -errno;
        }
    }
}

/* ---- The poem download, as in get-poetry. */

struct poem {
    char *bytes;
    size_t len;
    size_t capacity;
};

/* The one download, as the reactor sees it. */
struct download {
    struct descriptor descriptor; /* descriptor.fd is the socket */
    struct sockaddr_in addr;
    char who[ADDRESS_TEXT_MAX];
    const char *out_path; /* --poem-out: where the complete poem goes */
    struct poem poem;
    double started;
    struct shared *shared;
};

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

/* Starts connecting and registers the download (see get-poetry). Returns 0 or the reason it ended. */
static int download_start(struct download *download, struct reactor *reactor) {
    download->started = now_seconds();
    download->descriptor.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (download->descriptor.fd < 0)
        return -errno;
    int err = set_nonblocking(download->descriptor.fd, NULL);
    if (err != 0)
        return err;
    if (connect(download->descriptor.fd, (const struct sockaddr *)&download->addr, sizeof download->addr) == 0)
        return reactor_add_reader(reactor, &download->descriptor);
    if (errno != EINPROGRESS)
        return -errno;
    return reactor_add_writer(reactor, &download->descriptor);
}

/* do_write: the connect has settled; SO_ERROR says how. */
static int download_do_write(struct descriptor *descriptor) {
    struct download *download = (struct download *)descriptor;
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(descriptor->fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
        error = errno;
    if (error != 0)
        return -error;
    reactor_remove_writer(download->shared->reactor, descriptor);
    return reactor_add_reader(download->shared->reactor, descriptor);
}

/* do_read: bytes of the poem (or its end) have arrived. */
static int download_do_read(struct descriptor *descriptor) {
    struct download *download = (struct download *)descriptor;
    char chunk[4096];
    for (;;) {
        ssize_t n = read(descriptor->fd, chunk, sizeof chunk);
        if (n > 0) {
            fprintf(stderr, "Poem: read %zd bytes from %s\n", n, download->who);
            if (poem_append(&download->poem, chunk, (size_t)n) != 0)
                return -ENOMEM;
        } else if (n == 0) {
            return REACTOR_CONNECTION_DONE;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return 0;
        } else if (errno != EINTR) {
            return -errno;
        }
    }
}

/* Writes the complete poem to its file. Returns 0, or -1 after reporting why not. */
static int write_poem_file(const struct download *download) {
    FILE *out = fopen(download->out_path, "wb");
    if (out == NULL) {
        cli_warn(program, "%s: %s", download->out_path, strerror(errno));
        return -1;
    }
    size_t written = fwrite(download->poem.bytes, 1, download->poem.len, out);
    if (fclose(out) != 0 || written != download->poem.len) {
        cli_warn(program, "%s: %s", download->out_path, strerror(errno));
        return -1;
    }
    return 0;
}

/* connection_lost: the download is over. A complete poem goes to its file; a partial one nowhere. */
static void download_connection_lost(struct descriptor *descriptor, int reason) {
    struct download *download = (struct download *)descriptor;
    if (descriptor->fd >= 0)
        close(descriptor->fd);
    descriptor->fd = -1;
    if (reason != REACTOR_CONNECTION_DONE) {
        cli_warn(program, "poem: %s: %s", download->who, reactor_strerror(reason));
        download->shared->failed = 1;
    } else if (write_poem_file(download) != 0) {
        download->shared->failed = 1;
    } else {
        fprintf(stderr, "Poem: got %zu bytes of poetry from %s in %.1fs, written to %s\n", download->poem.len,
                download->who, now_seconds() - download->started, download->out_path);
    }
    descriptor_ended(download->shared);
}

static const char *download_log_prefix(struct descriptor *descriptor) {
    (void)descriptor;
    return "poem";
}

static const struct descriptor_ops download_ops = {
    .do_read = download_do_read,
    .do_write = download_do_write,
    .connection_lost = download_connection_lost,
    .log_prefix = download_log_prefix,
};

/* Starts the download once the reactor runs; one that cannot even start is lost right here. */
static int start_download(void *arg) {
    struct download *download = arg;
    fprintf(stderr, "Poem: get poetry from %s\n", download->who);
    int err = download_start(download, download->shared->reactor);
    if (err != 0)
        download_connection_lost(&download->descriptor, err);
    return 0;
}

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: echo-upper [--poem-out FILE [HOST:]PORT]\n"
            "\n"
            "Copies standard input to stdout with the letters a-z made upper case (every other byte\n"
            "passes unchanged), line by line as it arrives, until the input ends. Meanwhile, given a\n"
            "server, it downloads a poem from it and writes the poem to FILE. HOST is an IPv4\n"
            "address and defaults to 127.0.0.1. Progress goes to stderr.\n"
            "Exit status: 0 all went well, 1 the download or the input failed, 2 bad command line.\n");
}

int main(int argc, char **argv) {
    const char *out_path = NULL, *server = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return EXIT_ALL_WELL;
        }
        if (cli_option(argc, argv, &i, "--poem-out", &out_path, program))
            continue;
        if (argv[i][0] == '-')
            cli_fail(EXIT_USAGE, program, "unknown option '%s' (try --help)", argv[i]);
        if (server != NULL)
            cli_fail(EXIT_USAGE, program, "more than one server given: '%s' (try --help)", argv[i]);
        server = argv[i];
    }
    if (server != NULL && out_path == NULL)
        cli_fail(EXIT_USAGE, program, "a server needs --poem-out FILE (try --help)");
    if (server == NULL && out_path != NULL)
        cli_fail(EXIT_USAGE, program, "--poem-out needs a server (try --help)");

    struct shared shared = {.reactor = NULL};
    struct download download = {.descriptor = {.fd = -1, .ops = &download_ops}, .out_path = out_path,
                                .shared = &shared};
    if (server != NULL) {
        int err = address_parse(server, &download.addr);
        if (err != 0)
            cli_fail(EXIT_USAGE, program, "bad address '%s': %s", server, address_strerror(err));
        address_format(&download.addr, download.who, sizeof download.who);
    }

    shared.reactor = reactor_new();
    if (shared.reactor == NULL)
        cli_fail(EXIT_SOME_FAILED, program, "out of memory");

    /* TODO: standard input is copied here, before the reactor runs, by a loop that blocks in read():
     * the download cannot even start until the input has ended. Make standard input a descriptor of
     * the reactor instead, beside the download, so that the two go on at the same time. */
    int err = echo_blocking();
    if (err != 0) {
        cli_warn(program, "standard input: %s", reactor_strerror(err));
        shared.failed = 1;
    }

    if (server != NULL) {
        shared.open += 1;
        reactor_call_when_running(shared.reactor, start_download, &download);
        err = reactor_run(shared.reactor); /* returns once the download has ended */
    }
    reactor_free(shared.reactor);
    free(download.poem.bytes);
    if (err != 0)
        cli_fail(EXIT_SOME_FAILED, program, "reactor: %s", reactor_strerror(err));
    return shared.failed ? EXIT_SOME_FAILED : EXIT_ALL_WELL;
}
