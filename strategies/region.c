/* region: regions for small blocks, runs of whole pages for large ones - alloc_cat's
 * design, with its region internals designed here.
 *
 * Small blocks (up to 32 KiB)
 *   A region is a bump area of at most 2 MiB. It begins with a 16-byte header (next
 *   region, bump offset, size, free map offset) and ends with its free map, one bit
 *   per 16-byte unit of the region (1/128 of it: 512 bytes for a 64 KiB region), set
 *   on the first and the last unit of every free block:
 *
 *     | header | live | free | live | pad | live |    bump room    | free map |
 *     ^start                                     ^start+bump                    ^start+size
 *
 *   Regions form a list headed by the current region, the only one that bumps: when
 *   it cannot serve a request it grows by pages if the heap's next pages are adjacent
 *   and it stays within 2 MiB (the free map moves to the new end), otherwise a new
 *   region starts on new pages and the old bump room becomes a free block. The first
 *   region takes the heap's initial space when that is at least 1 KiB.
 *
 *   Blocks are whole 16-byte units; live blocks carry no header (frees are sized). A
 *   free block holds { next, prev, units } at its start and its units again in its
 *   last 4 bytes. next and prev are offsets, in units, from the instance's origin (the
 *   heap's start), so the layout is the same on wasm32 and x86_64. They reach 64 GiB:
 *   pages a provider hands out beyond that cannot hold regions, and become free page
 *   runs for large blocks.
 *
 *   Free blocks sit on 64 segregated, doubly linked lists with a bitmap of the
 *   non-empty ones: sizes 1..16 units one class each, then four classes per power of
 *   two, the last holding every block of 28,672 units and more. alloc looks at the
 *   head of the request's own class, then takes the head of the first non-empty
 *   larger class (which always fits), then bumps; what a block has to spare in front
 *   (alignment) and behind goes back as free blocks. free coalesces at once: a set bit
 *   on the unit after the block can only be the start of a free block, a set bit on
 *   the unit before it only the end of one (whose last 4 bytes then give its start),
 *   so the map answers both questions in O(1); a block that ends at the current
 *   region's bump pointer returns to the bump room.
 *
 * Large blocks (over 32 KiB)
 *   A large block takes a run of whole 64 KiB pages. The last bytes of every run hold
 *   an alloy_page_link describing the next run (page count, words the block leaves
 *   unused, address), so the list of runs is threaded through the pages themselves;
 *   the instance holds the link that describes the first run. alloc takes the first
 *   free run that is big enough, splitting off the pages it does not need as a free
 *   run behind it, or grows the heap and puts the new run first. free marks the run
 *   free. After every change the list keeps one promise: no two neighbours in it are
 *   free runs that touch in memory (in either order) - they are merged, wherever a
 *   change left them (a freed run, a split-off rest, a run dropped from between two
 *   others, unaligned new pages kept as a free run).
 *
 * Costs
 *   small alloc, free and resize: O(1), and O(regions) for free to find its region
 *   (the current one is tried first). Region growth moves the free map:
 *   O(region / 128). large alloc, free and resize: O(runs), and O(runs x merges) when runs merge. check: O(free blocks x regions + region bytes / 128 + runs^2).
 *   Bookkeeping: 16 bytes and 1/128 of every region, 16 bytes (8 on wasm32) per run,
 *   16-byte minimum block. Single-threaded.
 */
#include <string.h>

#include "alloy/poison.h"
#include "alloy/region.h"

#define UNIT ((size_t)16)
#define AREA_HEADER ((size_t)16)
#define MIN_INITIAL ((size_t)1024)
#define NIL ((uint32_t)0)
#define LINK_SIZE sizeof(alloy_page_link)
#define PAGE ALLOY_PAGE_SIZE
/* offsets are 32-bit counts of units from the origin */
#define MAX_SPAN ((uint64_t)UINT32_MAX * UNIT)

