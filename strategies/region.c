/* region: small blocks from one-page regions that coalesce at once, large blocks as
 * runs of whole pages linked through trailers - alloc_cat's shape, with its region
 * internals designed here - and one pool of pages that both kinds draw from.
 *
 * Frames
 *   A provider hands out 64 KiB pages, all congruent modulo 64 KiB (alloy/heap.h), so
 *   the heap divides into frames: [phase + k * 64 KiB, + 64 KiB). A frame holds one
 *   region or belongs to a run of pages, and the frame of any pointer is two
 *   instructions away. That is what makes every small-block operation O(1) whatever
 *   the number of regions.
 *
 * Small blocks (up to 32 KiB): regions
 *   A region is one frame of 4,096 units of 16 bytes:
 *
 *     | header | blocks: units 1 .. 4,032                        | free map | start map |
 *     ^frame    ^frame + 16                                       ^frame + 64,528       ^+64 KiB
 *
 *   header: a tag (what unit 0 of a region holds, see Blocks' sizes below) and the
 *   links of the list of regions. free map: one bit per unit, set on the first and
 *   the last unit of every free block. start map: one bit per unit, set on the first
 *   unit of every live block. The region that takes the heap's initial space may
 *   start later in its frame (its header then lives in the instance); it is never
 *   given back.
 *   Blocks are whole units with no header. A free block holds { next, prev, units }
 *   at its start and its units again in its last 4 bytes; next and prev are offsets,
 *   in units, from the frame that holds the heap's start, so the layout is the same
 *   on wasm32 and x86_64 and reaches 64 GiB (pages beyond that serve large blocks).
 *
 *   Free blocks sit on 60 segregated, doubly linked lists with a bitmap of the
 *   non-empty ones: 1..32 units one list each, then four lists per power of two.
 *   alloc takes the head of the request's own list when it fits (on the exact lists
 *   it always does), else the head of the first non-empty larger list (which always
 *   fits); what the block has to spare in front (alignment) and behind goes back as
 *   free blocks. free coalesces at once: a set free bit on the unit after the block
 *   can only be the start of a free block, one on the unit before it only the end of
 *   one (whose last 4 bytes give its start). A new region is one free block of 4,032
 *   units.
 *
 * Large blocks (over 32 KiB) and the pool of pages
 *   A large block takes a run of whole pages. The last bytes of every run hold an
 *   alloy_page_link describing the next run (page count, words the block leaves
 *   unused, address), so the list of runs is threaded through the pages themselves;
 *   the instance holds the link that describes the first. Free runs are the pool:
 *   alloc takes the first free run that is big enough (splitting off what it does
 *   not need), and a new region takes one page the same way, before the heap grows.
 *   free marks the run free; a region whose last block is freed goes back to the pool
 *   as a free page, unless it is the only empty region (one is kept, so that a block
 *   allocated and freed over and over does not move a page each time). No two
 *   neighbours in the list are free runs that touch in memory: they are merged,
 *   wherever a change left them, unless the merged run would pass 65,535 pages.
 *
 * Blocks' sizes (block_size, for the malloc layer's unsized free)
 *   A large block starts at its run's first page, or, aligned further, a unit or more
 *   into it, where unit 0 then holds a zero tag; a region's unit 0 holds REGION_TAG.
 *   So a pointer at a frame's start is a large block, and one inside a frame is a
 *   small block if the frame's unit 0 says region (or it is the initial region's
 *   frame). A small block's size is the distance to the next set bit in the free or
 *   the start map; a large block's is in its run's link.
 *
 * Costs
 *   small alloc, free and resize: O(1). A new region or a region given back: O(runs).
 *   large alloc, free and resize: O(runs), and O(runs x merges) when runs merge.
 *   block_size: O(1) for small blocks (a scan of at most 2,048 bits), O(runs) for
 *   large. check: O(free blocks + regions x 4,096 + runs^2).
 *   Bookkeeping: 1,024 bytes per 64 KiB region (1.6%), 16 bytes (8 on wasm32) per
 *   run, 16-byte minimum block. Single-threaded.
 */
#include <string.h>

#include "direct.h"
#include "poison.h"

