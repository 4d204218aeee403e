/* What every heap provider shares: argument checks and the one-time claim of the
 * initial space. Contracts are in alloy/heap.h. */
#include "alloy/heap.h"

void *alloy_heap_grow(alloy_heap *heap, size_t pages)
{
    if (pages == 0 || pages > SIZE_MAX / ALLOY_PAGE_SIZE)
        return NULL;
    return heap->ops->grow(heap, pages);
}

void *alloy_heap_claim_initial(alloy_heap *heap, size_t *bytes)
{
    void *space = heap->initial;
    *bytes = space ? heap->initial_bytes : 0;
    heap->initial = NULL;
    heap->initial_bytes = 0;
    return space;
}

const char *alloy_heap_name(const alloy_heap *heap)
{
    return heap->ops->name;
}
