/* deferred.c: Deferreds. See deferred.h for the contracts.
 *
 * The heart is run_callbacks, which follows Twisted's Deferred._runCallbacks: a loop over a stack of
 * Deferreds instead of recursion. When a Deferred that others wait on reaches the "continue" pair one of
 * them left on it, it hands its result over and the waiting one is pushed on the stack and runs next;
 * when that one is done it is popped, and the first goes on with its own remaining pairs. The stack is
 * threaded through the Deferreds themselves (`below`), so firing never allocates and never recurses. */
#include "deferred.h"

#include "result.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* >> struct */
/* One add_callbacks: a callback and an errback, each with its own argument. NULL passes the result on. */
struct pair {
    deferred_fn callback;
    void *callback_arg;
    deferred_fn errback;
    void *errback_arg;
};

enum { INLINE_PAIRS = 3 }; /* most chains are short: their pairs live inside the Deferred */

enum {
    CALLED = 1 << 0,   /* fired */
    RUNNING = 1 << 1,  /* one of its callbacks is running now (Twisted's _runningCallbacks) */
    SUPPRESS = 1 << 2, /* cancelled without a canceller: swallow the next fire */
};

struct deferred {
    union {
        struct pair inline_pairs[INLINE_PAIRS]; /* while count <= INLINE_PAIRS */
        struct {
            struct pair *array;
            uint32_t capacity;
        } heap; /* after: every pair, on the heap */
    } pairs;
    /* The current result, kept as the three fields of a struct deferred_result packed tighter. */
    void *result;                /* value, struct failure * or struct deferred * (kind says which) */
    void (*result_free)(void *); /* for a value */
    const char *origin;          /* where it was made (static) */
    struct deferred *below;      /* next lower on a run's stack, or on the list of Deferreds to free */
    struct extra *extra;         /* canceller and trace, for the few that have them; else NULL */
    uint32_t count;              /* pairs added */
    uint32_t next;               /* the first pair not yet run */
    uint32_t refs;
    uint32_t paused; /* pauses, including one while waiting on an inner Deferred */
    uint8_t kind;    /* enum deferred_kind of result */
    uint8_t flags;
};
/* << struct */

/* What only some Deferreds need. */
struct step { /* the trace of one pair */
    const char *callback_name, *errback_name;
    char ran;           /* 0 not yet, 'c' callback, 'e' errback, 'p' passed by (a NULL function) */
    uint8_t kind_after; /* the result's kind after the step */
    char text[64];      /* the result after the step, described */
};
struct extra {
    deferred_canceller canceller;
    void *canceller_arg;
    bool tracing;
    deferred_describe_fn describe;
    char fired_with[64]; /* the result it was fired with, described */
    uint8_t fired_kind;
    struct step *steps;
    uint32_t steps_capacity;
};

/* The functions that mark Deferred-made pairs; never called. Like Twisted's _CONTINUE sentinel. */
static struct deferred_result continue_waiter(struct deferred_result result, void *arg) {
    (void)arg;
    return result;
}
static struct deferred_result fire_chained(struct deferred_result result, void *arg);

static deferred_unhandled_fn unhandled_fn;
static void *unhandled_arg;

size_t deferred_struct_size(void) {
    return sizeof(struct deferred);
}

static struct pair *pairs_of(struct deferred *d) {
    return d->count <= INLINE_PAIRS ? d->pairs.inline_pairs : d->pairs.heap.array;
}
static const struct pair *const_pairs_of(const struct deferred *d) {
    return d->count <= INLINE_PAIRS ? d->pairs.inline_pairs : d->pairs.heap.array;
}

static struct deferred_result get_result(const struct deferred *d) {
    /* result_free is NULL unless the result is a value (set_result sees to it) */
    return (struct deferred_result){
        .kind = (enum deferred_kind)d->kind, .value = d->result, .free = d->result_free};
}
static void set_result(struct deferred *d, struct deferred_result r) {
    d->kind = (uint8_t)r.kind;
    d->result = r.value; /* the union's members share their storage */
    d->result_free = r.kind == DEFERRED_VALUE ? r.free : NULL;
}
static void set_none(struct deferred *d) {
    set_result(d, deferred_none());
}

