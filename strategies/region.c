/* region: regions for small blocks, runs of whole pages for large ones - alloc_cat's
 * design, with its region internals designed here.
 *
 * Small blocks (up to 32 KiB)
 *   A region is a bump area of at most 2 MiB with a 16-byte header:
 *
 *     | header | live | free | live | pad | live |      bump room      |
 *     ^start                                     ^start+bump           ^start+end
 *
 *   The header holds the next region, the bump offset and the end offset. Regions
 *   form a list headed by the current region, the only one that bumps: when a region
 *   cannot serve a request it grows by pages if the heap's next pages are adjacent and
 *   it stays within 2 MiB; otherwise a new region starts on new pages and what is left
 *   of the old bump room goes on the free lists. The first region takes the heap's
 *   initial space when that is at least 1 KiB.
 *
 *   Block sizes are counted in 8-byte units (statistics report 4-byte words). A free
 *   block holds { next, units } as two 32-bit numbers: next is the offset, in units,
 *   of the next free block from the instance's origin (the heap's start), so that
 *   the layout is the same on wasm32 and x86_64. Blocks carry no header: frees are
 *   sized. Requests aligned to 16 or more are rounded to 16 bytes so that they leave
 *   no 8-byte gaps between them.
 *
 *   Free blocks sit on 64 segregated lists with a bitmap of the non-empty ones: sizes
 *   1..16 units one class each, then four classes per power of two, the last class
 *   holding every block of 57,344 units and more. alloc looks at the head of the
 *   request's own class, then takes the head of the first non-empty larger class
 *   (which always fits), then bumps, splitting off what a block has to spare in front
 *   (alignment) and behind. free pushes the block on its class, or lowers the bump
 *   pointer when the block ends there. Free space is merged lazily: when a request
 *   would otherwise grow the heap and blocks were freed since the last merge, all
 *   free blocks are sorted by address (a merge sort of the list), touching ones are
 *   joined, a block that ends at the bump pointer returns to the bump room, and the
 *   lists are rebuilt in address order.
 *
 * Large blocks (over 32 KiB)
 *   A large block takes a run of whole 64 KiB pages. The last bytes of every run hold
 *   an alloy_page_link describing the next run (page count, words the block leaves
 *   unused, address), so the list of runs is threaded through the pages themselves;
 *   the instance holds the link that describes the first run. alloc takes the first
 *   free run that is big enough, splitting off the pages it does not need as a free
 *   run behind it, or grows the heap and puts the new run first. free marks the run
 *   free and merges it with its neighbours in the list when they are free and touch
 *   it in memory (in either order).
 *
 * Costs
 *   small alloc and free: O(1), except the lazy merge, O(f log f) for f free blocks,
 *   paid only where the heap would otherwise grow. small resize: O(1) at the bump
 *   pointer or when shrinking, O(f) to grow into the free block that follows.
 *   large alloc, free and resize: O(runs). check: O(f x regions + runs^2).
 *   Bookkeeping: 16 bytes per region, 16 bytes (8 on wasm32) per run, 8-byte minimum
 *   block. Single-threaded.
 */
#include <string.h>

#include "alloy/region.h"

#define UNIT ((size_t)8)
#define AREA_HEADER ((size_t)16)
#define MIN_INITIAL ((size_t)1024)
#define NIL ((uint32_t)0)
#define LINK_SIZE sizeof(alloy_page_link)
#define PAGE ALLOY_PAGE_SIZE
/* offsets are 32-bit counts of units from the origin */
#define MAX_SPAN ((uint64_t)UINT32_MAX * UNIT)

typedef struct alloy_region_area {
    struct alloy_region_area *next;
    uint32_t bump; /* bytes from the area's start */
    uint32_t end;  /* bytes from the area's start */
} area;

_Static_assert(sizeof(area) <= AREA_HEADER, "a region header must fit its 16 bytes");

typedef struct free_block {
    uint32_t next;
    uint32_t units;
} free_block;

static alloy_region *region_of(alloy_allocator *a)
{
    return (alloy_region *)a;
}

/* --- small blocks: addresses, classes, lists --------------------------------------- */

static char *area_start(const area *ar)
{
    return (char *)ar;
}

