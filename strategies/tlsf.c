/* SPDX-License-Identifier: MIT */
/* tlsf: two-level segregated fit (Masmano, Ripoll, Crespo and Real, 2004), written
 * for alloy: every block has a one-word header, free blocks merge with their free
 * neighbours at once, and two bitmaps find a free block that fits in O(1).
 *
 * Algorithm
 *   A block's size, header included, is a multiple of 16 bytes: a request of s bytes
 *   takes s + one word, rounded up to 16 (32 bytes at least on 64-bit targets, where a
 *   free block's record needs them). Free blocks sit on doubly linked lists, one per
 *   size class: 16 classes per doubling of the size (the second level), one doubling
 *   per first level, and below 256 bytes one class per 16 bytes, so that those lists
 *   hold one size each. A bitmap of the non-empty levels and one per level of its
 *   non-empty classes lead to a list in two counts of trailing zeros.
 *   alloc looks for a block of the request's size rounded up to the first size of a
 *   class (good fit: by less than 1/16 of it), so that every block on that class's
 *   list, and above, holds the request: the first non-empty list from there gives its
 *   head, whatever the number of blocks. The block is split: what it has beyond the
 *   request goes back on a list, unless it is too small for a free block (16 bytes on
 *   64-bit targets, then kept by the block and marked in its header). A request
 *   aligned beyond 16 looks for size + alignment + the smallest block - 16 (a front it
 *   skips is 0 or a free block's worth at least), and gives back
 *   the front it skips as a free block too. When no list from there on holds one, a
 *   block further down may still fit (one of the request's class but not its first
 *   size, or one smaller than an alignment's worst case): alloc walks those lists, from
 *   the request's own class up, for the first that does. Only then the heap grows:
 *   by what the search looks for less the free block that ends the newest pool, when the
 *   pages will continue that pool (its end is the heap's), else by the request and a
 *   pool's bookkeeping.
 *   free reads the block's size from its header, merges it with the block after it
 *   when that one is free (its header says so) and with the block before it when its
 *   own header says that one is free (whose size is then in its last word), and puts
 *   the result on its list. No two free blocks ever touch. resize grows a block into
 *   the free block after it, or gives back its tail.
 *
 * Memory layout
 *   pool:  | record | block | block | ... | block | end |
 *          ^start    ^header: the word in front of a block's first byte, which sits on
 *                     16 bytes; each block runs to the next one's header
 *   header:      the block's size (a multiple of 16) | FREE | PREV_FREE | SPARE
 *   free block:  { header, next, prev } ... its size again in its last word
 *   A pool is memory the instance got in one piece: the heap's initial space, or pages
 *   that did not continue the pool before. Its record, { the older pool, the end }, at
 *   its start chains the pools for check and stats; its last word is a header of size
 *   0 marked live, which no merge passes. Pages that continue the newest pool replace
 *   that word with a block of their size, which merges with a free block before it.
 *
 * Costs
 *   alloc: O(1): two bitmap searches, one list head, at most two splits. Only when the
 *   lists from the rounded-up class on are empty, where the heap would grow: the
 *   first-fit walk below them, O(free blocks on the lists from the request's class up
 *   to that one), then one grow (or two, when someone else's pages broke the pool). free,
 *   resize, block_size and free_unsized: O(1). stats: O(free blocks + pools); check:
 *   O(blocks + pools).
 *   Bookkeeping: one word a live block (4 bytes on wasm32, 8 on 64-bit) and rounding to
 *   16 bytes; a pool, 16 (wasm32) or 32 bytes. No two free blocks touch, and the
 *   search's rounding costs no memory: a block found is split to the request's size.
 *   The heap grows by whole 64 KiB pages, which a large request shares with the free
 *   block before them: it asks for its size rounded up to the first size of a class
 *   (less than 1/16 more), so that the search finds the block the pages make. The
 *   instance: 1,768 bytes on wasm32, 5,464 on x86_64, for its lists. Single-threaded.
 *
 * Files
 *   The blocks, classes, lists, split and merge, and malloc's and free's common cases
 *   made of them, are inline in tlsf_quick.h, which the malloc layer built for speed
 *   calls too; this file holds the rest: growth, alignment, resize, the handle's
 *   calls, stats and check.
 */
#include <string.h>

#include "frontend.h"   /* the front end's alloc and free, for the handle */
#include "tlsf_quick.h" /* blocks, classes, lists, split and merge; malloc's and free's common cases */

typedef struct alloy_tlsf_pool {
    struct alloy_tlsf_pool *older;
    uintptr_t end;
} pool;

