/* scheduler.c: delayed calls on a timer heap. See scheduler.h for the contracts. */
#include "scheduler.h"
#include "call_heap.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* >> delayed-call */
enum call_state { CALL_PENDING, CALL_CALLED, CALL_CANCELLED };

struct delayed_call {
    struct scheduler *scheduler; /* NULL once the scheduler is freed */
    enum call_state state;
    size_t heap_index; /* where the call sits in the heap while pending (the heap keeps this up to date) */
    double time;       /* the deadline once the call has left the heap; while pending, the heap has it */
    uint64_t since;    /* the scheduler's pass count when the call was scheduled or last moved */
    int refs;          /* one for the heap while pending, one for a caller's handle, one per pass holding it */
    const char *name;
    scheduler_fn fn;
    void *arg;
};
/* << delayed-call */

struct scheduler {
    struct call_heap heap;
    uint64_t passes; /* how many passes of scheduler_run_due have begun */
    scheduler_clock_fn clock;
    void *clock_arg;
    const char *owner;
};

struct scheduler *scheduler_new(scheduler_clock_fn clock, void *clock_arg, const char *owner) {
    struct scheduler *scheduler = malloc(sizeof *scheduler);
    if (scheduler == NULL)
        return NULL;
    call_heap_init(&scheduler->heap);
    scheduler->passes = 0;
    scheduler->clock = clock;
    scheduler->clock_arg = clock_arg;
    scheduler->owner = owner;
    return scheduler;
}

/* >> release */
static void release(struct delayed_call *call) {
    if (--call->refs == 0)
        free(call);
}

/* Takes the pending call out of the heap, remembering its deadline. The caller drops the heap's
 * reference (release) once it is done with the call. */
static void leave_heap(struct delayed_call *call, enum call_state state) {
    struct call_heap *heap = &call->scheduler->heap;
    call->time = heap->entries[call->heap_index].deadline;
    call_heap_remove(heap, call->heap_index);
    call->state = state;
}
/* << release */

void scheduler_free(struct scheduler *scheduler) {
    if (scheduler == NULL)
        return;
    while (scheduler->heap.count > 0) {
        struct delayed_call *call = scheduler->heap.entries[0].item;
        leave_heap(call, CALL_CANCELLED);
        call->scheduler = NULL;
        release(call);
    }
    call_heap_destroy(&scheduler->heap);
    free(scheduler);
}

double scheduler_seconds(struct scheduler *scheduler) {
    return scheduler->clock(scheduler->clock_arg);
}

static int valid_delay(double seconds) {
    return !isnan(seconds) && seconds >= 0;
}

int scheduler_call_later_named(struct scheduler *scheduler, double delay, const char *name, scheduler_fn fn,
                               void *arg, struct delayed_call **out) {
    if (!valid_delay(delay) || fn == NULL)
        return -EINVAL;
    struct delayed_call *call = malloc(sizeof *call);
    if (call == NULL)
        return -ENOMEM;
    *call = (struct delayed_call){.scheduler = scheduler, .state = CALL_PENDING, .since = scheduler->passes,
                                  .refs = 1, .name = name, .fn = fn, .arg = arg};
    call->time = scheduler_seconds(scheduler) + delay;
    if (call_heap_push(&scheduler->heap, call->time, call, &call->heap_index) != 0) {
        free(call);
        return -ENOMEM;
    }
    if (out != NULL) {
        call->refs++;
        *out = call;
    }
    return 0;
}

/* >> run-due */
/* One call a pass has taken to run, with the heap key it had when the pass began. */
struct due_call {
    struct delayed_call *call;
    double deadline;
    uint64_t sequence;
};

static int due_order(const void *a, const void *b) {
    const struct due_call *x = a, *y = b;
    if (x->deadline != y->deadline)
        return x->deadline < y->deadline ? -1 : 1;
    return x->sequence < y->sequence ? -1 : x->sequence > y->sequence;
}

/* Collects (with a reference each) every call due by now that was scheduled or moved before this pass
 * began, earliest first. The heap is walked from the root, and only below entries that are due: a child
 * is never earlier than its parent. Returns how many, or 0 with *out NULL when there are none. */