#define UNIT ((size_t)16)
#define PAGE ALLOY_PAGE_SIZE
#define FIRST_UNIT 1u                    /* unit 0 is the header */
#define END_UNIT 4033u                   /* one past the last unit of blocks */
#define MAP_WORDS 126u                   /* 4,032 bits, for units 1 .. 4,032 */
#define MAPS_OFFSET ((size_t)END_UNIT * UNIT)
#define REGION_UNITS (END_UNIT - FIRST_UNIT)
#define REGION_TAG UINT32_C(0x52474e31)  /* "RGN1" */
#define NIL ((uint32_t)0)            /* ends a free list: offset 0 is a frame's unit 0 */
#define NO_REGION UINT32_MAX         /* ends the list of regions (offsets of frames) */
#define LINK_SIZE sizeof(alloy_page_link)
/* offsets are 32-bit counts of units from the origin */
#define MAX_SPAN ((uint64_t)UINT32_MAX * UNIT)
#define EXACT_CLASSES 32u

_Static_assert(MAPS_OFFSET + 2 * MAP_WORDS * sizeof(uint32_t) == PAGE, "a region's maps end its frame");
_Static_assert(REGION_UNITS * UNIT == 64512, "a region holds alloc_cat's 64,512 bytes");

typedef struct region_header {
    uint32_t tag;        /* REGION_TAG */
    uint32_t next, prev; /* the list of regions, in units from the origin */
    uint32_t unused;
} region_header;

_Static_assert(sizeof(region_header) <= UNIT, "a region header fits unit 0");

typedef struct free_block {
    uint32_t next, prev; /* NIL ends the list; prev NIL: first in its class */
    uint32_t units;
} free_block;

_Static_assert(sizeof(free_block) + sizeof(uint32_t) <= UNIT, "a free block's record and footer fit a unit");

static alloy_region *region_of(alloy_allocator *a)
{
    return (alloy_region *)a;
}

/* --- frames and units ------------------------------------------------------------ */

static uintptr_t frame_of(const alloy_region *r, uintptr_t p)
{
    return p - ((p - r->phase) & (PAGE - 1));
}

static uint32_t *free_map(uintptr_t frame)
{
    return (uint32_t *)(frame + MAPS_OFFSET);
}

static uint32_t *start_map(uintptr_t frame)
{
    return (uint32_t *)(frame + MAPS_OFFSET) + MAP_WORDS;
}

/* Bit k of a map is unit k + 1. */
static bool bit(const uint32_t *map, uint32_t unit)
{
    return (map[(unit - 1) / 32] >> ((unit - 1) % 32)) & 1;
}

static void set_bit(uint32_t *map, uint32_t unit)
{
    map[(unit - 1) / 32] |= (uint32_t)1 << ((unit - 1) % 32);
}

static void clear_bit(uint32_t *map, uint32_t unit)
{
    map[(unit - 1) / 32] &= ~((uint32_t)1 << ((unit - 1) % 32));
}

static uintptr_t address_of(const alloy_region *r, uint32_t offset)
{
    return r->origin + (uintptr_t)offset * UNIT;
}

static uint32_t offset_of(const alloy_region *r, uintptr_t address)
{
    return (uint32_t)((address - r->origin) / UNIT);
}

static free_block *block_at(const alloy_region *r, uint32_t offset)
{
    return (free_block *)address_of(r, offset);
}

static uint32_t *footer_of(const alloy_region *r, uint32_t offset, uint32_t units)
{
    return (uint32_t *)(address_of(r, offset + units) - sizeof(uint32_t));
}

static uint32_t units_for(size_t size)
{
    return (uint32_t)((size + UNIT - 1) / UNIT);
}

/* Whether a request is served from a region: up to 32 KiB, and room for it in a
 * region whatever the alignment costs (else a run of pages serves it). */
static bool small_block(size_t size, size_t align)
{
    return size <= ALLOY_REGION_SMALL_MAX && units_for(size) + (align > UNIT ? align / UNIT - 1 : 0) <= REGION_UNITS;
}

static unsigned class_of(uint32_t units)
{
    if (units <= EXACT_CLASSES)
        return units - 1;
    unsigned top = 31u - (unsigned)__builtin_clz(units); /* >= 5 */
    return EXACT_CLASSES + (top - 5) * 4 + ((units >> (top - 2)) & 3);
}

static bool fits_offsets(const alloy_region *r, uintptr_t start, size_t bytes)
{
    return start >= r->origin && (uint64_t)(start - r->origin) + bytes <= MAX_SPAN;
}

/* --- free lists ---------------------------------------------------------------------- */

static void list_insert(alloy_region *r, uint32_t offset, uint32_t units)
{
    unsigned c = class_of(units);
    free_block *b = block_at(r, offset);
    poison_expose(b, UNIT);
    poison_expose((char *)(footer_of(r, offset, units) + 1) - 8, 8);
    b->units = units;
    *footer_of(r, offset, units) = units;
    b->prev = NIL;
    b->next = r->class_heads[c];
    if (b->next != NIL)
        block_at(r, b->next)->prev = offset;
    r->class_heads[c] = offset;
    r->class_bitmap |= (uint64_t)1 << c;
    r->free_blocks++;
    r->free_units += units;
}