/* A pool's bytes in front of its first header, which put the first block on 16 bytes
 * behind the record; and those with the last word, the end. */
#define FRONT (((sizeof(pool) + WORD + GRAIN - 1) & ~(GRAIN - 1)) - WORD)
#define POOL_BYTES (FRONT + WORD)

static alloy_tlsf *tlsf_of(alloy_allocator *a)
{
    return (alloy_tlsf *)a;
}

/* Add [start, start + bytes) (16-byte aligned, bytes a multiple of 16) to the
 * instance: continuing the newest pool, or as a pool of its own. */
static void add_memory(alloy_tlsf *t, uintptr_t start, size_t bytes)
{
    pool *p = t->pool;
    block *b;
    alloy_poison_expose((void *)start, bytes); /* (a checker may remember a reused array) */
    if (p && p->end == start) { /* the old end becomes a block's header */
        b = block_at(start - WORD);
        b->header = bytes | (b->header & PREV_FREE);
        p->end = start + bytes;
    } else {
        p = (pool *)start;
        p->older = t->pool;
        p->end = start + bytes;
        t->pool = p;
        b = block_at(start + FRONT);
        b->header = bytes - POOL_BYTES;
    }
    block_at(start + bytes - WORD)->header = 0; /* the end: live, size 0 */
    release(t, b);
}

/* More memory for a block of `bytes` (a search_bytes answer): false when the heap
 * refuses. */
static bool grow(alloy_tlsf *t, size_t bytes)
{
    size_t extra = POOL_BYTES;
    const pool *p = t->pool;
    if (p && p->end == (uintptr_t)t->heap->end) { /* the pages will most likely continue it */
        const block *end = block_at(p->end - WORD);
        /* (less than bytes, a class's first size: take_fitting found no block that large) */
        bytes -= end->header & PREV_FREE ? ((const size_t *)end)[-1] : 0;
        extra = 0;
    }
    if (bytes > SIZE_MAX - extra)
        return false; /* (on 32-bit targets, close to 4 GiB) */
    size_t pages = alloy_heap_pages_for(bytes + extra);
    void *memory = alloy_heap_grow(t->heap, pages);
    if (!memory)
        return false;
    t->base.stats.heap_bytes += pages * ALLOY_PAGE_SIZE;
    add_memory(t, (uintptr_t)memory, pages * ALLOY_PAGE_SIZE);
    return true;
}

/* The bytes block b skips in front for a block aligned to `align`: 0, or enough for a
 * free block. */
static size_t front_of(const block *b, size_t align)
{
    if (align <= GRAIN)
        return 0;
    uintptr_t p = ((uintptr_t)b + WORD + align - 1) & ~(uintptr_t)(align - 1);
    size_t front = p - WORD - (uintptr_t)b;
    return front && front < MIN_BLOCK ? front + align : front;
}

/* The last resort before the heap grows: the first block that holds `bytes` at
 * `align` on the lists below `searched` (which holds none), from the list of
 * `bytes`' size up. The search rounds up to a class's first size: a block of the
 * request's class but not that size, or, for an alignment, smaller than the worst
 * case it looks for, can hold the request (the conformance suite's out-of-memory
 * case: a block freed on a full heap did not serve the same request again).
 * O(free blocks on those lists). Off its list in *found, with its front. */
static size_t take_first_fit(alloy_tlsf *t, size_t bytes, size_t align, size_t searched, block **found)
{
    unsigned l, c, end_l, end_c;
    class_of(bytes, &l, &c);
    class_of(searched, &end_l, &end_c);
    for (unsigned k = l * SUB + c; k < end_l * SUB + end_c; k++)
        for (block *b = t->lists[k / SUB][k % SUB]; b; b = b->next) {
            size_t front = front_of(b, align);
            if (front <= size_of(b) && size_of(b) - front >= bytes) {
                unlink_block(t, b);
                *found = b;
                return front;
            }
        }
    return SIZE_MAX;
}


/* alloc when no list from the class of `search` (a search_bytes answer) on holds a
 * block: a block further down that fits after all, else more memory. (Apart, so that
 * the common path saves no registers for it.) */
static __attribute__((noinline)) void *alloc_short(alloy_tlsf *t, size_t bytes, size_t align, size_t search)
{
    block *b;
    do {
        size_t front = take_first_fit(t, bytes, align, search, &b);
        if (front != SIZE_MAX)
            return carve(t, b, bytes, front);
        if (!grow(t, search))
            return NULL;
    } while ((b = take_fitting(t, search)) == NULL);
    return carve(t, b, bytes, front_of(b, align));
}

