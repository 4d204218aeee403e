/* SPDX-License-Identifier: MIT */
/* bumpfree's classes and its common cases, inline (strategies/bumpfree.c tells the
 * design): an allocation that finds a block of exactly its size at its list's head,
 * or an empty list and bump room, and every free. bumpfree.c calls them in its alloc
 * and free; the malloc layer (malloc/program_malloc.c) calls them itself, so that
 * malloc and free make no call into the strategy in those cases (but a free that
 * leaves nothing live, which starts over): in wasm, where the
 * engine inlines no call, that saved the small workload as malloc 183.1 -> 149.6 x86
 * instructions a call (callgrind under Node, with the driver's 74), natively 103.6 ->
 * 91.6. Internal: not installed. */
#ifndef ALLOY_BUMPFREE_QUICK_H
#define ALLOY_BUMPFREE_QUICK_H

#include <limits.h>
#include <stdint.h>

#include "alloy/bumpfree.h"
#include "alloy/poison.h"

#define GRAIN ((size_t)16)
#define CLASSES ALLOY_BUMPFREE_CLASSES
/* log2 of the classes per doubling above the exact ones */
#define SUB 2
/* the largest shift of a class that rounds: class 62 is 6 << 14 grains (1.5 MiB) */
#define TOP_SHIFT 14

/* Fast paths: small sizes skip the class arithmetic, a request's rounded size and
 * class come from one shift, and an allocation that finds a block of exactly its
 * size at its list's head, or an empty list and bump room, returns without the
 * general path (natively that path saves and restores four registers around its
 * pushes). They save time only - on the bench, natively (callgrind, driver included)
 * 148 -> 115 instructions per call on the small workload, 132 -> 105 on lifo, 155 ->
 * 133 on frame; under Node 1.5x -> 1.2x dlmalloc's time on lifo - and cost 283 bytes
 * of wasm code for malloc + free, so builds that optimize for size (-Os, -Oz: the
 * compiler defines __OPTIMIZE_SIZE__, as for `make size`) leave them out.
 * -DFAST_PATHS=0/1 decides. */
#if !defined(FAST_PATHS) && defined(__OPTIMIZE_SIZE__)
#define FAST_PATHS 0
#elif !defined(FAST_PATHS)
#define FAST_PATHS 1
#endif

struct alloy_bumpfree_block {
    struct alloy_bumpfree_block *next;
    size_t size;
};
typedef struct alloy_bumpfree_block block;

_Static_assert(sizeof(block) <= GRAIN, "a free block's record must fit the smallest block");
_Static_assert(sizeof(size_t) <= sizeof(unsigned long), "__builtin_clzl takes a size_t");
_Static_assert(CLASSES == 64 && (TOP_SHIFT << SUB) + 7 == CLASSES - 1, "one 64-bit map; class 63 is the open one");

/* floor(log2(grains)) - SUB for grains >= 8, else 0: how far apart the sizes of
 * the classes around `grains` lie, as a power of two. */
static inline unsigned shift_of(size_t grains)
{
    return ((unsigned)(sizeof(unsigned long) * CHAR_BIT - 1) ^ (unsigned)__builtin_clzl(grains | 4)) - SUB;
}

/* The class of a free block of `grains` (>= 1): one per grain count up to 8, then
 * four per doubling, the last one open-ended. */
static inline unsigned class_of(size_t grains)
{
    if (FAST_PATHS && grains <= 8)
        return (unsigned)grains;
    unsigned shift = shift_of(grains);
    size_t c = ((size_t)shift << SUB) + (grains >> shift);
    return c < CLASSES - 1 ? (unsigned)c : CLASSES - 1;
}

/* A request of `bytes`: the grains of its block, rounded up to the smallest size of
 * a class (to a grain only in the open-ended class), so that every block on that
 * class's list, or above, holds it. */
static inline size_t grains_for(size_t bytes)
{
    size_t grains = (bytes + GRAIN - 1) / GRAIN;
    if (FAST_PATHS && grains <= 8)
        return grains;
    unsigned shift = shift_of(grains);
    size_t step = shift <= TOP_SHIFT ? ((size_t)1 << shift) - 1 : 0;
    return (grains + step) & ~step;
}

/* REQUEST(bytes, grains, c): a request's grains (grains_for) and their class. Fast
 * builds compute both from one shift; size builds call the two functions. */
#if FAST_PATHS
/* Requests of up to 512 bytes, most of them: their grains and class by table (the
 * general computation's branch on the size mispredicts when sizes mix). */
static const uint8_t small_grains[33] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  10, 10, 12, 12, 14, 14, 16, 16,
                                         20, 20, 20, 20, 24, 24, 24, 24, 28, 28, 28, 28, 32, 32, 32, 32};
