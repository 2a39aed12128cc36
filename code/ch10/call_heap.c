/* call_heap.c: a binary min-heap of deadlines. See call_heap.h for the contracts. */
#include "call_heap.h"

#include <errno.h>
#include <stdlib.h>

void call_heap_init(struct call_heap *heap) {
    heap->entries = NULL;
    heap->count = 0;
    heap->capacity = 0;
    heap->next_sequence = 0;
}

void call_heap_destroy(struct call_heap *heap) {
    free(heap->entries);
    call_heap_init(heap);
}

/* >> heap-order */
/* True when a must run before b: the earlier deadline, or on a tie the earlier push. */
static int runs_before(const struct call_heap_entry *a, const struct call_heap_entry *b) {
    if (a->deadline != b->deadline)
        return a->deadline < b->deadline;
    return a->sequence < b->sequence;
}
/* << heap-order */

/* Puts entry at index and tells its owner where it now is. */
static void place(struct call_heap *heap, size_t index, struct call_heap_entry entry) {
    heap->entries[index] = entry;
    *entry.slot = index;
}

/* >> sift */
/* Moves the entry at index up towards the root while it runs before its parent. */
static void sift_up(struct call_heap *heap, size_t index) {
    struct call_heap_entry moving = heap->entries[index];
    while (index > 0) {
        size_t parent = (index - 1) / 2;
        if (!runs_before(&moving, &heap->entries[parent]))
            break;
        place(heap, index, heap->entries[parent]);
        index = parent;
    }
    place(heap, index, moving);
}

/* Moves the entry at index down while one of its children runs before it. */
static void sift_down(struct call_heap *heap, size_t index) {
    struct call_heap_entry moving = heap->entries[index];
    for (;;) {
        size_t child = 2 * index + 1;
        if (child >= heap->count)
            break;
        if (child + 1 < heap->count && runs_before(&heap->entries[child + 1], &heap->entries[child]))
            child++;
        if (!runs_before(&heap->entries[child], &moving))
            break;
        place(heap, index, heap->entries[child]);
        index = child;
    }
    place(heap, index, moving);
}
/* << sift */

/* >> push */
int call_heap_push(struct call_heap *heap, double deadline, void *item, size_t *slot) {
    if (heap->count == heap->capacity) {
        size_t capacity = heap->capacity ? heap->capacity * 2 : 64;
        struct call_heap_entry *bigger = realloc(heap->entries, capacity * sizeof *bigger);
        if (bigger == NULL)
            return -ENOMEM;
        heap->entries = bigger;
        heap->capacity = capacity;
    }
    struct call_heap_entry entry = {deadline, heap->next_sequence++, item, slot};
    place(heap, heap->count++, entry);
    sift_up(heap, heap->count - 1);
    return 0;
}
/* << push */

const struct call_heap_entry *call_heap_peek(const struct call_heap *heap) {
    return heap->count > 0 ? &heap->entries[0] : NULL;
}

/* >> remove */
void *call_heap_remove(struct call_heap *heap, size_t index) {
    void *item = heap->entries[index].item;
    heap->count--;
    if (index < heap->count) {
        /* Fill the hole with the last entry, which may belong above or below it. (If sift_up moves it,
         * the entry that comes down to index is no later than anything below, and sift_down is a no-op.) */
        place(heap, index, heap->entries[heap->count]);
        sift_up(heap, index);
        sift_down(heap, index);
    }
    return item;
}
/* << remove */

void call_heap_update(struct call_heap *heap, size_t index, double deadline) {
    heap->entries[index].deadline = deadline;
    heap->entries[index].sequence = heap->next_sequence++;
    sift_up(heap, index);
    sift_down(heap, index);
}