static void list_remove(alloy_region *r, uint32_t offset)
{
    free_block *b = block_at(r, offset);
    unsigned c = class_of(b->units);
    if (b->prev != NIL)
        block_at(r, b->prev)->next = b->next;
    else if ((r->class_heads[c] = b->next) == NIL)
        r->class_bitmap &= ~((uint64_t)1 << c);
    if (b->next != NIL)
        block_at(r, b->next)->prev = b->prev;
    r->free_blocks--;
    r->free_units -= b->units;
}

/* Make `units` units at `offset` (in the region of `frame`) a free block. */
static void add_free(alloy_region *r, uintptr_t frame, uint32_t offset, uint32_t units)
{
    uint32_t first = (uint32_t)((address_of(r, offset) - frame) / UNIT);
    set_bit(free_map(frame), first);
    set_bit(free_map(frame), first + units - 1);
    list_insert(r, offset, units);
    if (units > 1) /* all but the record in front and the footer behind */
        poison_hide((char *)address_of(r, offset) + UNIT, units * UNIT - UNIT - 8);
}

/* --- regions ------------------------------------------------------------------------- */

static region_header *header_of(uintptr_t frame)
{
    return (region_header *)frame;
}

/* Set up a region in `frame` whose blocks start at unit `first`: its maps, one free
 * block of all its units, and (unless it is the initial region, whose unit 0 may not
 * be ours) its header, first in the list. */
static void start_region(alloy_region *r, uintptr_t frame, uint32_t first)
{
    poison_expose((void *)(frame + MAPS_OFFSET), PAGE - MAPS_OFFSET);
    memset(free_map(frame), 0, 2 * MAP_WORDS * sizeof(uint32_t));
    if (frame != r->initial_frame) {
        region_header *h = header_of(frame);
        poison_expose(h, UNIT);
        h->tag = REGION_TAG;
        h->prev = NO_REGION;
        h->next = r->regions;
        if (h->next != NO_REGION)
            header_of(address_of(r, h->next))->prev = offset_of(r, frame);
        r->regions = offset_of(r, frame);
    }
    r->region_count++;
    add_free(r, frame, offset_of(r, frame + first * UNIT), END_UNIT - first);
}

static void *grow_heap(alloy_region *r, size_t pages)
{
    void *p = alloy_heap_grow(r->heap, pages);
    if (p)
        r->base.metrics.heap_bytes += pages * PAGE;
    return p;
}

static void keep_free_run(alloy_region *r, char *pages, size_t count);
static char *take_pages(alloy_region *r, size_t count);

/* A new region on a page of the pool or a new one; false when there is none that a
 * region can use (the heap refuses, or hands out a page beyond the offsets' reach:
 * that page is kept as a free run for large blocks). */
static bool new_region(alloy_region *r)
{
    uintptr_t page = (uintptr_t)take_pages(r, 1);
    if (!page)
        return false;
    if (!fits_offsets(r, page, PAGE)) {
        keep_free_run(r, (char *)page, 1);
        return false;
    }
    start_region(r, page, FIRST_UNIT);
    return true;
}

/* Give an empty region's page back to the pool. */
static void retire_region(alloy_region *r, uintptr_t frame)
{
    region_header *h = header_of(frame);
    list_remove(r, offset_of(r, frame + UNIT));
    if (h->prev != NO_REGION)
        header_of(address_of(r, h->prev))->next = h->next;
    else
        r->regions = h->next;
    if (h->next != NO_REGION)
        header_of(address_of(r, h->next))->prev = h->prev;
    r->region_count--;
    keep_free_run(r, (char *)frame, 1);
}

static bool region_is_empty(const alloy_region *r, uint32_t frame_offset)
{
    return bit(free_map(address_of(r, frame_offset)), FIRST_UNIT) &&
           block_at(r, frame_offset + FIRST_UNIT)->units == REGION_UNITS;
}

/* A free left the region of `frame` empty: keep it if it is the only empty region,
 * else give it back. */
static void region_emptied(alloy_region *r, uintptr_t frame)
{
    uint32_t offset = offset_of(r, frame);
    if (r->empty_region != NO_REGION && r->empty_region != offset && region_is_empty(r, r->empty_region))
        retire_region(r, frame);
    else
        r->empty_region = offset;
}

/* The first region: on the heap's initial space when that holds one - a region
 * that starts later in its frame, then ordinary regions on the frames it covers
 * whole - else on a page. */
