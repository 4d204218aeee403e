/* SPDX-License-Identifier: MIT */
/** @file
 * alloy/static_heap.h - the static provider: pages cut from an array of the
 * caller's (static storage, the stack, memory a linker script reserves).
 * alloy/heap.h includes it. How it cuts the array is drawn in heaps/static.c. */
#ifndef ALLOY_STATIC_HEAP_H
#define ALLOY_STATIC_HEAP_H

#include "alloy/heap.h"

/** The size of alloy/default.h's array when the static provider is the default and
 * the meson option heap_size is 0: 1 MiB. */
#define ALLOY_STATIC_HEAP_DEFAULT_SIZE ((size_t)1 << 20)

/** A provider serving a caller's array. */
typedef struct alloy_static_heap {
    alloy_heap heap; /**< the provider, as alloy_static_heap_init returns it */
    char *limit;     /**< end of the usable array */
} alloy_static_heap;

/** Serve pages from `array` (`bytes` long, any alignment). The array is cut into an
 * initial space at its front (less than a page) followed by as many whole 64 KiB
 * pages as fit, so nothing but at most 15 bytes of alignment at each end goes unused.
 * Returns &h->heap, or NULL when h or array is NULL or when array + bytes would pass
 * the end of the address space (no array is that long). `bytes` must be the array's
 * size: the provider cannot see a larger one, and would hand out memory past the
 * array. An array smaller than a page is all initial space. grow returns NULL when
 * the pages are used up. */
alloy_heap *alloy_static_heap_init(alloy_static_heap *h, void *array, size_t bytes);

/** The uniform constructor (alloy/heap.h): the same as alloy_static_heap_init. */
alloy_heap *alloy_static_heap_open(alloy_static_heap *h, void *array, size_t bytes);

/** The uniform destructor (alloy/heap.h): nothing to give back, the array is the
 * caller's. h may be NULL. */
void alloy_static_heap_close(alloy_static_heap *h);

#endif