typedef struct alloy_region_area {
    uint32_t next; /* the next region, in units from the origin; NO_AREA: none */
    uint32_t bump; /* bytes from the area's start */
    uint32_t size; /* bytes from the area's start to its end, free map included */
    uint32_t map;  /* bytes from the area's start to its free map */
} area;

#define NO_AREA UINT32_MAX

_Static_assert(sizeof(area) <= AREA_HEADER, "a region header must fit its 16 bytes");

typedef struct free_block {
    uint32_t next, prev; /* NIL ends the list; prev NIL: first in its class */
    uint32_t units;
} free_block;

_Static_assert(sizeof(free_block) + sizeof(uint32_t) <= UNIT, "a free block's record and footer fit a unit");

static alloy_region *region_of(alloy_allocator *a)
{
    return (alloy_region *)a;
}

/* --- small blocks: geometry -------------------------------------------------------- */

static char *area_start(const area *ar)
{
    return (char *)ar;
}

/* One bit per unit, rounded up to whole units so that the map and the bump room's
 * end stay unit-aligned whatever the region's size. */
static size_t map_bytes(size_t size)
{
    return (size / UNIT + UNIT * 8 - 1) / (UNIT * 8) * UNIT;
}

static uint32_t *free_map(const area *ar)
{
    return (uint32_t *)(void *)(area_start(ar) + ar->map);
}

/* Where the bump room ends: the free map. */
static size_t room_end(const area *ar)
{
    return ar->map;
}

static uintptr_t bump_address(const area *ar)
{
    return (uintptr_t)ar + ar->bump;
}

static free_block *block_at(const alloy_region *r, uint32_t offset)
{
    return (free_block *)(void *)(r->origin + (size_t)offset * UNIT);
}

static uint32_t offset_of(const alloy_region *r, uintptr_t address)
{
    return (uint32_t)((address - (uintptr_t)r->origin) / UNIT);
}

static uintptr_t address_of(const alloy_region *r, uint32_t offset)
{
    return (uintptr_t)r->origin + (size_t)offset * UNIT;
}

static uint32_t *footer_of(const alloy_region *r, uint32_t offset, uint32_t units)
{
    return (uint32_t *)(void *)(address_of(r, offset + units) - sizeof(uint32_t));
}

static uint32_t units_for(size_t size)
{
    return (uint32_t)((size + UNIT - 1) / UNIT);
}

static unsigned class_of(uint32_t units)
{
    if (units <= 16)
        return units - 1;
    unsigned top = 31u - (unsigned)__builtin_clz(units); /* >= 4 */
    unsigned c = 16 + (top - 4) * 4 + ((units >> (top - 2)) & 3);
    return c < ALLOY_REGION_CLASSES - 1 ? c : ALLOY_REGION_CLASSES - 1;
}

static area *next_area(const alloy_region *r, const area *ar)
{
    return ar->next == NO_AREA ? NULL : (area *)address_of(r, ar->next);
}

/* The region holding p, current region first. */
static area *area_of(const alloy_region *r, uintptr_t p)
{
    for (area *ar = r->current; ar; ar = next_area(r, ar))
        if (p >= (uintptr_t)ar && p < (uintptr_t)ar + ar->size)
            return ar;
    return NULL;
}

/* --- small blocks: the free map ---------------------------------------------------- */

static size_t unit_index(const area *ar, uintptr_t address)
{
    return (address - (uintptr_t)ar) / UNIT;
}

static bool unit_free(const area *ar, size_t unit)
{
    return (free_map(ar)[unit / 32] >> (unit % 32)) & 1;
}

static void mark(const area *ar, size_t unit)
{
    free_map(ar)[unit / 32] |= (uint32_t)1 << (unit % 32);
}

static void unmark(const area *ar, size_t unit)
{
    free_map(ar)[unit / 32] &= ~((uint32_t)1 << (unit % 32));
}

/* --- small blocks: free lists ------------------------------------------------------ */

