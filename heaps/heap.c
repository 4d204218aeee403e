/* SPDX-License-Identifier: MIT */
/* What every heap provider shares: argument checks and the one-time claim of the
 * initial space. Contracts are in alloy/heap.h. */
#include "alloy/heap.h"
#include "alloy/poison.h"

void *alloy_heap_grow(alloy_heap *heap, size_t pages)
{
    if (pages == 0 || pages > SIZE_MAX / ALLOY_PAGE_SIZE)
        return NULL;
    void *first = heap->ops->grow(heap, pages);
    if (first) /* a checker may remember it from an earlier life (a reused array or mapping) */
        alloy_poison_expose(first, pages * ALLOY_PAGE_SIZE);
    return first;
}

void *alloy_heap_claim_initial(alloy_heap *heap, size_t *bytes)
{
    void *space = heap->initial;
    *bytes = space ? heap->initial_bytes : 0;
    if (space)
        alloy_poison_expose(space, heap->initial_bytes);
    heap->initial = NULL;
    heap->initial_bytes = 0;
    return space;
}

const char *alloy_heap_name(const alloy_heap *heap)
{
    return heap->ops->name;
}
