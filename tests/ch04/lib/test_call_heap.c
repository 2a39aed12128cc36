/* Chapter 4's timer heap: order by deadline, FIFO among equal deadlines, removal from anywhere. */
#include "call_heap.h"
#include "check_main.h"

#include <math.h>
#include <stdlib.h>

struct item {
    double deadline;
    int id;
    size_t slot;
    int in_heap;
};

/* Pops everything, checking that deadlines never decrease and that slots always tell the truth. */
static void drain_in_order(struct call_heap *heap, int *order, size_t *count) {
    double last = -1;
    *count = 0;
    while (call_heap_peek(heap) != NULL) {
        for (size_t i = 0; i < heap->count; i++)
            ck_assert_uint_eq(*heap->entries[i].slot, i);
        struct item *item = call_heap_remove(heap, 0);
        ck_assert(item->deadline >= last);
        last = item->deadline;
        item->in_heap = 0;
        order[(*count)++] = item->id;
    }
}

START_TEST(empty_heap_has_nothing_to_peek) {
    struct call_heap heap;
    call_heap_init(&heap);
    ck_assert_ptr_null(call_heap_peek(&heap));
    call_heap_destroy(&heap);
}
END_TEST

START_TEST(pops_in_deadline_order) {
    struct call_heap heap;
    call_heap_init(&heap);
    enum { N = 300 };
    struct item *items = calloc(N, sizeof *items);
    srand(42);
    for (int i = 0; i < N; i++) {
        items[i] = (struct item){.deadline = rand() % 100, .id = i, .in_heap = 1};
        ck_assert_int_eq(call_heap_push(&heap, items[i].deadline, &items[i], &items[i].slot), 0);
    }
    int order[N];
    size_t count;
    drain_in_order(&heap, order, &count);
    ck_assert_uint_eq(count, N);
    /* Equal deadlines come out in push order. */
    for (size_t i = 1; i < count; i++)
        if (items[order[i]].deadline == items[order[i - 1]].deadline)
            ck_assert_int_lt(order[i - 1], order[i]);
    free(items);
    call_heap_destroy(&heap);
}
END_TEST

START_TEST(remove_from_the_middle_keeps_order) {
    struct call_heap heap;
    call_heap_init(&heap);
    enum { N = 500 };
    struct item *items = calloc(N, sizeof *items);
    srand(7);
    for (int i = 0; i < N; i++) {
        items[i] = (struct item){.deadline = rand() % 1000, .id = i, .in_heap = 1};
        call_heap_push(&heap, items[i].deadline, &items[i], &items[i].slot);
    }
    for (int i = 0; i < N; i += 3) {
        ck_assert_ptr_eq(call_heap_remove(&heap, items[i].slot), &items[i]);
        items[i].in_heap = 0;
    }
    int order[N];
    size_t count;
    drain_in_order(&heap, order, &count);
    ck_assert_uint_eq(count, N - (N + 2) / 3);
    for (size_t i = 0; i < count; i++)
        ck_assert_int_ne(order[i] % 3, 0);
    free(items);
    call_heap_destroy(&heap);
}
END_TEST

START_TEST(update_moves_an_entry_behind_its_equals) {
    struct call_heap heap;
    call_heap_init(&heap);
    struct item a = {.deadline = 5, .id = 0}, b = {.deadline = 5, .id = 1}, c = {.deadline = 9, .id = 2};
    call_heap_push(&heap, 5, &a, &a.slot);
    call_heap_push(&heap, 5, &b, &b.slot);
    call_heap_push(&heap, 9, &c, &c.slot);
    call_heap_update(&heap, a.slot, 5); /* same time, but now after b */
    call_heap_update(&heap, c.slot, 1); /* earlier than everything */
    ck_assert_ptr_eq(call_heap_remove(&heap, 0), &c);
    ck_assert_ptr_eq(call_heap_remove(&heap, 0), &b);
    ck_assert_ptr_eq(call_heap_remove(&heap, 0), &a);
    call_heap_destroy(&heap);
}
END_TEST

/* ---- a randomized test against a reference model ---- */

/* Check reports every assertion, passed or not, to the runner, which is slow in loops of millions:
 * inside the loops, only a failure reaches Check. */
#define EXPECT(cond)                                                                                      \
    do {                                                                                                  \
        if (!(cond))                                                                                      \
            ck_abort_msg("line %d: expected %s", __LINE__, #cond);                                        \
    } while (0)

/* The model: each item knows whether it is in the heap, its deadline, and its rank among equal
 * deadlines (the order of its last push or update). The heap must always agree with it. */
struct model_item {
    double deadline;
    unsigned long rank;
    int in_heap;
    size_t slot;
};

/* True when a must come out before b, by the model's rules. */
static int model_before(const struct model_item *a, const struct model_item *b) {
    if (a->deadline != b->deadline)
        return a->deadline < b->deadline;
    return a->rank < b->rank;
}

/* Checks the whole heap against the model: the count, every slot, the deadline kept in the array beside
 * each item, the heap order between every parent and child, and that the top is the model's first. */
static void check_against_model(const struct call_heap *heap, struct model_item *items, size_t n) {
    size_t in_heap = 0;
    const struct model_item *first = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!items[i].in_heap)
            continue;
        in_heap++;
        if (first == NULL || model_before(&items[i], first))
            first = &items[i];
        EXPECT(items[i].slot < heap->count);
        EXPECT(heap->entries[items[i].slot].item == &items[i]);
        EXPECT(heap->entries[items[i].slot].deadline == items[i].deadline);
    }
    EXPECT(heap->count == in_heap);
    for (size_t i = 0; i < heap->count; i++) {
        EXPECT(heap->entries[i].slot == &((struct model_item *)heap->entries[i].item)->slot);
        EXPECT(*heap->entries[i].slot == i);
        if (i > 0)
            EXPECT(!model_before(heap->entries[i].item, heap->entries[(i - 1) / 2].item));
    }
    if (first == NULL)
        EXPECT(call_heap_peek(heap) == NULL);
    else
        EXPECT(call_heap_peek(heap)->item == first);
}