static void list_insert(alloy_region *r, uint32_t offset, uint32_t units)
{
    unsigned c = class_of(units);
    free_block *b = block_at(r, offset);
    alloy_poison_expose(b, UNIT);
    alloy_poison_expose((char *)(footer_of(r, offset, units) + 1) - 8, 8);
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
    else
        r->class_heads[c] = b->next;
    if (b->next != NIL)
        block_at(r, b->next)->prev = b->prev;
    if (r->class_heads[c] == NIL)
        r->class_bitmap &= ~((uint64_t)1 << c);
    r->free_blocks--;
    r->free_units -= b->units;
}

/* Make [offset, offset + units) of region `ar` a free block. */
static void add_free(alloy_region *r, area *ar, uint32_t offset, uint32_t units)
{
    size_t first = unit_index(ar, address_of(r, offset));
    mark(ar, first);
    mark(ar, first + units - 1);
    list_insert(r, offset, units);
    if (units > 1) /* all but the record in front and the footer behind */
        alloy_poison_hide((char *)address_of(r, offset) + UNIT, units * UNIT - UNIT - 8);
}

/* Hand out `units` at `offset + pad` of a free block of `have` units, already off its
 * list; the front and back it does not need stay free. */
static void *carve(alloy_region *r, area *ar, uint32_t offset, uint32_t have, uint32_t pad, uint32_t units)
{
    size_t first = unit_index(ar, address_of(r, offset)), rest = have - pad - units;
    uintptr_t p = address_of(r, offset + pad);
    unmark(ar, first);
    unmark(ar, first + have - 1);
    if (pad)
        add_free(r, ar, offset, pad);
    if (rest)
        add_free(r, ar, offset + pad + units, (uint32_t)rest);
    r->live_units += units;
    return (void *)p;
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
    return carve(r, area_of(r, address_of(r, offset)), offset, have, pad, units);
}

static void *from_free_lists(alloy_region *r, uint32_t units, size_t align)
{
    unsigned c = class_of(units);
    if (r->class_bitmap & ((uint64_t)1 << c)) {
        void *p = take_free(r, c, align, units);
        if (p)
            return p;
    }
    /* every block of a class above the worst case's fits */
    uint32_t worst = units + (uint32_t)((align > UNIT ? align : UNIT) / UNIT) - 1;
    uint64_t larger = r->class_bitmap & (~(uint64_t)0 << 1 << class_of(worst));
    return larger ? take_free(r, (unsigned)__builtin_ctzll(larger), align, units) : NULL;
}

static void *from_bump(alloy_region *r, uint32_t units, size_t align)
{
    area *ar = r->current;
    size_t pad = (size_t)(-bump_address(ar) & (align - 1));
    size_t room = room_end(ar) - ar->bump;
    if (pad > room || room - pad < units * UNIT)
        return NULL;
    if (pad)
        add_free(r, ar, offset_of(r, bump_address(ar)), (uint32_t)(pad / UNIT));
    ar->bump += (uint32_t)(pad + units * UNIT);
    r->live_units += units;
    return (void *)(bump_address(ar) - units * UNIT);
}

/* --- small blocks: regions --------------------------------------------------------- */

static bool fits_offsets(const alloy_region *r, const char *start, size_t bytes)
{
    return (uintptr_t)start >= (uintptr_t)r->origin &&
           (uint64_t)((uintptr_t)start - (uintptr_t)r->origin) + bytes <= MAX_SPAN;
}

/* Start a region on [start, start + bytes); it becomes the current one, and the old
 * current region's bump room becomes a free block. */
static void start_region(alloy_region *r, char *start, size_t bytes)
{
    area *old = r->current;
    if (old && old->bump != room_end(old)) {
        add_free(r, old, offset_of(r, bump_address(old)), (uint32_t)((room_end(old) - old->bump) / UNIT));
        old->bump = (uint32_t)room_end(old);
    }
    area *ar = (area *)(void *)start;
    ar->next = old ? offset_of(r, (uintptr_t)old) : NO_AREA;
    ar->bump = (uint32_t)AREA_HEADER;
    ar->size = (uint32_t)bytes;
    ar->map = (uint32_t)(bytes - map_bytes(bytes));
    memset(free_map(ar), 0, map_bytes(bytes));
    r->current = ar;
}