static struct extra *extra_of(struct deferred *d) {
    if (d->extra == NULL)
        d->extra = calloc(1, sizeof *d->extra);
    return d->extra;
}

/* ---- Freeing ---- */

/* Drops one reference without freeing: a Deferred that reaches zero goes on *list, so that freeing a
 * long chain is a loop, not a recursion. */
static void drop(struct deferred *d, struct deferred **list) {
    if (--d->refs == 0) {
        d->below = *list;
        *list = d;
    }
}

static void report_unhandled(const struct deferred *d) {
    const struct failure *failure = d->result;
    if (unhandled_fn != NULL) {
        unhandled_fn(failure, d->origin, unhandled_arg);
        return;
    }
    fprintf(stderr, "Unhandled error in Deferred made at %s:\n    ", d->origin);
    failure_print(failure, stderr);
}

/* Frees one Deferred whose last reference is gone. What it held that holds others (a waiter's
 * reference, a chained Deferred's) goes on *list. */
static void destroy(struct deferred *d, struct deferred **list) {
    if (d->kind == DEFERRED_VALUE) {
        if (d->result_free != NULL)
            d->result_free(d->result);
    } else if (d->kind == DEFERRED_FAILURE) {
        report_unhandled(d);
        failure_free(d->result);
    } /* DEFERRED_WAIT: the Deferred it waits on is not held by it */
    struct pair *pairs = pairs_of(d);
    for (uint32_t i = d->next; i < d->count; i++) {
        if (pairs[i].callback == continue_waiter) { /* a Deferred waits on this one, which never fires */
            struct deferred *waiter = pairs[i].callback_arg;
            if (waiter->kind == DEFERRED_WAIT && waiter->result == d)
                waiter->result = NULL; /* it stays paused: nothing can wake it now */
            drop(waiter, list);
        } else if (pairs[i].callback == fire_chained) {
            drop(pairs[i].callback_arg, list);
        }
    }
    if (d->count > INLINE_PAIRS)
        free(d->pairs.heap.array);
    if (d->extra != NULL)
        free(d->extra->steps);
    free(d->extra);
    free(d);
}

static void free_list(struct deferred *list) {
    while (list != NULL) {
        struct deferred *d = list;
        list = d->below;
        destroy(d, &list);
    }
}

void deferred_unref(struct deferred *d) {
    if (d == NULL || --d->refs > 0)
        return;
    d->below = NULL;
    free_list(d);
}

struct deferred *deferred_ref(struct deferred *d) {
    d->refs++;
    return d;
}

void deferred_result_free(struct deferred_result result) {
    switch (result.kind) {
    case DEFERRED_VALUE:
        if (result.free != NULL)
            result.free(result.value);
        break;
    case DEFERRED_FAILURE:
        failure_free(result.failure);
        break;
    case DEFERRED_WAIT:
        deferred_unref(result.wait);
        break;
    }
}

/* ---- Making, adding ---- */

struct deferred *deferred_new_at(const char *origin, deferred_canceller canceller, void *arg) {
    struct deferred *d = malloc(sizeof *d);
    if (d == NULL)
        return NULL;
    /* Every field but the pairs, which are written as they are added. */
    d->result = NULL;
    d->result_free = NULL;
    d->origin = origin;
    d->below = NULL;
    d->extra = NULL;
    d->count = d->next = d->paused = 0;
    d->refs = 1;
    d->kind = DEFERRED_VALUE;
    d->flags = 0;
    if (canceller != NULL) {
        if (extra_of(d) == NULL) {
            free(d);
            return NULL;
        }
        d->extra->canceller = canceller;
        d->extra->canceller_arg = arg;
    }
    return d;
}