static uintptr_t bump_address(const area *ar)
{
    return (uintptr_t)ar + ar->bump;
}

static free_block *block_at(const alloy_region *r, uint32_t offset)
{
    return (free_block *)(r->origin + (size_t)offset * UNIT);
}

static uint32_t offset_of(const alloy_region *r, uintptr_t address)
{
    return (uint32_t)((address - (uintptr_t)r->origin) / UNIT);
}

static uintptr_t address_of(const alloy_region *r, uint32_t offset)
{
    return (uintptr_t)r->origin + (size_t)offset * UNIT;
}

static uint32_t units_for(size_t size, size_t align)
{
    size_t units = (size + UNIT - 1) / UNIT;
    if (align >= 2 * UNIT)
        units = (units + 1) & ~(size_t)1;
    return (uint32_t)units;
}

static unsigned class_of(uint32_t units)
{
    if (units <= 16)
        return units - 1;
    unsigned top = 31u - (unsigned)__builtin_clz(units); /* >= 4 */
    unsigned c = 16 + (top - 4) * 4 + ((units >> (top - 2)) & 3);
    return c < ALLOY_REGION_CLASSES - 1 ? c : ALLOY_REGION_CLASSES - 1;
}

static void push_free(alloy_region *r, uint32_t offset, uint32_t units)
{
    unsigned c = class_of(units);
    free_block *b = block_at(r, offset);
    b->units = units;
    b->next = r->class_heads[c];
    r->class_heads[c] = offset;
    r->class_bitmap |= (uint64_t)1 << c;
    r->free_blocks++;
    r->free_units += units;
}

static void unlink_free(alloy_region *r, unsigned c, uint32_t *link)
{
    free_block *b = block_at(r, *link);
    *link = b->next;
    if (r->class_heads[c] == NIL)
        r->class_bitmap &= ~((uint64_t)1 << c);
    r->free_blocks--;
    r->free_units -= b->units;
}

/* Hand out `units` at `offset + pad` from a free block of `have` units that is no
 * longer on a list; the front and back it does not need go back on the lists. */
static void *carve(alloy_region *r, uint32_t offset, uint32_t have, uint32_t pad, uint32_t units)
{
    if (pad)
        push_free(r, offset, pad);
    if (have > pad + units)
        push_free(r, offset + pad + units, have - pad - units);
    r->live_units += units;
    return (void *)address_of(r, offset + pad);
}

static uint32_t pad_units(const alloy_region *r, uint32_t offset, size_t align)
{
    return (uint32_t)((-address_of(r, offset) & (align - 1)) / UNIT);
}

static void *from_free_lists(alloy_region *r, uint32_t units, size_t align)
{
    unsigned c = class_of(units);
    if (r->class_bitmap & ((uint64_t)1 << c)) {
        uint32_t offset = r->class_heads[c];
        uint32_t have = block_at(r, offset)->units, pad = pad_units(r, offset, align);
        if (pad <= have && have - pad >= units) {
            unlink_free(r, c, &r->class_heads[c]);
            return carve(r, offset, have, pad, units);
        }
    }
    /* every block of a class above the worst case's fits */
    uint32_t worst = units + (uint32_t)((align > UNIT ? align : UNIT) / UNIT) - 1;
    uint64_t larger = r->class_bitmap & (~(uint64_t)0 << 1 << class_of(worst));
    if (!larger)
        return NULL;
    c = (unsigned)__builtin_ctzll(larger);
    uint32_t offset = r->class_heads[c];
    uint32_t have = block_at(r, offset)->units;
    unlink_free(r, c, &r->class_heads[c]);
    return carve(r, offset, have, pad_units(r, offset, align), units);
}

static void *from_bump(alloy_region *r, uint32_t units, size_t align)
{
    area *ar = r->current;
    size_t pad = (size_t)(-bump_address(ar) & (align - 1));
    size_t room = ar->end - ar->bump;
    if (pad > room || room - pad < units * UNIT)
        return NULL;
    if (pad)
        push_free(r, offset_of(r, bump_address(ar)), (uint32_t)(pad / UNIT));
    ar->bump += (uint32_t)(pad + units * UNIT);
    r->live_units += units;
    return (void *)(bump_address(ar) - units * UNIT);
}

