/* SPDX-License-Identifier: MIT */
/** @file
 * alloy/region.h - the region/page-link strategy (alloc_cat's design): small blocks
 * from regions of one 64 KiB page that coalesce at once, large ones as runs of whole
 * 64 KiB pages, both drawing on one pool of pages. How it works, and what it costs,
 * is told in strategies/region.c.
 *
 * Its figures in alloy_stats (alloy_stats_get), as alloc_cat's AllocatorStats: words
 * are 4 bytes, and region figures are summed over all regions.
 * - regions: regions (one 64 KiB page each; the one on the heap's initial space may be
 *   less)
 * - total_words: their size, headers and maps included
 * - allocated_words: held by live small blocks
 * - unused_words: in empty regions (kept until a large block needs pages, or until
 *   the last live small block is freed: then every region but the initial one, or
 *   but a single one, goes back to the pool, as on a fresh heap; or until the
 *   allocation after a free that left at most 16 units live for each region but the
 *   first: then every empty region goes back), and in the top
 *   (the rest of the region small blocks are cut from, in builds for speed)
 * - fragment_words: free in regions, empty ones apart
 * - fragments: free blocks in regions, empty ones apart
 * - total_large_pages: 64 KiB pages in runs: large blocks and the pool of free pages
 * - unused_large_pages: pages of free runs
 * - allocated_large_pages_words: words in use in runs that are in use
 */
#ifndef ALLOY_REGION_H
#define ALLOY_REGION_H

#include "alloy/alloy.h"

/** Requests up to this size come from regions (unless their alignment leaves no room
 * for them in one); larger ones take whole pages. */
#define ALLOY_REGION_SMALL_MAX ((size_t)32 * 1024)
/** The bytes of blocks a region holds: a 64 KiB page less its header and maps. */
#define ALLOY_REGION_BYTES ((size_t)64512)
/** The number of segregated free lists, one per size class of small blocks. */
#define ALLOY_REGION_CLASSES 60

/** The number of lists of free runs of pages: one per page count below it, and one
 * for runs of this many pages or more. */
#define ALLOY_REGION_RUN_CLASSES 32

/** The record at the end of every run of pages, describing the next run (and, in the
 * instance, the first). A run that is free has unused_words == ALLOY_PAGES_FREE. */
typedef struct alloy_page_link {
    uint16_t page_count;     /**< the length of the next run, in pages */
    uint16_t unused_words;   /**< words of its last page its block does not use */
    uint16_t own_free_pages; /**< the pages of the run that ends with this link when it
                              *   is free, else 0 (0 in the instance) */
    char *pages;             /**< the next run; NULL ends the list */
} alloy_page_link;

/** alloy_page_link::unused_words of a run that is free. */
#define ALLOY_PAGES_FREE UINT16_MAX

/** One instance. Its members are private; the struct is public so that callers can
 * place instances where they like. */
typedef struct alloy_region {
    /** @privatesection */
    alloy_allocator base;
    alloy_heap *heap;
    uintptr_t phase;                       /* where frames begin, modulo 64 KiB */
    uintptr_t origin;                      /* offsets count 16-byte units from this frame */
    uintptr_t initial_frame;               /* the frame of the region on the initial space (none: phase + 1) */
    uintptr_t top_frame;                   /* the frame of the region the top ends (none: phase + 1) */
    uint32_t initial_first;                /* its first unit; 0: there is none */
    uint32_t regions;                      /* the list of regions (not the initial one) */
    uint32_t region_count;                 /* regions, the initial one included */
    bool emptied;                          /* a free emptied a region since they were last given back */
    uint64_t class_bitmap;                 /* bit c: class c has free blocks */
    uint32_t class_heads[ALLOY_REGION_CLASSES];
    uint32_t live_units;                   /* 16-byte units in live small blocks (not quick ones) */
    uint32_t top_first;                    /* the top's first unit (see region.c); 4,033: no top */
    uint32_t low_water;                    /* a free that leaves live_units below it ends a phase (region.c) */
    bool aside;                            /* a phase so ended: the next allocation merges and gives back */
    bool spare;                            /* an empty region may be kept for small blocks (region.c) */
    uint32_t quick[128];                   /* freed blocks of 1..64 units kept whole for reuse; [64..127]:
                                            * those of a phase that ended, put aside */
    bool keeps_whole;                      /* whether it keeps freed blocks whole: not in builds for size */
    alloy_page_link large;                 /* describes the first run of pages */
    alloy_page_link *end_link;             /* the link that ends the list (NULL: large) */
    alloy_page_link *finger;               /* the link below the page a region took last (region.c) */
    char *free_runs[ALLOY_REGION_RUN_CLASSES]; /* free runs of c + 1 pages, the last of more */
    uint32_t run_bitmap;                   /* bit c: free_runs[c] holds a run */
    uint32_t inner_large;                  /* large blocks beyond their run's unit 1; NOT_COUNTED in size builds */
} alloy_region;

/** Make *r an instance that takes memory from `heap`, and return its handle. It takes
 * nothing until the first allocation, which sets up the first region: on the heap's
 * initial space when that holds 1 KiB of blocks or more (and nobody claimed it), else
 * on a page. Returns NULL when r or heap is NULL. Any number of instances may share
 * one heap. Pages must lie at whole multiples of 64 KiB from each other, as every
 * provider's do (alloy/heap.h); a page that does not is left unused, and the request
 * that grew it fails. Small blocks live within 64 GiB of the heap's start (pages
 * beyond serve large blocks only). Large blocks are limited to 65,533 pages (4 GiB)
 * each. */
alloy_allocator *alloy_region_init(alloy_region *r, alloy_heap *heap);

/** The table, setup and operations (see ALLOY_STRATEGY_OPERATIONS). */
ALLOY_STRATEGY_OPERATIONS(region);
/** The size of a live block from its pointer, and free from the pointer alone (see
 * ALLOY_STRATEGY_BLOCK_SIZE): region knows every block's size, so the malloc layer
 * needs no header. O(1). */
ALLOY_STRATEGY_BLOCK_SIZE(region);
/** Blocks take sizes in steps of 16, with nothing beside them: the malloc layer
 * rounds sizes up to 16 (alloy_strategy::fit). */
#define alloy_region_fit NULL

#endif