/* Appends a pair, moving the pairs to the heap when they outgrow the Deferred. Returns 0 or -ENOMEM. */
static int append(struct deferred *d, struct pair pair) {
    if (d->count == UINT32_MAX)
        return -ENOMEM;
    if (d->count < INLINE_PAIRS) {
        d->pairs.inline_pairs[d->count++] = pair;
        return 0;
    }
    if (d->count == INLINE_PAIRS) { /* the first spill: copy the inline pairs out */
        struct pair *array = malloc(2 * INLINE_PAIRS * sizeof *array);
        if (array == NULL)
            return -ENOMEM;
        memcpy(array, d->pairs.inline_pairs, sizeof d->pairs.inline_pairs);
        d->pairs.heap.array = array;
        d->pairs.heap.capacity = 2 * INLINE_PAIRS;
    } else if (d->count == d->pairs.heap.capacity) {
        uint32_t capacity = d->pairs.heap.capacity > UINT32_MAX / 2 ? UINT32_MAX : 2 * d->pairs.heap.capacity;
        struct pair *array = realloc(d->pairs.heap.array, (size_t)capacity * sizeof *array);
        if (array == NULL)
            return -ENOMEM;
        d->pairs.heap.array = array;
        d->pairs.heap.capacity = capacity;
    }
    d->pairs.heap.array[d->count++] = pair;
    return 0;
}

/* Makes room in d's trace for pair number `index`. Returns the step, or NULL if d is not traced (or
 * memory is short: the trace then lacks that step). */
static struct step *trace_room(struct deferred *d, uint32_t index) {
    struct extra *x = d->extra;
    if (x == NULL || !x->tracing)
        return NULL;
    if (index >= x->steps_capacity) {
        uint32_t capacity = x->steps_capacity ? 2 * x->steps_capacity : 8;
        while (capacity <= index)
            capacity *= 2;
        struct step *steps = realloc(x->steps, (size_t)capacity * sizeof *steps);
        if (steps == NULL)
            return NULL;
        memset(steps + x->steps_capacity, 0, (size_t)(capacity - x->steps_capacity) * sizeof *steps);
        x->steps = steps;
        x->steps_capacity = capacity;
    }
    return &x->steps[index];
}

static void run_callbacks(struct deferred *self);

int deferred_add_callbacks_named(struct deferred *d, const char *callback_name, deferred_fn callback,
                                 void *callback_arg, const char *errback_name, deferred_fn errback,
                                 void *errback_arg) {
    if (d->extra != NULL) {
        struct step *step = trace_room(d, d->count);
        if (step != NULL) {
            step->callback_name = callback ? callback_name : NULL;
            step->errback_name = errback ? errback_name : NULL;
        }
    }
    if (d->count < INLINE_PAIRS) /* the common case, without a call */
        d->pairs.inline_pairs[d->count++] = (struct pair){callback, callback_arg, errback, errback_arg};
    else {
        int err = append(d, (struct pair){callback, callback_arg, errback, errback_arg});
        if (err != 0)
            return err;
    }
    if (d->flags & CALLED)
        run_callbacks(d);
    return 0;
}

/* ---- Tracing ---- */

static void describe(const struct deferred *d, struct deferred_result r, char *text, size_t size) {
    switch (r.kind) {
    case DEFERRED_VALUE:
        if (r.value == NULL)
            snprintf(text, size, "none");
        else if (d->extra->describe != NULL)
            d->extra->describe(r.value, text, size);
        else
            snprintf(text, size, "value %p", r.value);
        break;
    case DEFERRED_FAILURE:
        snprintf(text, size, "failure: %s", failure_message(r.failure));
        break;
    case DEFERRED_WAIT:
        snprintf(text, size, "waits on a Deferred");
        break;
    }
}

/* Records that pair `index` of d ran as `ran` and left d's result as it is now. */
static void trace_step(struct deferred *d, uint32_t index, char ran) {
    if (d->extra == NULL) /* not traced: most Deferreds */
        return;
    struct step *step = trace_room(d, index);
    if (step == NULL)
        return;
    step->ran = ran;
    step->kind_after = d->kind;
    describe(d, get_result(d), step->text, sizeof step->text);
}