/* --- small blocks: lazy merging ---------------------------------------------------- */

/* Sort a list of free blocks by address: a bottom-up merge sort of the linked list. */
static uint32_t sort_by_address(alloy_region *r, uint32_t list)
{
    for (size_t width = 1;; width *= 2) {
        uint32_t p = list, head = NIL, tail = NIL;
        size_t merges = 0;
        while (p != NIL) {
            merges++;
            uint32_t q = p;
            size_t p_left = 0, q_left = width;
            while (p_left < width && q != NIL) {
                p_left++;
                q = block_at(r, q)->next;
            }
            while (p_left > 0 || (q_left > 0 && q != NIL)) {
                uint32_t next;
                if (p_left == 0 || (q_left > 0 && q != NIL && q < p)) {
                    next = q;
                    q = block_at(r, q)->next;
                    q_left--;
                } else {
                    next = p;
                    p = block_at(r, p)->next;
                    p_left--;
                }
                if (tail == NIL)
                    head = next;
                else
                    block_at(r, tail)->next = next;
                tail = next;
            }
            p = q;
        }
        if (tail != NIL)
            block_at(r, tail)->next = NIL;
        if (merges <= 1)
            return head;
        list = head;
    }
}

static void merge_free_space(alloy_region *r)
{
    /* take every free block off its list, into one list */
    uint32_t all = NIL;
    for (uint64_t bits = r->class_bitmap; bits; bits &= bits - 1) {
        unsigned c = (unsigned)__builtin_ctzll(bits);
        uint32_t last = r->class_heads[c];
        while (block_at(r, last)->next != NIL)
            last = block_at(r, last)->next;
        block_at(r, last)->next = all;
        all = r->class_heads[c];
        r->class_heads[c] = NIL;
    }
    r->class_bitmap = 0;
    r->free_blocks = 0;
    r->free_units = 0;
    r->frees_since_merge = 0;

    /* join touching blocks and give them back in address order */
    uint32_t tails[ALLOY_REGION_CLASSES] = {0};
    uint32_t b = sort_by_address(r, all);
    while (b != NIL) {
        free_block *block = block_at(r, b);
        uint32_t next = block->next;
        while (next != NIL && next == b + block->units) {
            block->units += block_at(r, next)->units;
            next = block_at(r, next)->next;
        }
        area *ar = r->current;
        if (address_of(r, b + block->units) == bump_address(ar)) {
            ar->bump -= block->units * (uint32_t)UNIT; /* back to the bump room */
        } else {
            unsigned c = class_of(block->units);
            block->next = NIL;
            if (tails[c] == NIL)
                r->class_heads[c] = b;
            else
                block_at(r, tails[c])->next = b;
            tails[c] = b;
            r->class_bitmap |= (uint64_t)1 << c;
            r->free_blocks++;
            r->free_units += block->units;
        }
        b = next;
    }
}

/* --- small blocks: regions --------------------------------------------------------- */

static bool fits_offsets(const alloy_region *r, const char *start, size_t bytes)
{
    return (uint64_t)((uintptr_t)start - (uintptr_t)r->origin) + bytes <= MAX_SPAN;
}

/* Start a region on [start, start + bytes); it becomes the current one. The old
 * current region's bump room goes on the free lists. */
static void start_region(alloy_region *r, char *start, size_t bytes)
{
    area *old = r->current;
    if (old && old->bump != old->end) {
        push_free(r, offset_of(r, bump_address(old)), (old->end - old->bump) / (uint32_t)UNIT);
        old->bump = old->end;
    }
    area *ar = (area *)start;
    ar->next = old;
    ar->bump = (uint32_t)AREA_HEADER;
    ar->end = (uint32_t)bytes;
    r->current = ar;
}

static void *grow_heap(alloy_region *r, size_t pages)
{
    void *p = alloy_heap_grow(r->heap, pages);
    if (p)
        r->base.metrics.heap_bytes += pages * PAGE;
    return p;
}

static size_t pages_for(size_t bytes)
{
    return bytes / PAGE + (bytes % PAGE != 0);
}

/* The first region: on the heap's initial space if it is big enough (several
 * regions if it is larger than one may be), else on a new page. */
