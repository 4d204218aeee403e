/* SPDX-License-Identifier: MIT */
/* tlsf's blocks and lists, inline (strategies/tlsf.c tells the design): what a block
 * is, its size class, the lists and their bitmaps, the split and the merge; and the
 * common cases of malloc and free built from them, tlsf_quick_alloc and
 * tlsf_quick_free_unsized. tlsf.c builds everything on these; the malloc layer
 * (malloc/program_malloc.c) calls the two quick ones itself in builds for speed, so
 * that a malloc or a free they serve makes no call into the strategy and no pass
 * through the front end's general path (in wasm, where the engine inlines no call,
 * that is most of the layer's cost). Internal: not installed. */
#ifndef ALLOY_TLSF_QUICK_H
#define ALLOY_TLSF_QUICK_H

#include <stdbool.h>
#include <stdint.h>

#include "alloy/poison.h"
#include "alloy/tlsf.h"

#define WORD sizeof(size_t)
#define GRAIN ((size_t)16)
#define FREE ((size_t)1)      /* the block is free */
#define PREV_FREE ((size_t)2) /* the block before it is free */
#define SPARE ((size_t)4)     /* a live block that holds 16 bytes more than it was asked */
#define FLAGS (GRAIN - 1)
/* a free block's header, links and last word */
#define MIN_BLOCK (4 * WORD < GRAIN ? GRAIN : 4 * WORD)
#define SUB_LOG 4
#define SUB ALLOY_TLSF_SUBCLASSES
#define LEVELS ALLOY_TLSF_LEVELS
/* blocks below this take one class per 16 bytes, all in level 0 */
#define LINEAR (GRAIN * SUB)
#define MAX_BLOCK ALLOY_TLSF_MAX_BLOCK
/* Code inline where speed is asked for, one copy in builds for size (-Os, -Oz), which
 * leave out the handle's own calls too (FAST_PATHS, in tlsf.c): carve in its callers
 * (natively the small workload 166.8 -> 161.9 instructions a call; in builds for size,
 * after wasm-opt, 149 bytes less code for the whole C family, 36 more for malloc +
 * free), and the quick alloc and free in theirs. */
#if defined(__OPTIMIZE_SIZE__)
#define FAST_PATHS 0
#define CARVE_INLINE
#define QUICK_INLINE inline
#else
#define FAST_PATHS 1
#define CARVE_INLINE inline __attribute__((always_inline))
#define QUICK_INLINE inline __attribute__((always_inline))
#endif

_Static_assert(SUB == 1 << SUB_LOG && LINEAR == 256, "level l >= 1 holds [2^(l + 7), 2^(l + 8))");
_Static_assert(sizeof(size_t) <= sizeof(unsigned long), "__builtin_clzl takes a size_t");
_Static_assert(LEVELS < 64, "one 64-bit map of the levels");
_Static_assert(MIN_BLOCK == 4 * WORD, "alloy_tlsf_fit's smallest block is a free block's record");

typedef struct alloy_tlsf_block {
    size_t header;
    struct alloy_tlsf_block *next, *prev; /* free blocks only: their list */
} block;

static inline block *block_at(uintptr_t p)
{
    return (block *)p;
}

static inline size_t size_of(const block *b)
{
    return b->header & ~FLAGS;
}

static inline block *next_block(const block *b)
{
    return block_at((uintptr_t)b + size_of(b));
}

/* The free block before b (b's header says PREV_FREE): its size is in its last word. */
static inline block *prev_block(const block *b)
{
    return block_at((uintptr_t)b - ((const size_t *)b)[-1]);
}

static inline unsigned log2_of(size_t x)
{
    return (unsigned)(sizeof(unsigned long) * 8 - 1) ^ (unsigned)__builtin_clzl((unsigned long)x);
}

/* How far apart the sizes of the classes lie, as a power of two, around a size whose
 * highest bit is bit `top`: 16 bytes below 512 (level 0, one class per 16 bytes, and
 * level 1), then a 16th of the size's power of two. */
static inline unsigned class_shift(unsigned top)
{
    return (top > 8 ? top : 8) - SUB_LOG;
}

/* The list of a block of `size` bytes: level *l, class *c. Without a branch on the
 * size: churn's sizes, 1 to 512 bytes, straddle 256, and that branch was a quarter of
 * its mispredicted branches (callgrind: 331,000 -> 249,000 in 250,000 calls; 28.7 ->
 * 26.2 ns a call natively, glibc 10.3), for 11 instructions a call more. */
