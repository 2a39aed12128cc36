/* scheduler.c: delayed calls on a timer heap. See scheduler.h for the contracts.
 *
 * Chapter 7 makes it as cheap as libev's timers without changing what it does:
 * - the heap is 4-ary (a node's children are 4i+1 .. 4i+4): half as deep as a binary heap, and the
 *   four children sit side by side in one or two cache lines;
 * - each heap entry keeps the deadline next to the call it orders, so sifting compares without
 *   following pointers (ties, rare, look at the call's sequence number: first scheduled, first run);
 * - calls come from slabs of SLAB_CALLS and go back to a free list, not to malloc one by one. A call
 *   is reused only once its last reference (heap, handle, pass) is gone, so a handle stays valid as long
 *   as it is held, even after scheduler_free; a slab is freed with the scheduler, or by the release of
 *   its last call after that. Built with SCHEDULER_NO_REUSE (SANITIZE=1 does), every call is its own
 *   malloc and free, so AddressSanitizer still catches the use of a released handle.
 *
 * Chapter 4's binary heap (call_heap.c) stays in the library beside it, with its tests. */
#include "scheduler.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(SCHEDULER_NO_REUSE) && defined(__SANITIZE_ADDRESS__)
#define SCHEDULER_NO_REUSE 1 /* gcc's -fsanitize=address */
#endif
#if !defined(SCHEDULER_NO_REUSE) && defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCHEDULER_NO_REUSE 1 /* clang's */
#endif
#endif

/* >> delayed-call */
enum call_state { CALL_PENDING, CALL_CALLED, CALL_CANCELLED };

struct call_slab;

struct delayed_call {
    struct scheduler *scheduler; /* valid while pending (scheduler_free cancels every pending call) */
    struct call_slab *slab;      /* where the call's memory comes from; NULL for one malloc'd alone */
    double time;                 /* the deadline */
    /* The order of scheduling (and moving): ties on time go to the smaller, and a pass runs only calls
     * with a sequence from before it began. */
    uint64_t sequence;
    const char *name;
    scheduler_fn fn;
    void *arg;                   /* while free: the next free call */
    uint32_t heap_index;         /* where the call sits in the heap while pending */
    uint16_t refs;               /* one for the heap while pending, one for a caller's handle, one per pass */
    uint8_t state;               /* an enum call_state; with the rest, the call fits one 64-byte line */
};
/* << delayed-call */

/* >> slab */
enum { SLAB_CALLS = 1024 };

struct call_slab {
    struct call_slab *next;      /* the scheduler's slabs */
    struct scheduler *owner;     /* NULL once the scheduler is freed */
    size_t live;                 /* calls handed out and not yet released */
    struct delayed_call calls[SLAB_CALLS];
};
/* << slab */

/* >> heap-entry */
/* One heap entry: the deadline the heap orders by, beside the call it belongs to. */
struct heap_entry {
    double deadline;
    struct delayed_call *call;
};
/* << heap-entry */

/* The heap's array starts up to HEAP_OFFSET entries into its block, so that the four children of an
 * entry (4i+1 .. 4i+4) start on a 64-byte boundary and share one cache line, as in libev. */
enum { HEAP_OFFSET = 3 };

struct scheduler {
    struct heap_entry *heap; /* block + HEAP_OFFSET */
    struct heap_entry *block;
    size_t count, capacity;
    uint64_t next_sequence;
    struct delayed_call *free_calls; /* released calls, ready for reuse (linked through arg) */
    struct call_slab *slabs;
    size_t slab_used; /* calls of slabs (the newest) handed out so far */
    scheduler_clock_fn clock;
    void *clock_arg;
    const char *owner;
};

/* >> heap */
/* True when a must run before b: the earlier deadline, or on a tie the one scheduled first. */
static inline int runs_before(const struct heap_entry *a, const struct heap_entry *b) {
    if (a->deadline != b->deadline)
        return a->deadline < b->deadline;
    return a->call->sequence < b->call->sequence;
}

static inline void place(struct heap_entry *heap, size_t index, struct heap_entry entry) {
    heap[index] = entry;
    entry.call->heap_index = (uint32_t)index;
}