static bool first_region(alloy_region *r)
{
    size_t bytes;
    uintptr_t space = (uintptr_t)alloy_heap_claim_initial(r->heap, &bytes), end = space + bytes;
    if (space && fits_offsets(r, space, bytes) && ((end - r->phase) & (PAGE - 1)) == 0) {
        uintptr_t frame = frame_of(r, space);
        uint32_t first = (uint32_t)((space - frame) / UNIT);
        if (first && first <= END_UNIT - 64) { /* 1 KiB or more of blocks */
            r->initial_frame = frame;
            r->initial_first = first;
            start_region(r, frame, first);
            r->base.metrics.heap_bytes += PAGE - (size_t)first * UNIT;
        }
        for (frame += first ? PAGE : 0; frame < end; frame += PAGE) {
            start_region(r, frame, FIRST_UNIT);
            r->base.metrics.heap_bytes += PAGE;
        }
        if (r->region_count)
            return true;
    }
    return new_region(r);
}

/* --- small blocks -------------------------------------------------------------------- */

/* Hand out `units` at `offset + pad` of a free block of `have` units, already off its
 * list; the front and back it does not need stay free. */
static void *carve(alloy_region *r, uint32_t offset, uint32_t have, uint32_t pad, uint32_t units)
{
    uintptr_t start = address_of(r, offset), frame = frame_of(r, start);
    uint32_t first = (uint32_t)((start - frame) / UNIT), rest = have - pad - units;
    clear_bit(free_map(frame), first);
    clear_bit(free_map(frame), first + have - 1);
    if (pad)
        add_free(r, frame, offset, pad);
    if (rest)
        add_free(r, frame, offset + pad + units, rest);
    set_bit(start_map(frame), first + pad);
    r->live_units += units;
    return (void *)(start + (size_t)pad * UNIT);
}

static uint32_t pad_units(const alloy_region *r, uint32_t offset, size_t align)
{
    return (uint32_t)((-address_of(r, offset) & (align - 1)) / UNIT);
}

static void *take_free(alloy_region *r, unsigned c, size_t align, uint32_t units)
{
    uint32_t offset = r->class_heads[c];
    uint32_t have = block_at(r, offset)->units, pad = pad_units(r, offset, align);
    if (pad > have || have - pad < units)
        return NULL;
    list_remove(r, offset);
    return carve(r, offset, have, pad, units);
}

static void *from_free_lists(alloy_region *r, uint32_t units, size_t align)
{
    unsigned c = class_of(units);
    if (r->class_bitmap & ((uint64_t)1 << c)) {
        void *p = take_free(r, c, align, units);
        if (p)
            return p;
    }
    /* every block of a class above the worst case's fits; below it, try the heads */
    unsigned worst = class_of(units + (uint32_t)((align > UNIT ? align : UNIT) / UNIT) - 1);
    uint64_t larger = r->class_bitmap & (~(uint64_t)0 << 1 << worst);
    if (larger)
        return take_free(r, (unsigned)__builtin_ctzll(larger), align, units);
    for (uint64_t maybe = r->class_bitmap & (~(uint64_t)0 << 1 << c); maybe; maybe &= maybe - 1) {
        void *p = take_free(r, (unsigned)__builtin_ctzll(maybe), align, units);
        if (p)
            return p;
    }
    return NULL;
}

static void *alloc_small(alloy_region *r, size_t size, size_t align)
{
    uint32_t units = units_for(size);
    for (;;) {
        void *p = from_free_lists(r, units, align);
        if (p)
            return p;
        if (!new_region(r))
            return NULL;
    }
}

/* Give back [p, p + units * UNIT) of the region of `frame`, merging it with the free
 * blocks it touches. */
static void free_units(alloy_region *r, uintptr_t frame, uintptr_t p, uint32_t units)
{
    uint32_t *map = free_map(frame);
    uint32_t first = (uint32_t)((p - frame) / UNIT), after = first + units;
    uint32_t start = offset_of(r, p);
    if (after < END_UNIT && bit(map, after)) { /* the start of a free block */
        uint32_t more = block_at(r, start + units)->units;
        list_remove(r, start + units);
        clear_bit(map, after);
        clear_bit(map, after + more - 1);
        units += more;
    }
    if (first > FIRST_UNIT && bit(map, first - 1)) { /* the end of one */
        uint32_t before = *(const uint32_t *)(p - sizeof(uint32_t));
        start -= before;
        first -= before;
        units += before;
        list_remove(r, start);
        clear_bit(map, first + before - 1);
        clear_bit(map, first);
    }
    add_free(r, frame, start, units);
    if (units == REGION_UNITS && frame != r->initial_frame)
        region_emptied(r, frame);
}