static inline void class_of(size_t size, unsigned *l, unsigned *c)
{
    unsigned top = log2_of(size | (LINEAR / 2));
    *l = top - 7;
    *c = (unsigned)(size >> class_shift(top)) & (SUB - 1);
}

static inline void insert(alloy_tlsf *t, block *b)
{
    unsigned l, c;
    class_of(size_of(b), &l, &c);
    block *head = t->lists[l][c];
    b->next = head;
    b->prev = NULL;
    if (head)
        head->prev = b;
    t->lists[l][c] = b;
    t->level_map |= (uint64_t)1 << l;
    t->class_map[l] |= (uint16_t)(1u << c);
}

/* Take the head of list l, c (which holds a block) off it. */
static inline block *pop(alloy_tlsf *t, unsigned l, unsigned c)
{
    block *b = t->lists[l][c];
    if ((t->lists[l][c] = b->next) != NULL)
        b->next->prev = NULL;
    else if (!(t->class_map[l] &= (uint16_t)~(1u << c)))
        t->level_map &= ~((uint64_t)1 << l);
    return b;
}

static inline void unlink_block(alloy_tlsf *t, block *b)
{
    if (!b->prev) {
        unsigned l, c;
        class_of(size_of(b), &l, &c);
        pop(t, l, c);
        return;
    }
    b->prev->next = b->next;
    if (b->next)
        b->next->prev = b->prev;
}

/* Mark b free (its header holds its size and PREV_FREE), write its last word, tell
 * the block after it, and list it. */
static inline void put_free(alloy_tlsf *t, block *b)
{
    size_t size = size_of(b);
    size_t *last = (size_t *)((uintptr_t)b + size) - 1;
    alloy_poison_expose(&b->next, 2 * WORD);
    alloy_poison_expose(last, WORD);
    b->header |= FREE;
    *last = size;
    next_block(b)->header |= PREV_FREE;
    insert(t, b);
    if (size > MIN_BLOCK) /* all but the header, the links and the last word */
        alloy_poison_hide(b + 1, size - sizeof(block) - WORD);
}

/* Give back block b (live, or new memory that the header at its end follows): merged
 * with the free blocks that touch it. */
static inline void release(alloy_tlsf *t, block *b)
{
    size_t size = size_of(b);
    block *next = next_block(b);
    if (next->header & FREE) {
        unlink_block(t, next);
        size += size_of(next);
    }
    if (b->header & PREV_FREE) {
        b = prev_block(b);
        unlink_block(t, b);
        size += size_of(b);
    }
    b->header = size; /* (a free block follows no free block) */
    put_free(t, b);
}

/* The bytes of a block for a request of `size` (<= ALLOY_MAX_SIZE). */
static inline size_t block_bytes(size_t size)
{
    return alloy_tlsf_fit(size) + WORD;
}

/* What alloc looks for to find `bytes` (<= MAX_BLOCK): rounded up to the first size
 * of a class, so that every block of that class or above holds them. */
static inline size_t search_bytes(size_t bytes)
{
    size_t step = (size_t)1 << class_shift(log2_of(bytes));
    return (bytes + step - GRAIN) & ~(step - 1); /* (bytes: a multiple of 16) */
}

/* A free block from the first non-empty list from level l, class c on, off its list;
 * NULL when there is none. */
static inline block *take_at(alloy_tlsf *t, unsigned l, unsigned c)
{
    uint32_t classes = t->class_map[l] & (~0u << c);
    if (!classes) {
        uint64_t levels = t->level_map & (~(uint64_t)0 << l << 1);
        if (!levels)
            return NULL;
        l = (unsigned)__builtin_ctzll(levels);
        classes = t->class_map[l];
    }
    return pop(t, l, (unsigned)__builtin_ctz(classes));
}

/* A free block of at least `bytes` (a search_bytes answer), off its list; NULL when
 * there is none. */
static inline block *take_fitting(alloy_tlsf *t, size_t bytes)
{
    unsigned l, c;
    class_of(bytes, &l, &c);
    return take_at(t, l, c);
}