/* The waiter's step that returned a Deferred now has its result: record that one instead. */
static void trace_woken(struct deferred *waiter) {
    if (waiter->extra == NULL || waiter->next == 0)
        return;
    struct step *step = trace_room(waiter, waiter->next - 1);
    if (step == NULL)
        return;
    static const char after[] = ", after the wait";
    char text[sizeof step->text - sizeof after + 1];
    describe(waiter, get_result(waiter), text, sizeof text);
    step->kind_after = waiter->kind;
    snprintf(step->text, sizeof step->text, "%s%s", text, after);
}

int deferred_trace(struct deferred *d, deferred_describe_fn describe_fn) {
    struct extra *x = extra_of(d);
    if (x == NULL)
        return -ENOMEM;
    x->tracing = true;
    x->describe = describe_fn;
    return 0;
}

/* ---- Running the chain ---- */

/* >> wait-for */
/* d's callback (or errback, or its firer) answered "wait for inner". If inner has a result, d takes it
 * and inner is left empty; if not, d pauses and leaves on inner a pair that will wake it. Either way the
 * reference the answer gave is let go. Returns true if d now waits. */
static bool wait_for(struct deferred *d, struct deferred *inner) {
    struct deferred_result r;
    if (inner == NULL) { /* deferred_wait_for(NULL): a callback whose deferred_new failed, say */
        r = deferred_error(-EINVAL);
    } else if (inner == d) { /* it would wait on itself forever: Twisted warns, C refuses */
        r = deferred_error(DEFERRED_ERR_RETURNED_SELF);
    } else if ((inner->flags & (CALLED | RUNNING)) == CALLED && inner->kind != DEFERRED_WAIT &&
               inner->paused == 0) {
        r = get_result(inner); /* steal it */
        set_none(inner);
    } else {
        int err = append(inner, (struct pair){continue_waiter, d, continue_waiter, d});
        if (err == 0) {
            deferred_ref(d); /* held by the pair: d lives while inner may still wake it */
            d->paused++;
            d->kind = DEFERRED_WAIT;
            d->result = inner; /* not a reference: inner, if freed unfired, clears it */
            d->result_free = NULL;
            deferred_unref(inner);
            return true;
        }
        r = deferred_error(err);
    }
    set_result(d, r);
    deferred_unref(inner);
    return false;
}
/* << wait-for */

/* >> run-callbacks */
/* Runs d's chain as far as it goes now: Twisted's _runCallbacks. `top` is the top of a stack of
 * Deferreds, linked through `below`, whose bottom is self; each entry holds a reference. */
static void run_callbacks(struct deferred *self) {
    if (self->flags & RUNNING) /* inside one of self's callbacks: the loop below picks up what it added */
        return;
    struct deferred *top = deferred_ref(self);
    while (top != NULL) {
        struct deferred *current = top;
        if (current->paused) { /* no result for anyone above: they wait too */
            while (top != NULL) {
                struct deferred *lower = top == self ? NULL : top->below;
                deferred_unref(top);
                top = lower;
            }
            return;
        }
        bool finished = true;
        while (current->next < current->count) {
            uint32_t index = current->next++;
            const struct pair *pair = &pairs_of(current)[index]; /* read before the call: it may move them */
            bool failed = current->kind == DEFERRED_FAILURE;
            deferred_fn fn = failed ? pair->errback : pair->callback;
            void *arg = failed ? pair->errback_arg : pair->callback_arg;
            if (fn == NULL) {
                trace_step(current, index, 'p');
                continue;
            }
            if (fn == continue_waiter) {
                /* A Deferred waits on this one: give it our result, and run it before our next pair. */
                struct deferred *waiter = arg; /* the pair's reference to it moves to the stack */
                set_result(waiter, get_result(current));
                set_none(current);
                trace_step(current, index, failed ? 'e' : 'c');
                trace_woken(waiter);
                waiter->paused--;
                waiter->below = top;
                top = waiter;
                finished = false;
                break;
            }
            /* The callback owns its input from here on. (The stale copy left in current is overwritten
             * below; while RUNNING, nobody takes it: wait_for treats a running Deferred as not ready.) */
            current->flags |= RUNNING;
            struct deferred_result out = fn(get_result(current), arg);
            current->flags &= ~RUNNING;
            bool waits =
                out.kind == DEFERRED_WAIT ? wait_for(current, out.wait) : (set_result(current, out), false);
            trace_step(current, index, failed ? 'e' : 'c');
            if (waits)
                break;
        }
        if (finished) { /* as far as this one goes now: back to the one below, which gave us our result */
            top = current == self ? NULL : current->below;
            deferred_unref(current);
        }
    }
}
/* << run-callbacks */

