/* SPDX-License-Identifier: MIT */
/** @file
 * alloy/bumpfree.h - the bump + segregated free lists strategy: the smallest useful
 * allocator. How it works, and what it costs, is told in strategies/bumpfree.c.
 *
 * Its figures in alloy_stats (alloy_stats_get):
 * - free_blocks: blocks on the free lists
 * - free_bytes: bytes on the free lists
 * - bump_bytes: bytes left between the bump pointer and the area's end
 * - bump_areas: bump areas started (1 + growths that were not contiguous)
 * - live_bytes: bytes held by live blocks, each rounded up to its size class
 */
#ifndef ALLOY_BUMPFREE_H
#define ALLOY_BUMPFREE_H

#include "alloy/alloy.h"

/** The number of free lists (size classes) of an instance. */
#define ALLOY_BUMPFREE_CLASSES 64

struct alloy_bumpfree_block;
struct alloy_bumpfree_area;

/** One instance. Its members are private; the struct is public so that callers can
 * place instances where they like (static, stack, another allocator's block). */
typedef struct alloy_bumpfree {
    /** @privatesection */
    alloy_allocator base;
    uintptr_t top;      /* bump pointer */
    uintptr_t end;      /* end of the bump room */
    uintptr_t area_end; /* end of the current area (0: none yet); past `end`, pages held
                         * back since the last start-over */
    uintptr_t start;    /* where bumping began in the current area */
    size_t live;        /* bytes of live blocks, as served (class sizes) */
    struct {
        uint64_t nonempty; /* bit c: lists[c] holds a block */
        struct alloy_bumpfree_block *lists[ALLOY_BUMPFREE_CLASSES]; /* LIFO, one per class */
    } free;
    alloy_heap *heap;
    const struct alloy_bumpfree_area *older; /* the record of the area before (NULL: one) */
    size_t bump_areas;
} alloy_bumpfree;

/** Make *bf an instance that takes memory from `heap`, and return its handle. It
 * claims the heap's initial space if nobody has. Returns NULL when bf or heap is NULL.
 * Any number of instances may share one heap. The instance needs no destruction: its
 * memory goes when the heap's does. */
alloy_allocator *alloy_bumpfree_init(alloy_bumpfree *bf, alloy_heap *heap);

/** Empty the instance: every block it has handed out is gone at once, as if each had
 * been freed, and its whole memory is free again: it bumps from the start of its
 * latest area, and takes that area's pages back as requests need them, once its lists
 * have nothing for them (as a fresh instance takes pages from its heap; the heap's
 * initial space too, which a fresh instance bumps through at once). Use it for a
 * per-frame (per-request, per-parse) scratch instance instead of freeing each block. The statistics agree: bytes in use 0, every block
 * counted as freed, high waters kept. The instance keeps the pages it has from its
 * heap. NULL is ignored.
 *
 * Pointers into dropped blocks must not be used again: the memory is handed out anew.
 * Never reset an instance that a wrapper (alloy/checked.h, alloy/locked.h) holds: the
 * wrapper would still count the blocks. With -Dpoison=valgrind, memcheck is not told
 * that the blocks are gone (the front end announced each one), so its leak check
 * reports overlapping blocks at exit: free the blocks in such builds instead.
 * Cost: O(1) for an instance with one area (its heap's pages were always adjacent),
 * else O(areas). */
void alloy_bumpfree_reset(alloy_bumpfree *bf);

/** The table, setup and operations (see ALLOY_STRATEGY_OPERATIONS). */
ALLOY_STRATEGY_OPERATIONS(bumpfree);
/** bumpfree cannot tell a block's size from its pointer (alloy_strategy::block_size):
 * the malloc layer puts a header in front of its blocks. */
#define alloy_bumpfree_block_size NULL
/** Nor free a block from its pointer alone (alloy_strategy::free_unsized). */
#define alloy_bumpfree_free_unsized NULL
/** No sizes to fit (alloy_strategy::fit). */
#define alloy_bumpfree_fit NULL

#endif