static void free_small(alloy_region *r, void *ptr, uint32_t units)
{
    uintptr_t p = (uintptr_t)ptr, frame = frame_of(r, p);
    clear_bit(start_map(frame), (uint32_t)((p - frame) / UNIT));
    r->live_units -= units;
    free_units(r, frame, p, units);
}

static bool resize_small(alloy_region *r, void *ptr, size_t size, size_t new_size)
{
    uint32_t units = units_for(size), new_units = units_for(new_size);
    uintptr_t p = (uintptr_t)ptr, frame = frame_of(r, p);
    if (new_units <= units) {
        if (new_units < units) { /* the tail goes back */
            r->live_units -= units - new_units;
            free_units(r, frame, p + (size_t)new_units * UNIT, units - new_units);
        }
        return true;
    }
    /* into the free block behind it */
    uint32_t extra = new_units - units, after = (uint32_t)((p - frame) / UNIT) + units;
    if (after >= END_UNIT || !bit(free_map(frame), after))
        return false;
    uint32_t next = offset_of(r, p) + units, have = block_at(r, next)->units;
    if (have < extra)
        return false;
    list_remove(r, next);
    carve(r, next, have, 0, extra);
    clear_bit(start_map(frame), after); /* carve marked the extra units as a block */
    return true;
}

/* The size of the small block at p: up to the next block, live or free. */
static size_t small_block_size(uintptr_t frame, uintptr_t p)
{
    const uint32_t *starts = start_map(frame), *frees = free_map(frame);
    uint32_t first = (uint32_t)((p - frame) / UNIT);
    for (uint32_t unit = first + 1; unit < END_UNIT; unit++) {
        uint32_t k = unit - 1, word = (starts[k / 32] | frees[k / 32]) >> (k % 32);
        if (word)
            return ((size_t)(unit + (uint32_t)__builtin_ctz(word)) - first) * UNIT;
        unit += 31 - k % 32; /* on to the next word */
    }
    return ((size_t)END_UNIT - first) * UNIT;
}

/* --- large blocks: runs of pages ----------------------------------------------------- */

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
    alloy_page_link *link = (alloy_page_link *)(void *)(run_end(run) - LINK_SIZE);
    poison_expose(link, LINK_SIZE);
    return link;
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
    poison_expose(rest, LINK_SIZE);
    rest->page_count = (uint16_t)(run->page_count - pages);
    rest->unused_words = ALLOY_PAGES_FREE;
    rest->pages = run->pages + pages * PAGE;
    run->page_count = (uint16_t)pages;
}

/* Two free runs that touch and whose sum the 16-bit page count can hold. */
static bool mergeable(const alloy_page_link *run, const alloy_page_link *next)
{
    return next->pages && !run_in_use(next) && (size_t)run->page_count + next->page_count <= UINT16_MAX &&
           (run_end(run) == next->pages || run_end(next) == run->pages);
}

/* Merge the run `run` describes with the next one in the list when both are free and
 * they touch in memory, in either order. */
static bool merge_with_next(alloy_page_link *run)
{
    if (!run->pages || run_in_use(run))
        return false;
    alloy_page_link next = *trailer(run); /* a copy: the trailer may be overwritten below */
    if (!mergeable(run, &next))
        return false;
    if (run_end(&next) == run->pages) {
        *trailer(run) = *trailer(&next); /* the merged run ends where ours did */
        run->pages = next.pages;
    }
    run->page_count = (uint16_t)(run->page_count + next.page_count); /* else next's trailer is ours now */
    return true;
}

/* Put a run of pages first in the list. */
static void push_run(alloy_region *r, char *pages, size_t count)
{
    alloy_page_link *first = &r->large;
    alloy_page_link new_run = {(uint16_t)count, ALLOY_PAGES_FREE, pages};
    *trailer(&new_run) = *first;
    *first = new_run;
}

/* The promise after one run (the link `run`) became free or larger, without a pass
 * over the whole list: only its neighbours can now be free runs that touch it, and
 * when its predecessor absorbs it, that one's neighbours. O(runs) for finding a
 * predecessor, once per merge backwards. */
static void merge_around(alloy_region *r, alloy_page_link *run)
{
    for (;;) {
        while (merge_with_next(run))
            ;
        alloy_page_link *before = NULL;
        for (alloy_page_link *link = &r->large; link != run; link = trailer(link))
            before = link;
        if (!before || !merge_with_next(before))
            return;
        run = before;
    }
}