static bool first_region(alloy_region *r)
{
    size_t bytes;
    char *space = alloy_heap_claim_initial(r->heap, &bytes);
    if (space && bytes >= MIN_INITIAL && fits_offsets(r, space, bytes)) {
        r->base.metrics.heap_bytes += bytes;
        while (bytes >= MIN_INITIAL) {
            size_t take = bytes < ALLOY_REGION_MAX_BYTES ? bytes : ALLOY_REGION_MAX_BYTES;
            start_region(r, space, take & ~(UNIT - 1));
            space += take;
            bytes -= take;
        }
        return true;
    }
    char *page = fits_offsets(r, r->heap->end, PAGE) ? grow_heap(r, 1) : NULL;
    if (page)
        start_region(r, page, PAGE);
    return page != NULL;
}

/* Make room for `need` bytes (worst-case alignment included) in the current region:
 * extend it when the heap's next pages are adjacent and it stays within 2 MiB,
 * otherwise start a new region. False when the heap refuses. */
static bool add_space(alloy_region *r, size_t need)
{
    area *ar = r->current;
    size_t room = ar->end - ar->bump;
    size_t pages = pages_for(need - (need < room ? need : room));
    char *end = area_start(ar) + ar->end;
    bool extend = end == r->heap->end && ar->end + pages * PAGE <= ALLOY_REGION_MAX_BYTES;
    if (!extend)
        pages = pages_for(AREA_HEADER + need);
    if (!fits_offsets(r, r->heap->end, pages * PAGE))
        return false;
    char *got = grow_heap(r, pages);
    if (!got)
        return false;
    if (extend && got == end)
        ar->end += (uint32_t)(pages * PAGE);
    else
        start_region(r, got, pages * PAGE); /* someone else took the adjacent pages */
    return true;
}

static void *alloc_small(alloy_region *r, size_t size, size_t align)
{
    uint32_t units = units_for(size, align);
    for (;;) {
        void *p = from_free_lists(r, units, align);
        if (!p)
            p = from_bump(r, units, align);
        if (p)
            return p;
        if (r->frees_since_merge) {
            merge_free_space(r);
            continue;
        }
        if (!add_space(r, units * UNIT + (align > UNIT ? align - UNIT : 0)))
            return NULL;
    }
}

static void free_small(alloy_region *r, void *ptr, uint32_t units)
{
    area *ar = r->current;
    uintptr_t p = (uintptr_t)ptr;
    r->live_units -= units;
    if (p + units * UNIT == bump_address(ar)) {
        ar->bump -= units * (uint32_t)UNIT;
        return;
    }
    push_free(r, offset_of(r, p), units);
    r->frees_since_merge++;
}

/* Grow a small block in place into the free block right behind it. O(free blocks). */
static bool grow_into_free_block(alloy_region *r, uintptr_t end, uint32_t extra)
{
    uint32_t wanted = offset_of(r, end);
    for (uint64_t bits = r->class_bitmap; bits; bits &= bits - 1) {
        unsigned c = (unsigned)__builtin_ctzll(bits);
        for (uint32_t *link = &r->class_heads[c]; *link != NIL; link = &block_at(r, *link)->next) {
            if (*link != wanted)
                continue;
            uint32_t have = block_at(r, wanted)->units;
            if (have < extra)
                return false;
            unlink_free(r, c, link);
            carve(r, wanted, have, 0, extra);
            return true;
        }
    }
    return false;
}

static bool resize_small(alloy_region *r, void *ptr, size_t size, size_t align, size_t new_size)
{
    uint32_t units = units_for(size, align), new_units = units_for(new_size, align);
    uintptr_t p = (uintptr_t)ptr, end = p + units * UNIT;
    if (new_units <= units) {
        if (new_units < units) /* the tail goes back */
            free_small(r, (void *)(p + new_units * UNIT), units - new_units);
        return true;
    }
    uint32_t extra = new_units - units;
    area *ar = r->current;
    if (end != bump_address(ar))
        return grow_into_free_block(r, end, extra);
    size_t room = ar->end - ar->bump;
    if (room < extra * UNIT) {
        /* only an extension of this region can help; a new one would be elsewhere */
        size_t pages = pages_for(extra * UNIT - room);
        if (area_start(ar) + ar->end != r->heap->end || ar->end + pages * PAGE > ALLOY_REGION_MAX_BYTES ||
            !add_space(r, extra * UNIT) || r->current != ar)
            return false;
    }
    ar->bump += extra * (uint32_t)UNIT;
    r->live_units += extra;
    return true;
}