/* take_fitting(search_bytes(bytes)) for `bytes` (a multiple of 16, <= MAX_BLOCK) with
 * one count of leading zeros, not two: the search's size as a count of its class's
 * steps is 16 to 31 at bytes' level, or 32 when the rounding reached the next level's
 * first class (below 256 bytes, 1 to 15 at level 0). For the quick alloc: natively 3
 * instructions a call less on small, mixed and churn. (alloy_tlsf_alloc keeps the
 * two, whose search it needs when it finds nothing: in builds for size, one way of
 * searching is 31 bytes less wasm code.) */
static inline block *take_good_fit(alloy_tlsf *t, size_t bytes)
{
    unsigned top = log2_of(bytes | (LINEAR / 2)), shift = class_shift(top);
    size_t steps = (bytes + ((size_t)1 << shift) - GRAIN) >> shift;
    return take_at(t, top - 7 + (unsigned)(steps >> 5), (unsigned)steps & (SUB - 1));
}

/* Make b, whose `have` bytes are its own, a live block of `bytes` (<= have): the rest
 * goes back, unless it is too small for a free block (16 bytes on 64-bit targets),
 * which b then keeps, marked SPARE. With `merge` the rest merges with a free block
 * after it; without, the block after `have` is live (so it is when the bytes were a
 * free block's, or reached into one: no two free blocks touch), and the rest goes on
 * its list with no look at its neighbours (the tail of nearly every alloc). */
static inline void trim(alloy_tlsf *t, block *b, size_t have, size_t bytes, size_t prev_free, bool merge)
{
    size_t rest = have - bytes;
    if (rest >= MIN_BLOCK) {
        block *tail = block_at((uintptr_t)b + bytes);
        alloy_poison_expose(tail, WORD);
        tail->header = rest;
        b->header = bytes | prev_free;
        if (merge)
            release(t, tail);
        else
            put_free(t, tail);
    } else {
        b->header = have | prev_free | (rest ? SPARE : 0);
        block_at((uintptr_t)b + have)->header &= ~PREV_FREE;
    }
}

/* The live block of `bytes` from free block b (off its list), `front` bytes into it
 * (a front_of answer, which b has room for): what it does not need in front and
 * behind goes back. Returns the block's first byte. */
static CARVE_INLINE void *carve(alloy_tlsf *t, block *b, size_t bytes, size_t front)
{
    size_t have = size_of(b), prev_free = b->header & PREV_FREE;
    if (front) { /* the front stays free */
        block *aligned = block_at((uintptr_t)b + front);
        alloy_poison_expose(aligned, WORD);
        aligned->header = 0; /* (put_free marks it PREV_FREE) */
        b->header = front | prev_free;
        put_free(t, b);
        b = aligned;
        have -= front;
        prev_free = PREV_FREE;
    }
    trim(t, b, have, bytes, prev_free, false);
    return (char *)b + WORD;
}

/* The bytes a live block holds for its caller: all but its header, and SPARE's 16,
 * which a request of that size leaves (block_size's answer); 0 for a free block. */
static inline size_t live_bytes(const block *b)
{
    if (b->header & FREE)
        return 0;
    return size_of(b) - WORD - (b->header & SPARE ? GRAIN : 0);
}

/* alloc(size, 16) from the first non-empty list from size's good-fit class on: false,
 * with nothing changed, when they are all empty (alloy_tlsf_alloc then looks further
 * down and grows the heap), for size 0, and when the block would pass MAX_BLOCK (any
 * size past ALLOY_MAX_SIZE: the malloc layer's SIZE_MAX). A zeroed instance serves
 * nothing. */
static QUICK_INLINE bool tlsf_quick_alloc(alloy_tlsf *t, size_t size, void **p)
{
    if (size - 1 >= MAX_BLOCK - WORD) /* (block_bytes(size) <= MAX_BLOCK, and no wrap) */
        return false;
    size_t bytes = block_bytes(size);
    block *b = take_good_fit(t, bytes);
    if (!b)
        return false;
    *p = carve(t, b, bytes, 0);
    return true;
}

/* All of alloy_tlsf_free_unsized: the live block at p given back; its size. */
static QUICK_INLINE size_t tlsf_quick_free_unsized(alloy_tlsf *t, void *p)
{
    block *b = block_at((uintptr_t)p - WORD);
    size_t size = live_bytes(b);
    alloy_poison_block_freed(p, size);
    release(t, b);
    return size;
}

#define QUICK_FREE_UNSIZED /* for the malloc layer: tlsf_quick_free_unsized, not a sized free */

#endif
