/* SPDX-License-Identifier: MIT */
/* bumpfree: bump allocation plus segregated free lists - the smallest useful
 * allocator (after lite-alloc's BumpFreeListAllocator, without its defects).
 *
 * Algorithm
 *   Sizes are rounded up to their size class and alignments count as at least 16.
 *   Classes are in 16-byte grains: one per grain count up to 8 (128 bytes), then
 *   four per doubling (8, 10, 12, 14, 16, 20, 24, 28, 32, 40, ... grains), so a size
 *   is rounded up by less than a quarter; the last class is open-ended: it holds
 *   every block of 1.75 MiB and more, and sizes from 2 MiB up are rounded to 16
 *   only. Free blocks sit on LIFO lists, one per class, and a 64-bit map says which
 *   lists hold a block. A block on list c is at least class c's size, so every
 *   block on a list at or above a request's class holds the request - but on the
 *   open-ended class's list, where a smaller block freed last may lie in front of
 *   one that fits.
 *   alloc looks for `need` = size + (align - 16) bytes, which any free block that
 *   large can serve at any alignment: from need's own list if it holds a block that
 *   large (the head; in the open-ended class, the first such block on the list);
 *   else from the bump room while it lasts; else from the first list above (one
 *   count-trailing-zeros of the map); else it bumps after growing the heap by whole
 *   pages. Using the bump room before splitting a larger block keeps the large
 *   blocks for large requests (on small-block churn the heap is 1.8x the live bytes
 *   this way, 2.25x when lists come first). A block taken from a list gives back its
 *   front (alignment) and its tail (what a larger class has to spare) to the lists,
 *   so nothing freed is ever lost; bumping gives back its front, and what `need`
 *   reserved behind the block stays bump room (pushed on the lists, those tails had
 *   the next phase after random aligned requests fit fewer blocks than a fresh heap
 *   by more than two and 1/32 in 38 of 400 cases, against 17 kept as room, before
 *   a start-over held its pages back, below).
 *   Adjacent new pages extend the bump area; others (someone else grew memory in
 *   between) start a new area, and what is left of the old one goes on a list.
 *   free pushes the block on its class's list, or, when it ends at the bump pointer,
 *   lowers the bump pointer instead. When a free leaves nothing live (the end of a
 *   frame, of a request, of a phase of small blocks before one of large ones), the
 *   lists are emptied, bumping starts over from the current area's start, and each
 *   earlier area goes on a list whole; alloy_bumpfree_reset does the same on demand,
 *   live blocks or not. The current area's pages are then held back, and come back
 *   to bumping as a fresh heap's pages come from the heap: as many as a request that
 *   finds the bump room short needs, once the lists above it have nothing. Bumping
 *   through all of them at once kept freed blocks on their lists while the room went
 *   to small blocks: beside a table doubled as it filled (each old one freed), a 4 MiB
 *   heap fitted 15,206 blocks of 200 bytes fresh and 12,288 after a free-all. No
 *   free blocks are ever merged: that is what keeps the code small.
 *
 * Memory layout
 *   area:        | live | free | live | pad | live |   bump room   |  held back  |
 *                                                   ^top           ^end          ^area_end
 *   free block:  { next, size } in its first 16 bytes; live blocks carry no header,
 *                since frees are sized.
 *   The first area is the heap's initial space when this instance claims it. Every
 *   later area that does not continue the one before begins with a 16-byte record of
 *   that earlier area { start, end }: a chain back to the first, which starting over
 *   walks.
 *
 * Costs
 *   alloc: O(1) - a class computation (in fast builds a table up to 512 bytes, else
 *   a count of leading zeros or two), one look at the map, one list head, at most
 *   two pushes; bumping is O(1) too unless the heap grows. But a request of more
 *   than 1.5 MiB whose list's head is too small walks that list: O(free blocks of
 *   1.75 MiB and more), so at most one step per 1.75 MiB of heap (2,340 in wasm32's
 *   4 GiB), for a block the program will touch MiBs of. Looking at the head alone,
 *   alloc bumped past a block that fitted: a program that freed a block of 4 MiB
 *   and then one of 3 MiB, over and over, grew its heap by 4 MiB at each next
 *   request of 4 MiB, and on a heap that could not grow, got NULL with the block
 *   free. free: O(1), O(areas) when it leaves nothing live. resize: O(1); a block
 *   changes size in place at the bump pointer, and anywhere within its class;
 *   elsewhere resize refuses and alloy_realloc moves it, because a shrink in place
 *   would leave two blocks of smaller classes for good (a program that shrinks
 *   often drifts its memory into small classes that way: tests/suite/random_ops.c's
 *   mix of sizes and reallocs, without its large alignments, needed 29 MiB for 0.28
 *   MiB live; refusing, 0.6 MiB).
 *   reset: O(1) with one area, O(areas) otherwise. check: O(free blocks + areas);
 *   stats: O(free blocks), which it counts (alloc and free keep no count).
 *   Bookkeeping: the 16-byte grain (the smallest block), the class rounding (none up
 *   to 128 bytes, less than 25% of a block above), 16 bytes per area after the first.
 *   Memory: free blocks are never merged, so the heap is bounded by what each class
 *   has held at its peak rather than by the peak of all live bytes together. On the
 *   bench's random workloads it stays within 1.2x-1.8x of the peak live bytes (3.1x
 *   with blocks of 32 KiB to 1 MiB; docs/choosing-a-strategy.md). A program whose
 *   sizes move from one range to another keeps the first range's blocks on their
 *   lists until it asks for those sizes again (or smaller ones, once the bump room is
 *   gone); and an alignment of A bytes asks for size + A - 16, whose front and back go
 *   to the lists: with alignments of many KiB the heap grows by about A per request
 *   that finds no block that large (the randomized test's 64 KiB alignments, one
 *   request in 512, fill its 64 MiB heap). Single-threaded.
 */
