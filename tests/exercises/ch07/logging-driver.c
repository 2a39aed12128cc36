/* The driver of the ch07/logging-backend test: a reactor on the logging backend wrapped around poll,
 * one reader on a pipe with a byte in it, one writer on another pipe; the reader stops the reactor. */
#include "logging_backend.h"
#include "reactor.h"

#include <stdio.h>
#include <unistd.h>

static struct reactor *reactor;
static int reads, writes;

static int do_read(struct descriptor *d) {
    char c;
    if (read(d->fd, &c, 1) == 1)
        reads++;
    reactor_stop(reactor);
    return 0;
}

static int do_write(struct descriptor *d) {
    writes++;
    reactor_remove_writer(reactor, d);
    return 0;
}

static void lost(struct descriptor *d, int reason) {
    (void)d, (void)reason;
}

static const struct descriptor_ops ops = {.do_read = do_read, .do_write = do_write, .connection_lost = lost};

int main(void) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0 || write(in[1], "x", 1) != 1)
        return 3;
    int err = reactor_new_with(logging_backend(backend_find("poll")), &reactor);
    if (err != 0) {
        fprintf(stderr, "driver: reactor_new_with: %s\n", reactor_strerror(err));
        return 3;
    }
    struct descriptor reader = {.fd = in[0], .ops = &ops}, writer = {.fd = out[1], .ops = &ops};
    fprintf(stdout, "reader fd %d, writer fd %d\n", in[0], out[1]);
    fflush(stdout);
    if (reactor_add_reader(reactor, &reader) != 0 || reactor_add_writer(reactor, &writer) != 0)
        return 3;
    if (reactor_run(reactor) != 0)
        return 3;
    printf("backend %s, %d reads, %d writes\n", reactor_backend(reactor), reads, writes);
    reactor_free(reactor);
    return 0;
}