/* --- large blocks: runs of pages --------------------------------------------------- */

static size_t max_words(const alloy_page_link *run)
{
    return ((size_t)run->page_count * PAGE - LINK_SIZE) / 4;
}

static bool run_in_use(const alloy_page_link *run)
{
    return run->unused_words != ALLOY_PAGES_FREE;
}

static char *run_end(const alloy_page_link *run)
{
    return run->pages + (size_t)run->page_count * PAGE;
}

/* The link at the end of a run: it describes the next run. */
static alloy_page_link *trailer(const alloy_page_link *run)
{
    return (alloy_page_link *)(void *)(run_end(run) - LINK_SIZE);
}

static size_t run_pages_for_words(size_t words)
{
    return (words * 4 + PAGE - 1 + LINK_SIZE) / PAGE;
}

static void set_used(alloy_page_link *run, size_t words)
{
    run->unused_words = (uint16_t)(max_words(run) - words);
}

static size_t large_pad(const char *pages, size_t align)
{
    return (size_t)(-(uintptr_t)pages & (align - 1));
}

/* Keep the first `pages` of the run; the rest becomes a free run right behind it in
 * the list (its trailer is the old one, so it describes the old next run). */
static void split_run(alloy_page_link *run, size_t pages)
{
    alloy_page_link *rest = (alloy_page_link *)(void *)(run->pages + pages * PAGE - LINK_SIZE);
    rest->page_count = (uint16_t)(run->page_count - pages);
    rest->unused_words = ALLOY_PAGES_FREE;
    rest->pages = run->pages + pages * PAGE;
    run->page_count = (uint16_t)pages;
}

/* Merge the run `run` describes with the next one in the list when both are free and
 * they touch in memory, in either order. */
static bool merge_with_next(alloy_page_link *run)
{
    if (!run->pages || run_in_use(run))
        return false;
    alloy_page_link next = *trailer(run); /* a copy: the trailer may be overwritten below */
    if (!next.pages || run_in_use(&next) || (size_t)run->page_count + next.page_count > UINT16_MAX)
        return false;
    if (run_end(run) == next.pages) {
        run->page_count = (uint16_t)(run->page_count + next.page_count); /* next's trailer is ours now */
        return true;
    }
    if (run_end(&next) == run->pages) {
        *trailer(run) = *trailer(&next); /* the merged run ends where ours did */
        run->pages = next.pages;
        run->page_count = (uint16_t)(run->page_count + next.page_count);
        return true;
    }
    return false;
}

/* Put a run of new pages first in the list. */
static void push_run(alloy_region *r, char *pages, size_t count)
{
    alloy_page_link *first = &r->large;
    alloy_page_link new_run = {(uint16_t)count, ALLOY_PAGES_FREE, pages};
    *trailer(&new_run) = *first;
    *first = new_run;
}

static void *alloc_large(alloy_region *r, size_t size, size_t align)
{
    size_t words = (size + 3) / 4;
    for (alloy_page_link *run = &r->large; run->pages; run = trailer(run)) {
        if (run_in_use(run))
            continue;
        size_t pad = large_pad(run->pages, align), need = run_pages_for_words(words + pad / 4);
        if (run->page_count < need)
            continue;
        if (run->page_count > need)
            split_run(run, need);
        set_used(run, words + pad / 4);
        return run->pages + pad;
    }
    size_t need = run_pages_for_words(words);
    for (;;) {
        if (need > UINT16_MAX)
            return NULL;
        char *pages = grow_heap(r, need);
        if (!pages)
            return NULL;
        push_run(r, pages, need);
        size_t pad = large_pad(pages, align);
        if (run_pages_for_words(words + pad / 4) <= need) {
            set_used(&r->large, words + pad / 4);
            return pages + pad;
        }
        /* pages not aligned enough (a static heap): keep them as a free run */
        need = run_pages_for_words(words + (align - 1) / 4 + 1);
    }
}

