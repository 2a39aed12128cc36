/* threads-reactor: calls from threads into our reactor (chapter 9's reactor_call_from_thread), through
 * its waker (an eventfd here, or the self-pipe). See threads.h for the measurements. */
#include "reactor_threads.h"
#include "threads.h"

static struct reactor *reactor;
static const char *loop_name = "reactor";

static int loop_new(void) {
    reactor = reactor_new();
    return reactor != NULL ? 0 : -1;
}
static void loop_run(void) {
    reactor_run(reactor);
}
static void loop_stop(void) {
    reactor_stop(reactor);
}
static int loop_call(void (*fn)(void *arg), void *arg) {
    return reactor_call_from_thread(reactor, fn, arg) == 0 ? 0 : -1;
}
static unsigned long loop_wakeups(void) {
    struct reactor_waker_stats stats;
    reactor_waker_stats(reactor, &stats);
    return stats.reads;
}
static unsigned long loop_writes(void) {
    struct reactor_waker_stats stats;
    reactor_waker_stats(reactor, &stats);
    return stats.writes;
}
static void loop_free(void) {
    reactor_free(reactor);
}

int main(int argc, char **argv) {
    return threads_main(argc, argv);
}