#include <string.h>

#include "bumpfree_quick.h" /* malloc's and free's common cases, inline, and the classes */
#include "frontend.h"       /* the front end, for the calls through the handle */

#if FAST_PATHS && defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* At the start of every area but the first: where the area before it lies. */
struct alloy_bumpfree_area {
    uintptr_t start; /* where bumping began in it (after its own record, if any) */
    uintptr_t end;
};
typedef struct alloy_bumpfree_area area_record;

_Static_assert(sizeof(area_record) <= GRAIN, "an area's record takes one grain");

static alloy_bumpfree *bumpfree_of(alloy_allocator *a)
{
    return (alloy_bumpfree *)a;
}

/* Bytes to add to address p to align it. */
static size_t pad_for(uintptr_t p, size_t align)
{
    return (size_t)(-p & (align - 1));
}

/* More bump room, for `need` more bytes at its end: the area's pages held back, as
 * many as the heap would give (maybe fewer than need: the caller asks again); else
 * pages from the heap. Adjacent pages extend the area; others replace it: the old
 * area's rest goes on a list, and the new one begins with a record of the old one.
 * False when the heap refuses. */
static bool grow_area(alloy_bumpfree *bf, size_t need)
{
    size_t pages = alloy_heap_pages_for(need), held = bf->area_end - bf->end;
    if (held) {
        bf->end += pages * ALLOY_PAGE_SIZE < held ? pages * ALLOY_PAGE_SIZE : held;
        return true;
    }
    uintptr_t pages_start = (uintptr_t)alloy_heap_grow(bf->heap, pages);
    if (!pages_start)
        return false;
    size_t bytes = pages * ALLOY_PAGE_SIZE;
    uintptr_t old_end = bf->end;
    bf->base.stats.heap_bytes += bytes;
    bf->end = bf->area_end = pages_start + bytes;
    if (pages_start != old_end) {
        if (old_end) {
            if (old_end != bf->top)
                push_free(bf, bf->top, old_end - bf->top);
            area_record *r = (area_record *)pages_start;
            r->start = bf->start;
            r->end = old_end;
            bf->older = r;
            pages_start += GRAIN;
        }
        bf->start = bf->top = pages_start;
        bf->bump_areas++;
    }
    return true;
}

static void *alloc_general(alloy_bumpfree *bf, size_t grains, size_t align);

void *alloy_bumpfree_alloc(alloy_allocator *a, size_t size, size_t align)
{
    alloy_bumpfree *bf = bumpfree_of(a);
    size_t grains;
    unsigned c;
    void *p;
    REQUEST(size, grains, c);
    if (FAST_PATHS && align <= GRAIN && take_exact(bf, grains, c, &p))
        return p;
    return alloc_general(bf, grains, align);
}

