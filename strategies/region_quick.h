/* SPDX-License-Identifier: MIT */
/* region's quick lists, inline (strategies/region.c tells the design: "Quick
 * lists"): taking back a block kept whole, and keeping a freed block whole, with the
 * frames, units and maps they read. region.c calls them first in its alloc and
 * unsized free; the malloc layer (malloc/program_malloc.c) calls them itself, so that
 * a malloc or a free they serve makes no call into the strategy: in wasm, where the
 * engine inlines no call, that saved the small workload as malloc 190.7 -> 161.4 x86
 * instructions a call (callgrind under Node, with the driver's 74), and natively
 * 107.4 -> 93.9. Builds optimised for size keep no quick lists: there the two always
 * answer "not served", and the instance's low_water is UINT32_MAX, so that a malloc
 * layer built for speed keeps no block for it either. Internal: not installed. */
#ifndef ALLOY_REGION_QUICK_H
#define ALLOY_REGION_QUICK_H

#include <string.h>

#include "alloy/poison.h"
#include "alloy/region.h"

#define UNIT ((size_t)16)
#define PAGE ALLOY_PAGE_SIZE
#define FIRST_UNIT 1u                    /* unit 0 is the header */
#define END_UNIT 4033u                   /* one past the last unit of blocks */
#define MAP_WORDS 126u                   /* 64-bit words: 2 bits for each of units 1 .. 4,032 */
#define WORDS_A_MAP 63u                  /* each map's: a bit for each of units 1 .. 4,032 */
#define MAPS_OFFSET ((size_t)END_UNIT * UNIT)
#define REGION_TAG UINT32_C(0x52474e31)  /* "RGN1", in unit 0 of a region's frame */
#define NIL ((uint32_t)0)                /* ends a list: offset 0 is a frame's unit 0 */
#define EXACT_CLASSES 32u
#define QUICK_UNITS 64u /* blocks of up to this many units are kept whole */
/* quick_keep's reach: the LIVE bits of blocks of up to this many units, which
 * near_window reads in one load */
#define KEEP_UNITS 56u
/* Code written twice for speed: the common cases of alloc and free inline. Builds
 * optimised for size (-Os, -Oz) leave it out; the general code covers those cases. */
#if defined(__OPTIMIZE_SIZE__)
#define FAST_PATHS 0
#define HOT
#else
#define FAST_PATHS 1
#define HOT inline __attribute__((always_inline))
#endif

_Static_assert(MAPS_OFFSET + MAP_WORDS * sizeof(uint64_t) == PAGE, "a region's maps end its frame");
_Static_assert(2 * WORDS_A_MAP == MAP_WORDS && WORDS_A_MAP * 64 == END_UNIT - FIRST_UNIT, "a map holds a bit a unit");

static inline uintptr_t frame_of(const alloy_region *r, uintptr_t p)
{
    return p - ((p - r->phase) & (PAGE - 1));
}

static inline uint32_t units_for(size_t size)
{
    return (uint32_t)((size + UNIT - 1) / UNIT);
}

static inline uint32_t unit_of(uintptr_t frame, uintptr_t p)
{
    return (uint32_t)((p - frame) / UNIT);
}

/* The region's two maps, one after the other, each a bit a unit (bit k for unit
 * k + 1): the free map's (FREE: on the first unit of every free block), then the
 * live map's (LIVE: on the last unit of every live block). Apart, one load reads the
 * LIVE bits of 56 units, which an unsized free needs; interleaved (both bits of a
 * unit in one word), it read 28, and blocks past those (a second window, chosen by a
 * branch that mispredicted on mixed sizes) cost churn as malloc 1.1x glibc's time. */
enum { FREE = 0, LIVE = 1 };

static inline uint64_t *maps(uintptr_t frame)
{
    return (uint64_t *)(frame + MAPS_OFFSET);
}

static inline uintptr_t address_of(const alloy_region *r, uint32_t offset)
{
    return r->origin + (uintptr_t)offset * UNIT;
}

static inline uint32_t offset_of(const alloy_region *r, uintptr_t address)
{
    return (uint32_t)((address - r->origin) / UNIT);
}

