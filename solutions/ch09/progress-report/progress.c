/* progress.c: a blocking computation, counting primes, on a worker thread of the reactor's pool; each
 * report and the result go back to the reactor's thread through reactor_call_from_thread. */
#include "progress.h"
#include "reactor_threads.h"
#include "thread_pool.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

static bool is_prime(long n) {
    if (n < 2)
        return false;
    for (long d = 2; d * d <= n; d++)
        if (n % d == 0)
            return false;
    return true;
}

/* The job, made on the reactor's thread, used by the worker, freed on the reactor's thread at the end. */
struct job {
    struct reactor *reactor;
    long limit, count;
    void (*report)(int percent, void *arg);
    void (*done)(long count, void *arg);
    void *arg;
};

/* One report in flight from the worker to the reactor's thread. */
struct report {
    struct job *job;
    int percent;
};

static void report_on_reactor(void *arg) {
    struct report *r = arg;
    r->job->report(r->percent, r->job->arg);
    free(r);
}

static void done_on_reactor(void *arg) {
    struct job *job = arg;
    job->done(job->count, job->arg);
    free(job);
}

/* Hands fn(arg) to the reactor's thread, trying again while memory is short: no report may be lost. */
static void send(struct reactor *reactor, void (*fn)(void *), void *arg) {
    while (reactor_call_from_thread(reactor, fn, arg) == -ENOMEM)
        continue;
}

static void count_in_thread(void *arg) {
    struct job *job = arg;
    int reported = 0;
    for (long n = 0; n < job->limit; n++) {
        if (is_prime(n))
            job->count++;
        int percent = (int)((n + 1) * 10 / job->limit) * 10;
        if (percent > reported) {
            reported = percent;
            struct report *r = malloc(sizeof *r);
            if (r == NULL)
                continue; /* a report lost to memory; the result still comes */
            *r = (struct report){job, percent};
            send(job->reactor, report_on_reactor, r);
        }
    }
    send(job->reactor, done_on_reactor, job); /* after every report: calls from one thread keep their order */
}

int count_primes_off_the_loop(struct reactor *reactor, long limit, void (*report)(int percent, void *arg),
                              void (*done)(long count, void *arg), void *arg) {
    struct thread_pool *pool;
    int err = thread_pool_of(reactor, &pool);
    if (err != 0)
        return err;
    struct job *job = malloc(sizeof *job);
    if (job == NULL)
        return -ENOMEM;
    *job = (struct job){reactor, limit, 0, report, done, arg};
    err = thread_pool_call_in_thread(pool, count_in_thread, job);
    if (err != 0)
        free(job);
    return err;
}