/* Keep pages as a free run: first in the list, merged with the runs they touch. */
static void keep_free_run(alloy_region *r, char *pages, size_t count)
{
    push_run(r, pages, count);
    merge_around(r, &r->large);
}

/* Restore the list's promise that no two neighbours in it are free runs that touch:
 * merge them wherever they are. A merge makes a run larger, so it may now touch the
 * run before it: go round until a pass merges nothing. */
static void merge_free_runs(alloy_region *r)
{
    bool merged;
    do {
        merged = false;
        for (alloy_page_link *run = &r->large; run->pages; run = trailer(run))
            while (merge_with_next(run))
                merged = true;
    } while (merged);
}

/* The first free run of at least `need` pages, cut to `need`; NULL when none. */
static alloy_page_link *free_run_of(alloy_region *r, size_t need, size_t align, size_t words)
{
    for (alloy_page_link *run = &r->large; run->pages; run = trailer(run)) {
        if (run_in_use(run))
            continue;
        size_t pages = words ? run_pages_for_words(words + large_pad(run->pages, align) / 4) : need;
        if (run->page_count < pages)
            continue;
        if (run->page_count > pages)
            split_run(run, pages);
        return run;
    }
    return NULL;
}

/* Drop the free run `run` describes from the list, as pages a region takes. */
static char *unlink_run(alloy_region *r, alloy_page_link *run)
{
    char *pages = run->pages;
    *run = *trailer(run);
    merge_free_runs(r); /* dropping a run made two others neighbours */
    return pages;
}

/* `count` pages for a region: from the pool, else from the heap. */
static char *take_pages(alloy_region *r, size_t count)
{
    alloy_page_link *run = free_run_of(r, count, 1, 0);
    return run ? unlink_run(r, run) : grow_heap(r, count);
}

/* Mark a large block at `pages + pad`: a zero tag in unit 0 when it does not start
 * the frame (see Blocks' sizes). */
static void *place_large(alloy_page_link *run, size_t words, size_t pad)
{
    set_used(run, words + pad / 4);
    if (pad) {
        poison_expose(run->pages, sizeof(uint32_t));
        *(uint32_t *)(void *)run->pages = 0;
    }
    return run->pages + pad;
}

static void *alloc_large(alloy_region *r, size_t size, size_t align)
{
    size_t words = (size + 3) / 4;
    alloy_page_link *run = free_run_of(r, 0, align, words);
    if (run)
        return place_large(run, words, large_pad(run->pages, align));
    size_t need = run_pages_for_words(words);
    for (;;) {
        if (need > UINT16_MAX)
            return NULL;
        char *pages = grow_heap(r, need);
        if (!pages)
            return NULL;
        size_t pad = large_pad(pages, align);
        if (run_pages_for_words(words + pad / 4) <= need) {
            push_run(r, pages, need);
            return place_large(&r->large, words, pad);
        }
        /* pages not aligned enough (a static heap): keep them as a free run */
        keep_free_run(r, pages, need);
        need = run_pages_for_words(words + (align - 1) / 4 + 1);
    }
}

/* The link that describes the run holding the large block at ptr: the run that
 * starts at most a page before it. */
static alloy_page_link *find_run(alloy_region *r, const void *ptr)
{
    for (alloy_page_link *run = &r->large; run->pages; run = trailer(run))
        if (run_in_use(run) && (uintptr_t)ptr - (uintptr_t)run->pages < PAGE)
            return run;
    return NULL;
}

static void free_large(alloy_region *r, void *ptr)
{
    alloy_page_link *run = find_run(r, ptr);
    if (!run)
        return;
    run->unused_words = ALLOY_PAGES_FREE;
    merge_around(r, run);
}

static bool resize_large(alloy_region *r, void *ptr, size_t new_size)
{
    alloy_page_link *run = find_run(r, ptr);
    if (!run)
        return false;
    size_t pad_words = (size_t)((char *)ptr - run->pages) / 4, words = (new_size + 3) / 4 + pad_words;
    size_t need = run_pages_for_words(words);
    if (need <= run->page_count) {
        bool split = need < run->page_count;
        if (split)
            split_run(run, need);
        set_used(run, words);
        if (split)
            merge_around(r, trailer(run)); /* the free rest may touch the run after it */
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
        run = find_run(r, ptr); /* dropping a run may have moved our link */
        run->page_count = (uint16_t)need;
        *trailer(run) = follows;
        set_used(run, words);
        merge_free_runs(r); /* dropping a run made two others neighbours */
        return true;
    }
    /* or onto the end of the heap */
    if (end != r->heap->end)
        return false;
    char *got = grow_heap(r, more);
    if (!got)
        return false;
    if (got != end) {
        keep_free_run(r, got, more); /* elsewhere */
        return false;
    }
    alloy_page_link follows = *trailer(run);
    run->page_count = (uint16_t)need;
    *trailer(run) = follows;
    set_used(run, words);
    return true;
}

