/* SPDX-License-Identifier: MIT */
/* A minimal wasm module for `make size`: it exports the allocation functions and
 * nothing else, so its Code section is what the allocator costs. Built against alloy's
 * malloc layer (one strategy) or against wasi-libc's dlmalloc. FULL selects the whole
 * C family; without it, malloc and free only. */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <stdlib.h>

#define EXPORT(name) __attribute__((export_name(#name)))

size_t malloc_usable_size(void *p);

EXPORT(malloc) void *export_malloc(size_t size)
{
    return malloc(size);
}

EXPORT(free) void export_free(void *p)
{
    free(p);
}

#if FULL
EXPORT(calloc) void *export_calloc(size_t n, size_t size)
{
    return calloc(n, size);
}

EXPORT(realloc) void *export_realloc(void *p, size_t size)
{
    return realloc(p, size);
}

EXPORT(aligned_alloc) void *export_aligned_alloc(size_t align, size_t size)
{
    return aligned_alloc(align, size);
}

EXPORT(posix_memalign) int export_posix_memalign(void **out, size_t align, size_t size)
{
    return posix_memalign(out, align, size);
}

EXPORT(malloc_usable_size) size_t export_malloc_usable_size(void *p)
{
    return malloc_usable_size(p);
}
#endif
