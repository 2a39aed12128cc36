/* pipes-reactor.c: the pipe chain on this workbook's reactor (the snapshot in REACTOR_DIR). From chapter
 * 7 on it runs on the backend REACTOR_BACKEND names (select, poll, epoll) and prints itself as
 * reactor-BACKEND; before, on select(). select() cannot watch a descriptor >= FD_SETSIZE (1024), so there
 * N stays under ~500 pairs; beyond that this prints "n/a". */
#include "pipes.h"
#include "reactor.h"

#include <stddef.h>
#include <sys/select.h>

struct reader {
    struct descriptor d;
    long index;
};

static struct reactor *reactor;
static struct reader *readers;
static double setup_t0;

static int do_read(struct descriptor *self) {
    struct reader *r = (struct reader *)self;
    if (pipes_on_read(r->index))
        reactor_stop(reactor);
    return 0;
}

static void connection_lost(struct descriptor *self, int reason) {
    (void)self, (void)reason;
}

static const struct descriptor_ops reader_ops = {.do_read = do_read, .connection_lost = connection_lost};

/* The turn after the re-registration: its wait (with a zero timeout, since this call was due) has made
 * whatever changes the backend batched. */
static int setup_done(void *unused) {
    (void)unused;
    pipes_setup_us = (bench_now() - setup_t0) * 1e6;
    pipes_start();
    return 0;
}

/* Removes every reader and adds it back, as libevent's bench does, then lets one turn go by. */
static int re_register(void *unused) {
    (void)unused;
    setup_t0 = bench_now();
    for (long i = 0; i < pipes_n; i++)
        reactor_remove_reader(reactor, &readers[i].d);
    for (long i = 0; i < pipes_n; i++) {
        int err = reactor_add_reader(reactor, &readers[i].d);
        if (err != 0)
            BENCH_DIE("reactor_add_reader: %s", reactor_strerror(err));
    }
    return reactor_call_later(reactor, 0, setup_done, NULL, NULL);
}

int main(int argc, char **argv) {
    long n = bench_opt(argc, argv, "pipes", 100);
    reactor = reactor_new();
    if (reactor == NULL)
        BENCH_DIE("reactor_new failed");
#ifdef BENCH_REACTOR_BACKENDS
    char name[32];
    snprintf(name, sizeof name, "reactor-%s", reactor_backend(reactor));
    int limit = strcmp(reactor_backend(reactor), "select") == 0 ? FD_SETSIZE : 1 << 30;
#else
    const char *name = "reactor";
    int limit = FD_SETSIZE;
#endif
    if (2 * n + 8 > limit) {
        fprintf(stderr, "pipes %s: %ld pairs need %ld descriptors; select() stops at FD_SETSIZE = %d\n", name, n,
                2 * n, FD_SETSIZE);
        printf("pipes %s %ld %ld %ld n/a n/a n/a\n", name, n, bench_opt(argc, argv, "active", 10),
               bench_opt(argc, argv, "writes", 100000));
        return 0;
    }
    pipes_setup(argc, argv);
    readers = malloc((size_t)pipes_n * sizeof *readers);
    if (readers == NULL)
        BENCH_DIE("out of memory");
    for (long i = 0; i < pipes_n; i++) {
        readers[i] = (struct reader){.d = {.fd = pipes_rfd(i), .ops = &reader_ops}, .index = i};
        int err = reactor_add_reader(reactor, &readers[i].d);
        if (err != 0)
            BENCH_DIE("reactor_add_reader: %s", reactor_strerror(err));
    }
    reactor_call_later(reactor, 0.001, re_register, NULL, NULL); /* after a first wait has registered all */
    int err = reactor_run(reactor);
    if (err != 0)
        BENCH_DIE("reactor_run: %s", reactor_strerror(err));
    pipes_report(name);
    reactor_free(reactor);
    free(readers);
    return 0;
}
