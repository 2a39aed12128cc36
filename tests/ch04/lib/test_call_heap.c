/* Chapter 4's timer heap: order by deadline, FIFO among equal deadlines, removal from anywhere. */
#include "call_heap.h"
#include "check_main.h"

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

int main(void) {
    Suite *suite = suite_create("call_heap");
    TCase *tc = tcase_create("heap");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, empty_heap_has_nothing_to_peek);
    tcase_add_test(tc, pops_in_deadline_order);
    tcase_add_test(tc, remove_from_the_middle_keeps_order);
    tcase_add_test(tc, update_moves_an_entry_behind_its_equals);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
