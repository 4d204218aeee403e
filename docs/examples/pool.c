/* pool.c - a fixed-size pool, an alloy strategy written outside alloy with its
 * public headers only. docs/writing-a-strategy.md explains it step by step.
 *
 * Algorithm
 *   One block size B: the size given at init, rounded up to 16 bytes. A request of
 *   at most B bytes aligned to at most 16 is *pooled*: it takes the block freed
 *   last, else the next block never handed out in the newest slab, else a new slab
 *   of 32 blocks from the fallback instance. Every other request goes to the
 *   fallback. free tells the two kinds of block apart by the size and alignment it
 *   is given back (frees are sized), with the same test alloc used. So a block must
 *   never change kind: resize keeps a pooled block within B and refuses to make a
 *   fallback block pooled, and alloy_realloc moves it instead. Freed blocks go on a
 *   LIFO list kept in the blocks themselves; slabs are never given back.
 *
 * Memory layout
 *   slab:        | header | block | block | ... | block |    a block of the fallback,
 *                ^         ^+16    32 blocks of B bytes  ^end    16 + 32 x B bytes
 *   header:      the address of the slab taken before (a list, newest first)
 *   free block:  the address of the next free block, in its first bytes;
 *                live blocks carry nothing
 *
 * Costs
 *   Pooled alloc, free and resize: O(1), and a slab from the fallback every 32
 *   blocks. Other requests: the fallback's cost, plus one comparison. check:
 *   O(slabs x free blocks) and the fallback's check. Memory: each pooled request
 *   takes B bytes whatever its size, and each slab 16 bytes more and what the
 *   fallback spends on a block. Single-threaded, like every instance.
 */
#include <stdbool.h>
#include <stdint.h>

#include "alloy/poison.h"
#include "pool.h"

/* Room for the slab header, keeping blocks aligned to POOL_ALIGN. */
#define SLAB_HEADER POOL_ALIGN

typedef struct slab_header {
    char *older; /* the slab taken before this one; NULL for the first */
} slab_header;

struct pool_free_block {
    struct pool_free_block *next;
};

_Static_assert(sizeof(slab_header) <= SLAB_HEADER, "the header must fit in front of the blocks");
_Static_assert(sizeof(struct pool_free_block) <= POOL_ALIGN, "a link must fit in the smallest block");

static pool *pool_of(alloy_allocator *a)
{
    return (pool *)a; /* the handle is the first member */
}

static const pool *const_pool_of(const alloy_allocator *a)
{
    return (const pool *)a;
}

/* Whether a block of this size and alignment is the pool's, or the fallback's.
 * alloc, free and resize all ask this same question. */
static bool pooled(const pool *p, size_t size, size_t align)
{
    return size <= p->block_size && align <= POOL_ALIGN;
}

static size_t slab_bytes(const pool *p)
{
    return SLAB_HEADER + POOL_SLAB_BLOCKS * p->block_size;
}

static uintptr_t first_block(const char *slab)
{
    return (uintptr_t)slab + SLAB_HEADER;
}

static const char *older_slab(const char *slab)
{
    return ((const slab_header *)slab)->older;
}

/* Take a slab from the fallback and cut blocks from it from now on. The pool's
 * front end has made sure the request is sound, so it calls the fallback's table,
 * as a front end does. */
static bool take_slab(pool *p)
{
    char *slab = p->fallback->strategy->alloc(p->fallback, slab_bytes(p), POOL_ALIGN);
    if (!slab)
        return false;
    alloy_poison_expose(slab, SLAB_HEADER); /* the fallback hid its free space */
    ((slab_header *)slab)->older = p->newest_slab;
    p->newest_slab = slab;
    p->slabs++;
    p->bump = first_block(slab);
    p->bump_end = (uintptr_t)slab + slab_bytes(p);
    return true;
}

static void *pool_alloc(alloy_allocator *a, size_t size, size_t align)
{
    pool *p = pool_of(a);
    if (!pooled(p, size, align))
        return p->fallback->strategy->alloc(p->fallback, size, align);
    void *block;
    if (p->free_list) {
        block = p->free_list;
        p->free_list = p->free_list->next;
        p->free_blocks--;
    } else {
        if (p->bump == p->bump_end && !take_slab(p))
            return NULL;
        block = (void *)p->bump;
        p->bump += p->block_size;
    }
    p->live_blocks++;
    return block;
}

static void pool_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    pool *p = pool_of(a);
    if (!pooled(p, size, align)) {
        p->fallback->strategy->free(p->fallback, ptr, size, align);
        return;
    }
    struct pool_free_block *freed = ptr;
    alloy_poison_expose(freed, sizeof *freed); /* the front end hid the block */
    freed->next = p->free_list;
    p->free_list = freed;
    p->free_blocks++;
    p->live_blocks--;
}

