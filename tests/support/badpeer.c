/* badpeer: a poetry server that misbehaves on purpose, so that tests can watch clients cope.
 *
 *   badpeer reset-after N   send N bytes of a poem, then reset the connection (RST, not a clean close)
 *   badpeer silent          accept clients and never send a byte, keeping them connected
 *   badpeer close           accept clients and close at once: a clean close with an empty poem
 *   badpeer refuse          bind a port but never listen, so that connecting is refused
 *   badpeer flood           send to each client without end (one client at a time), until it leaves
 *   badpeer unaccepted      listen with the smallest backlog and never accept: once the queue is
 *                           full, further connects get no answer at all (they hang until a timeout)
 *   badpeer half-close PORT a client, not a server: connect to 127.0.0.1:PORT, shut down the write
 *                           side at once (as `nc -N` does), copy what arrives to stdout; exit 0 at a
 *                           clean end, 1 (with a message) on an error such as a reset
 *
 * Like slowpoetry, it binds 127.0.0.1 port 0 and prints "Serving badpeer-MODE on port PORT." first. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char partial_poem[] = "Tyger Tyger, burning bright,\nIn the forests of the night;\n";

static int bind_loopback(unsigned short *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        fprintf(stderr, "badpeer: bind: %s\n", strerror(errno));
        exit(1);
    }
    socklen_t len = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &len);
    *port = ntohs(addr.sin_port);
    return fd;
}

static int half_close_client(const char *port_text) {
    long port = atol(port_text);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                               .sin_port = htons((unsigned short)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (port < 1 || port > 65535 || fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        fprintf(stderr, "badpeer: half-close: cannot connect to port '%s': %s\n", port_text, strerror(errno));
        return 1;
    }
    shutdown(fd, SHUT_WR);
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "badpeer: half-close: read: %s\n", strerror(errno));
            return 1;
        }
        if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
            return 1;
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: badpeer reset-after N | silent | close | refuse | flood | unaccepted | half-close PORT\n");
        return 2;
    }
    const char *mode = argv[1];
    if (strcmp(mode, "half-close") == 0)
        return half_close_client(argc > 2 ? argv[2] : "");
    long reset_after = 0;
    if (strcmp(mode, "reset-after") == 0) {
        if (argc < 3 || (reset_after = atol(argv[2])) < 0 || (size_t)reset_after > strlen(partial_poem)) {
            fprintf(stderr, "badpeer: reset-after needs N from 0 to %zu\n", strlen(partial_poem));
            return 2;
        }
    } else if (strcmp(mode, "silent") != 0 && strcmp(mode, "close") != 0 && strcmp(mode, "refuse") != 0 &&
               strcmp(mode, "flood") != 0 && strcmp(mode, "unaccepted") != 0) {
        fprintf(stderr, "badpeer: unknown mode '%s'\n", mode);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    unsigned short port;
    int listener = bind_loopback(&port);
    if (strcmp(mode, "refuse") != 0 && listen(listener, strcmp(mode, "unaccepted") == 0 ? 0 : 64) != 0) {
        fprintf(stderr, "badpeer: listen: %s\n", strerror(errno));
        return 1;
    }
    printf("Serving badpeer-%s on port %u.\n", mode, port);
    fflush(stdout);
    if (strcmp(mode, "refuse") == 0 || strcmp(mode, "unaccepted") == 0)
        for (;;)
            pause();

    for (;;) {
        int client = accept(listener, NULL, NULL);
        if (client < 0)
            continue;
        if (strcmp(mode, "silent") == 0)
            continue; /* keep it open and say nothing, until we are killed */
        if (strcmp(mode, "flood") == 0) {
            static char endless[65536];
            memset(endless, 'x', sizeof endless);
            while (send(client, endless, sizeof endless, 0) > 0)
                continue; /* until the client leaves (EPIPE, ECONNRESET) */
        }
        if (strcmp(mode, "reset-after") == 0) {
            if (reset_after > 0 && send(client, partial_poem, (size_t)reset_after, 0) < 0)
                fprintf(stderr, "badpeer: send: %s\n", strerror(errno));
            /* Give the bytes time to reach the client before the reset overtakes them. */
            usleep(100000);
            struct linger abortive = {.l_onoff = 1, .l_linger = 0};
            setsockopt(client, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
        }
        close(client);
    }
}