/* --- the strategy table -------------------------------------------------------------- */

void *alloy_region_alloc(alloy_allocator *a, size_t size, size_t align)
{
    alloy_region *r = region_of(a);
    bool small = small_block(size, align);
    if (!r->region_count && !first_region(r) && small)
        return NULL; /* large blocks need no region */
    return small ? alloc_small(r, size, align) : alloc_large(r, size, align);
}

void alloy_region_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    alloy_region *r = region_of(a);
    if (small_block(size, align))
        free_small(r, ptr, units_for(size));
    else
        free_large(r, ptr);
}

bool alloy_region_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    alloy_region *r = region_of(a);
    bool small = small_block(size, align);
    if (small != small_block(new_size, align))
        return false; /* the block would change kinds: realloc moves it */
    return small ? resize_small(r, ptr, size, new_size) : resize_large(r, ptr, new_size);
}

size_t alloy_region_block_size(const alloy_allocator *a, const void *ptr)
{
    alloy_region *r = region_of((alloy_allocator *)(uintptr_t)a);
    uintptr_t p = (uintptr_t)ptr, frame = frame_of(r, p);
    if (p != frame && (frame == r->initial_frame || header_of(frame)->tag == REGION_TAG))
        return small_block_size(frame, p);
    alloy_page_link *run = find_run(r, ptr);
    return run ? (max_words(run) - run->unused_words) * 4 - (size_t)(p - (uintptr_t)run->pages) : 0;
}

/* The region list, the initial region first: calls fn for each region's frame and
 * first unit until it returns false. */
static bool each_region(const alloy_region *r, bool (*fn)(const alloy_region *, uintptr_t, uint32_t, void *),
                        void *arg)
{
    if (r->initial_frame && !fn(r, r->initial_frame, r->initial_first, arg))
        return false;
    size_t seen = 0;
    for (uint32_t f = r->regions; f != NO_REGION; f = header_of(address_of(r, f))->next)
        if (++seen > r->region_count || !fn(r, address_of(r, f), FIRST_UNIT, arg))
            return false;
    return true;
}

static bool count_region(const alloy_region *r, uintptr_t frame, uint32_t first, void *arg)
{
    alloy_region_stats *s = arg;
    (void)r;
    (void)frame;
    s->total_words += ((size_t)PAGE - (size_t)first * UNIT) / 4;
    return true;
}

static void region_stats(const alloy_allocator *a, alloy_statistics *out)
{
    const alloy_region *r = (const alloy_region *)a;
    alloy_region_stats *s = &out->region;
    s->regions = r->region_count;
    each_region(r, count_region, s);
    if (r->empty_region != NO_REGION && region_is_empty(r, r->empty_region))
        s->unused_words = (uint64_t)REGION_UNITS * (UNIT / 4);
    s->allocated_words = (uint64_t)r->live_units * (UNIT / 4);
    s->fragment_words = (uint64_t)r->free_units * (UNIT / 4) - s->unused_words;
    s->fragments = r->free_blocks - (s->unused_words != 0);
    for (const alloy_page_link *run = &r->large; run->pages; run = trailer(run)) {
        s->total_large_pages += run->page_count;
        if (run_in_use(run))
            s->allocated_large_pages_words += max_words(run) - run->unused_words;
        else
            s->unused_large_pages += run->page_count;
    }
}

/* --- check --------------------------------------------------------------------------- */

/* A free block on a list: inside a region, its ends marked in the free map and
 * nothing between them, footer intact, no start bit inside, touching no other free
 * block. */
static bool free_block_sound(const alloy_region *r, uint32_t b, unsigned c)
{
    const free_block *block = block_at(r, b);
    uintptr_t p = address_of(r, b), frame = frame_of(r, p);
    uint32_t first = (uint32_t)((p - frame) / UNIT), after = first + block->units;
    uint32_t lowest = frame == r->initial_frame ? r->initial_first : FIRST_UNIT;
    if (frame != r->initial_frame && header_of(frame)->tag != REGION_TAG)
        return false;
    if (block->units == 0 || class_of(block->units) != c || *footer_of(r, b, block->units) != block->units ||
        first < lowest || after > END_UNIT)
        return false;
    const uint32_t *frees = free_map(frame), *starts = start_map(frame);
    if ((first > lowest && bit(frees, first - 1)) || (after < END_UNIT && bit(frees, after)))
        return false; /* not merged */
    if (!bit(frees, first) || !bit(frees, after - 1))
        return false;
    for (uint32_t u = first; u < after; u++)
        if ((u != first && u + 1 != after && bit(frees, u)) || bit(starts, u))
            return false;
    return block->next == NIL || block_at(r, block->next)->prev == b;
}

