/* SPDX-License-Identifier: MIT */
/* The static provider: pages cut from a caller's array.
 *
 *   array: |pad|   initial space (< 64 KiB)   | page | page | ... | page |pad|
 *               ^start, 16-aligned            ^end grows by whole pages   ^limit
 *
 * Pages lie at the back so that the initial space and the pages form one contiguous
 * range: a strategy that bumps through the initial space grows straight into them. */
#include <stdint.h>

#include "alloy/heap.h"

static void *static_grow(alloy_heap *heap, size_t pages)
{
    alloy_static_heap *h = (alloy_static_heap *)heap;
    if (pages > (size_t)(h->limit - heap->end) / ALLOY_PAGE_SIZE)
        return NULL;
    char *first = heap->end;
    heap->end += pages * ALLOY_PAGE_SIZE;
    return first;
}

static const alloy_heap_ops static_ops = {"static", static_grow};

alloy_heap *alloy_static_heap_init(alloy_static_heap *h, void *array, size_t bytes)
{
    if (!h || !array || bytes > UINTPTR_MAX - (uintptr_t)array)
        return NULL; /* (past the end of the address space: no array is that long) */
    uintptr_t lo = ((uintptr_t)array + 15) & ~(uintptr_t)15;
    uintptr_t hi = ((uintptr_t)array + bytes) & ~(uintptr_t)15;
    if (hi < lo) /* less than 16 bytes, straddling a boundary */
        hi = lo;
    size_t pages = (size_t)(hi - lo) / ALLOY_PAGE_SIZE;
    char *start = (char *)array + (lo - (uintptr_t)array);
    size_t initial_bytes = (size_t)(hi - lo) - pages * ALLOY_PAGE_SIZE;

    h->heap.ops = &static_ops;
    h->heap.start = start;
    h->heap.end = start + initial_bytes;
    h->heap.initial = initial_bytes ? start : NULL;
    h->heap.initial_bytes = initial_bytes;
    h->limit = start + (hi - lo);
    return &h->heap;
}

alloy_heap *alloy_static_heap_open(alloy_static_heap *h, void *array, size_t bytes)
{
    return alloy_static_heap_init(h, array, bytes);
}

void alloy_static_heap_close(alloy_static_heap *h)
{
    (void)h; /* the array is the caller's */
}