/* A deadline from a small range, so that ties are common, or now and then a far one. */
static double random_deadline(void) {
    switch (rand() % 20) {
    case 0:
        return INFINITY;
    case 1:
        return ldexp(1.0, 128);
    case 2:
        return -1.5;
    default:
        return (double)(rand() % 16) / 4;
    }
}

START_TEST(interleaved_push_remove_update_and_pop_agree_with_a_model) {
    enum { N = 200, STEPS = 20000 };
    struct model_item *items = calloc(N, sizeof *items);
    EXPECT(items != NULL);
    struct call_heap heap;
    call_heap_init(&heap);
    unsigned long next_rank = 0;
    srand(1234);
    for (int step = 0; step < STEPS; step++) {
        struct model_item *item = &items[rand() % N];
        int op = rand() % 4;
        if (!item->in_heap) { /* push */
            item->deadline = random_deadline();
            item->rank = next_rank++;
            item->in_heap = 1;
            EXPECT(call_heap_push(&heap, item->deadline, item, &item->slot) == 0);
        } else if (op == 0) { /* remove this one, wherever it is (a cancel) */
            EXPECT(call_heap_remove(&heap, item->slot) == item);
            item->in_heap = 0;
        } else if (op == 1) { /* give it a new deadline (a reset or delay) */
            item->deadline = random_deadline();
            item->rank = next_rank++;
            call_heap_update(&heap, item->slot, item->deadline);
        } else if (op == 2) { /* pop the first (a call that runs) */
            struct model_item *top = call_heap_remove(&heap, 0);
            top->in_heap = 0;
        } else { /* update to the same deadline: it goes behind its equals */
            item->rank = next_rank++;
            call_heap_update(&heap, item->slot, item->deadline);
        }
        if (step % 7 == 0 || heap.count < 8)
            check_against_model(&heap, items, N);
    }
    check_against_model(&heap, items, N);
    /* Drain: the items come out in the model's order. */
    struct model_item *last = NULL;
    while (call_heap_peek(&heap) != NULL) {
        struct model_item *top = call_heap_remove(&heap, 0);
        if (last != NULL)
            EXPECT(!model_before(top, last));
        top->in_heap = 0;
        last = top;
        check_against_model(&heap, items, N);
    }
    call_heap_destroy(&heap);
    free(items);
}
END_TEST

/* Removing from anywhere is O(log n), since each entry knows its index: removing 100000 entries in
 * random order takes a blink, where a search for each one would take billions of steps. */
START_TEST(removing_many_entries_in_random_order_is_fast) {
    enum { N = 100000 };
    struct model_item *items = calloc(N, sizeof *items);
    size_t *order = malloc(N * sizeof *order);
    EXPECT(items != NULL);
    EXPECT(order != NULL);
    struct call_heap heap;
    call_heap_init(&heap);
    srand(99);
    for (size_t i = 0; i < N; i++) {
        items[i].deadline = rand() % 1000;
        EXPECT(call_heap_push(&heap, items[i].deadline, &items[i], &items[i].slot) == 0);
        order[i] = i;
    }
    for (size_t i = N - 1; i > 0; i--) {
        size_t j = (size_t)rand() % (i + 1);
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < N; i++) {
        EXPECT(call_heap_remove(&heap, items[order[i]].slot) == &items[order[i]]);
        if (i % 10007 == 0 && heap.count > 0) {
            const struct call_heap_entry *top = call_heap_peek(&heap);
            for (size_t k = 0; k < heap.count; k++)
                EXPECT(top->deadline <= heap.entries[k].deadline);
        }
    }
    EXPECT(call_heap_peek(&heap) == NULL);
    call_heap_destroy(&heap);
    free(order);
    free(items);
}
END_TEST

START_TEST(destroy_leaves_an_empty_heap_that_can_be_used_again) {
    struct call_heap heap;
    call_heap_init(&heap);
    struct item a = {.deadline = 1};
    call_heap_push(&heap, 1, &a, &a.slot);
    call_heap_destroy(&heap);
    EXPECT(call_heap_peek(&heap) == NULL);
    EXPECT(call_heap_push(&heap, 2, &a, &a.slot) == 0);
    EXPECT(call_heap_peek(&heap)->item == &a);
    call_heap_destroy(&heap);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("call_heap");
    TCase *tc = tcase_create("heap");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, empty_heap_has_nothing_to_peek);
    tcase_add_test(tc, pops_in_deadline_order);
    tcase_add_test(tc, remove_from_the_middle_keeps_order);
    tcase_add_test(tc, update_moves_an_entry_behind_its_equals);
    tcase_add_test(tc, interleaved_push_remove_update_and_pop_agree_with_a_model);
    tcase_add_test(tc, removing_many_entries_in_random_order_is_fast);
    tcase_add_test(tc, destroy_leaves_an_empty_heap_that_can_be_used_again);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
