/* SPDX-License-Identifier: MIT */
/* The mmap provider (native only): one reservation of address space, made at init
 * with no access, aligned to 64 KiB; grow opens the next pages in address order. The
 * system commits memory only where it is touched. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include <stdint.h>
#include <sys/mman.h>

#include "alloy/heap.h"

static void *mmap_grow(alloy_heap *heap, size_t pages)
{
    alloy_mmap_heap *h = (alloy_mmap_heap *)heap;
    if (pages > (size_t)(h->limit - heap->end) / ALLOY_PAGE_SIZE)
        return NULL;
    char *first = heap->end;
    if (mprotect(first, pages * ALLOY_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0)
        return NULL;
    heap->end += pages * ALLOY_PAGE_SIZE;
    return first;
}

static const alloy_heap_ops mmap_ops = {"mmap", mmap_grow};

alloy_heap *alloy_mmap_heap_init(alloy_mmap_heap *h, size_t max_bytes)
{
    if (!h)
        return NULL;
    *h = (alloy_mmap_heap){0}; /* what a failure leaves: nothing to give back */
    if (max_bytes == 0 || max_bytes > SIZE_MAX / 2)
        return NULL;
    size_t usable = (max_bytes + ALLOY_PAGE_SIZE - 1) & ~(ALLOY_PAGE_SIZE - 1);
    size_t mapping_bytes = usable + ALLOY_PAGE_SIZE; /* room to align to a page */
    void *mapping = mmap(NULL, mapping_bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapping == MAP_FAILED)
        return NULL;
    uintptr_t aligned = ((uintptr_t)mapping + ALLOY_PAGE_SIZE - 1) & ~(uintptr_t)(ALLOY_PAGE_SIZE - 1);
    char *start = (char *)mapping + (aligned - (uintptr_t)mapping);

    h->heap.ops = &mmap_ops;
    h->heap.start = start;
    h->heap.end = start;
    h->heap.initial = NULL;
    h->heap.initial_bytes = 0;
    h->mapping = mapping;
    h->mapping_bytes = mapping_bytes;
    h->limit = start + usable;
    return &h->heap;
}

void alloy_mmap_heap_destroy(alloy_mmap_heap *h)
{
    if (!h || !h->mapping)
        return;
    munmap(h->mapping, h->mapping_bytes);
    h->mapping = NULL;
    h->heap.end = h->heap.start;
    h->limit = h->heap.start;
}

alloy_heap *alloy_mmap_heap_open(alloy_mmap_heap *h, void *array, size_t bytes)
{
    if (array)
        return alloy_mmap_heap_init(h, 0); /* refused, *h left as every failure leaves it */
    if (bytes)
        return alloy_mmap_heap_init(h, bytes);
    /* the default: as much as the system grants, up to what region can address */
    alloy_heap *heap = NULL;
    for (bytes = ALLOY_MMAP_HEAP_DEFAULT_SIZE; !heap && bytes >= ALLOY_MMAP_HEAP_SMALLEST_DEFAULT; bytes /= 2)
        heap = alloy_mmap_heap_init(h, bytes);
    return heap;
}

void alloy_mmap_heap_close(alloy_mmap_heap *h)
{
    alloy_mmap_heap_destroy(h);
}