/* Grow the current region by `pages` adjacent pages, moving its free map to the end. */
static void extend_region(area *ar, size_t pages)
{
    uint32_t *old_map = free_map(ar);
    size_t old_bytes = map_bytes(ar->size);
    ar->size += (uint32_t)(pages * PAGE);
    ar->map = (uint32_t)(ar->size - map_bytes(ar->size));
    memmove(free_map(ar), old_map, old_bytes);
    memset((char *)free_map(ar) + old_bytes, 0, map_bytes(ar->size) - old_bytes);
}

static void *grow_heap(alloy_region *r, size_t pages)
{
    void *p = alloy_heap_grow(r->heap, pages);
    if (p)
        r->base.stats.heap_bytes += pages * PAGE;
    return p;
}

static void keep_free_run(alloy_region *r, char *pages, size_t count);

/* New pages for regions, or NULL. Pages beyond the reach of the offsets (a provider
 * whose pages lie far apart) cannot hold a region: they become a free run for large
 * blocks, and the request that asked for them fails. */
static char *grow_for_regions(alloy_region *r, size_t pages)
{
    char *got = grow_heap(r, pages);
    if (got && !fits_offsets(r, got, pages * PAGE)) {
        keep_free_run(r, got, pages);
        return NULL;
    }
    return got;
}

/* The first region: on the heap's initial space if it is big enough (several
 * regions if it is larger than one may be), else on a new page. */
static bool first_region(alloy_region *r)
{
    size_t bytes;
    char *space = alloy_heap_claim_initial(r->heap, &bytes);
    if (space && bytes >= MIN_INITIAL && fits_offsets(r, space, bytes)) {
        r->base.stats.heap_bytes += bytes;
        while (bytes >= MIN_INITIAL) {
            size_t take = (bytes < ALLOY_REGION_MAX_BYTES ? bytes : ALLOY_REGION_MAX_BYTES) & ~(UNIT - 1);
            start_region(r, space, take);
            space += take;
            bytes -= take;
        }
        return true;
    }
    char *page = grow_for_regions(r, 1);
    if (page)
        start_region(r, page, PAGE);
    return page != NULL;
}

/* Pages that give the current region `need` more bytes of room, or 0 when it cannot
 * grow in place (not at the heap's end, or past 2 MiB). */
static size_t extension_pages(const alloy_region *r, size_t need)
{
    const area *ar = r->current;
    if (area_start(ar) + ar->size != r->heap->end)
        return 0;
    size_t room = room_end(ar) - ar->bump;
    for (size_t pages = alloy_heap_pages_for(need > room ? need - room : 1);; pages++) {
        size_t size = ar->size + pages * PAGE;
        if (size > ALLOY_REGION_MAX_BYTES)
            return 0;
        if (size - map_bytes(size) - ar->bump >= need)
            return pages;
    }
}

/* Make room for `need` bytes (worst-case alignment included) in the current region:
 * extend it when it can, otherwise start a new region. False when the heap refuses. */
static bool add_space(alloy_region *r, size_t need)
{
    area *ar = r->current;
    size_t pages = extension_pages(r, need);
    bool extend = pages != 0;
    if (!extend)
        pages = alloy_heap_pages_for(AREA_HEADER + need + map_bytes(ALLOY_REGION_MAX_BYTES));
    char *got = grow_for_regions(r, pages);
    if (!got)
        return false;
    if (extend && got == area_start(ar) + ar->size)
        extend_region(ar, pages);
    else
        start_region(r, got, pages * PAGE); /* someone else took the adjacent pages */
    return true;
}