void *alloy_tlsf_alloc(alloy_allocator *a, size_t size, size_t align)
{
    alloy_tlsf *t = tlsf_of(a);
    size_t bytes = block_bytes(size);
    /* what holds `bytes` at `align` wherever a block starts: the front it may skip is
     * at most align - 16, or align + MIN_BLOCK - 16 when that would leave a front too
     * small for a free block (no overflow: size <= ALLOY_MAX_SIZE) */
    size_t need = align > GRAIN ? bytes + align + MIN_BLOCK - GRAIN : bytes;
    if (need > MAX_BLOCK)
        return NULL;
    size_t search = search_bytes(need);
    block *b = take_fitting(t, search);
    if (!b)
        return alloc_short(t, bytes, align, search);
    return carve(t, b, bytes, front_of(b, align));
}

void alloy_tlsf_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    (void)size, (void)align; /* the header knows */
    release(tlsf_of(a), block_at((uintptr_t)ptr - WORD));
}

bool alloy_tlsf_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    (void)size, (void)align;
    alloy_tlsf *t = tlsf_of(a);
    block *b = block_at((uintptr_t)ptr - WORD), *next = next_block(b);
    size_t have = size_of(b), bytes = block_bytes(new_size);
    bool shrinks = bytes <= have; /* (the block after it may be free, and take the tail) */
    if (!shrinks) { /* into the free block after it */
        if (bytes > MAX_BLOCK || !(next->header & FREE) || have + size_of(next) < bytes)
            return false;
        unlink_block(t, next);
        have += size_of(next);
    }
    trim(t, b, have, bytes, b->header & PREV_FREE, shrinks);
    return true;
}

size_t alloy_tlsf_block_size(const alloy_allocator *a, const void *ptr, size_t *align)
{
    (void)a;
    *align = GRAIN; /* what free and resize take for every block: they read the header */
    /* (0 for a block freed already, if no merge has made its header a free block's
     * inside: block_size is for live blocks) */
    return live_bytes(block_at((uintptr_t)ptr - WORD));
}

size_t alloy_tlsf_free_unsized(alloy_allocator *a, void *ptr)
{
    return tlsf_quick_free_unsized(tlsf_of(a), ptr);
}

/* The figures (alloy/tlsf.h), in the order tlsf_stats sets them. */
static const char *const tlsf_figures[] = {"free_blocks", "free_bytes", "pools", "largest_free", NULL};

static void tlsf_stats(const alloy_allocator *a, alloy_stats *out)
{
    const alloy_tlsf *t = (const alloy_tlsf *)a;
    uint64_t blocks = 0, bytes = 0, largest = 0, pools = 0, most = a->stats.heap_bytes / MIN_BLOCK;
    /* (a block takes MIN_BLOCK bytes at least: the counts stop past the heap's, on a
     * list or chain that damage turned into a cycle; check fails then) */
    for (unsigned l = 0; l < LEVELS; l++)
        for (unsigned c = 0; c < SUB; c++)
            for (const block *b = t->lists[l][c]; b && blocks <= most; b = b->next) {
                blocks++;
                bytes += size_of(b);
                largest = size_of(b) > largest ? size_of(b) : largest;
            }
    for (const pool *p = t->pool; p && pools <= most; p = p->older)
        pools++;
    out->figures[0].value = blocks;
    out->figures[1].value = bytes;
    out->figures[2].value = pools;
    out->figures[3].value = largest;
}

/* check: the blocks of pool p, from its first header to its end, in *blocks and
 * *bytes (free ones); false on anything unsound. */
static bool pool_sound(const alloy_tlsf *t, const pool *p, uint64_t *blocks, uint64_t *bytes)
{
    uintptr_t at = (uintptr_t)p + FRONT, end = p->end - WORD;
    bool prev_free = false;
    while (at < end) {
        const block *b = block_at(at);
        alloy_poison_expose((void *)at, WORD); /* damage may lead into hidden bytes */
        size_t size = size_of(b);
        bool free = b->header & FREE;
        if (size < MIN_BLOCK || size > end - at || !(b->header & PREV_FREE) != !prev_free ||
            (free && (prev_free || (b->header & SPARE))))
            return false;
        if (free) {
            alloy_poison_expose((void *)(at + size - WORD), WORD);
            unsigned l, c;
            class_of(size, &l, &c);
            if (((const size_t *)(at + size))[-1] != size || !(t->class_map[l] >> c & 1))
                return false;
            ++*blocks;
            *bytes += size;
        }
        prev_free = free;
        at += size;
    }
    return at == end && (block_at(end)->header & ~PREV_FREE) == 0 && !(block_at(end)->header & PREV_FREE) == !prev_free;
}

