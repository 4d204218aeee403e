/* SPDX-License-Identifier: MIT */
/* pool.c - a fixed-size pool, an alloy strategy written with alloy's public headers
 * only. docs/writing-a-strategy.md explains it step by step.
 *
 * Algorithm
 *   One block size B: the size given at init, rounded up to 16 bytes. A request of
 *   at most B bytes aligned to at most 16 is *pooled*: it takes the block freed
 *   last, else the next block never handed out in the newest slab, else a new slab
 *   of 32 blocks from the pool's region instance. Every other request goes to the
 *   region instance. free tells the two kinds of block apart by the size and
 *   alignment it is given back (frees are sized), with the same test alloc used. So
 *   a block must never change kind: resize keeps a pooled block within B and refuses
 *   to make a region block pooled, and alloy_realloc moves it instead. Freed blocks
 *   go on a LIFO list kept in the blocks themselves. When the last live pooled block
 *   is freed, every slab goes back to the region instance, so that the memory of a
 *   phase of small blocks serves the large ones of the next.
 *
 * Memory layout
 *   slab:        | header | block | block | ... | block |    a block of the region
 *                ^         ^+16    32 blocks of B bytes  ^end    instance, 16 + 32 x B
 *   header:      the address of the slab taken before (a list, newest first)
 *   free block:  the address of the next free block, in its first bytes;
 *                live blocks carry nothing
 *
 * Costs
 *   Pooled alloc, free and resize: O(1), a slab from the region instance every 32
 *   blocks, and O(slabs) for the free of the last live block. Other requests:
 *   region's cost, plus one comparison. check: O(slabs x free blocks) and region's
 *   check. Memory: each pooled request takes B
 *   bytes whatever its size, and each slab 16 bytes more and what region spends on a
 *   block. Single-threaded, like every instance.
 */
#include <stdbool.h>
#include <stdint.h>

#include "alloy/pool.h"
#include "alloy/poison.h"

/* Room for the slab header, keeping blocks aligned to ALLOY_POOL_ALIGN. */
#define SLAB_HEADER ALLOY_POOL_ALIGN

typedef struct slab_header {
    char *older; /* the slab taken before this one; NULL for the first */
} slab_header;

struct alloy_pool_free_block {
    struct alloy_pool_free_block *next;
};

_Static_assert(sizeof(slab_header) <= SLAB_HEADER, "the header must fit in front of the blocks");
_Static_assert(sizeof(struct alloy_pool_free_block) <= ALLOY_POOL_ALIGN, "a link must fit in the smallest block");

static alloy_pool *pool_of(alloy_allocator *a)
{
    return (alloy_pool *)a; /* the handle is the first member */
}

static const alloy_pool *const_pool_of(const alloy_allocator *a)
{
    return (const alloy_pool *)a;
}

/* Whether a block of this size and alignment is the pool's, or the region
 * instance's. alloc, free and resize all ask this same question. */
static bool pooled(const alloy_pool *p, size_t size, size_t align)
{
    return size <= p->block_size && align <= ALLOY_POOL_ALIGN;
}

static size_t slab_bytes(const alloy_pool *p)
{
    return SLAB_HEADER + ALLOY_POOL_SLAB_BLOCKS * p->block_size;
}

static uintptr_t first_block(const char *slab)
{
    return (uintptr_t)slab + SLAB_HEADER;
}

static const char *older_slab(const char *slab)
{
    return ((const slab_header *)slab)->older;
}

/* Take a slab from the region instance and cut blocks from it from now on. */
static bool take_slab(alloy_pool *p)
{
    char *slab = alloy_region_alloc(&p->fallback.base, slab_bytes(p), ALLOY_POOL_ALIGN);
    if (!slab)
        return false;
    alloy_poison_expose(slab, SLAB_HEADER); /* region hid its free space */
    ((slab_header *)slab)->older = p->newest_slab;
    p->newest_slab = slab;
    p->slabs++;
    p->bump = first_block(slab);
    p->bump_end = (uintptr_t)slab + slab_bytes(p);
    return true;
}

/* No pooled block is live: every slab goes back to the region instance. */
static void give_back_slabs(alloy_pool *p)
{
    for (char *slab = p->newest_slab; slab;) {
        char *older = ((slab_header *)slab)->older;
        alloy_region_free(&p->fallback.base, slab, slab_bytes(p), ALLOY_POOL_ALIGN);
        slab = older;
    }
    p->newest_slab = NULL;
    p->free_list = NULL;
    p->slabs = p->free_blocks = 0;
    p->bump = p->bump_end = 0;
}

