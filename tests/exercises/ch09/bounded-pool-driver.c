/* The driver of exercise ch09/bounded-pool: runs 12 calls with a limit of 3 (and 5 with a limit of 1).
 * Each call counts how many run at once, and waits (up to 0.3 s) for more than the limit to be running,
 * so that the most seen at once is the pool's size, not an accident of timing. Prints what it saw, a
 * fact a line. */
#include "limited.h"
#include "thread_pool.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

static struct reactor *reactor;
static pthread_t reactor_thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int running, most, calls[64], off_thread_work;
static size_t limit;

static void work(int i) {
    pthread_mutex_lock(&lock);
    if (pthread_equal(pthread_self(), reactor_thread))
        off_thread_work++; /* counted as "on the reactor's thread" */
    calls[i]++;
    running++;
    if (running > most)
        most = running;
    pthread_cond_broadcast(&changed);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 300000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    /* Waits while no more than the limit run, up to 0.3 s: a pool of the right size never gets past
     * it (the call waits the whole time, while the others of its wave start); a bigger one does at once. */
    while (running <= (int)limit && pthread_cond_timedwait(&changed, &lock, &until) == 0)
        continue;
    running--;
    pthread_mutex_unlock(&lock);
}

static int n, fired, fired_off_thread;
static struct thread_pool *own;        /* the reactor's pool, to see that it stays unused */
static struct thread_pool_stats stats; /* its statistics when all is done */

static struct deferred_result all_done(struct deferred_result result, void *arg) {
    (void)arg;
    fired++;
    thread_pool_statistics(own, &stats);
    if (!pthread_equal(pthread_self(), reactor_thread))
        fired_off_thread++;
    reactor_stop(reactor);
    return result;
}

static int start(void *arg) {
    (void)arg;
    struct deferred *d;
    int err = run_limited(reactor, limit, n, work, &d);
    printf("run_limited returned %d\n", err);
    if (err != 0) {
        reactor_stop(reactor);
        return 0;
    }
    deferred_add_callback(d, all_done, NULL);
    deferred_unref(d);
    return 0;
}

static int give_up(void *arg) {
    (void)arg;
    printf("gave up after 30 s\n");
    reactor_stop(reactor);
    return 0;
}

static void one_run(size_t the_limit, int count) {
    limit = the_limit;
    n = count;
    most = running = fired = fired_off_thread = off_thread_work = 0;
    for (int i = 0; i < 64; i++)
        calls[i] = 0;
    reactor = reactor_new();
    if (reactor == NULL)
        return;
    reactor_thread = pthread_self();
    thread_pool_of(reactor, &own);
    stats.done = 0;
    reactor_call_when_running(reactor, start, NULL);
    reactor_call_later(reactor, 30, give_up, NULL, NULL);
    reactor_run(reactor);
    int once = 1;
    for (int i = 0; i < n; i++)
        once &= calls[i] == 1;
    printf("limit %zu, %d calls: most at once %d, each once %s, on the reactor's thread %d\n", limit, n, most,
           once ? "yes" : "no", off_thread_work);
    printf("limit %zu: fired %d, off the reactor's thread %d, the reactor's pool ran %zu\n", limit, fired,
           fired_off_thread, stats.done);
    reactor_free(reactor);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    one_run(3, 12);
    one_run(1, 5);
    return 0;
}