/* The link that describes the run holding the block at ptr, and the one before it. */
static alloy_page_link *find_run(alloy_region *r, void *ptr, size_t align, alloy_page_link **before)
{
    alloy_page_link *prev = NULL;
    for (alloy_page_link *run = &r->large; run->pages; prev = run, run = trailer(run)) {
        if (run_in_use(run) && run->pages + large_pad(run->pages, align) == ptr) {
            if (before)
                *before = prev;
            return run;
        }
    }
    return NULL;
}

static void free_large(alloy_region *r, void *ptr, size_t align)
{
    alloy_page_link *prev, *run = find_run(r, ptr, align, &prev);
    if (!run)
        return;
    run->unused_words = ALLOY_PAGES_FREE;
    while (merge_with_next(run))
        ;
    if (prev)
        while (merge_with_next(prev))
            ;
}

static bool resize_large(alloy_region *r, void *ptr, size_t size, size_t align, size_t new_size)
{
    alloy_page_link *run = find_run(r, ptr, align, NULL);
    if (!run)
        return false;
    size_t pad_words = large_pad(run->pages, align) / 4, words = (new_size + 3) / 4 + pad_words;
    size_t need = run_pages_for_words(words);
    (void)size;
    if (need <= run->page_count) {
        if (need < run->page_count) {
            split_run(run, need);
            while (merge_with_next(trailer(run)))
                ;
        }
        set_used(run, words);
        return true;
    }
    if (need > UINT16_MAX)
        return false;
    size_t more = need - run->page_count;
    char *end = run_end(run);
    /* into a free run that starts where this one ends */
    for (alloy_page_link *other = &r->large; other->pages; other = trailer(other)) {
        if (run_in_use(other) || other->pages != end || other->page_count < more)
            continue;
        alloy_page_link follows = *trailer(run); /* what our trailer says now */
        bool is_next = other == trailer(run);
        if (other->page_count == more) {
            if (is_next) { /* its trailer becomes ours and already says what follows */
                run->page_count = (uint16_t)need;
                set_used(run, words);
                return true;
            }
            *other = *trailer(other); /* drop it from the list */
        } else {
            alloy_page_link rest = {(uint16_t)(other->page_count - more), ALLOY_PAGES_FREE, other->pages + more * PAGE};
            if (is_next)
                follows = rest;
            else
                *other = rest;
        }
        run = find_run(r, ptr, align, NULL); /* dropping a run may have moved our link */
        run->page_count = (uint16_t)need;
        *trailer(run) = follows;
        set_used(run, words);
        return true;
    }
    /* or onto the end of the heap */
    if (end != r->heap->end)
        return false;
    char *got = grow_heap(r, more);
    if (!got)
        return false;
    if (got != end) {
        push_run(r, got, more); /* elsewhere: keep the pages as a free run */
        return false;
    }
    alloy_page_link follows = *trailer(run);
    run->page_count = (uint16_t)need;
    *trailer(run) = follows;
    set_used(run, words);
    return true;
}

/* --- the strategy table ------------------------------------------------------------ */

static void *region_alloc(alloy_allocator *a, size_t size, size_t align)
{
    alloy_region *r = region_of(a);
    if (!r->current && !first_region(r))
        return NULL;
    return size <= ALLOY_REGION_SMALL_MAX ? alloc_small(r, size, align) : alloc_large(r, size, align);
}

static void region_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    alloy_region *r = region_of(a);
    if (size <= ALLOY_REGION_SMALL_MAX)
        free_small(r, ptr, units_for(size, align));
    else
        free_large(r, ptr, align);
}

static bool region_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    alloy_region *r = region_of(a);
    bool small = size <= ALLOY_REGION_SMALL_MAX;
    if (small != (new_size <= ALLOY_REGION_SMALL_MAX))
        return false; /* the block would change kinds: realloc moves it */
    return small ? resize_small(r, ptr, size, align, new_size) : resize_large(r, ptr, size, align, new_size);
}