/* Whether `frame` holds the region on the heap's initial space, whose unit 0 may not
 * be ours (when there is none, initial_frame is no frame's address). */
static inline bool is_initial(const alloy_region *r, uintptr_t frame)
{
    return frame == r->initial_frame;
}

#define NOT_COUNTED UINT32_MAX /* alloy_region's inner_large in builds for size */

/* Whether the block at p, in `frame`, is a small one (region.c, "Blocks' sizes"): its
 * frame is a region's. A large block starts at unit 1 of its run, after the run's
 * header, unless its alignment takes it further (such blocks are counted in builds
 * for speed; one a page into its run starts the next frame). */
static inline bool in_region(const alloy_region *r, uintptr_t frame, uintptr_t p)
{
    return p != frame && (is_initial(r, frame) || *(const uint32_t *)frame == REGION_TAG);
}

/* In builds for speed, whether the block at p, in `frame`, is surely a small one
 * without a look at the frame: beyond unit 1, while every large block starts at unit
 * 1. A frame's unit 0 lies a multiple of 64 KiB from every other, so the units 0 of
 * many regions compete for a few sets of each cache: reading it on every free cost
 * the big-heap workload (1 GiB live) an L1 miss and a likely TLB miss on most frees. */
static inline bool surely_in_region(const alloy_region *r, uintptr_t frame, uintptr_t p)
{
    return FAST_PATHS && p - frame > UNIT && !r->inner_large;
}

/* Fast builds on little-endian targets: the LIVE bits from unit first - 1 on, in
 * one unaligned load: bit k is unit first - 1 + k's (so a block of up to KEEP_UNITS
 * units and the one before it), and 0 past the map's end. Near that end (a block in
 * the region's last 55 units) the load takes the map's last 8 bytes, shifted further:
 * the bits of every unit up to the last stay in the window (perl's trace frees a
 * quarter of its blocks in a region's last 27 units, which once went down the slow
 * path). False when first is a region's first unit: no unit before it has bits. */
static HOT bool near_window(uintptr_t frame, uint32_t first, uint64_t *bits)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const char *map = (const char *)(maps(frame) + LIVE * WORDS_A_MAP);
    uint32_t at = first - 2; /* unit first - 1's bit */
    uint64_t word;
    if (!FAST_PATHS)
        return false;
    /* one compare: first >= 2 (else at wraps), and at / 8 <= WORDS_A_MAP * 8 - 8 */
    if (at >= (WORDS_A_MAP * 8 - 7) * 8) {
        if (first < 2)
            return false;
        memcpy(&word, map + WORDS_A_MAP * 8 - 8, sizeof word);
        *bits = word >> (at - (WORDS_A_MAP * 8 - 8) * 8); /* at most 62: first <= 4,032 */
        return true;
    }
    memcpy(&word, map + at / 8, sizeof word);
    *bits = word >> (at % 8);
    return true;
#else
    (void)frame, (void)first, (void)bits;
    return false;
#endif
}

/* The 64 LIVE bits from unit `first` on (two words at most): bit k is unit
 * first + k's. Bits past the map's end are 0. */
static HOT uint64_t live_window(uintptr_t frame, uint32_t first)
{
    uint32_t b = first - 1, w = b / 64, shift = b % 64;
    const uint64_t *map = maps(frame) + LIVE * WORDS_A_MAP;
    uint64_t bits = map[w] >> shift;
    if (shift && w + 1 < WORDS_A_MAP)
        bits |= map[w + 1] << (64 - shift);
    return bits;
}

/* The units of the live block whose live_window is `window` when it has at most 64
 * units; 0 when it is longer. */
static HOT uint32_t short_block_units(uint64_t window)
{
    return window ? (uint32_t)__builtin_ctzll(window) + 1 : 0;
}

/* Keep a freed block of `units` whole: on its quick list, still marked live in its
 * region's maps (but no longer in live_units). */
static HOT void keep_whole(alloy_region *r, void *ptr, uint32_t units)
{
    alloy_poison_expose(ptr, 8);
    *(uint32_t *)ptr = r->quick[units - 1];
    r->quick[units - 1] = offset_of(r, (uintptr_t)ptr);
    r->live_units -= units;
}

