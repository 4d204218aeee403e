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
 */
#include <string.h>

#include "alloy/tlsf.h"
#include "frontend.h" /* the front end's alloc and free, for the handle */

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
/* carve inline in both its callers where speed is asked for (natively the small
 * workload 166.8 -> 161.9 instructions a call), one copy in builds for size (after
 * wasm-opt, 149 bytes less code for the whole C family, 36 more for malloc + free) */
#ifdef __OPTIMIZE_SIZE__
#define CARVE_INLINE
#else
#define CARVE_INLINE inline __attribute__((always_inline))
#endif

_Static_assert(SUB == 1 << SUB_LOG && LINEAR == 256, "level l >= 1 holds [2^(l + 7), 2^(l + 8))");
_Static_assert(sizeof(size_t) <= sizeof(unsigned long), "__builtin_clzl takes a size_t");
_Static_assert(LEVELS < 64, "one 64-bit map of the levels");
_Static_assert(MIN_BLOCK == 4 * WORD, "alloy_tlsf_fit's smallest block is a free block's record");

typedef struct alloy_tlsf_block {
    size_t header;
    struct alloy_tlsf_block *next, *prev; /* free blocks only: their list */
} block;

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

static block *block_at(uintptr_t p)
{
    return (block *)p;
}

static size_t size_of(const block *b)
{
    return b->header & ~FLAGS;
}

static block *next_block(const block *b)
{
    return block_at((uintptr_t)b + size_of(b));
}

/* The free block before b (b's header says PREV_FREE): its size is in its last word. */
static block *prev_block(const block *b)
{
    return block_at((uintptr_t)b - ((const size_t *)b)[-1]);
}

static unsigned log2_of(size_t x)
{
    return (unsigned)(sizeof(unsigned long) * 8 - 1) ^ (unsigned)__builtin_clzl((unsigned long)x);
}

/* How far apart the sizes of the classes lie, as a power of two, around a size whose
 * highest bit is bit `top`: 16 bytes below 512 (level 0, one class per 16 bytes, and
 * level 1), then a 16th of the size's power of two. */
static unsigned class_shift(unsigned top)
{
    return (top > 8 ? top : 8) - SUB_LOG;
}

/* The list of a block of `size` bytes: level *l, class *c. Without a branch on the
 * size: churn's sizes, 1 to 512 bytes, straddle 256, and that branch was a quarter of
 * its mispredicted branches (callgrind: 331,000 -> 249,000 in 250,000 calls; 28.7 ->
 * 26.2 ns a call natively, glibc 10.3), for 11 instructions a call more. */
static void class_of(size_t size, unsigned *l, unsigned *c)
{
    unsigned top = log2_of(size | (LINEAR / 2));
    *l = top - 7;
    *c = (unsigned)(size >> class_shift(top)) & (SUB - 1);
}

static void insert(alloy_tlsf *t, block *b)
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
static block *pop(alloy_tlsf *t, unsigned l, unsigned c)
{
    block *b = t->lists[l][c];
    if ((t->lists[l][c] = b->next) != NULL)
        b->next->prev = NULL;
    else if (!(t->class_map[l] &= (uint16_t)~(1u << c)))
        t->level_map &= ~((uint64_t)1 << l);
    return b;
}

static void unlink_block(alloy_tlsf *t, block *b)
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
static void put_free(alloy_tlsf *t, block *b)
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
static void release(alloy_tlsf *t, block *b)
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
static size_t block_bytes(size_t size)
{
    return alloy_tlsf_fit(size) + WORD;
}

/* What alloc looks for to find `bytes` (<= MAX_BLOCK): rounded up to the first size
 * of a class, so that every block of that class or above holds them. */
static size_t search_bytes(size_t bytes)
{
    size_t step = (size_t)1 << class_shift(log2_of(bytes));
    return (bytes + step - GRAIN) & ~(step - 1); /* (bytes: a multiple of 16) */
}

/* A free block of at least `bytes` (a search_bytes answer), off its list; NULL when
 * there is none. */
static block *take_fitting(alloy_tlsf *t, size_t bytes)
{
    unsigned l, c;
    class_of(bytes, &l, &c);
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

/* Make b, whose `have` bytes are its own, a live block of `bytes` (<= have): the rest
 * goes back, merged with a free block after it, unless it is too small for a free
 * block (16 bytes on 64-bit targets), which b then keeps, marked SPARE. */
static void trim(alloy_tlsf *t, block *b, size_t have, size_t bytes, size_t prev_free)
{
    size_t rest = have - bytes;
    if (rest >= MIN_BLOCK) {
        block *tail = block_at((uintptr_t)b + bytes);
        alloy_poison_expose(tail, WORD);
        tail->header = rest;
        b->header = bytes | prev_free;
        release(t, tail);
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
    trim(t, b, have, bytes, prev_free);
    return (char *)b + WORD;
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
    if (bytes > have) { /* into the free block after it */
        if (bytes > MAX_BLOCK || !(next->header & FREE) || have + size_of(next) < bytes)
            return false;
        unlink_block(t, next);
        have += size_of(next);
    }
    trim(t, b, have, bytes, b->header & PREV_FREE);
    return true;
}

size_t alloy_tlsf_block_size(const alloy_allocator *a, const void *ptr, size_t *align)
{
    (void)a;
    const block *b = (const block *)((uintptr_t)ptr - WORD);
    *align = GRAIN; /* what free and resize take for every block: they read the header */
    if (b->header & FREE)
        return 0; /* (a block freed already, if no merge has made its header a free
                   * block's inside: block_size is for live blocks) */
    /* all but its header, and SPARE's 16, which a request of that size leaves */
    return size_of(b) - WORD - (b->header & SPARE ? GRAIN : 0);
}

size_t alloy_tlsf_free_unsized(alloy_allocator *a, void *ptr)
{
    size_t align, size = alloy_tlsf_block_size(a, ptr, &align);
    alloy_poison_block_freed(ptr, size);
    release(tlsf_of(a), block_at((uintptr_t)ptr - WORD));
    return size;
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

alloy_allocator *alloy_tlsf_init(alloy_tlsf *t, alloy_heap *heap)
{
    if (!t || !heap)
        return NULL;
    alloy_tlsf_setup(t, heap);
    t->base.strategy = &alloy_tlsf_strategy;
    t->base.alloc = alloy_frontend_alloc;
    t->base.free = alloy_frontend_free;
    return &t->base;
}