static void *alloc_small(alloy_region *r, size_t size, size_t align)
{
    uint32_t units = units_for(size);
    for (;;) {
        void *p = from_free_lists(r, units, align);
        if (!p)
            p = from_bump(r, units, align);
        if (p)
            return p;
        if (!add_space(r, units * UNIT + (align > UNIT ? align - UNIT : 0)))
            return NULL;
    }
}

/* Give back [p, p + units * UNIT), merging it with the free blocks it touches, or
 * with the bump room. */
static void free_units(alloy_region *r, uintptr_t p, uint32_t units)
{
    area *ar = area_of(r, p);
    if (!ar)
        return;
    uint32_t start = offset_of(r, p), count = units;
    size_t first = unit_index(ar, p), after = first + units;
    if (after * UNIT < ar->bump && unit_free(ar, after)) { /* the start of a free block */
        uint32_t next = start + units;
        count += block_at(r, next)->units;
        list_remove(r, next);
        unmark(ar, after);
        unmark(ar, after + count - units - 1);
    }
    if (first > AREA_HEADER / UNIT && unit_free(ar, first - 1)) { /* the end of one */
        uint32_t before = *(const uint32_t *)(p - sizeof(uint32_t));
        start -= before;
        count += before;
        list_remove(r, start);
        unmark(ar, first - 1);
        unmark(ar, first - before);
    }
    if (ar == r->current && address_of(r, start + count) == bump_address(ar))
        ar->bump -= count * (uint32_t)UNIT;
    else
        add_free(r, ar, start, count);
}

static void free_small(alloy_region *r, void *ptr, uint32_t units)
{
    r->live_units -= units;
    free_units(r, (uintptr_t)ptr, units);
}

static bool resize_small(alloy_region *r, void *ptr, size_t size, size_t new_size)
{
    uint32_t units = units_for(size), new_units = units_for(new_size);
    uintptr_t p = (uintptr_t)ptr, end = p + units * UNIT;
    if (new_units <= units) {
        if (new_units < units) /* the tail goes back */
            free_small(r, (void *)(p + new_units * UNIT), units - new_units);
        return true;
    }
    uint32_t extra = new_units - units;
    area *ar = area_of(r, p);
    if (!ar)
        return false;
    size_t after = unit_index(ar, end);
    if (end < bump_address(ar) && unit_free(ar, after)) {
        /* into the free block behind it */
        uint32_t next = offset_of(r, end), have = block_at(r, next)->units;
        if (have < extra)
            return false;
        list_remove(r, next);
        carve(r, ar, next, have, 0, extra);
        return true;
    }
    if (ar != r->current || end != bump_address(ar))
        return false;
    if (room_end(ar) - ar->bump < extra * UNIT) {
        /* only an extension of this region can help; a new one would be elsewhere */
        if (!extension_pages(r, extra * UNIT) || !add_space(r, extra * UNIT) || r->current != ar)
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
    alloy_page_link *link = (alloy_page_link *)(void *)(run_end(run) - LINK_SIZE);
    alloy_poison_expose(link, LINK_SIZE);
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
    alloy_poison_expose(rest, LINK_SIZE);
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

/* The same promise after one run (the link `run`) became free or larger, without a
 * pass over the whole list: only its neighbours can now be free runs that touch it,
 * and when its predecessor absorbs it, that one's neighbours. O(runs) for finding a
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

/* Keep new pages as a free run: first in the list, merged with the run after it if
 * they touch. */
static void keep_free_run(alloy_region *r, char *pages, size_t count)
{
    push_run(r, pages, count);
    merge_around(r, &r->large);
}

/* Restore the list's promise that no two neighbours in it are free runs that touch:
 * merge them wherever they are. A merge makes a run larger, so it may now touch the
 * run before it: go round until a pass merges nothing. Each merge removes a run, so
 * that is at most one pass more than there are merges. */
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
        size_t pad = large_pad(pages, align);
        if (run_pages_for_words(words + pad / 4) <= need) {
            push_run(r, pages, need);
            set_used(&r->large, words + pad / 4);
            return pages + pad;
        }
        /* pages not aligned enough (a static heap): keep them as a free run */
        keep_free_run(r, pages, need);
        need = run_pages_for_words(words + (align - 1) / 4 + 1);
    }
}

