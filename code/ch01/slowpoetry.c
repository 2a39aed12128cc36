/* slowpoetry: a poetry server that is slow on purpose.
 *
 * It serves one client at a time: it sends the poem NUM_BYTES at a time, sleeping DELAY seconds between
 * sends, then closes the connection and waits for the next client. The slowness stands in for a slow
 * network, so that the clients of the next chapters have something worth waiting for. */
#include "address.h"
#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *program = "slowpoetry";

struct options {
    const char *poem_path;
    struct sockaddr_in listen_addr;
    double delay;    /* seconds between two sends */
    long num_bytes;  /* bytes per send */
};

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: slowpoetry [--port PORT] [--iface ADDR] [--delay SECONDS] [--num-bytes N] POEM\n"
            "\n"
            "Serves the poem in the file POEM to each client in turn, N bytes every SECONDS,\n"
            "then closes the connection. The first line on stdout names the port.\n"
            "\n"
            "  --port PORT       port to listen on; 0 (the default) picks a free one\n"
            "  --iface ADDR      IPv4 address to listen on (default 127.0.0.1)\n"
            "  --delay SECONDS   pause between two sends (default 0.7)\n"
            "  --num-bytes N     bytes per send (default 10)\n"
            "  --help            print this help and exit\n");
}

static struct options parse_options(int argc, char **argv) {
    struct options opts = {.poem_path = NULL, .delay = 0.7, .num_bytes = 10};
    opts.listen_addr.sin_family = AF_INET;
    address_parse_host(ADDRESS_DEFAULT_HOST, &opts.listen_addr);

    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            exit(EXIT_ALL_WELL);
        } else if (cli_option(argc, argv, &i, "--port", &value, program)) {
            unsigned short port;
            if (address_parse_port(value, &port) != 0)
                cli_fail(EXIT_USAGE, program, "bad port %s: %s", cli_quote(value), address_strerror(ADDRESS_ERR_PORT));
            opts.listen_addr.sin_port = htons(port);
        } else if (cli_option(argc, argv, &i, "--iface", &value, program)) {
            if (address_parse_host(value, &opts.listen_addr) != 0)
                cli_fail(EXIT_USAGE, program, "bad interface %s: %s", cli_quote(value),
                         address_strerror(ADDRESS_ERR_HOST));
        } else if (cli_option(argc, argv, &i, "--delay", &value, program)) {
            if (cli_parse_seconds(value, &opts.delay) != 0 || opts.delay > CLI_MAX_DELAY_SECONDS)
                cli_fail(EXIT_USAGE, program, "bad delay %s: not a number of seconds from 0 to %g", cli_quote(value),
                         CLI_MAX_DELAY_SECONDS);
        } else if (cli_option(argc, argv, &i, "--num-bytes", &value, program)) {
            if (cli_parse_count(value, 1L << 30, &opts.num_bytes) != 0)
                cli_fail(EXIT_USAGE, program, "bad byte count %s: not a whole number >= 1", cli_quote(value));
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(EXIT_USAGE, program, "unknown option %s (try --help)", cli_quote(argv[i]));
        } else if (opts.poem_path == NULL) {
            opts.poem_path = argv[i];
        } else {
            cli_fail(EXIT_USAGE, program, "one poem only: unexpected %s", cli_quote(argv[i]));
        }
    }
    if (opts.poem_path == NULL)
        cli_fail(EXIT_USAGE, program, "no poem file given (try --help)");
    return opts;
}

/* Sleeps for seconds, resuming after a signal interrupts the sleep. */
static void sleep_seconds(double seconds) {
    struct timespec rest = {.tv_sec = (time_t)seconds};
    rest.tv_nsec = (long)((seconds - (double)rest.tv_sec) * 1e9);
    while (nanosleep(&rest, &rest) == -1 && errno == EINTR)
        continue;
}

/* Sends all len bytes, looping over short sends. Returns 0 or an errno (EPIPE when the client left). */
static int send_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t sent = send(fd, data, len, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        data += sent;
        len -= (size_t)sent;
    }
    return 0;
}

/* >> serve-client */
/* Sends the poem to one client, a slice at a time. Returns 0 or the errno that ended the send. */
static int send_poem(int client, const char *poem, size_t poem_len, const struct options *opts) {
    size_t offset = 0;
    while (offset < poem_len) {
        size_t slice = poem_len - offset;
        if (slice > (size_t)opts->num_bytes)
            slice = (size_t)opts->num_bytes;
        int err = send_all(client, poem + offset, slice);
        if (err != 0)
            return err;
        offset += slice;
        if (offset < poem_len)
            sleep_seconds(opts->delay);
    }
    return 0;
}
/* << serve-client */

/* >> listen-on */
/* Opens a listening TCP socket on addr. Returns the descriptor, or exits on failure. */
static int listen_on(struct sockaddr_in *addr) {
    char text[ADDRESS_TEXT_MAX];
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        cli_fail(EXIT_SOME_FAILED, program, "socket: %s", strerror(errno));
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)addr, sizeof *addr) != 0)
        cli_fail(EXIT_SOME_FAILED, program, "cannot listen on %s: %s",
                 address_format(addr, text, sizeof text), strerror(errno));
    if (listen(fd, 16) != 0)
        cli_fail(EXIT_SOME_FAILED, program, "listen: %s", strerror(errno));
    socklen_t addr_len = sizeof *addr;
    getsockname(fd, (struct sockaddr *)addr, &addr_len); /* learn the port the kernel chose for port 0 */
    return fd;
}
/* << listen-on */

int main(int argc, char **argv) {
    cli_open_standard_fds(); /* so that the listening socket can never be fd 1 */
    struct options opts = parse_options(argc, argv);

    char *poem = NULL;
    size_t poem_len = 0;
    int err = cli_read_file(opts.poem_path, &poem, &poem_len);
    if (err != 0)
        cli_fail(EXIT_USAGE, program, "cannot read poem %s: %s", cli_quote(opts.poem_path), cli_file_strerror(err));

    /* A client that hangs up early must cost us one failed send, not the whole server. */
    signal(SIGPIPE, SIG_IGN);

    /* >> accept-loop */
    int listener = listen_on(&opts.listen_addr);
    printf("Serving %s on port %u.\n", cli_printable(opts.poem_path), (unsigned)ntohs(opts.listen_addr.sin_port));
    fflush(stdout);

    for (;;) {
        struct sockaddr_in peer;
        socklen_t peer_len = sizeof peer;
        int client = accept(listener, (struct sockaddr *)&peer, &peer_len);
        if (client < 0) {
            if (errno != EINTR && errno != ECONNABORTED) {
                cli_warn(program, "accept: %s", strerror(errno));
                sleep_seconds(0.1); /* out of descriptors, say: don't spin */
            }
            continue;
        }
        char who[ADDRESS_TEXT_MAX];
        address_format(&peer, who, sizeof who);
        fprintf(stderr, "Sending %zu bytes of poetry to %s\n", poem_len, who);
        err = send_poem(client, poem, poem_len, &opts);
        if (err != 0)
            cli_warn(program, "%s left early: %s", who, strerror(err));
        close(client);
    }
    /* << accept-loop */
}
