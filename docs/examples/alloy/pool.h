/* SPDX-License-Identifier: MIT */
/** @file
 * alloy/pool.h - a fixed-size pool: blocks of one size from slabs, every other
 * request from a region instance the pool holds. An alloy strategy written the way a
 * program using alloy writes one, with alloy's public headers only, and named after
 * alloy's conventions so that it can join alloy's tree as it is
 * (docs/writing-a-strategy.md walks through both). How it works, and what it costs,
 * is told in pool.c.
 *
 * Its figures in alloy_stats (alloy_stats_get), then the region instance's own:
 * - block_size: the size of every pooled block
 * - slabs: slabs taken from the region instance
 * - slab_bytes: the size of each
 * - live_blocks: pooled blocks in use
 * - free_blocks: freed blocks waiting to be reused
 * - fresh_blocks: blocks never handed out, left in the newest slab
 */
#ifndef ALLOY_POOL_H
#define ALLOY_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "alloy/alloy.h"
#include "alloy/region.h"

/** The pool serves requests of at most its block size aligned to at most this; its
 * region instance serves the others. */
#define ALLOY_POOL_ALIGN ((size_t)16)
/** The largest block size. */
#define ALLOY_POOL_MAX_BLOCK_SIZE ((size_t)4096)
/** Blocks in a slab, the piece of memory the pool takes from its region instance at
 * once. */
#define ALLOY_POOL_SLAB_BLOCKS ((size_t)32)
/** The block size of a pool made by alloy_pool_init. */
#define ALLOY_POOL_BLOCK_SIZE ((size_t)256)

struct alloy_pool_free_block;

/** One instance. Its members are private; the struct is public so that callers can
 * place instances where they like (static, stack, another allocator's block). */
typedef struct alloy_pool {
    /** @privatesection */
    alloy_allocator base;              /* first: the handle is the instance */
    alloy_region fallback;             /* gives slabs, and serves what the pool does not */
    size_t block_size;                 /* a multiple of ALLOY_POOL_ALIGN */
    struct alloy_pool_free_block *free_list; /* freed blocks, the last freed first */
    char *newest_slab;                 /* heads the list of slabs, newest first */
    uintptr_t bump;                    /* the next block never handed out, in the newest slab */
    uintptr_t bump_end;                /* the end of the newest slab */
    size_t slabs;
    size_t free_blocks;
    size_t live_blocks;                /* pooled blocks handed out and not freed */
} alloy_pool;

/** Make *p a pool of blocks of `block_size` bytes (rounded up to a multiple of
 * ALLOY_POOL_ALIGN) over `heap`, and return its handle. The pool holds a region
 * instance of its own on the same heap, which gives it its slabs and serves every
 * request larger than a block or aligned to more than ALLOY_POOL_ALIGN. Returns NULL
 * when p or heap is NULL, or block_size is 0 or above ALLOY_POOL_MAX_BLOCK_SIZE. The
 * pool takes nothing until its first allocation. It needs no destruction: its slabs
 * are blocks of its region instance, and go when the heap does.
 *
 * Through the handle, the front end (alloy/alloy.h) answers NULL, size 0, sizes
 * above ALLOY_MAX_SIZE and bad alignments before the pool sees them, as documented
 * there. Out of memory: a pooled request returns NULL when no block is free and the
 * region instance gives no slab; every live block stays intact. Other requests get
 * the region instance's answer. alloy_resize keeps a pooled block in place up to the
 * block size and refuses past it, and refuses to make a region block small enough
 * to be pooled: a block never changes sides in place, so alloy_realloc moves it. */
alloy_allocator *alloy_pool_init_sized(alloy_pool *p, alloy_heap *heap, size_t block_size);

/** alloy_pool_init_sized with blocks of ALLOY_POOL_BLOCK_SIZE: the init every
 * strategy has (alloy/alloy.h), which alloy/default.h and the test fixtures call. */
alloy_allocator *alloy_pool_init(alloy_pool *p, alloy_heap *heap);

/** The table, setup and operations (see ALLOY_STRATEGY_OPERATIONS). */
ALLOY_STRATEGY_OPERATIONS(pool);
/** The pool cannot tell a block's size from its pointer (alloy_strategy::block_size). */
#define alloy_pool_block_size NULL
/** Nor free a block from its pointer alone (alloy_strategy::free_unsized). */
#define alloy_pool_free_unsized NULL
/** No sizes to fit (alloy_strategy::fit). */
#define alloy_pool_fit NULL

#endif