NOINLINE static void *alloc_general(alloy_bumpfree *bf, size_t grains, size_t align)
{
    size_t size = grains * GRAIN;
    /* any free block of `need` bytes holds `size` bytes at `align` (an alignment
     * below 16 needs nothing: every block starts on a grain) */
    if (align > GRAIN)
        grains = grains_for(size + align - GRAIN);
    size_t need = grains * GRAIN;
    unsigned c = class_of(grains);
    uint64_t lists = bf->free.nonempty >> c; /* bit 0: need's own list */
    uintptr_t start;
    size_t have;
    /* need's own list; else the bump room while it lasts; else the first list above */
    if ((lists & 1) || (lists && bf->end - bf->top < need)) {
        c += (unsigned)__builtin_ctzll(lists);
        /* the head holds need, but in the open-ended class, whose list is walked to
         * the first block that does (a smaller block freed last must not hide it) */
        block **at = &bf->free.lists[c], *b;
        while ((b = *at) != NULL && b->size < need)
            at = &b->next;
        if (b) {
            unlink_at(bf, c, at);
            start = (uintptr_t)b;
            have = b->size;
            goto carve;
        }
    }
    while (bf->end - bf->top < need)
        if (!grow_area(bf, need - (bf->end - bf->top)))
            return NULL;
    start = bf->top;
    have = (align > GRAIN ? pad_for(start, align) : 0) + size; /* what it leaves behind stays bump room */
    bf->top += have;
carve:;
    /* the block at its alignment; what it leaves in front and behind goes back */
    uintptr_t p = start + (align > GRAIN ? pad_for(start, align) : 0); /* (blocks start on grains) */
    if (p != start)
        push_free(bf, start, p - start);
    if (start + have != p + size)
        push_free(bf, p + size, start + have - (p + size));
    bf->live += size;
    return (void *)p;
}

/* The record of the area before the one `r` describes (which has one unless it is
 * the first: the chain holds bump_areas - 1 records). */
static const area_record *older_than(const area_record *r)
{
    return (const area_record *)(r->start - GRAIN);
}

/* Forget every free block, bump from the start of the current area, and put the
 * earlier areas on the lists whole (each after its own record). */
void alloy_bumpfree_start_over(alloy_bumpfree *bf)
{
    memset(&bf->free, 0, sizeof bf->free);
    bf->top = bf->end = bf->start;
    const area_record *r = bf->older;
    for (size_t n = bf->bump_areas; n > 1; n--, r = older_than(r))
        push_free(bf, r->start, r->end - r->start);
}

void alloy_bumpfree_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    bumpfree_quick_free(bumpfree_of(a), ptr, size, align);
}

bool alloy_bumpfree_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    (void)align;
    alloy_bumpfree *bf = bumpfree_of(a);
    uintptr_t p = (uintptr_t)ptr;
    size = grains_for(size) * GRAIN;
    new_size = grains_for(new_size) * GRAIN;
    if (new_size == size)
        return true;
    if (p + size == bf->top) {
        while (new_size > bf->end - p)
            if (!grow_area(bf, new_size - (bf->end - p)) || bf->top != p + size)
                return false; /* refused, or the new pages were elsewhere and now bump there */
        bf->top = p + new_size;
        bf->live += new_size - size; /* wraps around for a shrink: the sum is right */
        return true;
    }
    /* Elsewhere the block keeps its class: a shrink in place would leave it a block of
     * a smaller class and its tail a third one, for good, since nothing merges; a
     * program that shrinks often would drift its memory into small classes. Refused,
     * alloy_realloc moves the block and its old place goes back to its list whole. */
    return false;
}

void alloy_bumpfree_reset(alloy_bumpfree *bf)
{
    if (!bf)
        return;
    alloy_bumpfree_start_over(bf);
    bf->live = 0;
#if ALLOY_STATS
    alloy_stats_dropped_all(&bf->base.stats);
#endif
}

/* Bytes of the records at the start of the areas after the first. */
static uint64_t record_bytes(const alloy_bumpfree *bf)
{
    return bf->bump_areas > 1 ? (bf->bump_areas - 1) * GRAIN : 0;
}

/* The figures (alloy/bumpfree.h), in the order bumpfree_stats sets them. */
static const char *const bumpfree_figures[] = {"free_blocks", "free_bytes", "bump_bytes", "bump_areas", "live_bytes",
                                               NULL};

/* The blocks on the lists: counted here rather than on every push and pop, which
 * keeps alloc and free smaller (stats is O(free blocks)). A block takes a grain at
 * least, so the count stops past the heap's grains: on a list that a write after a
 * free turned into a cycle, stats still returns (and check fails). */
static uint64_t free_blocks(const alloy_bumpfree *bf)
{
    uint64_t n = 0, most = bf->base.stats.heap_bytes / GRAIN;
    for (unsigned c = 0; c < CLASSES; c++)
        for (const block *b = bf->free.lists[c]; b && n <= most; b = b->next)
            n++;
    return n;
}

static void bumpfree_stats(const alloy_allocator *a, alloy_stats *out)
{
    const alloy_bumpfree *bf = (const alloy_bumpfree *)a;
    alloy_stat *s = out->figures;
    s[0].value = free_blocks(bf);
    s[2].value = bf->area_end - bf->top;
    s[3].value = bf->bump_areas;
    s[4].value = bf->live;
    s[1].value = a->stats.heap_bytes - s[4].value - s[2].value - record_bytes(bf);
}

