/* SPDX-License-Identifier: MIT */
/* alloy_malloc() and its family: the C allocation API over any instance
 * (alloy/malloc.h), through the instance's table. Part of the alloy library; how
 * blocks find their sizes is told in layer.h. (alloy as the program's malloc, the
 * alloy_malloc library, is program_malloc.c.) */
#include "alloy/malloc.h"
#include "layer.h"

void *alloy_malloc_aligned(alloy_allocator *a, size_t align, size_t size)
{
    return a && frontend_align_ok(align) ? malloc_alloc(a, a->strategy, align, size) : NULL;
}

void *alloy_malloc(alloy_allocator *a, size_t size)
{
    return alloy_malloc_aligned(a, HEADER, size);
}

void *alloy_malloc_calloc(alloy_allocator *a, size_t n, size_t size)
{
    return a ? malloc_calloc(a, a->strategy, n, size) : NULL;
}

void alloy_malloc_free(alloy_allocator *a, void *p)
{
    if (a)
        malloc_free(a, a->strategy, p);
}

void *alloy_malloc_realloc(alloy_allocator *a, void *p, size_t size)
{
    return a ? malloc_realloc(a, a->strategy, p, size) : NULL;
}

size_t alloy_malloc_usable_size(alloy_allocator *a, const void *p)
{
    return a ? malloc_usable_size_of(a, a->strategy, p) : 0;
}
