/* SPDX-License-Identifier: MIT */
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
 * area's end. But every page a provider hands out lies a whole number of pages from
 * every other, and its initial space ends where a page would begin (at `end` before
 * any growth): so the memory divides into 64 KiB frames, and a strategy finds the
 * frame of any pointer with a mask. Providers are not
 * thread-safe; no provider keeps global state.
 *
 * Every provider NAME has a header of its own, alloy/NAME_heap.h, included at the end
 * of this one for the providers of the build's target, with its type alloy_NAME_heap
 * (an alloy_heap first), its own init, and a uniform constructor and destructor that
 * code written for every provider uses (alloy/default.h, the test fixtures, the
 * conformance suites): `alloy_NAME_heap_open(h, array, bytes)` serves `bytes` of the
 * caller's array (a provider that serves arrays) or at most `bytes` of its own memory
 * (0: its default, ALLOY_NAME_HEAP_DEFAULT_SIZE), NULL when it cannot; and
 * `alloy_NAME_heap_close(h)` gives back what the provider holds.
 */
#ifndef ALLOY_HEAP_H
#define ALLOY_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloy/config.h"
#include "alloy/poison.h"

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
 * pages are aligned to 64 KiB) and a whole number of pages from every page handed
 * out before and from `end` as it was before any growth. Returns the first page, or
 * NULL when the provider
 * cannot (at its maximum, pages == 0, or a count so large that bytes overflow).
 * A NULL answer changes nothing. `heap` must not be NULL. */
void *alloy_heap_grow(alloy_heap *heap, size_t pages);

/** Claim the provider's initial space: returns its start (16-byte aligned) and stores
 * its size (a multiple of 16) in *bytes. Only the first call gets it; later calls,
 * and providers without one, return NULL with *bytes = 0. Neither argument may be NULL.
 * Inline: a strategy calls it once, and its setup then needs no stack frame for
 * *bytes (in wasm, about 35 bytes less code). */
static inline void *alloy_heap_claim_initial(alloy_heap *heap, size_t *bytes)
{
    void *space = heap->initial;
    *bytes = space ? heap->initial_bytes : 0;
    if (space) /* a checker may remember it from an earlier life (a reused array) */
        alloy_poison_expose(space, heap->initial_bytes);
    heap->initial = NULL;
    heap->initial_bytes = 0;
    return space;
}

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

/* Every provider of this target, each in its own header (see the top). */
#include "alloy/providers.h"

#endif
