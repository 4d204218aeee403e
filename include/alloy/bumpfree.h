/** @file
 * alloy/bumpfree.h - the bump + unordered free list strategy: the smallest useful
 * allocator. How it works, and what it costs, is told in strategies/bumpfree.c.
 *
 * Its figures in alloy_stats (alloy_stats_get):
 * - free_blocks: blocks on the free list
 * - free_bytes: bytes on the free list
 * - bump_bytes: bytes left between the bump pointer and the area's end
 * - bump_areas: bump areas started (1 + growths that were not contiguous)
 * - live_bytes: bytes held by live blocks, each rounded up to 16
 */
#ifndef ALLOY_BUMPFREE_H
#define ALLOY_BUMPFREE_H

#include "alloy/alloy.h"

struct alloy_bumpfree_block;

/** One instance. Its members are private; the struct is public so that callers can
 * place instances where they like (static, stack, another allocator's block). */
typedef struct alloy_bumpfree {
    /** @privatesection */
    alloy_allocator base;
    alloy_heap *heap;
    struct alloy_bumpfree_block *free_list; /* LIFO, unordered */
    uintptr_t start;                        /* where the current bump area begins */
    uintptr_t top;                          /* bump pointer */
    uintptr_t end;                          /* end of the bump area (0: none yet) */
    size_t free_blocks;
    size_t free_bytes;
    uint64_t bump_areas;
} alloy_bumpfree;

/** Make *bf an instance that takes memory from `heap`, and return its handle. It
 * claims the heap's initial space if nobody has. Returns NULL when bf or heap is NULL.
 * Any number of instances may share one heap. The instance needs no destruction: its
 * memory goes when the heap's does. */
alloy_allocator *alloy_bumpfree_init(alloy_bumpfree *bf, alloy_heap *heap);

/** The table, setup and operations (see ALLOY_STRATEGY_OPERATIONS). */
ALLOY_STRATEGY_OPERATIONS(bumpfree);

#endif