static bool pool_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    pool *p = pool_of(a);
    bool was_pooled = pooled(p, size, align);
    if (was_pooled != pooled(p, new_size, align))
        return false; /* free would look for the block on the wrong side */
    if (was_pooled)
        return true; /* the block has B bytes, whatever size it was asked for */
    return p->fallback->strategy->resize(p->fallback, ptr, size, align, new_size);
}

/* The front end has filled in the shared figures; the pool adds the fallback's
 * strategy figures, and its heap bytes: the pool's memory is the fallback's. */
static void pool_stats(const alloy_allocator *a, alloy_stats *out)
{
    const pool *p = const_pool_of(a);
    p->fallback->strategy->stats(p->fallback, out);
    out->shared.heap_bytes += p->fallback->stats.heap_bytes;
}

/* Whether ptr is the start of a block already cut from one of the pool's slabs. */
static bool is_cut_block(const pool *p, const void *ptr)
{
    uintptr_t q = (uintptr_t)ptr;
    for (const char *slab = p->newest_slab; slab; slab = older_slab(slab)) {
        uintptr_t first = first_block(slab);
        uintptr_t end = slab == p->newest_slab ? p->bump : (uintptr_t)slab + slab_bytes(p);
        if (q >= first && q < end)
            return (q - first) % p->block_size == 0;
    }
    return false;
}

static bool pool_check(const alloy_allocator *a)
{
    const pool *p = const_pool_of(a);
    if (p->block_size == 0 || p->block_size % POOL_ALIGN || p->block_size > POOL_MAX_BLOCK_SIZE)
        return false;
    /* the slabs: aligned, as many as counted (which also stops a cycle) */
    size_t slabs = 0;
    for (const char *slab = p->newest_slab; slab; slab = older_slab(slab))
        if (++slabs > p->slabs || (uintptr_t)slab % POOL_ALIGN)
            return false;
    if (slabs != p->slabs)
        return false;
    /* the bump pointer: on a block of the newest slab, or at its end */
    size_t cut = 0; /* blocks handed out at least once */
    if (p->newest_slab) {
        uintptr_t first = first_block(p->newest_slab);
        if (p->bump_end != (uintptr_t)p->newest_slab + slab_bytes(p) || p->bump < first ||
            p->bump > p->bump_end || (p->bump - first) % p->block_size)
            return false;
        cut = (slabs - 1) * POOL_SLAB_BLOCKS + (p->bump - first) / p->block_size;
    } else if (p->bump || p->bump_end) {
        return false;
    }
    /* the free list: blocks already cut, as many as counted (a block freed twice
     * makes a cycle, and the count runs over) */
    size_t free_blocks = 0;
    for (const struct pool_free_block *b = p->free_list; b; b = b->next)
        if (++free_blocks > p->free_blocks || !is_cut_block(p, b))
            return false;
    if (free_blocks != p->free_blocks || cut != p->live_blocks + p->free_blocks)
        return false;
    return p->fallback->strategy->check(p->fallback);
}

static const alloy_strategy pool_strategy = {
    .name = "pool",
    .alloc = pool_alloc,
    .resize = pool_resize,
    .free = pool_free,
    .stats = pool_stats,
    .check = pool_check,
    /* wrapper stays false, realloc and reset_trip NULL: a strategy, not a wrapper */
};

alloy_allocator *pool_init(pool *p, size_t block_size, alloy_allocator *fallback)
{
    if (!p || !fallback || block_size == 0 || block_size > POOL_MAX_BLOCK_SIZE)
        return NULL;
    if (fallback->strategy->wrapper)
        return NULL; /* a wrapper: it would check and count every block again */
    alloy_allocator_init(&p->base, &pool_strategy);
    p->fallback = fallback;
    p->block_size = (block_size + POOL_ALIGN - 1) / POOL_ALIGN * POOL_ALIGN;
    p->free_list = NULL;
    p->newest_slab = NULL;
    p->bump = p->bump_end = 0;
    p->slabs = p->free_blocks = p->live_blocks = 0;
    return &p->base;
}

void pool_get_usage(const pool *p, pool_usage *out)
{
    if (!p || !out)
        return;
    out->block_size = p->block_size;
    out->slabs = p->slabs;
    out->slab_bytes = slab_bytes(p);
    out->live_blocks = p->live_blocks;
    out->free_blocks = p->free_blocks;
    out->fresh_blocks = (p->bump_end - p->bump) / p->block_size;
}