int deferred_fire(struct deferred *d, struct deferred_result result) {
    if (d->flags & CALLED) {
        deferred_result_free(result);
        if (d->flags & SUPPRESS) { /* cancelled with no canceller: this is the late result */
            d->flags &= ~SUPPRESS;
            return 0;
        }
        return DEFERRED_ERR_ALREADY_CALLED;
    }
    d->flags |= CALLED;
    bool waits = result.kind == DEFERRED_WAIT ? wait_for(d, result.wait) : (set_result(d, result), false);
    if (d->extra != NULL && d->extra->tracing) {
        d->extra->fired_kind = d->kind;
        describe(d, get_result(d), d->extra->fired_with, sizeof d->extra->fired_with);
    }
    if (!waits)
        run_callbacks(d);
    return 0;
}

int deferred_callback(struct deferred *d, void *value, void (*free)(void *)) {
    if (d->flags & CALLED) /* refused (or swallowed): the general path frees the value */
        return deferred_fire(d, deferred_value(value, free));
    d->flags |= CALLED; /* the common case, written out: no struct to build and take apart */
    d->kind = DEFERRED_VALUE;
    d->result = value;
    d->result_free = free;
    if (d->extra != NULL && d->extra->tracing) {
        d->extra->fired_kind = d->kind;
        describe(d, get_result(d), d->extra->fired_with, sizeof d->extra->fired_with);
    }
    run_callbacks(d);
    return 0;
}

int deferred_errback(struct deferred *d, struct failure *failure) {
    if (failure == NULL)
        return DEFERRED_ERR_NO_FAILURE;
    return deferred_fire(d, deferred_failure(failure));
}

/* ---- Pause, cancel, state ---- */

void deferred_pause(struct deferred *d) {
    d->paused++;
}

int deferred_unpause(struct deferred *d) {
    uint32_t own = d->kind == DEFERRED_WAIT ? 1 : 0; /* the pause of waiting on an inner Deferred */
    if (d->paused <= own)
        return DEFERRED_ERR_NOT_PAUSED;
    if (--d->paused == 0 && (d->flags & CALLED))
        run_callbacks(d);
    return 0;
}

/* >> cancel-impl */
void deferred_cancel(struct deferred *d) {
    if (d->flags & CALLED)
        return;      /* chapter 11: if it waits on an inner Deferred, cancel that one */
    deferred_ref(d); /* its chain may let go of d's last other reference while we still look at it */
    if (d->extra != NULL && d->extra->canceller != NULL)
        d->extra->canceller(d, d->extra->canceller_arg);
    else
        d->flags |= SUPPRESS; /* nobody can stop the work: swallow its result when it comes */
    if (!(d->flags & CALLED))
        deferred_errback(d, failure_from_code(DEFERRED_ERR_CANCELLED));
    deferred_unref(d);
}
/* << cancel-impl */

bool deferred_called(const struct deferred *d) {
    return d->flags & CALLED;
}
bool deferred_paused(const struct deferred *d) {
    return d->paused > 0;
}
struct deferred_result deferred_peek(const struct deferred *d) {
    return get_result(d);
}
const char *deferred_origin(const struct deferred *d) {
    return d->origin;
}

void deferred_set_unhandled_handler(deferred_unhandled_fn fn, void *arg) {
    unhandled_fn = fn;
    unhandled_arg = arg;
}

/* ---- Conveniences ---- */

