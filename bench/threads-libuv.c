/* threads-libuv: calls from threads into libuv the way its users make them: uv_async_send carries no
 * data, so the calls wait in a queue of this program's own (an array under a uv_mutex_t, swapped out
 * whole by the loop, as our reactor's is), and uv_async_send wakes the loop (libuv coalesces: a send
 * while one is pending writes nothing). See threads.h for the measurements. */
#include "threads.h"

#include <uv.h>

static const char *loop_name = "libuv";
static uv_loop_t loop;
static uv_async_t async;
static uv_mutex_t lock;
struct call {
    void (*fn)(void *arg);
    void *arg;
};
static struct call *queue, *taken; /* queue under lock; taken the loop's */
static size_t queued, queue_capacity, taken_capacity;
static unsigned long wakeups;

static void on_async(uv_async_t *handle) {
    (void)handle;
    wakeups++;
    uv_mutex_lock(&lock);
    struct call *calls = queue;
    size_t count = queued, capacity = queue_capacity;
    queue = taken;
    queue_capacity = taken_capacity;
    queued = 0;
    uv_mutex_unlock(&lock);
    for (size_t i = 0; i < count; i++)
        calls[i].fn(calls[i].arg);
    taken = calls;
    taken_capacity = capacity;
}

static int loop_new(void) {
    queue = taken = NULL;
    queued = queue_capacity = taken_capacity = 0;
    wakeups = 0;
    if (uv_loop_init(&loop) != 0 || uv_mutex_init(&lock) != 0)
        return -1;
    return uv_async_init(&loop, &async, on_async) == 0 ? 0 : -1;
}
static void loop_run(void) {
    uv_run(&loop, UV_RUN_DEFAULT);
}
static void loop_stop(void) {
    uv_close((uv_handle_t *)&async, NULL); /* the loop ends once nothing is left */
}
static int loop_call(void (*fn)(void *arg), void *arg) {
    uv_mutex_lock(&lock);
    if (queued == queue_capacity) {
        size_t capacity = queue_capacity ? queue_capacity * 2 : 64;
        struct call *bigger = realloc(queue, capacity * sizeof *bigger);
        if (bigger == NULL) {
            uv_mutex_unlock(&lock);
            return -1;
        }
        queue = bigger;
        queue_capacity = capacity;
    }
    queue[queued++] = (struct call){fn, arg};
    uv_mutex_unlock(&lock);
    uv_async_send(&async);
    return 0;
}
static unsigned long loop_wakeups(void) {
    return wakeups;
}
static unsigned long loop_writes(void) {
    return 0; /* inside libuv: not counted */
}
static void loop_free(void) {
    uv_loop_close(&loop);
    uv_mutex_destroy(&lock);
    free(queue);
    free(taken);
}

int main(int argc, char **argv) {
    return threads_main(argc, argv);
}
