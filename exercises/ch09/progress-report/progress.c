/* progress.c: a blocking computation, counting primes, that should run off the reactor's thread and
 * report its progress back to it. As given, it runs on the caller's thread: while it counts, the
 * reactor is stuck, and nothing else it serves moves. See README.md. */
#include "progress.h"
#include "reactor_threads.h"
#include "thread_pool.h"

#include <stdbool.h>

static bool is_prime(long n) {
    if (n < 2)
        return false;
    for (long d = 2; d * d <= n; d++)
        if (n % d == 0)
            return false;
    return true;
}

int count_primes_off_the_loop(struct reactor *reactor, long limit, void (*report)(int percent, void *arg),
                              void (*done)(long count, void *arg), void *arg) {
    (void)reactor;
    /* TODO: do this on a worker thread (thread_pool_call_in_thread on thread_pool_of(reactor), or
     * thread_pool_defer), and send each report, and the result, back with reactor_call_from_thread.
     * Whatever the worker passes along must outlive the call that passes it. */
    long count = 0;
    int reported = 0;
    for (long n = 0; n < limit; n++) {
        if (is_prime(n))
            count++;
        int percent = (int)((n + 1) * 10 / limit) * 10;
        if (percent > reported) {
            reported = percent;
            report(percent, arg);
        }
    }
    done(count, arg);
    return 0;
}
