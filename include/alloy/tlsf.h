/* SPDX-License-Identifier: MIT */
/** @file
 * alloy/tlsf.h - the two-level segregated fit strategy: blocks with a one-word
 * header, merged with their free neighbours at once, found in O(1) by two bitmaps.
 * The compact strategy that merges: its heap follows the live bytes as dlmalloc's
 * does, closest of alloy's strategies on growing arrays, frames and many large
 * blocks; the slowest of them. How it works, and what it costs, is told in
 * strategies/tlsf.c.
 *
 * Through the front end (alloy.h) it answers as every strategy does: NULL, size 0 and
 * bad alignments get the front end's answers. What is its own:
 * - alloc: a block of the size + one word, rounded up to 16 bytes (32 at least on
 *   64-bit targets). An alignment above 16 looks for that + the alignment (+ 16 bytes
 *   more on 64-bit targets), and the front it skips stays free. NULL when no free
 *   block fits and the heap gives no pages for one, or when what it looks for passes
 *   ALLOY_TLSF_MAX_BLOCK (both counted as failed allocations by the front end); the
 *   instance is then unchanged but for pages the heap did give, which stay free for
 *   later requests. O(1), but where the heap would grow: then a walk of the free
 *   blocks of the request's size class, or of the classes an alignment spans.
 * - resize: in place when the block shrinks, when the new size still fits its
 *   rounding, or when it grows into a free block that follows it; otherwise false, and
 *   alloy_realloc moves the block. A shrink never fails.
 * - free: O(1); the block merges with the free blocks before and after it.
 * - block_size and free_unsized (the malloc layer's unsized free) read the header in
 *   front of the block: no header of the malloc layer's own. block_size answers all
 *   the block holds (but for 16 bytes it keeps, on 64-bit targets, when a split left
 *   too few for a free block): the size asked, for a size that alloy_tlsf_fit
 *   answers (the malloc layer asks no other), and for other sizes more (a 20-byte
 *   request's block holds 28 bytes on wasm32, 24 on 64-bit targets).
 * - fit: the size + a word, rounded up to 16, less the word (24 at least on 64-bit
 *   targets): what the malloc layer asks, so that no byte of a block is lost to
 *   rounding (malloc(12) takes 16 bytes on wasm32).
 *
 * Its figures in alloy_stats (alloy_stats_get):
 * - free_blocks: free blocks, on the lists
 * - free_bytes: their bytes, headers included
 * - pools: stretches of contiguous memory the instance holds: the heap's initial space
 *   if it got one, and each growth that did not continue the newest stretch
 * - largest_free: the bytes of the largest free block
 */
#ifndef ALLOY_TLSF_H
#define ALLOY_TLSF_H

#include "alloy/alloy.h"

/** The size classes per doubling of the block size (the second level). */
#define ALLOY_TLSF_SUBCLASSES 16
/** The doublings (the first level): one for every block under 256 bytes, then one per
 * power of two: up to 4 GiB on 32-bit targets, 256 TiB on 64-bit ones. */
#define ALLOY_TLSF_LEVELS (sizeof(size_t) == 4 ? 25 : 41)
/** The largest block an instance hands out, its header included: 31/32 of the
 * levels' reach (3.875 GiB on 32-bit targets), so that alloc's rounding up to a size
 * class stays within it. Larger requests fail as out of memory. */
#define ALLOY_TLSF_MAX_BLOCK ((size_t)(((uint64_t)1 << (ALLOY_TLSF_LEVELS + 7)) - ((uint64_t)1 << (ALLOY_TLSF_LEVELS + 2))))

struct alloy_tlsf_block;
struct alloy_tlsf_pool;

/** One instance (1,768 bytes on wasm32, 5,464 on x86_64). Its members are private; the
 * struct is public so that callers can place instances where they like (static,
 * stack, another allocator's block). */
typedef struct alloy_tlsf {
    /** @privatesection */
    alloy_allocator base;
    alloy_heap *heap;
    struct alloy_tlsf_pool *pool; /* the newest pool's record; each names the one before */
    uint64_t level_map;           /* bit l: a list of level l holds a block */
    uint16_t class_map[ALLOY_TLSF_LEVELS]; /* bit c: lists[l][c] holds one */
    struct alloy_tlsf_block *lists[ALLOY_TLSF_LEVELS][ALLOY_TLSF_SUBCLASSES];
} alloy_tlsf;

/** Make *t an instance that takes memory from `heap`, and return its handle. It
 * claims the heap's initial space if nobody has. Returns NULL when t or heap is NULL.
 * Any number of instances may share one heap. The instance needs no destruction: its
 * memory goes when the heap's does. */
alloy_allocator *alloy_tlsf_init(alloy_tlsf *t, alloy_heap *heap);

/** The table, setup and operations (see ALLOY_STRATEGY_OPERATIONS). */
ALLOY_STRATEGY_OPERATIONS(tlsf);
/** A block's size from its header (alloy_strategy::block_size); 0 for a block that the
 * header says is free. */
ALLOY_STRATEGY_BLOCK_SIZE(tlsf);
/** What the block for a request of `size` bytes (<= ALLOY_MAX_SIZE) holds: the size +
 * a word, rounded up to 16, less the word; at least a free block's record less the
 * word (24 bytes on 64-bit targets, 12 on wasm32). alloy_strategy::fit, inline so
 * that the malloc layer's calls cost no call. */
static inline size_t alloy_tlsf_fit(size_t size)
{
    size_t word = sizeof(size_t), bytes = (size + word + 15) & ~(size_t)15;
    return (bytes < 4 * word ? 4 * word : bytes) - word;
}

#endif
