/* The driver of exercise ch09/defer-checksum: asks checksum_file for a missing file, for a poem, and for
 * a FIFO that a timer on the reactor writes into only later (so that open() blocks until then: on the
 * reactor's thread, it would block the timer that unblocks it). Prints what it saw, a fact a line. */
#define _DEFAULT_SOURCE /* mkfifo */
#include "checksum.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct reactor *reactor;
static pthread_t reactor_thread;
static int pending, off_thread;
static char fifo[256];
static const char fifo_text[] = "Tyger Tyger, burning bright,\nIn the forests of the night;\n";

static struct deferred_result got(struct deferred_result result, void *what) {
    if (!pthread_equal(pthread_self(), reactor_thread))
        off_thread++;
    if (result.kind == DEFERRED_VALUE)
        printf("%s: hash %016llx\n", (const char *)what, (unsigned long long)*(uint64_t *)result.value);
    else
        printf("%s: failure %d\n", (const char *)what, failure_code(result.failure));
    deferred_result_free(result);
    if (--pending == 0)
        reactor_stop(reactor);
    return deferred_none();
}

/* Writes the FIFO's text once a reader has it open (before that, O_NONBLOCK open for writing fails). */
static int feed_fifo(void *arg) {
    (void)arg;
    int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        reactor_call_later(reactor, 0.01, feed_fifo, NULL, NULL);
        return 0;
    }
    printf("the timer opened the FIFO for writing\n");
    if (write(fd, fifo_text, sizeof fifo_text - 1) < 0)
        perror("write");
    close(fd);
    return 0;
}

static int give_up(void *arg) {
    (void)arg;
    printf("gave up: %d results missing after 30 s\n", pending);
    reactor_stop(reactor);
    return 0;
}

static void ask(const char *path, const char *what) {
    struct deferred *d;
    int err = checksum_file(reactor, path, &d);
    if (err != 0) {
        printf("%s: checksum_file returned %d\n", what, err);
        return;
    }
    printf("%s: %s when checksum_file returned\n", what, deferred_called(d) ? "fired" : "not fired");
    pending++;
    deferred_add_both(d, got, (void *)what);
    deferred_unref(d);
}

int main(int argc, char **argv) {
    if (argc != 3) /* POEM SCRATCH-FOLDER */
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(fifo, sizeof fifo, "%s/fifo", argv[2]);
    if (mkfifo(fifo, 0600) != 0)
        return 1;
    reactor = reactor_new();
    if (reactor == NULL)
        return 1;
    reactor_thread = pthread_self();
    printf("text hash %016llx\n", checksum_fnv1a(CHECKSUM_FNV_START, (const unsigned char *)fifo_text,
                                                 sizeof fifo_text - 1));
    ask("/nonexistent/poem.txt", "missing");
    ask(argv[1], "poem");
    reactor_call_later(reactor, 0.05, feed_fifo, NULL, NULL);
    reactor_call_later(reactor, 30, give_up, NULL, NULL);
    ask(fifo, "fifo"); /* blocks in open() until feed_fifo runs: on the reactor's thread, forever */
    if (pending > 0)
        reactor_run(reactor);
    printf("callbacks off the reactor's thread: %d\n", off_thread);
    reactor_free(reactor);
    unlink(fifo);
    return 0;
}