static void region_stats(const alloy_allocator *a, alloy_statistics *out)
{
    const alloy_region *r = (const alloy_region *)a;
    alloy_region_stats *s = &out->region;
    for (const area *ar = r->current; ar; ar = ar->next) {
        s->regions++;
        s->total_words += ar->end / 4;
    }
    if (r->current)
        s->unused_words = (r->current->end - r->current->bump) / 4;
    s->allocated_words = (uint64_t)r->live_units * 2;
    s->fragment_words = (uint64_t)r->free_units * 2;
    s->fragments = r->free_blocks;
    for (const alloy_page_link *run = &r->large; run->pages; run = trailer(run)) {
        s->total_large_pages += run->page_count;
        if (run_in_use(run))
            s->allocated_large_pages_words += max_words(run) - run->unused_words;
        else
            s->unused_large_pages += run->page_count;
    }
}

/* --- check ------------------------------------------------------------------------- */

static const area *area_holding(const alloy_region *r, uintptr_t p, size_t bytes)
{
    for (const area *ar = r->current; ar; ar = ar->next)
        if (p >= (uintptr_t)ar + AREA_HEADER && p <= bump_address(ar) && bytes <= bump_address(ar) - p)
            return ar;
    return NULL;
}

static bool heap_holds(const alloy_region *r, const char *p, size_t bytes)
{
    uintptr_t lo = (uintptr_t)r->heap->start, hi = (uintptr_t)r->heap->end, q = (uintptr_t)p;
    return q >= lo && q <= hi && bytes <= hi - q;
}

static bool regions_sound(const alloy_region *r)
{
    uint64_t used_units = 0;
    for (const area *ar = r->current; ar; ar = ar->next) {
        if ((uintptr_t)ar % UNIT || ar->bump < AREA_HEADER || ar->bump > ar->end ||
            ar->end > ALLOY_REGION_MAX_BYTES || ar->bump % UNIT || !heap_holds(r, (const char *)ar, ar->end))
            return false;
        used_units += (ar->bump - AREA_HEADER) / UNIT;
    }
    uint64_t blocks = 0, units = 0;
    for (unsigned c = 0; c < ALLOY_REGION_CLASSES; c++) {
        bool listed = r->class_heads[c] != NIL;
        if (listed != ((r->class_bitmap >> c) & 1))
            return false;
        for (uint32_t b = r->class_heads[c]; b != NIL; b = block_at(r, b)->next) {
            const free_block *block = block_at(r, b);
            if (++blocks > r->free_blocks || block->units == 0 || class_of(block->units) != c ||
                !area_holding(r, address_of(r, b), block->units * UNIT))
                return false;
            units += block->units;
        }
    }
    /* every byte below the bump pointers is in a live block or a free one, once */
    return blocks == r->free_blocks && units == r->free_units && used_units == units + r->live_units;
}

static bool runs_sound(const alloy_region *r)
{
    size_t runs = 0;
    for (const alloy_page_link *run = &r->large; run->pages; run = trailer(run)) {
        if (++runs > (size_t)(r->heap->end - r->heap->start) / PAGE || run->page_count == 0 ||
            !heap_holds(r, run->pages, (size_t)run->page_count * PAGE) ||
            (run_in_use(run) && run->unused_words >= PAGE / 4))
            return false;
        const alloy_page_link *next = trailer(run);
        if (next->pages && !run_in_use(run) && !run_in_use(next) &&
            (run_end(run) == next->pages || run_end(next) == run->pages))
            return false; /* touching free neighbours are always merged */
        for (const alloy_page_link *other = next; other->pages; other = trailer(other))
            if (other->pages < run_end(run) && run->pages < run_end(other))
                return false; /* overlap */
    }
    return true;
}

static bool region_check(const alloy_allocator *a)
{
    const alloy_region *r = (const alloy_region *)a;
    return regions_sound(r) && runs_sound(r);
}

static const alloy_strategy region_strategy = {
    "region", region_alloc, region_resize, region_free, region_stats, region_check,
};

alloy_allocator *alloy_region_init(alloy_region *r, alloy_heap *heap)
{
    if (!r || !heap)
        return NULL;
    memset(r, 0, sizeof *r);
    alloy_allocator_init(&r->base, &region_strategy);
    r->heap = heap;
    r->origin = heap->start;
    return &r->base;
}
