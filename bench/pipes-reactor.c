/* pipes-reactor.c: the pipe chain on this workbook's reactor (code/ch05, select()). select() cannot
 * watch a descriptor >= FD_SETSIZE (1024), so N stays under ~500 pairs; beyond that this prints "n/a".
 * Chapter 7's poll and epoll backends lift the limit. */
#include "pipes.h"
#include "reactor.h"

#include <stddef.h>
#include <sys/select.h>

struct reader {
    struct descriptor d;
    long index;
};

static struct reactor *reactor;

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

int main(int argc, char **argv) {
    long n = bench_opt(argc, argv, "pipes", 100);
    if (2 * n + 8 > FD_SETSIZE) {
        fprintf(stderr, "pipes reactor: %ld pairs need %ld descriptors; select() stops at FD_SETSIZE = %d "
                        "(chapter 7 lifts this)\n", n, 2 * n, FD_SETSIZE);
        printf("pipes reactor %ld %ld %ld n/a n/a\n", n, bench_opt(argc, argv, "active", 10),
               bench_opt(argc, argv, "writes", 100000));
        return 0;
    }
    pipes_setup(argc, argv);
    reactor = reactor_new();
    struct reader *readers = malloc((size_t)pipes_n * sizeof *readers);
    if (reactor == NULL || readers == NULL)
        BENCH_DIE("out of memory");
    for (long i = 0; i < pipes_n; i++) {
        readers[i] = (struct reader){.d = {.fd = pipes_rfd(i), .ops = &reader_ops}, .index = i};
        int err = reactor_add_reader(reactor, &readers[i].d);
        if (err != 0)
            BENCH_DIE("reactor_add_reader: %s", reactor_strerror(err));
    }
    pipes_start();
    int err = reactor_run(reactor);
    if (err != 0)
        BENCH_DIE("reactor_run: %s", reactor_strerror(err));
    pipes_report("reactor");
    reactor_free(reactor);
    free(readers);
    return 0;
}