/* A new Deferred fired with result; NULL (result freed) when out of memory. */
static struct deferred *fired(const char *origin, struct deferred_result result) {
    struct deferred *d = deferred_new_at(origin, NULL, NULL);
    if (d == NULL) {
        deferred_result_free(result);
        return NULL;
    }
    deferred_fire(d, result);
    return d;
}

struct deferred *deferred_succeed_at(const char *origin, void *value, void (*free)(void *)) {
    return fired(origin, deferred_value(value, free));
}

struct deferred *deferred_fail_at(const char *origin, struct failure *failure) {
    if (failure == NULL)
        failure = failure_from_code(DEFERRED_ERR_NO_FAILURE);
    return fired(origin, deferred_failure(failure));
}

struct deferred *deferred_maybe_at(const char *origin, deferred_call_fn fn, void *arg) {
    struct deferred_result r = fn(arg);
    if (r.kind == DEFERRED_WAIT)
        return r.wait; /* fn's Deferred, and the reference it gave */
    return fired(origin, r);
}

/* The pair deferred_chain adds: fires the other Deferred with the result, and lets go of it. */
static struct deferred_result fire_chained(struct deferred_result result, void *arg) {
    struct deferred *other = arg;
    int err = deferred_fire(other, result);
    deferred_unref(other);
    return err ? deferred_error(err) : deferred_none();
}

int deferred_chain(struct deferred *d, struct deferred *other) {
    deferred_ref(other);
    int err = deferred_add_callbacks_named(d, "chain", fire_chained, other, "chain", fire_chained, other);
    if (err != 0)
        deferred_unref(other);
    return err;
}

/* >> later */
/* deferred_later's timer: the Deferred, the timer's handle, and what to fire it with. */
struct later {
    struct deferred *d; /* the timer's reference */
    struct delayed_call *call;
    deferred_call_fn fn;
    void *arg;
};

static int later_fire(void *arg) {
    struct later *later = arg;
    struct deferred *d = later->d;
    delayed_call_release(later->call);
    struct deferred_result r = later->fn ? later->fn(later->arg) : deferred_none();
    free(later);
    deferred_fire(d, r);
    deferred_unref(d);
    return 0;
}

static void later_cancel(struct deferred *d, void *arg) {
    struct later *later = arg;
    delayed_call_cancel(later->call);
    delayed_call_release(later->call);
    free(later);
    deferred_unref(d); /* the timer's reference; the caller of cancel holds another */
}

int deferred_later_at(const char *origin, struct scheduler *scheduler, double delay, deferred_call_fn fn,
                      void *arg, struct deferred **out) {
    if (!(delay >= 0))
        return -EINVAL;
    struct later *later = malloc(sizeof *later);
    if (later == NULL)
        return -ENOMEM;
    struct deferred *d = deferred_new_at(origin, later_cancel, later);
    if (d == NULL) {
        free(later);
        return -ENOMEM;
    }
    *later = (struct later){.d = deferred_ref(d), .fn = fn, .arg = arg};
    int err = scheduler_call_later_named(scheduler, delay, "deferred_later", later_fire, later, &later->call);
    if (err != 0) {
        free(later);
        d->extra->canceller = NULL;
        deferred_unref(d);
        deferred_unref(d);
        return err;
    }
    *out = d;
    return 0;
}
/* << later */

/* ---- Drawing ---- */

/* Writes text as a graphviz label, escaped. */
static void dot_text(FILE *out, const char *text) {
    for (; *text; text++) {
        if (*text == '"' || *text == '\\')
            fputc('\\', out);
        if (*text == '\n')
            fputs("\\n", out);
        else
            fputc(*text, out);
    }
}

