/* SPDX-License-Identifier: MIT */
/** @file
 * alloy/mmap_heap.h - the mmap provider (native only): pages of one reserved range
 * of address space, committed as they are handed out. alloy/heap.h includes it in
 * native builds. */
#ifndef ALLOY_MMAP_HEAP_H
#define ALLOY_MMAP_HEAP_H

#include "alloy/heap.h"

#if !defined(__wasm__) || defined(ALLOY_DOXYGEN)
#if SIZE_MAX > 0xFFFFFFFFu || defined(ALLOY_DOXYGEN)
/** The address space an mmap provider reserves when alloy_mmap_heap_open is given 0
 * bytes, and the default one (alloy/default.h, and alloy as malloc) when the meson
 * option heap_size is 0: 64 GiB, as far as the region strategy's offsets reach
 * (1 GiB where size_t has 32 bits). Address space costs nothing until a page is
 * touched. Where the system refuses a reservation that large (valgrind grants 32
 * GiB at most, a `ulimit -v` less), alloy_mmap_heap_open takes the largest of its
 * halvings that the system grants, down to ALLOY_MMAP_HEAP_SMALLEST_DEFAULT. */
#define ALLOY_MMAP_HEAP_DEFAULT_SIZE ((size_t)1 << 36)
#else
#define ALLOY_MMAP_HEAP_DEFAULT_SIZE ((size_t)1 << 30)
#endif
/** The least alloy_mmap_heap_open reserves for a default of 0 bytes, before it gives
 * up: 64 MiB. */
#define ALLOY_MMAP_HEAP_SMALLEST_DEFAULT ((size_t)1 << 26)

/** A provider serving pages of one reserved address range (native only). */
typedef struct alloy_mmap_heap {
    alloy_heap heap;      /**< the provider, as alloy_mmap_heap_init returns it */
    char *mapping;        /**< the whole reservation, as mmap returned it */
    size_t mapping_bytes; /**< its size */
    char *limit;          /**< end of the usable, 64 KiB aligned part */
} alloy_mmap_heap;

/** Reserve `max_bytes` (rounded up to whole pages) of address space, without
 * committing memory. Pages are handed out in address order and made readable and
 * writable as they are; grow returns NULL once max_bytes are handed out. Returns
 * &h->heap, or NULL when h is NULL, max_bytes is 0 or above SIZE_MAX / 2, or the
 * reservation fails; *h (when not NULL) is then left empty, so that
 * alloy_mmap_heap_destroy on it is harmless. An *h that holds a reservation is
 * overwritten, not destroyed: destroy it first. There is no initial space. Native
 * only. */
alloy_heap *alloy_mmap_heap_init(alloy_mmap_heap *h, size_t max_bytes);

/** Give the whole reservation back to the system. Every instance that used this
 * provider is dead afterwards. NULL is ignored; destroying twice is harmless.
 * Native only. */
void alloy_mmap_heap_destroy(alloy_mmap_heap *h);

/** The uniform constructor (alloy/heap.h): alloy_mmap_heap_init(h, bytes). For bytes
 * 0, the default: ALLOY_MMAP_HEAP_DEFAULT_SIZE, or the largest of its halvings down to
 * ALLOY_MMAP_HEAP_SMALLEST_DEFAULT that the system grants (NULL when it grants none).
 * The provider serves no array: NULL when array is not NULL. On failure *h is left
 * empty, as alloy_mmap_heap_init leaves it. Native only. */
alloy_heap *alloy_mmap_heap_open(alloy_mmap_heap *h, void *array, size_t bytes);

/** The uniform destructor (alloy/heap.h): alloy_mmap_heap_destroy. Native only. */
void alloy_mmap_heap_close(alloy_mmap_heap *h);
#endif

#endif