/* Moves the entry at index up while it runs before its parent ((index - 1) / 4). */
static void sift_up(struct heap_entry *heap, size_t index) {
    struct heap_entry moving = heap[index];
    while (index > 0) {
        size_t parent = (index - 1) / 4;
        if (!runs_before(&moving, &heap[parent]))
            break;
        place(heap, index, heap[parent]);
        index = parent;
    }
    place(heap, index, moving);
}

/* Moves the entry at index down while one of its (up to four) children runs before it. */
static void sift_down(struct heap_entry *heap, size_t count, size_t index) {
    struct heap_entry moving = heap[index];
    for (;;) {
        size_t first = 4 * index + 1, best = first;
        if (first + 3 < count) { /* all four: the common case, unrolled */
            best = runs_before(&heap[first + 1], &heap[first]) ? first + 1 : first;
            size_t other = runs_before(&heap[first + 3], &heap[first + 2]) ? first + 3 : first + 2;
            if (runs_before(&heap[other], &heap[best]))
                best = other;
        } else if (first >= count) {
            break;
        } else {
            for (size_t child = first + 1; child < count; child++)
                if (runs_before(&heap[child], &heap[best]))
                    best = child;
        }
        if (!runs_before(&heap[best], &moving))
            break;
        place(heap, index, heap[best]);
        index = best;
    }
    place(heap, index, moving);
}

/* Takes the entry at index out of the heap; the last entry fills the hole. */
static void heap_remove(struct scheduler *scheduler, size_t index) {
    size_t last = --scheduler->count;
    if (index == last)
        return;
    place(scheduler->heap, index, scheduler->heap[last]);
    if (index > 0 && runs_before(&scheduler->heap[index], &scheduler->heap[(index - 1) / 4]))
        sift_up(scheduler->heap, index);
    else
        sift_down(scheduler->heap, scheduler->count, index);
}
/* << heap */

_Static_assert(sizeof(struct delayed_call) <= 64, "a delayed call fits one cache line");
_Static_assert(sizeof(struct heap_entry) == 16, "four heap entries fill one cache line");

struct scheduler *scheduler_new(scheduler_clock_fn clock, void *clock_arg, const char *owner) {
    struct scheduler *scheduler = calloc(1, sizeof *scheduler);
    if (scheduler == NULL)
        return NULL;
    scheduler->clock = clock;
    scheduler->clock_arg = clock_arg;
    scheduler->owner = owner;
    return scheduler;
}

/* >> release */
/* A new call's memory: a released one, else the next of the newest slab, else a new slab. */
static struct delayed_call *allocate(struct scheduler *scheduler) {
#ifdef SCHEDULER_NO_REUSE
    (void)scheduler;
    struct delayed_call *call = malloc(sizeof *call);
    if (call != NULL)
        call->slab = NULL;
    return call;
#else
    struct delayed_call *call = scheduler->free_calls;
    if (call != NULL) {
        scheduler->free_calls = call->arg;
    } else {
        if (scheduler->slabs == NULL || scheduler->slab_used == SLAB_CALLS) {
            struct call_slab *slab = malloc(sizeof *slab);
            if (slab == NULL)
                return NULL;
            slab->next = scheduler->slabs;
            slab->owner = scheduler;
            slab->live = 0;
            scheduler->slabs = slab;
            scheduler->slab_used = 0;
        }
        call = &scheduler->slabs->calls[scheduler->slab_used++];
        call->slab = scheduler->slabs;
    }
    call->slab->live++;
    return call;
#endif
}

/* Drops one reference. The last one gives the call back: to the free list while its scheduler lives,
 * else to its slab, which goes when its last call does. */
static void release(struct delayed_call *call) {
    if (--call->refs != 0)
        return;
    struct call_slab *slab = call->slab;
    if (slab == NULL) {
        free(call);
        return;
    }
    slab->live--;
    if (slab->owner != NULL) {
        call->arg = slab->owner->free_calls;
        slab->owner->free_calls = call;
    } else if (slab->live == 0) {
        free(slab);
    }
}

/* Takes the pending call out of the heap and gives it its new state. The caller drops the heap's
 * reference (release) once it is done with the call. */
static void leave_heap(struct delayed_call *call, enum call_state state) {
    heap_remove(call->scheduler, call->heap_index);
    call->state = state;
}
/* << release */