/* >> dump-impl */
/* One node of the drawing: pair i's callback (track 'c') or errback ('e'). */
static void dot_node(FILE *out, const struct deferred *d, uint32_t i, char track, bool ran) {
    const struct extra *x = d->extra;
    const struct pair *pair = &const_pairs_of(d)[i];
    const struct step *step = x != NULL && x->tracing && i < x->steps_capacity ? &x->steps[i] : NULL;
    deferred_fn fn = track == 'c' ? pair->callback : pair->errback;
    const char *name =
        track == 'c' ? (step ? step->callback_name : NULL) : (step ? step->errback_name : NULL);
    if (fn == continue_waiter)
        name = "wake the waiting Deferred";
    else if (fn == fire_chained)
        name = "fire the chained Deferred";
    else if (fn == NULL)
        name = "(pass)";
    else if (name == NULL)
        name = track == 'c' ? "callback" : "errback";
    fprintf(out, "  %c%u [label=\"%u. ", track, (unsigned)i, (unsigned)i + 1);
    dot_text(out, name);
    fprintf(out, "\"%s];\n",
            ran          ? ", penwidth=2"
            : fn == NULL ? ", color=gray70, fontcolor=gray50"
                         : ", color=gray40");
}

int deferred_dump_dot(const struct deferred *d, const char *name, FILE *out) {
    const struct extra *x = d->extra;
    bool traced = x != NULL && x->tracing && (d->flags & CALLED);
    fputs("digraph \"", out);
    dot_text(out, name);
    fputs(
        "\" {\n  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=13];\n"
        "  edge [fontname=\"Helvetica\", fontsize=11];\n  nodesep=1.2; ranksep=0.45;\n",
        out);
    fputs("  fire [shape=oval, label=\"", out);
    if (!(d->flags & CALLED))
        fputs("not fired yet", out);
    else if (traced)
        fputs(x->fired_kind == DEFERRED_FAILURE ? "errback" : "callback", out);
    else
        fputs("fired", out);
    fputs(
        "\"];\n  callbacks [shape=plaintext, label=\"callbacks\"];\n"
        "  errbacks [shape=plaintext, label=\"errbacks\"];\n  { rank=same; callbacks; errbacks; }\n"
        "  fire -> callbacks [style=invis]; fire -> errbacks [style=invis];\n",
        out);
    /* The two tracks: a row per pair, callback left, errback right, joined by faint lines. */
    for (uint32_t i = 0; i < d->count; i++) {
        const struct step *step = traced && i < x->steps_capacity ? &x->steps[i] : NULL;
        char ran = step ? step->ran : 0;
        dot_node(out, d, i, 'c', ran == 'c');
        dot_node(out, d, i, 'e', ran == 'e');
        fprintf(out, "  { rank=same; c%u; e%u; }\n", (unsigned)i, (unsigned)i);
        if (i == 0)
            fputs("  callbacks -> c0 [style=invis]; errbacks -> e0 [style=invis];\n", out);
        else
            fprintf(out,
                    "  c%u -> c%u [color=gray80, arrowhead=none, weight=10]; e%u -> e%u [color=gray80, "
                    "arrowhead=none, weight=10];\n",
                    (unsigned)i - 1, (unsigned)i, (unsigned)i - 1, (unsigned)i);
    }
    /* The path the result took, each edge labelled with the result it carried. */
    if (traced) {
        char from[16] = "fire";
        const char *carried = x->fired_with;
        for (uint32_t i = 0; i < d->count && i < x->steps_capacity; i++) {
            const struct step *step = &x->steps[i];
            if (step->ran != 'c' && step->ran != 'e')
                continue; /* not run yet, or passed by */
            char to[16];
            snprintf(to, sizeof to, "%c%u", step->ran, (unsigned)i);
            /* (only the tracks place the nodes: a path edge that crossed over would pull them about) */
            fprintf(out, "  %s -> %s [penwidth=2%s, label=\" ", from, to,
                    strcmp(from, "fire") ? ", constraint=false" : "");
            dot_text(out, carried);
            fputs(" \"];\n", out);
            snprintf(from, sizeof from, "%s", to);
            carried = step->text;
        }
        if (d->next == d->count && d->kind != DEFERRED_WAIT && !d->paused) {
            fprintf(out, "  result [shape=oval, label=\"result\"];\n  %s -> result [penwidth=2, label=\" ",
                    from);
            dot_text(out, carried);
            fputs(" \"];\n", out);
        }
    }
    fputs("}\n", out);
    return ferror(out) ? -EIO : 0;
}
/* << dump-impl */
