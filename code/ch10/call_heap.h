/* call_heap.h: the timer heap — a binary min-heap in an array, ordered by deadline and, for equal
 * deadlines, by the order the entries were pushed (so equal times run first-in, first-out).
 *
 * Each entry keeps its deadline and sequence number in the array itself, where the comparisons read
 * them, and tells its owner where it sits (through *slot), so that removing any entry is O(log n). */
#ifndef CALL_HEAP_H
#define CALL_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* >> entry */
/* One entry: what the heap orders by, and what it carries. */
struct call_heap_entry {
    double deadline;
    uint64_t sequence; /* ties on deadline go to the smaller sequence: the earlier push */
    void *item;        /* the owner's object (a delayed call); the heap never looks inside */
    size_t *slot;      /* where the heap writes this entry's current index, whenever it moves */
};

struct call_heap {
    struct call_heap_entry *entries;
    size_t count;
    size_t capacity;
    uint64_t next_sequence;
};
/* << entry */

/* Makes an empty heap. It owns only its array; free it with call_heap_destroy. */
void call_heap_init(struct call_heap *heap);

/* Frees the array. The items are the owner's: the heap does nothing with them. */
void call_heap_destroy(struct call_heap *heap);

/* Adds item with deadline; writes its index to *slot now and whenever it moves.
 * Returns 0, or -ENOMEM (and the heap is unchanged). */
int call_heap_push(struct call_heap *heap, double deadline, void *item, size_t *slot);

/* The entry with the smallest (deadline, sequence), or NULL when the heap is empty. */
const struct call_heap_entry *call_heap_peek(const struct call_heap *heap);

/* Removes the entry at index (as last written to its slot) and returns its item. index must be valid. */
void *call_heap_remove(struct call_heap *heap, size_t index);

/* Gives the entry at index a new deadline and a new sequence number (it now ranks after every entry
 * of equal deadline, as if pushed again), and restores the heap order. */
void call_heap_update(struct call_heap *heap, size_t index, double deadline);

#endif