static bool tlsf_check(const alloy_allocator *a)
{
    const alloy_tlsf *t = (const alloy_tlsf *)a;
    uint64_t pool_bytes = 0, blocks = 0, bytes = 0;
    for (const pool *p = t->pool; p; p = p->older) {
        uintptr_t start = (uintptr_t)p;
        if (start % GRAIN || p->end % GRAIN || p->end <= start || p->end - start < POOL_BYTES + MIN_BLOCK ||
            !alloy_heap_holds(t->heap, p, p->end - start))
            return false;
        pool_bytes += p->end - start;
        if (pool_bytes > a->stats.heap_bytes || !pool_sound(t, p, &blocks, &bytes)) /* (the first stops a cycle) */
            return false;
    }
    if (pool_bytes != a->stats.heap_bytes)
        return false; /* every byte the heap gave is in a pool */
    /* every free block is on its list, and every listed block is free: as many on the lists */
    uint64_t listed = 0, listed_bytes = 0;
    if (t->level_map >> LEVELS)
        return false; /* a level that is not there */
    for (unsigned l = 0; l < LEVELS; l++) {
        if (!(t->level_map >> l & 1) != !t->class_map[l])
            return false;
        for (unsigned c = 0; c < SUB; c++) {
            if (!(t->class_map[l] >> c & 1) != !t->lists[l][c])
                return false;
            const block *prev = NULL;
            for (const block *b = t->lists[l][c]; b; prev = b, b = b->next) {
                unsigned bl, bc;
                if (!alloy_heap_holds(t->heap, b, sizeof *b) || ((uintptr_t)b + WORD) % GRAIN != 0 ||
                    !(b->header & FREE) || b->prev != prev || ++listed > blocks)
                    return false;
                class_of(size_of(b), &bl, &bc);
                if (bl != l || bc != c)
                    return false;
                listed_bytes += size_of(b);
            }
        }
    }
    return listed == blocks && listed_bytes == bytes;
}

const alloy_strategy alloy_tlsf_strategy = {
    .name = "tlsf",
    .alloc = alloy_tlsf_alloc,
    .resize = alloy_tlsf_resize,
    .free = alloy_tlsf_free,
    .figures = tlsf_figures,
    .stats = tlsf_stats,
    .check = tlsf_check,
    .block_size = alloy_tlsf_block_size,
    .fit = alloy_tlsf_fit,
    .free_unsized = alloy_tlsf_free_unsized,
};

void alloy_tlsf_setup(alloy_tlsf *t, alloy_heap *heap)
{
    memset(t, 0, sizeof *t); /* base too: zeroed figures; its table and calls are init's */
    t->heap = heap;
    size_t bytes;
    uintptr_t start = (uintptr_t)alloy_heap_claim_initial(heap, &bytes);
    if (bytes >= POOL_BYTES + MIN_BLOCK) { /* (a smaller initial space serves nothing) */
        t->base.stats.heap_bytes = bytes;
        add_memory(t, start, bytes);
    }
}

/* alloy_alloc and alloy_free on an instance made by alloy_tlsf_init: the front end's
 * checks and figures around tlsf's own operations, in one call (alloy.h,
 * alloy_allocator). Builds for size keep the front end's: a call more, no code twice. */
#if FAST_PATHS
static void *tlsf_alloc_call(alloy_allocator *a, size_t size, size_t align)
{
    void *p;
    /* the commonest case inline: an alignment of 1 .. 16, served by the quick alloc,
     * which takes sizes 1 .. MAX_BLOCK - WORD only (all sound) */
    if (align - 1 < GRAIN && (align & (align - 1)) == 0 && tlsf_quick_alloc(tlsf_of(a), size, &p)) {
        frontend_served(a, p, size, true);
        return p;
    }
    return frontend_alloc(a, &alloy_tlsf_strategy, size, align, true);
}

static void tlsf_free_call(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    if (frontend_free_begin(a, ptr, size, align, true))
        release(tlsf_of(a), block_at((uintptr_t)ptr - WORD)); /* all of alloy_tlsf_free */
}
#endif

alloy_allocator *alloy_tlsf_init(alloy_tlsf *t, alloy_heap *heap)
{
    if (!t || !heap)
        return NULL;
    alloy_tlsf_setup(t, heap);
    t->base.strategy = &alloy_tlsf_strategy;
#if FAST_PATHS
    t->base.alloc = tlsf_alloc_call;
    t->base.free = tlsf_free_call;
#else
    t->base.alloc = alloy_frontend_alloc; /* (setup left the handle's calls NULL) */
    t->base.free = alloy_frontend_free;
#endif
    return &t->base;
}