void *alloy_pool_alloc(alloy_allocator *a, size_t size, size_t align)
{
    alloy_pool *p = pool_of(a);
    if (!pooled(p, size, align))
        return alloy_region_alloc(&p->fallback.base, size, align);
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

void alloy_pool_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    alloy_pool *p = pool_of(a);
    if (!pooled(p, size, align)) {
        alloy_region_free(&p->fallback.base, ptr, size, align);
        return;
    }
    if (--p->live_blocks == 0) {
        give_back_slabs(p);
        return;
    }
    struct alloy_pool_free_block *freed = ptr;
    alloy_poison_expose(freed, sizeof *freed); /* the front end hid the block */
    freed->next = p->free_list;
    p->free_list = freed;
    p->free_blocks++;
}

bool alloy_pool_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    alloy_pool *p = pool_of(a);
    bool was_pooled = pooled(p, size, align);
    if (was_pooled != pooled(p, new_size, align))
        return false; /* free would look for the block on the wrong side */
    if (was_pooled)
        return true; /* the block has B bytes, whatever size it was asked for */
    return alloy_region_resize(&p->fallback.base, ptr, size, align, new_size);
}

/* The figures (alloy/pool.h), in the order pool_stats sets them. */
static const char *const pool_figures[] = {"block_size",  "slabs",       "slab_bytes",
                                           "live_blocks", "free_blocks", "fresh_blocks", NULL};

/* The front end has filled in the shared figures and entered the pool's figure
 * names; the pool sets their values, then adds the region instance's figures, and
 * its heap bytes: the pool's memory is the region instance's. */
static void pool_stats(const alloy_allocator *a, alloy_stats *out)
{
    const alloy_pool *p = const_pool_of(a);
    alloy_stat *s = out->figures;
    s[0].value = p->block_size;
    s[1].value = p->slabs;
    s[2].value = slab_bytes(p);
    s[3].value = p->live_blocks;
    s[4].value = p->free_blocks;
    s[5].value = (p->bump_end - p->bump) / p->block_size;
    alloy_stats region;
    alloy_stats_get(&p->fallback.base, &region);
    for (size_t i = 0; i < region.count; i++)
        alloy_stats_add(out, region.figures[i].name, region.figures[i].value);
    out->shared.heap_bytes += region.shared.heap_bytes;
}

/* Whether ptr is the start of a block already cut from one of the pool's slabs. */
static bool is_cut_block(const alloy_pool *p, const void *ptr)
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
    const alloy_pool *p = const_pool_of(a);
    if (p->block_size == 0 || p->block_size % ALLOY_POOL_ALIGN || p->block_size > ALLOY_POOL_MAX_BLOCK_SIZE)
        return false;
    /* the slabs: aligned, as many as counted (which also stops a cycle) */
    size_t slabs = 0;
    for (const char *slab = p->newest_slab; slab; slab = older_slab(slab))
        if (++slabs > p->slabs || (uintptr_t)slab % ALLOY_POOL_ALIGN)
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
        cut = (slabs - 1) * ALLOY_POOL_SLAB_BLOCKS + (p->bump - first) / p->block_size;
    } else if (p->bump || p->bump_end) {
        return false;
    }
    /* the free list: blocks already cut, as many as counted (a block freed twice
     * makes a cycle, and the count runs over) */
    size_t free_blocks = 0;
    for (const struct alloy_pool_free_block *b = p->free_list; b; b = b->next)
        if (++free_blocks > p->free_blocks || !is_cut_block(p, b))
            return false;
    if (free_blocks != p->free_blocks || cut != p->live_blocks + p->free_blocks)
        return false;
    return alloy_check(&p->fallback.base);
}

const alloy_strategy alloy_pool_strategy = {
    .name = "pool",
    .alloc = alloy_pool_alloc,
    .resize = alloy_pool_resize,
    .free = alloy_pool_free,
    .figures = pool_figures,
    .stats = pool_stats,
    .check = pool_check,
    /* wrapper stays false, realloc and reset_trip NULL: a strategy, not a wrapper */
};

void alloy_pool_setup(alloy_pool *p, alloy_heap *heap)
{
    alloy_allocator_init(&p->base, NULL);
    alloy_region_init(&p->fallback, heap);
    p->block_size = ALLOY_POOL_BLOCK_SIZE;
    p->free_list = NULL;
    p->newest_slab = NULL;
    p->bump = p->bump_end = 0;
    p->slabs = p->free_blocks = p->live_blocks = 0;
}

alloy_allocator *alloy_pool_init_sized(alloy_pool *p, alloy_heap *heap, size_t block_size)
{
    if (!p || !heap || block_size == 0 || block_size > ALLOY_POOL_MAX_BLOCK_SIZE)
        return NULL;
    alloy_pool_setup(p, heap);
    p->block_size = (block_size + ALLOY_POOL_ALIGN - 1) / ALLOY_POOL_ALIGN * ALLOY_POOL_ALIGN;
    p->base.strategy = &alloy_pool_strategy;
    return &p->base;
}

alloy_allocator *alloy_pool_init(alloy_pool *p, alloy_heap *heap)
{
    return alloy_pool_init_sized(p, heap, ALLOY_POOL_BLOCK_SIZE);
}