/* A block of `units` (1 .. QUICK_UNITS) from its quick list, in *out; false when
 * that is empty (always in builds for size). Untold to a memory checker, as alloc's
 * blocks. */
static HOT bool quick_take(alloy_region *r, uint32_t units, void **out)
{
    uint32_t offset = FAST_PATHS ? r->quick[units - 1] : NIL;
    if (offset == NIL)
        return false;
    uint32_t *q = (uint32_t *)address_of(r, offset);
    r->quick[units - 1] = *q;
    r->live_units += units;
    *out = q;
    return true;
}

/* What quick_keep says of a block it did not keep, in *units: */
#define LONG_BLOCK UINT32_MAX         /* a small block of more than KEEP_UNITS units */

_Static_assert(KEEP_UNITS <= QUICK_UNITS, "quick_keep's blocks have quick lists");
_Static_assert(KEEP_UNITS <= 64 - 8,
               "near_window's load, shifted by up to 7 bits, holds unit first - 1's bit and KEEP_UNITS more");
_Static_assert(sizeof((alloy_region *)0)->quick == 2 * QUICK_UNITS * sizeof(uint32_t) && QUICK_UNITS % 2 == 0,
               "a quick list for each size and one to put aside, their heads read two at a time (any_kept)");

/* The unsized free of the live block at ptr (not NULL), when it is a small block of up
 * to KEEP_UNITS units (56: near_window's reach) whose block before is live, when its
 * free leaves live_units at low_water or above (see region.c, "Quick lists"; never in
 * an instance built for size, whose low_water is UINT32_MAX): kept
 * whole, told to a memory checker as freed; its size. Else 0 and nothing is done, and
 * *units is what was learnt: the block's units, LONG_BLOCK, or 0 when unknown (also
 * whether it is a small block: always so in builds for size). */
static HOT size_t quick_keep(alloy_region *r, void *ptr, uint32_t *units)
{
    uintptr_t p = (uintptr_t)ptr, frame = frame_of(r, p);
    uint64_t near;
    *units = 0;
    if (!surely_in_region(r, frame, p))
        return 0; /* (a block at unit 1, or while some large block starts further) */
    if (!near_window(frame, unit_of(frame, p), &near))
        return 0;
    uint64_t lives = near & (((uint64_t)2 << KEEP_UNITS) - 2); /* bits 1 .. KEEP_UNITS */
    if (!lives) {
        *units = LONG_BLOCK;
        return 0;
    }
    uint32_t n = (uint32_t)__builtin_ctzll(lives);
    *units = n;
    if (!(near & 1) || r->live_units - n < r->low_water)
        return 0;
    alloy_poison_block_freed(ptr, (size_t)n * UNIT);
    keep_whole(r, ptr, n);
    return (size_t)n * UNIT;
}

/* alloy_region_free_unsized for a block quick_keep did not keep, told what it learnt
 * (region.c). Not part of the interface: it has alloy_'s prefix because the shared
 * library exports it, for the malloc layer linked beside it. */
size_t alloy_region_free_unsized_rest(alloy_region *r, void *ptr, uint32_t units);

/* For region.c and the malloc layer (malloc/program_malloc.c): alloy_region_free_unsized
 * with its common case inline; and alloc(size, 16) served from a quick list, in *out
 * (false when it is left to alloy_region_alloc, and for size 0). The layer keeps
 * the statistics and tells a memory checker of the blocks, as for every block. */
static inline __attribute__((always_inline)) size_t region_quick_free_unsized(alloy_region *r, void *ptr)
{
    uint32_t units;
    size_t kept = quick_keep(r, ptr, &units);
    return kept ? kept : alloy_region_free_unsized_rest(r, ptr, units);
}

static inline __attribute__((always_inline)) bool region_quick_alloc(alloy_region *r, size_t size, void **out)
{
    return size - 1 < QUICK_UNITS * UNIT && quick_take(r, units_for(size), out);
}

#define QUICK_FREE_UNSIZED /* for the malloc layer: region_quick_free_unsized, not a sized free */

#endif