static const uint8_t small_class[33] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  9,  10, 10, 11, 11, 12, 12,
                                        13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15, 16, 16, 16, 16};

static inline unsigned request_class(size_t bytes, size_t *grains)
{
    size_t g = (bytes + GRAIN - 1) / GRAIN;
    if (g <= 32) {
        *grains = small_grains[g];
        return small_class[g];
    }
    unsigned shift = shift_of(g);
    if (shift > TOP_SHIFT) {
        *grains = g;
        return CLASSES - 1;
    }
    size_t lead = (g + ((size_t)1 << shift) - 1) >> shift; /* 4..8: 8 is the next doubling's 4 */
    *grains = lead << shift;
    size_t c = ((size_t)shift << SUB) + lead;
    return c < CLASSES - 1 ? (unsigned)c : CLASSES - 1;
}
#define REQUEST(bytes, grains, c) ((c) = request_class((bytes), &(grains)))
#else
#define REQUEST(bytes, grains, c) ((grains) = grains_for(bytes), (c) = class_of(grains))
#endif

static inline void push_class(alloy_bumpfree *bf, uintptr_t p, size_t size, unsigned c)
{
    block *b = (block *)p;
    alloy_poison_expose(b, GRAIN);
    alloy_poison_hide((char *)b + GRAIN, size - GRAIN);
    b->next = bf->free.lists[c];
    b->size = size;
    bf->free.lists[c] = b;
    bf->free.nonempty |= (uint64_t)1 << c;
}

static inline void push_free(alloy_bumpfree *bf, uintptr_t p, size_t size)
{
    push_class(bf, p, size, class_of(size / GRAIN));
}

/* Take the block *at off list c: at is the list's head or a block's next on it. */
static inline block *unlink_at(alloy_bumpfree *bf, unsigned c, block **at)
{
    block *b = *at;
    *at = b->next;
    if (!bf->free.lists[c])
        bf->free.nonempty &= ~((uint64_t)1 << c);
    return b;
}

/* Take the head of list c (which holds a block). */
static inline block *pop(alloy_bumpfree *bf, unsigned c)
{
    return unlink_at(bf, c, &bf->free.lists[c]);
}

/* A block of `grains` (a request's, of class c) in *out, at the head of its list when
 * that one is exactly its size, else from the bump room when the list is empty;
 * false otherwise (the general path decides). */
static inline bool take_exact(alloy_bumpfree *bf, size_t grains, unsigned c, void **out)
{
    size_t bytes = grains * GRAIN;
    block *b = bf->free.lists[c];
    if (!(b ? b->size == bytes : bf->end - bf->top >= bytes))
        return false;
    bf->live += bytes;
    if (b) {
        *out = pop(bf, c);
    } else {
        *out = (void *)bf->top;
        bf->top += bytes;
    }
    return true;
}

/* Forget every free block and bump from the start of the current area (bumpfree.c).
 * Not part of the interface: it has alloy_'s prefix because the shared library
 * exports it, for the malloc layer linked beside it. */
void alloy_bumpfree_start_over(alloy_bumpfree *bf);

/* For bumpfree.c and the malloc layer (malloc/program_malloc.c): alloy_bumpfree_alloc's
 * common case for an alignment of 16 or less, in *out (false when it is left to
 * alloy_bumpfree_alloc; always for size 0, above ALLOY_MAX_SIZE and in builds for
 * size); and all of alloy_bumpfree_free.
 * The layer keeps the statistics and tells a memory checker of the blocks, as for
 * every block. */
static inline __attribute__((always_inline)) bool bumpfree_quick_alloc(alloy_bumpfree *bf, size_t size, void **out)
{
    size_t grains;
    unsigned c;
    if (!FAST_PATHS || size - 1 >= ALLOY_MAX_SIZE)
        return false;
    REQUEST(size, grains, c);
    return take_exact(bf, grains, c, out);
}

static inline __attribute__((always_inline)) void bumpfree_quick_free(alloy_bumpfree *bf, void *ptr, size_t size,
                                                                     size_t align)
{
    uintptr_t p = (uintptr_t)ptr;
    (void)align; /* a block is its size's whatever its alignment: alloc gave back the rest */
#if FAST_PATHS
    size_t grains;
    unsigned c;
    REQUEST(size, grains, c);
    size = grains * GRAIN;
    if (p + size == bf->top)
        bf->top = p;
    else
        push_class(bf, p, size, c);
#else
    /* (size builds: push_free finds the class, one call shared with bumpfree.c's pushes) */
    size = grains_for(size) * GRAIN;
    if (p + size == bf->top)
        bf->top = p;
    else
        push_free(bf, p, size);
#endif
    /* Nothing live any more (a frame's end): start over, so that the next blocks,
     * whatever their sizes, find the space whole. */
    if (!(bf->live -= size))
        alloy_bumpfree_start_over(bf);
}

#endif
