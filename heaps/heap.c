/* SPDX-License-Identifier: MIT */
/* What every heap provider shares: the argument checks of growing (the claim of the
 * initial space is inline in alloy/heap.h). Contracts are in alloy/heap.h. */
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

const char *alloy_heap_name(const alloy_heap *heap)
{
    return heap->ops->name;
}