void scheduler_free(struct scheduler *scheduler) {
    if (scheduler == NULL)
        return;
    while (scheduler->count > 0) {
        struct delayed_call *call = scheduler->heap[scheduler->count - 1].call; /* the last: no sifting */
        leave_heap(call, CALL_CANCELLED);
        call->scheduler = NULL;
        release(call);
    }
    free(scheduler->block);
    for (struct call_slab *slab = scheduler->slabs, *next; slab != NULL; slab = next) {
        next = slab->next;
        if (slab->live == 0)
            free(slab);
        else
            slab->owner = NULL; /* handles are still held: the last release frees it */
    }
    free(scheduler);
}

double scheduler_seconds(struct scheduler *scheduler) {
    return scheduler->clock(scheduler->clock_arg);
}

static int valid_delay(double seconds) {
    return !isnan(seconds) && seconds >= 0;
}

/* Where in block (16-byte aligned, as malloc's are) the heap starts: the entry after it, child 1 of the
 * root, and so every group of four children, is then 64-byte aligned. */
static size_t heap_offset(const struct heap_entry *block) {
    return (HEAP_OFFSET - ((uintptr_t)block / sizeof *block) % 4) % 4;
}

/* Puts a pending call into the heap at its time. Returns 0, or -ENOMEM. */
static int heap_push(struct scheduler *scheduler, struct delayed_call *call) {
    if (scheduler->count == scheduler->capacity) {
        size_t capacity = scheduler->capacity ? scheduler->capacity * 2 : 64;
        if (capacity > UINT32_MAX)
            return -ENOMEM;
        /* realloc, not a fresh aligned block: a large one grows in place (mremap), without a copy. The
         * entries then move within the block if its alignment changed. */
        size_t old_offset = (size_t)(scheduler->heap - scheduler->block);
        struct heap_entry *bigger = realloc(scheduler->block, (capacity + HEAP_OFFSET) * sizeof *bigger);
        if (bigger == NULL)
            return -ENOMEM;
        size_t offset = heap_offset(bigger);
        if (offset != old_offset && scheduler->count > 0)
            memmove(bigger + offset, bigger + old_offset, scheduler->count * sizeof *bigger);
        scheduler->block = bigger;
        scheduler->heap = bigger + offset;
        scheduler->capacity = capacity;
    }
    size_t index = scheduler->count++;
    scheduler->heap[index] = (struct heap_entry){call->time, call};
    sift_up(scheduler->heap, index);
    return 0;
}

/* >> call-later-impl */
int scheduler_call_later_named(struct scheduler *scheduler, double delay, const char *name, scheduler_fn fn,
                               void *arg, struct delayed_call **out) {
    if (!valid_delay(delay) || fn == NULL)
        return -EINVAL;
    struct delayed_call *call = allocate(scheduler);
    if (call == NULL)
        return -ENOMEM;
    call->scheduler = scheduler;
    call->state = CALL_PENDING;
    call->sequence = scheduler->next_sequence++;
    call->refs = 1;
    call->name = name;
    call->fn = fn;
    call->arg = arg;
    call->time = scheduler_seconds(scheduler) + delay;
    if (heap_push(scheduler, call) != 0) {
        release(call);
        return -ENOMEM;
    }
    if (out != NULL) {
        call->refs++;
        *out = call;
    }
    return 0;
}
/* << call-later-impl */

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
    /* pass: the first sequence number of this pass; calls from before it have smaller ones */
    const struct heap_entry *heap = scheduler->heap;
    size_t count = 0, capacity = 0;
    struct due_call *due = NULL;
    size_t *stack = NULL, depth = 0, room = 0; /* heap indexes still to visit */
    if (scheduler->count > 0 && heap[0].deadline <= now) {
        room = 64;
        stack = malloc(room * sizeof *stack);
        if (stack != NULL)
            stack[depth++] = 0;
    }
    while (depth > 0) {
        size_t index = stack[--depth];
        const struct heap_entry *entry = &heap[index];
        if (!(entry->deadline <= now))
            continue;
        struct delayed_call *call = entry->call;
        if (call->sequence < pass) {
            if (count == capacity) {
                size_t bigger_capacity = capacity ? capacity * 2 : 16;
                struct due_call *bigger = realloc(due, bigger_capacity * sizeof *bigger);
                if (bigger == NULL)
                    break; /* out of memory: run what we have; the rest wait for the next pass */
                due = bigger;
                capacity = bigger_capacity;
            }
            call->refs++;
            due[count++] = (struct due_call){call, entry->deadline, call->sequence};
        }
        if (depth + 4 > room) {
            size_t *bigger = realloc(stack, 2 * room * sizeof *bigger);
            if (bigger == NULL)
                break; /* as above */
            stack = bigger;
            room *= 2;
        }
        for (size_t child = 4 * index + 1; child <= 4 * index + 4 && child < scheduler->count; child++)
            stack[depth++] = child;
    }
    free(stack);
    if (count > 1) /* qsort's array may not be NULL, even for 0 entries */
        qsort(due, count, sizeof *due, due_order);
    *out = due;
    return count;
}