/* The link that describes the run holding the block at ptr. */
static alloy_page_link *find_run(alloy_region *r, void *ptr, size_t align)
{
    for (alloy_page_link *run = &r->large; run->pages; run = trailer(run))
        if (run_in_use(run) && run->pages + large_pad(run->pages, align) == ptr)
            return run;
    return NULL;
}

static void free_large(alloy_region *r, void *ptr, size_t align)
{
    alloy_page_link *run = find_run(r, ptr, align);
    if (!run)
        return;
    run->unused_words = ALLOY_PAGES_FREE;
    merge_around(r, run);
}

static bool resize_large(alloy_region *r, void *ptr, size_t size, size_t align, size_t new_size)
{
    alloy_page_link *run = find_run(r, ptr, align);
    if (!run)
        return false;
    size_t pad_words = large_pad(run->pages, align) / 4, words = (new_size + 3) / 4 + pad_words;
    size_t need = run_pages_for_words(words);
    (void)size;
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
        run = find_run(r, ptr, align); /* dropping a run may have moved our link */
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

/* --- the strategy table ------------------------------------------------------------ */

void *alloy_region_alloc(alloy_allocator *a, size_t size, size_t align)
{
    alloy_region *r = region_of(a);
    bool small = size <= ALLOY_REGION_SMALL_MAX;
    if (!r->current && !first_region(r) && small)
        return NULL; /* large blocks need no region */
    return small ? alloc_small(r, size, align) : alloc_large(r, size, align);
}

void alloy_region_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    alloy_region *r = region_of(a);
    if (size <= ALLOY_REGION_SMALL_MAX)
        free_small(r, ptr, units_for(size));
    else
        free_large(r, ptr, align);
}

bool alloy_region_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    alloy_region *r = region_of(a);
    bool small = size <= ALLOY_REGION_SMALL_MAX;
    if (small != (new_size <= ALLOY_REGION_SMALL_MAX))
        return false; /* the block would change kinds: realloc moves it */
    return small ? resize_small(r, ptr, size, new_size) : resize_large(r, ptr, size, align, new_size);
}

/* The figures (alloy/region.h), in the order of their indexes below. */
static const char *const region_figures[] = {"regions", "total_words", "allocated_words", "unused_words",
                                             "fragment_words", "fragments", "total_large_pages",
                                             "unused_large_pages", "allocated_large_pages_words", NULL};
enum {
    REGIONS, TOTAL_WORDS, ALLOCATED_WORDS, UNUSED_WORDS, FRAGMENT_WORDS, FRAGMENTS, TOTAL_LARGE_PAGES,
    UNUSED_LARGE_PAGES, ALLOCATED_LARGE_PAGES_WORDS
};

static void region_stats(const alloy_allocator *a, alloy_stats *out)
{
    const alloy_region *r = (const alloy_region *)a;
    alloy_stat *s = out->figures;
    for (const area *ar = r->current; ar; ar = next_area(r, ar)) {
        s[REGIONS].value++;
        s[TOTAL_WORDS].value += ar->size / 4;
    }
    if (r->current)
        s[UNUSED_WORDS].value = (room_end(r->current) - r->current->bump) / 4;
    s[ALLOCATED_WORDS].value = (uint64_t)r->live_units * (UNIT / 4);
    s[FRAGMENT_WORDS].value = (uint64_t)r->free_units * (UNIT / 4);
    s[FRAGMENTS].value = r->free_blocks;
    for (const alloy_page_link *run = &r->large; run->pages; run = trailer(run)) {
        s[TOTAL_LARGE_PAGES].value += run->page_count;
        if (run_in_use(run))
            s[ALLOCATED_LARGE_PAGES_WORDS].value += max_words(run) - run->unused_words;
        else
            s[UNUSED_LARGE_PAGES].value += run->page_count;
    }
}

