/* threads.h: what the threads benchmarks share (threads-reactor.c, threads-libuv.c): the two
 * measurements, written once over a tiny interface each loop fills in.
 *
 *   throughput: T threads (--threads, 1 or 4) make N calls in all (--calls) into the loop as fast as
 *               they can; each call adds one to a counter on the loop's thread, and the last stops the
 *               loop. calls_per_s is N over the time from starting the threads to the last call run.
 *               wakeups_per_call is how often the loop was woken (its waker read) per call: well under
 *               one when wake-ups are coalesced.
 *   latency:    one thread makes one call at a time (--pings K), with the loop asleep (the thread
 *               waits 200 us before each), and the call notes when it ran: the wake-up latency of a
 *               single call, median and 99th percentile in microseconds.
 * Each prints rows of bench/results/latest.tsv: workload params loop metric value unit. */
#ifndef BENCH_THREADS_H
#define BENCH_THREADS_H

#include "bench.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* What each loop provides. */
static int loop_new(void);                                  /* 0, or -1 */
static void loop_run(void);                                 /* until loop_stop */
static void loop_stop(void);                                /* on the loop's thread */
static int loop_call(void (*fn)(void *arg), void *arg);    /* from any thread: 0, or -1 to try again */
static unsigned long loop_wakeups(void);                    /* times the loop was woken so far */
static unsigned long loop_writes(void);                     /* wakes written so far, or 0 if unknown */
static void loop_free(void);
static const char *loop_name;

/* ---- throughput ---- */
static long total_calls, calls_run; /* calls_run: the loop's thread only */
static double started_at, finished_at;

static void one_call(void *arg) {
    (void)arg;
    if (++calls_run == total_calls) {
        finished_at = bench_now();
        loop_stop();
    }
}

static void *producer(void *arg) {
    long n = (long)(intptr_t)arg;
    for (long i = 0; i < n; i++)
        while (loop_call(one_call, NULL) != 0)
            continue;
    return NULL;
}

static void throughput(int threads, long calls) {
    if (loop_new() != 0)
        BENCH_DIE("%s: cannot make the loop", loop_name);
    total_calls = calls;
    calls_run = 0;
    pthread_t ids[64];
    started_at = bench_now();
    for (int t = 0; t < threads; t++) {
        long share = calls / threads + (t < calls % threads ? 1 : 0);
        if (pthread_create(&ids[t], NULL, producer, (void *)(intptr_t)share) != 0)
            BENCH_DIE("%s: pthread_create failed", loop_name);
    }
    loop_run();
    for (int t = 0; t < threads; t++)
        pthread_join(ids[t], NULL);
    printf("threads\tthreads=%d\t%s\tcalls_per_s\t%.0f\tcalls/s\n", threads, loop_name,
           (double)calls / (finished_at - started_at));
    printf("threads\tthreads=%d\t%s\twakeups_per_call\t%.6f\tratio\n", threads, loop_name,
           (double)loop_wakeups() / (double)calls);
    if (loop_writes() > 0)
        printf("threads\tthreads=%d\t%s\twaker_writes_per_call\t%.6f\tratio\n", threads, loop_name,
               (double)loop_writes() / (double)calls);
    loop_free();
}

/* ---- latency ---- */
static pthread_mutex_t ping_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ping_done = PTHREAD_COND_INITIALIZER;
static long pings, pongs; /* pongs: under ping_lock */
static double *sent, *received;

static void pong(void *arg) {
    long i = (long)(intptr_t)arg;
    received[i] = bench_now();
    pthread_mutex_lock(&ping_lock);
    pongs = i + 1;
    pthread_cond_signal(&ping_done);
    pthread_mutex_unlock(&ping_lock);
    if (i + 1 == pings)
        loop_stop();
}

static void *pinger(void *arg) {
    (void)arg;
    for (long i = 0; i < pings; i++) {
        nanosleep(&(struct timespec){0, 200000}, NULL); /* let the loop fall asleep */
        sent[i] = bench_now();
        while (loop_call(pong, (void *)(intptr_t)i) != 0)
            continue;
        pthread_mutex_lock(&ping_lock);
        while (pongs <= i)
            pthread_cond_wait(&ping_done, &ping_lock);
        pthread_mutex_unlock(&ping_lock);
    }
    return NULL;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void latency(long count) {
    if (loop_new() != 0)
        BENCH_DIE("%s: cannot make the loop", loop_name);
    pings = count;
    pongs = 0;
    sent = calloc((size_t)count, sizeof *sent);
    received = calloc((size_t)count, sizeof *received);
    if (sent == NULL || received == NULL)
        BENCH_DIE("%s: out of memory", loop_name);
    pthread_t id;
    if (pthread_create(&id, NULL, pinger, NULL) != 0)
        BENCH_DIE("%s: pthread_create failed", loop_name);
    loop_run();
    pthread_join(id, NULL);
    for (long i = 0; i < count; i++)
        received[i] = (received[i] - sent[i]) * 1e6;
    qsort(received, (size_t)count, sizeof *received, by_value);
    printf("threads\tlatency\t%s\twakeup_us_p50\t%.1f\tus\n", loop_name, received[count / 2]);
    printf("threads\tlatency\t%s\twakeup_us_p99\t%.1f\tus\n", loop_name, received[count * 99 / 100]);
    free(sent);
    free(received);
    loop_free();
}

/* --threads T --calls N: throughput; --pings K: latency; both may be given. */
static int threads_main(int argc, char **argv) {
    long threads = bench_opt(argc, argv, "threads", 0);
    long calls = bench_opt(argc, argv, "calls", 1000000);
    long count = bench_opt(argc, argv, "pings", 0);
    if (threads > 64 || calls < 1 || (threads == 0 && count == 0)) {
        fprintf(stderr, "usage: %s [--threads T (1..64) --calls N] [--pings K]\n", argv[0]);
        return 2;
    }
    if (threads > 0)
        throughput((int)threads, calls);
    if (count > 0)
        latency(count);
    return 0;
}

#endif