typedef struct region_tally {
    uint64_t free_blocks, free_units;
} region_tally;

/* A region walked block by block: free blocks (found by their first bit and record)
 * and live stretches that each begin with a start bit; no bit below the first unit. */
static bool region_sound(const alloy_region *r, uintptr_t frame, uint32_t first, void *arg)
{
    region_tally *t = arg;
    if (frame % UNIT || !alloy_heap_holds(r->heap, (void *)(frame + first * UNIT), PAGE - first * UNIT) ||
        !fits_offsets(r, frame, PAGE) || (frame != r->initial_frame && header_of(frame)->tag != REGION_TAG))
        return false;
    const uint32_t *frees = free_map(frame), *starts = start_map(frame);
    for (uint32_t u = FIRST_UNIT; u < first; u++)
        if (bit(frees, u) || bit(starts, u))
            return false;
    bool block_begins = true;
    for (uint32_t u = first; u < END_UNIT;) {
        if (bit(frees, u)) {
            uint32_t units = ((const free_block *)(frame + (size_t)u * UNIT))->units;
            if (units == 0 || units > END_UNIT - u)
                return false;
            t->free_blocks++;
            t->free_units += units;
            u += units;
            block_begins = true;
        } else {
            if (block_begins && !bit(starts, u))
                return false; /* live units that no block starts */
            block_begins = false;
            u++;
        }
    }
    return true;
}

static bool regions_sound(const alloy_region *r)
{
    region_tally t = {0, 0};
    if (!each_region(r, region_sound, &t))
        return false;
    uint64_t blocks = 0, units = 0;
    for (unsigned c = 0; c < ALLOY_REGION_CLASSES; c++) {
        bool listed = r->class_heads[c] != NIL;
        if (listed != ((r->class_bitmap >> c) & 1) || (listed && block_at(r, r->class_heads[c])->prev != NIL))
            return false;
        for (uint32_t b = r->class_heads[c]; b != NIL; b = block_at(r, b)->next) {
            if (++blocks > r->free_blocks || !free_block_sound(r, b, c))
                return false;
            units += block_at(r, b)->units;
        }
    }
    /* the free blocks the regions hold are those on the lists, and every other unit
     * of a region is live */
    uint64_t region_units = (uint64_t)(r->region_count - (r->initial_frame != 0)) * REGION_UNITS;
    if (r->initial_frame)
        region_units += END_UNIT - r->initial_first;
    return blocks == r->free_blocks && units == r->free_units && t.free_blocks == blocks &&
           t.free_units == units && region_units == units + r->live_units;
}

static bool runs_sound(const alloy_region *r)
{
    size_t runs = 0;
    for (const alloy_page_link *run = &r->large; run->pages; run = trailer(run)) {
        if (++runs > (size_t)(r->heap->end - r->heap->start) / PAGE || run->page_count == 0 ||
            !alloy_heap_holds(r->heap, run->pages, (size_t)run->page_count * PAGE) ||
            (run_in_use(run) && run->unused_words >= PAGE / 4) ||
            ((uintptr_t)run->pages - r->phase) % PAGE)
            return false;
        const alloy_page_link *next = trailer(run);
        if (!run_in_use(run) && mergeable(run, next))
            return false; /* touching free neighbours are merged */
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

const alloy_strategy alloy_region_strategy = {
    .name = "region",
    .alloc = alloy_region_alloc,
    .resize = alloy_region_resize,
    .free = alloy_region_free,
    .stats = region_stats,
    .check = region_check,
};

void alloy_region_setup(alloy_region *r, alloy_heap *heap)
{
    memset(r, 0, sizeof *r);
    r->heap = heap;
    r->regions = r->empty_region = NO_REGION;
    r->phase = (uintptr_t)heap->end & (PAGE - 1);
    r->origin = frame_of(r, (uintptr_t)heap->start);
}

alloy_allocator *alloy_region_init(alloy_region *r, alloy_heap *heap)
{
    if (!r || !heap)
        return NULL;
    alloy_region_setup(r, heap);
    r->base.strategy = &alloy_region_strategy;
    return &r->base;
}