/* --- check ------------------------------------------------------------------------- */

/* A free block on a list: inside its region below the bump pointer, marked free in
 * the map, footer intact, touching neither another free block nor the current bump
 * room. */
static bool free_block_sound(const alloy_region *r, uint32_t b, unsigned c)
{
    const free_block *block = block_at(r, b);
    uintptr_t p = address_of(r, b);
    const area *ar = area_of(r, p);
    if (!ar || block->units == 0 || class_of(block->units) != c || *footer_of(r, b, block->units) != block->units)
        return false;
    size_t first = unit_index(ar, p), after = first + block->units;
    if (first < AREA_HEADER / UNIT || after * UNIT > ar->bump || unit_free(ar, first - 1) ||
        (after * UNIT == ar->bump && ar == r->current) || (after * UNIT < ar->bump && unit_free(ar, after)))
        return false;
    if (!unit_free(ar, first) || !unit_free(ar, after - 1))
        return false;
    for (size_t u = first + 1; u + 1 < after; u++)
        if (unit_free(ar, u))
            return false;
    return block->next == NIL || block_at(r, block->next)->prev == b;
}

static bool regions_sound(const alloy_region *r)
{
    uint64_t used_units = 0, marked_units = 0;
    for (const area *ar = r->current; ar; ar = next_area(r, ar)) {
        if ((uintptr_t)ar % UNIT || ar->bump < AREA_HEADER || ar->bump > room_end(ar) ||
            ar->map != ar->size - map_bytes(ar->size) ||
            ar->size > ALLOY_REGION_MAX_BYTES || ar->bump % UNIT || !alloy_heap_holds(r->heap, ar, ar->size))
            return false;
        used_units += (ar->bump - AREA_HEADER) / UNIT;
        for (size_t u = 0; u < ar->size / UNIT; u++)
            marked_units += unit_free(ar, u);
    }
    uint64_t blocks = 0, units = 0, boundaries = 0;
    for (unsigned c = 0; c < ALLOY_REGION_CLASSES; c++) {
        bool listed = r->class_heads[c] != NIL;
        if (listed != ((r->class_bitmap >> c) & 1) || (listed && block_at(r, r->class_heads[c])->prev != NIL))
            return false;
        for (uint32_t b = r->class_heads[c]; b != NIL; b = block_at(r, b)->next) {
            if (++blocks > r->free_blocks || !free_block_sound(r, b, c))
                return false;
            units += block_at(r, b)->units;
            boundaries += block_at(r, b)->units == 1 ? 1 : 2;
        }
    }
    /* every byte below the bump pointers is in a live block or a free one, once, and
     * the map marks exactly the ends of the free ones */
    return blocks == r->free_blocks && units == r->free_units && marked_units == boundaries &&
           used_units == units + r->live_units;
}

static bool runs_sound(const alloy_region *r)
{
    size_t runs = 0;
    for (const alloy_page_link *run = &r->large; run->pages; run = trailer(run)) {
        if (++runs > (size_t)(r->heap->end - r->heap->start) / PAGE || run->page_count == 0 ||
            !alloy_heap_holds(r->heap, run->pages, (size_t)run->page_count * PAGE) ||
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

const alloy_strategy alloy_region_strategy = {
    .name = "region",
    .alloc = alloy_region_alloc,
    .resize = alloy_region_resize,
    .free = alloy_region_free,
    .figures = region_figures,
    .stats = region_stats,
    .check = region_check,
};

void alloy_region_setup(alloy_region *r, alloy_heap *heap)
{
    memset(r, 0, sizeof *r);
    r->heap = heap;
    r->origin = heap->start;
}

alloy_allocator *alloy_region_init(alloy_region *r, alloy_heap *heap)
{
    if (!r || !heap)
        return NULL;
    alloy_region_setup(r, heap);
    r->base.strategy = &alloy_region_strategy;
    return &r->base;
}
