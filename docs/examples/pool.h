/* pool.h - a fixed-size pool: an alloy strategy written the way a program using
 * alloy writes one, outside alloy's tree and with alloy's public headers only
 * (docs/writing-a-strategy.md walks through it). Blocks of one size come from slabs
 * the pool takes from a fallback instance, which also serves every other request.
 * How it works, and what it costs, is told in pool.c. */
#ifndef POOL_H
#define POOL_H

#include <stddef.h>
#include <stdint.h>

#include "alloy/alloy.h"

/* The pool serves requests of at most its block size aligned to at most POOL_ALIGN;
 * the fallback serves the others. */
#define POOL_ALIGN ((size_t)16)
/* The largest block size. */
#define POOL_MAX_BLOCK_SIZE ((size_t)4096)
/* Blocks in a slab, the piece of memory the pool takes from its fallback at once. */
#define POOL_SLAB_BLOCKS ((size_t)32)

struct pool_free_block;

/* One instance. Its members are private; the struct is public so that callers can
 * place instances where they like (static, stack, another allocator's block). */
typedef struct pool {
    alloy_allocator base;              /* first: the handle is the instance */
    alloy_allocator *fallback;         /* gives slabs, and serves what the pool does not */
    size_t block_size;                 /* a multiple of POOL_ALIGN */
    struct pool_free_block *free_list; /* freed blocks, the last freed first */
    char *newest_slab;                 /* heads the list of slabs, newest first */
    uintptr_t bump;                    /* the next block never handed out, in the newest slab */
    uintptr_t bump_end;                /* the end of the newest slab */
    size_t slabs;
    size_t free_blocks;
    size_t live_blocks;                /* pooled blocks handed out and not freed */
} pool;

/* Make *p a pool of blocks of `block_size` bytes (rounded up to a multiple of
 * POOL_ALIGN) over `fallback`, and return its handle. The fallback, an instance of
 * another strategy (typically region), gives the pool its slabs and serves every
 * request larger than a block or aligned to more than POOL_ALIGN. It is the pool's
 * own: use it only through the pool, which calls its table directly, so that the
 * pool's front end is the only one that checks and counts.
 * Returns NULL when p or fallback is NULL, when block_size is 0 or above
 * POOL_MAX_BLOCK_SIZE, or when fallback is a wrapper (alloy/checked.h,
 * alloy/locked.h: its table is a front end of its own); wrap the pool instead.
 * The pool takes nothing until its first block. It needs no destruction: its slabs
 * are the fallback's blocks, and go when the fallback's heap does.
 *
 * Through the handle, the front end (alloy/alloy.h) answers NULL, size 0, sizes
 * above ALLOY_MAX_SIZE and bad alignments before the pool sees them, as documented
 * there. Out of memory: a pooled request returns NULL when no block is free and the
 * fallback gives no slab; every live block stays intact. The fallback's requests
 * get its answer. alloy_resize keeps a pooled block in place up to the block size
 * and refuses past it, and refuses to make a fallback block small enough to be
 * pooled: a block never changes sides in place, so alloy_realloc moves it. */
alloy_allocator *pool_init(pool *p, size_t block_size, alloy_allocator *fallback);

/* The pool's own figures. (alloy_stats_get on the pool's handle reports the shared
 * figures of all its blocks, and the fallback's strategy figures and heap bytes,
 * slabs included.) */
typedef struct pool_usage {
    size_t block_size;   /* after rounding */
    size_t slabs;        /* slabs taken from the fallback */
    size_t slab_bytes;   /* the size of each */
    size_t live_blocks;  /* pooled blocks in use */
    size_t free_blocks;  /* freed blocks waiting to be reused */
    size_t fresh_blocks; /* blocks never handed out, left in the newest slab */
} pool_usage;

/* Fill *out with the pool's figures. Either NULL: nothing happens. */
void pool_get_usage(const pool *p, pool_usage *out);

#endif
