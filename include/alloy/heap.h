/** @file
 * alloy/heap.h - heap providers: where strategies get their memory.
 *
 * A provider hands out memory in 64 KiB pages. It may also own an initial space,
 * memory that exists before any growth (the space between __heap_base and the end of
 * wasm memory, or the part of a static array in front of its first whole page); the
 * first strategy instance that asks claims it, and nobody else gets it.
 *
 * Pages from successive grows need not be contiguous: another instance on the same
 * provider, or anything else that grows wasm memory, may take the pages in between.
 * A strategy that wants to extend an area must compare what grow returned with the
 * area's end. Providers are not thread-safe; no provider keeps global state.
 */
#ifndef ALLOY_HEAP_H
#define ALLOY_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloy/config.h"

/** The unit providers hand out memory in: 64 KiB, a wasm page. */
#define ALLOY_PAGE_SIZE ((size_t)65536)

typedef struct alloy_heap alloy_heap;

/** What a provider implements: its table of functions. */
typedef struct alloy_heap_ops {
    const char *name; /**< the provider's name (alloy_heap_name) */
    /** Hand out `pages` (>= 1) more pages; NULL when that is impossible. */
    void *(*grow)(alloy_heap *heap, size_t pages);
} alloy_heap_ops;

/** The part every provider shares. Read start/end; change nothing. */
struct alloy_heap {
    const alloy_heap_ops *ops; /**< the provider's table of functions */
    char *start;          /**< the lowest address this provider hands out */
    char *end;            /**< the end of the last memory it handed out or found */
    char *initial;        /**< the initial space, until it is claimed; else NULL */
    size_t initial_bytes; /**< its size: a multiple of 16, maybe 0 */
};

/** Hand out `pages` more 64 KiB pages, aligned to 16 bytes at least (wasm and mmap
 * pages are aligned to 64 KiB). Returns the first page, or NULL when the provider
 * cannot (at its maximum, pages == 0, or a count so large that bytes overflow).
 * A NULL answer changes nothing. `heap` must not be NULL. */
void *alloy_heap_grow(alloy_heap *heap, size_t pages);

/** Claim the provider's initial space: returns its start (16-byte aligned) and stores
 * its size (a multiple of 16) in *bytes. Only the first call gets it; later calls,
 * and providers without one, return NULL with *bytes = 0. Neither argument may be NULL. */
void *alloy_heap_claim_initial(alloy_heap *heap, size_t *bytes);

/** The number of whole pages that hold `bytes` (0 for 0). Inline: it costs a strategy
 * no call. */
static inline size_t alloy_heap_pages_for(size_t bytes)
{
    return bytes / ALLOY_PAGE_SIZE + (bytes % ALLOY_PAGE_SIZE != 0);
}

/** Whether [p, p + bytes) lies within what the provider has handed out or found
 * (start to end). False for a range that wraps or reaches past the end; `heap` must
 * not be NULL. For strategies' integrity checks. */
static inline bool alloy_heap_holds(const alloy_heap *heap, const void *p, size_t bytes)
{
    uintptr_t lo = (uintptr_t)heap->start, hi = (uintptr_t)heap->end, q = (uintptr_t)p;
    return q >= lo && q <= hi && bytes <= hi - q;
}

/** The name of the provider ("wasm", "mmap", "static"). `heap` must not be NULL. */
const char *alloy_heap_name(const alloy_heap *heap);

/* --- static: a caller's array -------------------------------------------------- */

/** A provider serving a caller's array. */
typedef struct alloy_static_heap {
    alloy_heap heap; /**< the provider, as alloy_static_heap_init returns it */
    char *limit;     /**< end of the usable array */
} alloy_static_heap;

/** Serve pages from `array` (`bytes` long, any alignment). The array is cut into an
 * initial space at its front (less than a page) followed by as many whole 64 KiB
 * pages as fit, so nothing but at most 15 bytes of alignment at each end goes unused.
 * Returns &h->heap, or NULL when h or array is NULL. An array smaller than a page
 * is all initial space. grow returns NULL when the pages are used up. */
alloy_heap *alloy_static_heap_init(alloy_static_heap *h, void *array, size_t bytes);

#if !defined(__wasm__) || defined(ALLOY_DOXYGEN)
/* --- mmap: a reserved address range (native only) ------------------------------ */

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
 * &h->heap, or NULL when h is NULL, max_bytes is 0 or too large, or the reservation
 * fails. There is no initial space. Native only. */
alloy_heap *alloy_mmap_heap_init(alloy_mmap_heap *h, size_t max_bytes);

/** Give the whole reservation back to the system. Every instance that used this
 * provider is dead afterwards. NULL is ignored; destroying twice is harmless.
 * Native only. */
void alloy_mmap_heap_destroy(alloy_mmap_heap *h);
#endif

#if defined(__wasm__) || defined(ALLOY_DOXYGEN)
/* --- wasm: memory.grow on memory 0 ---------------------------------------------- */

/** A provider growing wasm memory 0 (wasm only). */
typedef struct alloy_wasm_heap {
    alloy_heap heap; /**< the provider, as alloy_wasm_heap_init returns it */
} alloy_wasm_heap;

/** Grow wasm memory 0. With `sole_allocator` true, alloy is the program's only
 * allocator and the provider's initial space is __heap_base .. end of memory; with
 * false it has none, and it leaves that space to libc's malloc. Growth stops short
 * of 4 GiB (65,535 pages) so that no address wraps. Returns &h->heap, or NULL
 * when h is NULL. Any number of wasm providers may coexist; only one may be sole.
 * Wasm only. */
alloy_heap *alloy_wasm_heap_init(alloy_wasm_heap *h, bool sole_allocator);
#endif

#endif
