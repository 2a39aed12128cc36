/* pipes.h: the pipe-chain benchmark's shared part (libevent's classic test/bench.c).
 *
 * N socket pairs; pair i's read end is watched for reading. A bytes are written to A pairs spread evenly
 * over the N, and each read callback reads its byte and, while any of the W writes remain, writes one
 * byte to the next pair (i+1 mod N). The run ends when every byte written has been read: A + W events.
 * Only that part is timed (not making the pairs or registering them). Apart, before it, each program
 * times what libevent's bench times too: removing every watch and adding it back, then one turn of the
 * loop that does not wait (so a loop that batches changes has made them): pipes_setup_us.
 * Each program prints: pipes LIBRARY N A W seconds us_per_event setup_us */
#ifndef PIPES_H
#define PIPES_H

#include "bench.h"
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

static long pipes_n, pipes_active, pipes_writes;
static int *pipes_fd;                 /* pair i: read end pipes_fd[2i], write end pipes_fd[2i+1] */
static long pipes_count, pipes_fired; /* bytes read, bytes written */
static long pipes_left;               /* writes still to do */
static double pipes_t0, pipes_t1;
static double pipes_setup_us = -1; /* set by the program: -1 if not measured */

static inline int pipes_rfd(long i) { return pipes_fd[2 * i]; }

/* Reads the options and makes the pairs. */
static inline void pipes_setup(int argc, char **argv) {
    pipes_n = bench_opt(argc, argv, "pipes", 100);
    pipes_active = bench_opt(argc, argv, "active", 10);
    pipes_writes = bench_opt(argc, argv, "writes", 100000);
    if (pipes_n < 1 || pipes_active < 1 || pipes_active > pipes_n)
        BENCH_DIE("%s: need 1 <= --active <= --pipes", argv[0]);
    if (bench_need_fds(2 * pipes_n + 64) != 0)
        exit(1);
    pipes_fd = malloc((size_t)(2 * pipes_n) * sizeof *pipes_fd);
    if (pipes_fd == NULL)
        BENCH_DIE("out of memory");
    for (long i = 0; i < pipes_n; i++)
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, &pipes_fd[2 * i]) != 0)
            BENCH_DIE("socketpair: %s", strerror(errno));
}

/* Starts the clock and writes the first A bytes. */
static inline void pipes_start(void) {
    long space = pipes_n / pipes_active;
    pipes_count = pipes_fired = 0;
    pipes_left = pipes_writes;
    pipes_t0 = bench_now();
    for (long i = 0; i < pipes_active; i++, pipes_fired++)
        if (write(pipes_fd[2 * (i * space) + 1], "e", 1) != 1)
            BENCH_DIE("write: %s", strerror(errno));
}

/* What every read callback does for pair i. Returns 1 when the run is over (the caller stops its loop). */
static inline int pipes_on_read(long i) {
    char ch;
    if (read(pipes_rfd(i), &ch, 1) != 1)
        BENCH_DIE("read: %s", strerror(errno));
    pipes_count++;
    if (pipes_left > 0) {
        long next = (i + 1) % pipes_n;
        if (write(pipes_fd[2 * next + 1], "e", 1) != 1)
            BENCH_DIE("write: %s", strerror(errno));
        pipes_left--;
        pipes_fired++;
    }
    if (pipes_count == pipes_fired) {
        pipes_t1 = bench_now();
        return 1;
    }
    return 0;
}

static inline void pipes_report(const char *library) {
    long events = pipes_active + pipes_writes;
    if (pipes_count != events)
        BENCH_DIE("%s: read %ld bytes of %ld", library, pipes_count, events);
    double s = pipes_t1 - pipes_t0;
    printf("pipes %s %ld %ld %ld %.4f %.3f %.1f\n", library, pipes_n, pipes_active, pipes_writes, s,
           s * 1e6 / (double)events, pipes_setup_us);
}

#endif