static bool bumpfree_check(const alloy_allocator *a)
{
    const alloy_bumpfree *bf = (const alloy_bumpfree *)a;
    const alloy_heap *heap = bf->heap;
    if (pad_for(bf->start, GRAIN) || pad_for(bf->top, GRAIN) || pad_for(bf->end, GRAIN) ||
        pad_for(bf->area_end, GRAIN) || bf->start > bf->top || bf->top > bf->end || bf->end > bf->area_end ||
        (bf->area_end && !alloy_heap_holds(heap, (void *)bf->start, bf->area_end - bf->start)))
        return false;
    /* no area yet, one, or more with a chain of records back to the first */
    if ((bf->bump_areas == 0) != (bf->area_end == 0) || (bf->bump_areas > 1) != (bf->older != NULL))
        return false;
    const area_record *r = bf->older;
    for (size_t n = bf->bump_areas; n > 1; n--, r = older_than(r))
        if (!alloy_heap_holds(heap, r, GRAIN) || pad_for((uintptr_t)r, GRAIN) || pad_for(r->start, GRAIN) ||
            pad_for(r->end, GRAIN) || r->start >= r->end || !alloy_heap_holds(heap, (void *)r->start, r->end - r->start))
            return false;
    uint64_t bytes = 0;
    for (unsigned c = 0; c < CLASSES; c++) {
        if (!bf->free.lists[c] != !(bf->free.nonempty >> c & 1))
            return false; /* the map disagrees with the list */
        for (const block *b = bf->free.lists[c]; b; b = b->next) {
            uintptr_t p = (uintptr_t)b;
            if (pad_for(p, GRAIN) || b->size < GRAIN || b->size % GRAIN || class_of(b->size / GRAIN) != c ||
                !alloy_heap_holds(heap, b, b->size))
                return false;
            if (p < bf->area_end && p + b->size > bf->top)
                return false; /* overlaps the bump room */
            bytes += b->size;
            if (bytes > a->stats.heap_bytes) /* more than the heap holds: also stops a cycle */
                return false;
        }
    }
    /* every byte of every area is a live block, a free block, bump room or a record */
    return bytes + bf->live + (bf->area_end - bf->top) + record_bytes(bf) == a->stats.heap_bytes;
}

const alloy_strategy alloy_bumpfree_strategy = {
    .name = "bumpfree",
    .alloc = alloy_bumpfree_alloc,
    .resize = alloy_bumpfree_resize,
    .free = alloy_bumpfree_free,
    .figures = bumpfree_figures,
    .stats = bumpfree_stats,
    .check = bumpfree_check,
};

void alloy_bumpfree_setup(alloy_bumpfree *bf, alloy_heap *heap)
{
    memset(bf, 0, sizeof *bf); /* base too: zeroed figures; its table and calls are init's */
    bf->heap = heap;
    size_t initial_bytes;
    bf->start = bf->top = (uintptr_t)alloy_heap_claim_initial(heap, &initial_bytes);
    bf->end = bf->area_end = bf->top + initial_bytes;
    bf->bump_areas = bf->top != 0;
    bf->base.stats.heap_bytes = initial_bytes;
}

/* alloy_alloc and alloy_free on an instance made by alloy_bumpfree_init: the front
 * end's checks and figures around bumpfree's own operations, in one call (alloy.h,
 * alloy_allocator). Builds for size keep the front end's: a call more, no code twice. */
#if FAST_PATHS
static void *bumpfree_alloc_call(alloy_allocator *a, size_t size, size_t align)
{
    void *p;
    /* the commonest case inline: an alignment of 1 .. 16, served by the quick alloc,
     * which takes sizes 1 .. ALLOY_MAX_SIZE only */
    if (align - 1 < GRAIN && (align & (align - 1)) == 0 && bumpfree_quick_alloc(bumpfree_of(a), size, &p)) {
        frontend_served(a, p, size, true);
        return p;
    }
    return frontend_alloc(a, &alloy_bumpfree_strategy, size, align, true);
}

static void bumpfree_free_call(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    if (frontend_free_begin(a, ptr, size, align, true))
        bumpfree_quick_free(bumpfree_of(a), ptr, size, align); /* all of alloy_bumpfree_free */
}
#endif

alloy_allocator *alloy_bumpfree_init(alloy_bumpfree *bf, alloy_heap *heap)
{
    if (!bf || !heap)
        return NULL;
    alloy_bumpfree_setup(bf, heap);
    bf->base.strategy = &alloy_bumpfree_strategy;
#if FAST_PATHS
    bf->base.alloc = bumpfree_alloc_call;
    bf->base.free = bumpfree_free_call;
#else
    bf->base.alloc = alloy_frontend_alloc; /* (setup left the handle's calls NULL) */
    bf->base.free = alloy_frontend_free;
#endif
    return &bf->base;
}