static size_t collect_due(struct scheduler *scheduler, double now, uint64_t pass, struct due_call **out) {
    struct call_heap *heap = &scheduler->heap;
    size_t count = 0, capacity = 0;
    struct due_call *due = NULL;
    size_t *stack = NULL, depth = 0, room = 0; /* heap indexes still to visit */
    if (heap->count > 0 && heap->entries[0].deadline <= now) {
        room = 64;
        stack = malloc(room * sizeof *stack);
        if (stack != NULL)
            stack[depth++] = 0;
    }
    while (depth > 0) {
        size_t index = stack[--depth];
        const struct call_heap_entry *entry = &heap->entries[index];
        if (!(entry->deadline <= now))
            continue;
        struct delayed_call *call = entry->item;
        if (call->since < pass) {
            if (count == capacity) {
                size_t bigger_capacity = capacity ? capacity * 2 : 16;
                struct due_call *bigger = realloc(due, bigger_capacity * sizeof *bigger);
                if (bigger == NULL)
                    break; /* out of memory: run what we have; the rest wait for the next pass */
                due = bigger;
                capacity = bigger_capacity;
            }
            call->refs++;
            due[count++] = (struct due_call){call, entry->deadline, entry->sequence};
        }
        if (depth + 2 > room) {
            size_t *bigger = realloc(stack, 2 * room * sizeof *bigger);
            if (bigger == NULL)
                break; /* as above */
            stack = bigger;
            room *= 2;
        }
        for (size_t child = 2 * index + 1; child <= 2 * index + 2 && child < heap->count; child++)
            stack[depth++] = child;
    }
    free(stack);
    if (count > 1) /* qsort's array may not be NULL, even for 0 entries */
        qsort(due, count, sizeof *due, due_order);
    *out = due;
    return count;
}

size_t scheduler_run_due(struct scheduler *scheduler) {
    double now = scheduler_seconds(scheduler);
    /* The pass runs the calls that are due now and were scheduled (or moved) before it began. One that
     * is scheduled or moved from here on waits for the next pass, even with a delay of 0, so a call that
     * reschedules itself cannot starve the loop; but it never holds back a call that was already due. */
    uint64_t pass = ++scheduler->passes;
    struct due_call *due = NULL;
    size_t count = collect_due(scheduler, now, pass, &due);
    size_t ran = 0;
    for (size_t i = 0; i < count; i++) {
        struct delayed_call *call = due[i].call;
        /* Skip one that an earlier call (or a nested pass, from a call that advanced a task_clock) ran,
         * cancelled or moved meanwhile. */
        if (call->state == CALL_PENDING && call->since < pass) {
            leave_heap(call, CALL_CALLED); /* "called" before it runs: cancelling it now is an error */
            int result = call->fn(call->arg);
            if (result < 0)
                fprintf(stderr, "%s: %s failed: %s\n", scheduler->owner, call->name, scheduler_strerror(result));
            call->refs--; /* the heap's reference (the pass's, below, is never the last but one) */
            ran++;
        }
        release(call); /* the pass's reference */
    }
    free(due);
    return ran;
}
/* << run-due */

/* >> timeout */
double scheduler_timeout(struct scheduler *scheduler) {
    const struct call_heap_entry *next = call_heap_peek(&scheduler->heap);
    if (next == NULL)
        return -1;
    double wait = next->deadline - scheduler_seconds(scheduler);
    if (!(wait > 0)) /* also catches NaN */
        return 0;
    return wait < SCHEDULER_MAX_TIMEOUT ? wait : SCHEDULER_MAX_TIMEOUT;
}
/* << timeout */

size_t scheduler_pending(const struct scheduler *scheduler) {
    return scheduler->heap.count;
}

/* >> cancel-reset */
/* Returns 0 if the call is pending, else the error that says why it is not. */
static int check_pending(const struct delayed_call *call) {
    if (call->state == CALL_CALLED)
        return DELAYED_CALL_ERR_ALREADY_CALLED;
    if (call->state == CALL_CANCELLED)
        return DELAYED_CALL_ERR_ALREADY_CANCELLED;
    return 0;
}

int delayed_call_cancel(struct delayed_call *call) {
    int err = check_pending(call);
    if (err != 0)
        return err;
    leave_heap(call, CALL_CANCELLED);
    release(call);
    return 0;
}

/* Gives a pending call a new deadline. Like a new call, a moved one waits for a later pass. */
static int move_to(struct delayed_call *call, double deadline) {
    call_heap_update(&call->scheduler->heap, call->heap_index, deadline);
    call->since = call->scheduler->passes;
    return 0;
}

int delayed_call_reset(struct delayed_call *call, double seconds) {
    int err = check_pending(call);
    if (err != 0)
        return err;
    if (!valid_delay(seconds))
        return -EINVAL;
    return move_to(call, scheduler_seconds(call->scheduler) + seconds);
}

int delayed_call_delay(struct delayed_call *call, double seconds) {
    int err = check_pending(call);
    if (err != 0)
        return err;
    double deadline = call->scheduler->heap.entries[call->heap_index].deadline + seconds;
    if (isnan(deadline)) /* a NaN seconds, or infinity minus infinity: NaN would break the heap's order */
        return -EINVAL;
    return move_to(call, deadline);
}
/* << cancel-reset */

bool delayed_call_active(const struct delayed_call *call) {
    return call->state == CALL_PENDING;
}

double delayed_call_get_time(const struct delayed_call *call) {
    if (call->state == CALL_PENDING)
        return call->scheduler->heap.entries[call->heap_index].deadline;
    return call->time;
}

void delayed_call_release(struct delayed_call *call) {
    if (call != NULL)
        release(call);
}

const char *scheduler_strerror(int code) {
    return result_strerror(code);
}
