/* bumpfree: bump allocation plus one unordered free list - the smallest useful
 * allocator (after lite-alloc's BumpFreeListAllocator, without its defects).
 *
 * Algorithm
 *   Sizes are rounded up to 16 bytes and alignments raised to 16. alloc searches the
 *   free list first fit; a block that fits is unlinked, and what it has to spare in
 *   front (alignment) and behind (a smaller request) goes back on the list, so no
 *   capacity is ever lost. Otherwise alloc bumps from the current area, growing the
 *   heap by whole pages. When the pages are adjacent to the area it is extended;
 *   otherwise (someone else grew memory in between) what is left of the old area goes
 *   on the free list and the pages become the new area. free pushes the block on the
 *   list, or, when it ends at the bump pointer, lowers the bump pointer instead. When
 *   a free leaves nothing live in the instance (all bytes below the bump pointer are
 *   free: the end of a frame, of a request), the list is dropped and bumping starts
 *   over from the area's start - as long as there is a single area, since otherwise
 *   the list holds what is left of the others. No free blocks are ever merged: that
 *   is what keeps the code small, and why workloads of ever-changing sizes fragment.
 *
 * Memory layout
 *   area:        | live | free | live | pad | live |      bump room       |
 *                                                   ^top                  ^end
 *   free block:  { next, size } in its first 16 bytes; live blocks carry no header,
 *                since frees are sized.
 *   The first area is the heap's initial space when this instance claims it.
 *
 * Costs
 *   alloc: O(free blocks) for the first-fit walk, O(1) when it bumps. free: O(1).
 *   resize: O(1); grows in place only at the bump pointer, shrinks anywhere by
 *   returning the tail. check: O(free blocks). Bookkeeping: 16 bytes minimum block.
 *   Single-threaded.
 */
#include <stdint.h>

#include "alloy/bumpfree.h"
#include "alloy/poison.h"

#define GRAIN ((size_t)16)

struct alloy_bumpfree_block {
    struct alloy_bumpfree_block *next;
    size_t size;
};
typedef struct alloy_bumpfree_block block;

_Static_assert(sizeof(block) <= GRAIN, "a free block's record must fit the smallest block");

static alloy_bumpfree *bumpfree_of(alloy_allocator *a)
{
    return (alloy_bumpfree *)a;
}

static size_t round_size(size_t size)
{
    return (size + GRAIN - 1) & ~(GRAIN - 1);
}

/* Bytes to add to address p to align it. */
static size_t pad_for(uintptr_t p, size_t align)
{
    return (size_t)(-p & (align - 1));
}

static void push_free(alloy_bumpfree *bf, uintptr_t p, size_t size)
{
    block *b = (block *)p;
    alloy_poison_expose(b, GRAIN);
    alloy_poison_hide((char *)b + GRAIN, size - GRAIN);
    b->next = bf->free_list;
    b->size = size;
    bf->free_list = b;
    bf->free_blocks++;
    bf->free_bytes += size;
}

/* Obtain pages for `need` more bytes at the end of the area. Adjacent pages extend
 * the area; others replace it, and the old area's rest goes on the free list.
 * False when the heap refuses. */
static bool grow_area(alloy_bumpfree *bf, size_t need)
{
    size_t pages = alloy_heap_pages_for(need);
    uintptr_t pages_start = (uintptr_t)alloy_heap_grow(bf->heap, pages);
    if (!pages_start)
        return false;
    size_t bytes = pages * ALLOY_PAGE_SIZE;
    bf->base.stats.heap_bytes += bytes;
    if (pages_start != bf->end) {
        if (bf->end != bf->top)
            push_free(bf, bf->top, bf->end - bf->top);
        bf->start = bf->top = pages_start;
        bf->bump_areas++;
    }
    bf->end = pages_start + bytes;
    return true;
}

static void *bump(alloy_bumpfree *bf, size_t size, size_t align)
{
    for (;;) {
        size_t pad = pad_for(bf->top, align);
        size_t room = bf->end - bf->top;
        if (pad <= room && room - pad >= size) {
            uintptr_t p = bf->top + pad;
            if (pad)
                push_free(bf, bf->top, pad);
            bf->top = p + size;
            return (void *)p;
        }
        if (!grow_area(bf, pad + size - room))
            return NULL;
    }
}