/* Runs one due call that has left the heap (as called), and drops the reference the caller held. */
static void run_call(struct scheduler *scheduler, struct delayed_call *call) {
    int result = call->fn(call->arg);
    if (result < 0)
        fprintf(stderr, "%s: %s failed: %s\n", scheduler->owner, call->name, scheduler_strerror(result));
}

size_t scheduler_run_due(struct scheduler *scheduler) {
    if (scheduler->count == 0)
        return 0; /* nothing to run: no need to read the clock (the loop calls this every turn) */
    double now = scheduler_seconds(scheduler);
    /* The pass runs the calls that are due now and were scheduled (or moved) before it began. One that
     * is scheduled or moved from here on waits for the next pass, even with a delay of 0, so a call that
     * reschedules itself cannot starve the loop; but it never holds back a call that was already due. */
    uint64_t pass = scheduler->next_sequence; /* calls scheduled or moved from now on have this or more */
    size_t ran = 0;
    /* The usual case: the earliest call is due and older than the pass. It is the next to run, so it
     * leaves the heap now (as libev's timers do), with no list to collect or sort. */
    while (scheduler->count > 0 && scheduler->heap[0].deadline <= now) {
        struct delayed_call *call = scheduler->heap[0].call;
        if (call->sequence >= pass)
            break; /* a call of this pass sits on top: the slow way below walks past it */
        leave_heap(call, CALL_CALLED); /* "called" before it runs: cancelling it now is an error */
        run_call(scheduler, call);
        release(call); /* the heap's reference */
        ran++;
    }
    if (scheduler->count == 0 || !(scheduler->heap[0].deadline <= now))
        return ran;
    /* The rest, when a call scheduled or moved during this pass is due too: collect the older ones. */
    struct due_call *due = NULL;
    size_t count = collect_due(scheduler, now, pass, &due);
    for (size_t i = 0; i < count; i++) {
        struct delayed_call *call = due[i].call;
        /* Skip one that an earlier call (or a nested pass, from a call that advanced a task_clock) ran,
         * cancelled or moved meanwhile. */
        if (call->state == CALL_PENDING && call->sequence < pass) {
            leave_heap(call, CALL_CALLED);
            run_call(scheduler, call);
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
    if (scheduler->count == 0)
        return -1;
    double wait = scheduler->heap[0].deadline - scheduler_seconds(scheduler);
    if (!(wait > 0)) /* also catches NaN */
        return 0;
    return wait < SCHEDULER_MAX_TIMEOUT ? wait : SCHEDULER_MAX_TIMEOUT;
}
/* << timeout */

size_t scheduler_pending(const struct scheduler *scheduler) {
    return scheduler->count;
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
    struct scheduler *scheduler = call->scheduler;
    size_t index = call->heap_index;
    call->time = deadline;
    call->sequence = scheduler->next_sequence++; /* it ranks after every call of equal time, as if new */
    scheduler->heap[index].deadline = deadline;
    sift_up(scheduler->heap, index);
    sift_down(scheduler->heap, scheduler->count, call->heap_index);
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
    double deadline = call->time + seconds;
    if (isnan(deadline)) /* a NaN seconds, or infinity minus infinity: NaN would break the heap's order */
        return -EINVAL;
    return move_to(call, deadline);
}
/* << cancel-reset */

bool delayed_call_active(const struct delayed_call *call) {
    return call->state == CALL_PENDING;
}

double delayed_call_get_time(const struct delayed_call *call) {
    return call->time;
}

void delayed_call_release(struct delayed_call *call) {
    if (call != NULL)
        release(call);
}

const char *scheduler_strerror(int code) {
    return result_strerror(code);
}