void *alloy_bumpfree_alloc(alloy_allocator *a, size_t size, size_t align)
{
    alloy_bumpfree *bf = bumpfree_of(a);
    size = round_size(size);
    if (align < GRAIN)
        align = GRAIN;
    for (block **link = &bf->free_list; *link; link = &(*link)->next) {
        block *b = *link;
        uintptr_t start = (uintptr_t)b;
        size_t pad = pad_for(start, align);
        if (pad > b->size || b->size - pad < size)
            continue;
        *link = b->next;
        bf->free_blocks--;
        bf->free_bytes -= b->size;
        uintptr_t p = start + pad, end = start + b->size;
        if (pad)
            push_free(bf, start, pad);
        if (end != p + size)
            push_free(bf, p + size, end - (p + size));
        return (void *)p;
    }
    return bump(bf, size, align);
}

void alloy_bumpfree_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    (void)align;
    alloy_bumpfree *bf = bumpfree_of(a);
    uintptr_t p = (uintptr_t)ptr;
    size = round_size(size);
    if (p + size == bf->top)
        bf->top = p;
    else
        push_free(bf, p, size);
    /* Nothing live any more (a frame's end): forget the list and bump from the start
     * again. Only in a single area: with more, the list holds the rests of the others. */
    if (bf->bump_areas == 1 && bf->free_bytes == bf->top - bf->start) {
        bf->free_list = NULL;
        bf->free_blocks = 0;
        bf->free_bytes = 0;
        bf->top = bf->start;
    }
}

bool alloy_bumpfree_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    (void)align;
    alloy_bumpfree *bf = bumpfree_of(a);
    uintptr_t p = (uintptr_t)ptr;
    size = round_size(size);
    new_size = round_size(new_size);
    if (new_size == size)
        return true;
    if (p + size == bf->top) {
        size_t room = bf->end - p;
        if (new_size > room && (!grow_area(bf, new_size - room) || bf->top != p + size))
            return false; /* refused, or the new pages were elsewhere and now bump there */
        bf->top = p + new_size;
        return true;
    }
    if (new_size > size)
        return false;
    push_free(bf, p + new_size, size - new_size);
    return true;
}

/* The figures (alloy/bumpfree.h), in the order bumpfree_stats sets them. */
static const char *const bumpfree_figures[] = {"free_blocks", "free_bytes", "bump_bytes", "bump_areas", "live_bytes",
                                               NULL};

static void bumpfree_stats(const alloy_allocator *a, alloy_stats *out)
{
    const alloy_bumpfree *bf = (const alloy_bumpfree *)a;
    alloy_stat *s = out->figures;
    s[0].value = bf->free_blocks;
    s[1].value = bf->free_bytes;
    s[2].value = bf->end - bf->top;
    s[3].value = bf->bump_areas;
    s[4].value = a->stats.heap_bytes - s[1].value - s[2].value;
}

static bool bumpfree_check(const alloy_allocator *a)
{
    const alloy_bumpfree *bf = (const alloy_bumpfree *)a;
    size_t bump_bytes = bf->end - bf->top;
    if (pad_for(bf->top, GRAIN) || pad_for(bf->end, GRAIN) || bf->top > bf->end)
        return false;
    if (bf->end != 0 && !alloy_heap_holds(bf->heap, (void *)bf->top, bump_bytes))
        return false;
    size_t count = 0, bytes = 0;
    for (const block *b = bf->free_list; b; b = b->next) {
        uintptr_t p = (uintptr_t)b;
        if (++count > bf->free_blocks) /* also stops a cycle */
            return false;
        if (pad_for(p, GRAIN) || b->size < GRAIN || b->size % GRAIN || !alloy_heap_holds(bf->heap, b, b->size))
            return false;
        if (p < bf->end && p + b->size > bf->top)
            return false; /* overlaps the bump room */
        bytes += b->size;
    }
    return count == bf->free_blocks && bytes == bf->free_bytes &&
           (uint64_t)bytes + bump_bytes <= a->stats.heap_bytes;
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
    alloy_allocator_init(&bf->base, NULL);
    bf->heap = heap;
    bf->free_list = NULL;
    bf->free_blocks = 0;
    bf->free_bytes = 0;
    size_t initial_bytes;
    bf->start = bf->top = (uintptr_t)alloy_heap_claim_initial(heap, &initial_bytes);
    bf->end = bf->top + initial_bytes;
    bf->bump_areas = bf->top != 0;
    bf->base.stats.heap_bytes = initial_bytes;
}

alloy_allocator *alloy_bumpfree_init(alloy_bumpfree *bf, alloy_heap *heap)
{
    if (!bf || !heap)
        return NULL;
    alloy_bumpfree_setup(bf, heap);
    bf->base.strategy = &alloy_bumpfree_strategy;
    return &bf->base;
}
