/* SPDX-License-Identifier: MIT */
/* The region/page-link strategy: every test of the alloc_cat seed, ported with its
 * figures, then merging, in-place resizing and region growth. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "alloy/malloc.h"
#include "alloy/region.h"
#include "alloy/static_heap.h"
#include "blocks.h"

#define PAGE ALLOY_PAGE_SIZE
#define KiB ((size_t)1024)
/* The link record ends every run of pages: 16 bytes on x86_64, 12 on wasm32. The seed's
 * figures that depend on it are derived from sizeof, as the seed derives them. */
#define LINK sizeof(alloy_page_link)
/* A large block starts one unit into its run, after the run's header (the seed's
 * start at the run's first byte: its one figure that depends on it adds this). */
#define RUN_HEADER ((size_t)16)

typedef struct bench {
    alloy_mmap_heap heap;
    alloy_region region;
    alloy_allocator *a;
} bench;

static void open_bench(bench *b, size_t heap_bytes)
{
    cr_assert(alloy_mmap_heap_init(&b->heap, heap_bytes));
    b->a = alloy_region_init(&b->region, &b->heap.heap);
    cr_assert(b->a);
}

static size_t heap_span(const bench *b)
{
    return (size_t)(b->heap.heap.end - b->heap.heap.start);
}

/* region's figures (alloy/region.h), under the names they have in the report */
typedef struct region_figures {
    uint64_t regions, total_words, allocated_words, unused_words, fragment_words, fragments, total_large_pages,
        unused_large_pages, allocated_large_pages_words;
} region_figures;

static region_figures figures_of(const alloy_stats *s)
{
    region_figures f;
#define FIGURE(name) f.name = stat_value(s, #name)
    FIGURE(regions);
    FIGURE(total_words);
    FIGURE(allocated_words);
    FIGURE(unused_words);
    FIGURE(fragment_words);
    FIGURE(fragments);
    FIGURE(total_large_pages);
    FIGURE(unused_large_pages);
    FIGURE(allocated_large_pages_words);
#undef FIGURE
    return f;
}

static region_figures rstats(const bench *b)
{
    alloy_stats s;
    alloy_stats_get(b->a, &s);
    cr_assert(alloy_check(b->a), "check fails");
    return figures_of(&s);
}

static void *take(bench *b, size_t size)
{
    void *p = alloy_alloc(b->a, size, 1);
    cr_assert(p, "alloc(%zu) failed", size);
    return p;
}

/* --- alloc_cat's tests ------------------------------------------------------------- */

Test(region_seed, simple)
{
    bench b;
    open_bench(&b, 256 * KiB);
    void *p = take(&b, 32);
    region_figures s = rstats(&b);
    cr_assert_eq(s.regions, 1);
    cr_assert_eq(s.allocated_words, 8);
    cr_assert_eq(s.allocated_large_pages_words, 0);
    alloy_free(b.a, p, 32, 1);
    s = rstats(&b);
    cr_assert_eq(s.regions, 1);
    cr_assert_eq(s.allocated_words, 0);
    cr_assert_eq(s.allocated_large_pages_words, 0);
}

Test(region_seed, multiple_regions)
{
    bench b;
    open_bench(&b, 256 * KiB);
    take(&b, 1024);
    region_figures s = rstats(&b);
    cr_assert_eq(s.regions, 1);
    cr_assert_eq(s.allocated_words, 256);
    cr_assert_eq(s.allocated_large_pages_words, 0);

    /* alloc a random page, messing up our precious contiguous region */
    cr_assert(alloy_heap_grow(&b.heap.heap, 1));
    for (int i = 0; i < 64; i++)
        take(&b, 1024);
    s = rstats(&b);
    cr_assert_eq(s.regions, 2);
    cr_assert_eq(s.allocated_words, 256 * 65);
    cr_assert_eq(s.allocated_large_pages_words, 0);
}

Test(region_seed, large_simple)
{
    bench b;
    open_bench(&b, 256 * KiB);
    void *p = take(&b, 96 * KiB);
    region_figures s = rstats(&b);
    cr_assert_eq(s.regions, 1);
    cr_assert_eq(s.allocated_words, 0);
    cr_assert_eq(s.allocated_large_pages_words, 96 * 256);
    cr_assert_eq(s.total_large_pages, 2);
    cr_assert_eq(s.unused_large_pages, 0);

    alloy_free(b.a, p, 96 * KiB, 1);
    s = rstats(&b);
    cr_assert_eq(s.regions, 1);
    cr_assert_eq(s.allocated_words, 0);
    cr_assert_eq(s.allocated_large_pages_words, 0);
    cr_assert_eq(s.total_large_pages, 2);
    cr_assert_eq(s.unused_large_pages, 2);
}

Test(region_seed, large_reuse)
{
    bench b;
    open_bench(&b, 256 * KiB);
    void *p1 = take(&b, 96 * KiB);
    take(&b, 48 * KiB);
    region_figures s = rstats(&b);
    cr_assert_eq(s.regions, 1);
    cr_assert_eq(s.allocated_words, 0);
    cr_assert_eq(s.allocated_large_pages_words, 144 * 256);
    cr_assert_eq(s.total_large_pages, 3);
    cr_assert_eq(s.unused_large_pages, 0);

    alloy_free(b.a, p1, 96 * KiB, 1);
    s = rstats(&b);
    cr_assert_eq(s.allocated_large_pages_words, 48 * 256);
    cr_assert_eq(s.total_large_pages, 3);
    cr_assert_eq(s.unused_large_pages, 2);

    take(&b, 96 * KiB);
    s = rstats(&b);
    cr_assert_eq(s.regions, 1);
    cr_assert_eq(s.allocated_words, 0);
    cr_assert_eq(s.allocated_large_pages_words, 144 * 256);
    cr_assert_eq(s.total_large_pages, 3);
    cr_assert_eq(s.unused_large_pages, 0);
}

Test(region_seed, large_threshold)
{
    size_t size1 = 64 * KiB - 4, size2 = 128 * KiB - 4;
    bench b;
    open_bench(&b, 512 * KiB);
    unsigned char *ptr1 = take(&b, size1);
    void *ptr2 = take(&b, size2);
    region_figures s = rstats(&b);
    cr_assert_eq(s.regions, 1);
    cr_assert_eq(s.allocated_words, 0);
    cr_assert_eq(s.total_large_pages, 5);
    cr_assert_eq(s.allocated_large_pages_words, 192 * 256 - 2);
    cr_assert_eq(s.unused_large_pages, 0);

    /* if it failed to allocate an extra page for ptr1, we'll corrupt the ptr2 link here */
    memset(ptr1, 0xff, size1);

    size_t size3 = 192 * KiB - LINK - RUN_HEADER; /* three pages exactly */
    alloy_free(b.a, ptr2, size2, 1);
    s = rstats(&b);
    cr_assert_eq(s.total_large_pages, 5);
    cr_assert_eq(s.allocated_large_pages_words, 64 * 256 - 1);
    cr_assert_eq(s.unused_large_pages, 3);

    void *ptr3 = take(&b, size3);
    cr_assert_eq(ptr2, ptr3);
    s = rstats(&b);
    cr_assert_eq(s.total_large_pages, 5);
    cr_assert_eq(s.allocated_large_pages_words, 256 * 256 - 1 - (LINK + RUN_HEADER) / 4);
}

Test(region_seed, large_split)
{
    size_t size_192k = 192 * KiB - 128, size_64k = 64 * KiB - 128;
    bench b;
    open_bench(&b, 512 * KiB);

    /* alloc 3 pages, then free them */
    void *ptr1 = take(&b, size_192k);
    region_figures s = rstats(&b);
    cr_assert_eq(s.total_large_pages, 3);
    cr_assert_eq(s.allocated_large_pages_words, size_192k / 4);
    cr_assert_eq(s.unused_large_pages, 0);
    alloy_free(b.a, ptr1, size_192k, 1);
    s = rstats(&b);
    cr_assert_eq(s.total_large_pages, 3);
    cr_assert_eq(s.allocated_large_pages_words, 0);
    cr_assert_eq(s.unused_large_pages, 3);

    /* alloc 1 page, 3 times */
    ptr1 = take(&b, size_64k);
    s = rstats(&b);
    cr_assert_eq(s.total_large_pages, 3);
    cr_assert_eq(s.allocated_large_pages_words, size_64k / 4);
    cr_assert_eq(s.unused_large_pages, 2);
    void *ptr2 = take(&b, size_64k);
    s = rstats(&b);
    cr_assert_eq(s.allocated_large_pages_words, size_64k * 2 / 4);
    cr_assert_eq(s.unused_large_pages, 1);
    void *ptr3 = take(&b, size_64k);
    s = rstats(&b);
    cr_assert_eq(s.total_large_pages, 3);
    cr_assert_eq(s.allocated_large_pages_words, size_64k * 3 / 4);
    cr_assert_eq(s.unused_large_pages, 0);

    /* free first and last page */
    alloy_free(b.a, ptr1, size_64k, 1);
    s = rstats(&b);
    cr_assert_eq(s.allocated_large_pages_words, size_64k * 2 / 4);
    cr_assert_eq(s.unused_large_pages, 1);
    alloy_free(b.a, ptr3, size_64k, 1);
    s = rstats(&b);
    cr_assert_eq(s.total_large_pages, 3);
    cr_assert_eq(s.allocated_large_pages_words, size_64k / 4);
    cr_assert_eq(s.unused_large_pages, 2);

    /* free the middle page. should be merged with the rest */
    alloy_free(b.a, ptr2, size_64k, 1);
    s = rstats(&b);
    cr_assert_eq(s.total_large_pages, 3);
    cr_assert_eq(s.allocated_large_pages_words, 0);
    cr_assert_eq(s.unused_large_pages, 3);

    /* now grab the unified 3 pages again */
    take(&b, size_192k);
    s = rstats(&b);
    cr_assert_eq(s.total_large_pages, 3);
    cr_assert_eq(s.allocated_large_pages_words, size_192k / 4);
    cr_assert_eq(s.unused_large_pages, 0);
}

Test(region_seed, large_then_small)
{
    bench b;
    open_bench(&b, 512 * KiB);
    cr_assert_eq(heap_span(&b), 0);
    size_t size_64k = 64 * KiB - 128;
    take(&b, size_64k);
    region_figures s = rstats(&b);
    cr_assert_eq(s.total_large_pages, 1);
    cr_assert_eq(s.allocated_large_pages_words, size_64k / 4);
    cr_assert_eq(s.unused_large_pages, 0);
    cr_assert_eq(heap_span(&b), 128 * KiB);

    /* now fill the single region page */
    for (int i = 0; i < 3; i++)
        take(&b, 16 * KiB);
    take(&b, 15 * KiB);
    cr_assert_eq(heap_span(&b), 128 * KiB);

    /* a new 15k allocation will require a 2nd region */
    take(&b, 15 * KiB);
    s = rstats(&b);
    cr_assert_eq(s.regions, 2);
    cr_assert_eq(s.allocated_words, 78 * 256);
    cr_assert_eq(s.allocated_large_pages_words, size_64k / 4);
    cr_assert_eq(heap_span(&b), 192 * KiB);
}

Test(region_seed, trip_odometer)
{
    bench b;
    open_bench(&b, 256 * KiB);
    void *p = take(&b, 1024);
    alloy_stats s;
    alloy_stats_get(b.a, &s);
    cr_assert_eq(s.shared.high_water, 1024);
    cr_assert_eq(s.shared.trip_high_water, 1024);
    alloy_free(b.a, p, 1024, 1);

    alloy_reset_trip(b.a);
    take(&b, 32);
    alloy_stats_get(b.a, &s);
    cr_assert_eq(s.shared.high_water, 1024);
    cr_assert_eq(s.shared.trip_high_water, 32);
}

/* --- merging runs of pages --------------------------------------------------------- */

#define ONE_PAGE (64 * KiB - 128)
#define THREE_PAGES (192 * KiB - 128)

/* Runs A, B, C touching in memory, each grown on its own, and D before them (so
 * beyond them in the list, which puts the newest first). Frees A, B, C in `order`. */
static void merge_three(const char *order)
{
    bench b;
    open_bench(&b, 1024 * KiB);
    void *d = take(&b, ONE_PAGE);
    char *runs[3];
    for (int i = 0; i < 3; i++)
        runs[i] = take(&b, ONE_PAGE);
    cr_assert(runs[1] == runs[0] + PAGE && runs[2] == runs[1] + PAGE, "A, B, C touch");
    for (const char *o = order; *o; o++)
        alloy_free(b.a, runs[*o - 'A'], ONE_PAGE, 1);
    region_figures s = rstats(&b);
    cr_assert_eq(s.total_large_pages, 4);
    cr_assert_eq(s.unused_large_pages, 3);
    size_t span = heap_span(&b);
    cr_assert_eq(take(&b, THREE_PAGES), runs[0], "one run of three pages again");
    cr_assert_eq(heap_span(&b), span, "without growing the heap");
    s = rstats(&b);
    cr_assert_eq(s.unused_large_pages, 0);
    /* D, beyond them, is still reachable */
    alloy_free(b.a, d, ONE_PAGE, 1);
    s = rstats(&b);
    cr_assert_eq(s.unused_large_pages, 1);
    cr_assert_eq(s.allocated_large_pages_words, THREE_PAGES / 4);
}

Test(region_merge, three_runs_freed_a_c_b)
{
    merge_three("ACB");
}

Test(region_merge, three_runs_freed_c_b_a)
{
    merge_three("CBA");
}

Test(region_merge, three_runs_freed_b_a_c)
{
    merge_three("BAC");
}

/* A large block's run is found from the block's pointer, and a free run from the lists
 * of free runs: freeing, allocating and resizing large blocks, and telling their
 * sizes, read the runs they change and their neighbours, never the list of runs from
 * its start. The runs further away are made unreadable meanwhile: a walk would fault. */
Test(region_merge, large_calls_read_only_the_runs_they_touch)
{
    enum { N = 8 };
    bench b;
    open_bench(&b, 4096 * KiB);
    char *runs[N];
    for (int i = 0; i < N; i++) {
        runs[i] = take(&b, ONE_PAGE);
        cr_assert(i == 0 || runs[i] == runs[i - 1] + PAGE, "the runs touch");
    }
    alloy_free(b.a, runs[3], ONE_PAGE, 1);
    alloy_free(b.a, runs[5], ONE_PAGE, 1);
    /* runs 0 and 1, and 6 and 7, stay out of reach; run 2's trailer describes run 3 */
    cr_assert_eq(mprotect(runs[0] - RUN_HEADER, 2 * PAGE, PROT_NONE), 0);
    cr_assert_eq(mprotect(runs[6] - RUN_HEADER, 2 * PAGE, PROT_NONE), 0);
    alloy_free(b.a, runs[4], ONE_PAGE, 1); /* merged with both neighbours */
    char *three = alloy_alloc(b.a, THREE_PAGES, 1);
    cr_assert_eq(three, runs[3], "the three free pages, from their list");
    cr_assert(alloy_resize(b.a, three, THREE_PAGES, 1, ONE_PAGE), "the last two pages go free");
    size_t align;
    cr_assert_eq(alloy_region_block_size(b.a, three, &align), ONE_PAGE);
    alloy_malloc_free(b.a, three); /* unsized: what malloc's free does */
    cr_assert_eq(alloy_alloc(b.a, THREE_PAGES, 1), runs[3], "merged again");
    cr_assert_eq(mprotect(runs[0] - RUN_HEADER, 2 * PAGE, PROT_READ | PROT_WRITE), 0);
    cr_assert_eq(mprotect(runs[6] - RUN_HEADER, 2 * PAGE, PROT_READ | PROT_WRITE), 0);
    region_figures s = rstats(&b);
    cr_assert_eq(s.total_large_pages, N);
    cr_assert_eq(s.unused_large_pages, 0);
}

Test(region_merge, runs_that_do_not_touch_stay_apart)
{
    /* alloc_cat's check_merge_next merged runs without checking that they touch
     * (ENGINEERING.md, defect 6) */
    bench b;
    open_bench(&b, 1024 * KiB);
    void *beyond = take(&b, ONE_PAGE);
    char *first = take(&b, ONE_PAGE);
    char *gap = alloy_heap_grow(&b.heap.heap, 1); /* someone else's page in between */
    memset(gap, 0x77, PAGE);
    char *second = take(&b, ONE_PAGE);
    cr_assert_eq(second, gap + PAGE + RUN_HEADER);
    alloy_free(b.a, first, ONE_PAGE, 1);
    alloy_free(b.a, second, ONE_PAGE, 1);
    region_figures s = rstats(&b);
    cr_assert_eq(s.unused_large_pages, 2);
    size_t span = heap_span(&b);
    char *both = take(&b, 128 * KiB - 128);
    cr_assert(both != first, "two separate pages cannot hold two pages");
    cr_assert(both == second || both >= second + PAGE, "only the new pages behind the second can join it");
    cr_assert_eq(heap_span(&b), span + 2 * PAGE);
    for (size_t i = 0; i < PAGE; i++)
        cr_assert_eq((unsigned char)gap[i], 0x77, "the page between was never touched");
    /* a single page left serves a single-page request (the first, or the one behind
     * the new block), and the first run stays reachable */
    void *x = take(&b, ONE_PAGE);
    cr_assert(x == first || (both != second ? x == second : x == second + 2 * PAGE));
    size_t unused = rstats(&b).unused_large_pages;
    alloy_free(b.a, beyond, ONE_PAGE, 1);
    cr_assert_eq(rstats(&b).unused_large_pages, unused + 1);
}

/* --- resizing in place ------------------------------------------------------------- */

Test(region_resize, small_grows_in_place_into_free_space)
{
    bench b;
    open_bench(&b, 1024 * KiB);
    live_block x = {take(&b, 100), 100, 1, 1};
    block_fill(&x);
    cr_assert(alloy_resize(b.a, x.p, 100, 1, 30000));
    cr_assert(block_intact(&x, 100));
    memset(x.p + 100, 1, 30000 - 100);
    cr_assert(alloy_resize(b.a, x.p, 30000, 1, 32 * KiB));
    cr_assert(!alloy_resize(b.a, x.p, 32 * KiB, 1, 32 * KiB + 1), "a block does not change kinds");
    void *moved = alloy_realloc(b.a, x.p, 32 * KiB, 1, 40 * KiB);
    cr_assert(moved && moved != x.p);
    x.p = moved;
    cr_assert(block_intact(&x, 100));
    cr_assert_eq(rstats(&b).allocated_large_pages_words, 10 * KiB);
}

Test(region_resize, small_grows_into_the_free_block_behind_it)
{
    bench b;
    open_bench(&b, 1024 * KiB);
    live_block x = {take(&b, 200), 200, 1, 2};
    void *y = take(&b, 300);
    void *z = take(&b, 40);
    block_fill(&x);
    alloy_free(b.a, y, 300, 1);
    region_figures before = rstats(&b);
    cr_assert(alloy_resize(b.a, x.p, 200, 1, 400));
    cr_assert(block_intact(&x, 200));
    region_figures s = rstats(&b);
    cr_assert_eq(s.fragments, before.fragments, "the rest of y stays free");
    cr_assert_eq(s.fragment_words, before.fragment_words - (400 - 208) / 4, "16-byte units: 208 grew to 400");
    cr_assert_eq(s.allocated_words, before.allocated_words + (400 - 208) / 4);
    cr_assert(!alloy_resize(b.a, x.p, 400, 1, 600), "z is in the way");
    alloy_free(b.a, z, 40, 1);
}

Test(region_resize, small_shrinks_by_returning_the_tail)
{
    bench b;
    open_bench(&b, 1024 * KiB);
    void *x = take(&b, 4000);
    void *wall = take(&b, 8);
    region_figures before = rstats(&b);
    cr_assert(alloy_resize(b.a, x, 4000, 1, 1000));
    region_figures s = rstats(&b);
    cr_assert_eq(s.fragments, before.fragments + 1, "the tail is a free block of its own: the wall is behind it");
    cr_assert_eq(s.fragment_words, before.fragment_words + (4000 - 1008) / 4, "16-byte units");
    cr_assert_eq(s.allocated_words, (1008 + 16) / 4);
    alloy_free(b.a, wall, 8, 1);
    alloy_free(b.a, x, 1000, 1);
    s = rstats(&b);
    cr_assert_eq(s.allocated_words, 0);
    cr_assert_eq(s.fragments, 0, "all one block again: the empty region is kept as room");
}

Test(region_resize, large_grows_into_a_following_free_run)
{
    bench b;
    open_bench(&b, 1024 * KiB);
    char *x = take(&b, THREE_PAGES);
    alloy_free(b.a, x, THREE_PAGES, 1);
    x = take(&b, ONE_PAGE); /* splits: one page used, two free behind it */
    memset(x, 3, ONE_PAGE);
    size_t span = heap_span(&b);
    cr_assert(alloy_resize(b.a, x, ONE_PAGE, 1, 128 * KiB - 128));
    region_figures s = rstats(&b);
    cr_assert_eq(s.unused_large_pages, 1);
    cr_assert_eq(heap_span(&b), span);
    cr_assert(alloy_resize(b.a, x, 128 * KiB - 128, 1, THREE_PAGES));
    cr_assert_eq(rstats(&b).unused_large_pages, 0);
    memset(x, 4, THREE_PAGES);
    cr_assert(alloy_resize(b.a, x, THREE_PAGES, 1, ONE_PAGE), "and shrinks, splitting off pages");
    s = rstats(&b);
    cr_assert_eq(s.unused_large_pages, 2);
    cr_assert_eq(s.total_large_pages, 3);
    cr_assert_eq(take(&b, 128 * KiB - 128), x + PAGE);
}

Test(region_resize, large_grows_at_the_end_of_the_heap)
{
    bench b;
    open_bench(&b, 1024 * KiB);
    char *x = take(&b, ONE_PAGE);
    cr_assert(alloy_resize(b.a, x, ONE_PAGE, 1, 5 * PAGE));
    memset(x, 5, 5 * PAGE);
    region_figures s = rstats(&b);
    cr_assert_eq(s.total_large_pages, 6);
    cr_assert(alloy_heap_grow(&b.heap.heap, 1)); /* now something follows it */
    cr_assert(!alloy_resize(b.a, x, 5 * PAGE, 1, 7 * PAGE));
    cr_assert(rstats(&b).total_large_pages >= 6);
}

/* --- regions ----------------------------------------------------------------------- */

Test(region_space, freed_neighbours_merge_at_once)
{
    bench b;
    open_bench(&b, 4096 * KiB);
    enum { N = 50, SIZE = 1100 }; /* above 1,024 bytes: no block is kept whole for reuse */
    void *p[N];
    for (int i = 0; i < N; i++)
        p[i] = take(&b, SIZE);
    void *wall = take(&b, 16);
    region_figures before = rstats(&b);
    /* what the region has left after the wall: its top, which is room (builds for
     * speed), or a free block */
    cr_assert_eq(before.fragments, b.region.keeps_whole ? 0 : 1);
    cr_assert_eq(before.unused_words + before.fragment_words, (ALLOY_REGION_BYTES - N * 1104 - 16) / 4);
    for (int i = 0; i < N; i++) {
        alloy_free(b.a, p[(i * 7) % N], SIZE, 1);
        cr_assert(alloy_check(b.a));
    }
    region_figures s = rstats(&b);
    cr_assert_eq(s.fragments, before.fragments + 1, "50 touching blocks freed in scrambled order are one");
    cr_assert_eq(s.fragment_words, before.fragment_words + N * 1104 / 4);
    size_t span = heap_span(&b);
    void *big = take(&b, 20 * KiB);
    cr_assert_eq(heap_span(&b), span);
    cr_assert_eq(big, p[0]);
    alloy_free(b.a, wall, 16, 1);
    alloy_free(b.a, big, 20 * KiB, 1);
    s = rstats(&b);
    cr_assert_eq(s.fragments, 0, "and with the wall gone the region is one free block, kept as room");
    cr_assert_eq(s.unused_words, ALLOY_REGION_BYTES / 4);
    cr_assert_eq(s.allocated_words, 0);
}

Test(region_space, the_top_region_is_room_again_when_its_only_block_goes)
{
    /* (a reviewer's case) a block of half a region cuts a second region, at its unit 1;
     * freed, it leaves that region empty: room, and no fragment */
    bench b;
    open_bench(&b, 4096 * KiB);
    void *first = take(&b, 32 * KiB), *second = take(&b, 32 * KiB);
    cr_assert_eq(rstats(&b).regions, 2);
    alloy_free(b.a, second, 32 * KiB, 1);
    region_figures s = rstats(&b);
    cr_assert_eq(s.fragments, 1, "the first region's rest");
    cr_assert_eq(s.unused_words, ALLOY_REGION_BYTES / 4, "the second region, whole");
    cr_assert(alloy_check(b.a));
    alloy_free(b.a, first, 32 * KiB, 1);
    cr_assert(alloy_check(b.a));
}

Test(region_space, a_large_block_takes_the_page_of_the_top_region_its_kept_blocks_leave)
{
    /* Builds for speed: the second region is the top, and the two blocks it holds are
     * kept whole when freed. Merged before a large block looks for pages, they leave
     * the region one free block, whose page the large block takes on a heap that
     * cannot grow. (Builds for size free them at once, to the same end.) */
    bench b;
    open_bench(&b, 2 * PAGE);
    void *first[63];
    for (size_t i = 0; i < 63; i++)
        first[i] = take(&b, 1024); /* 63 blocks of 64 units fill a region */
    void *y = take(&b, 1024), *z = take(&b, 1024);
    cr_assert_eq(rstats(&b).regions, 2);
    alloy_free(b.a, z, 1024, 1);
    alloy_free(b.a, y, 1024, 1);
    char *big = alloy_alloc(b.a, 40 * KiB, 16);
    cr_assert(big, "the second region's page");
    memset(big, 0x5a, 40 * KiB);
    cr_assert_eq(rstats(&b).regions, 1);
    cr_assert(alloy_check(b.a));
    alloy_free(b.a, big, 40 * KiB, 16);
    for (size_t i = 0; i < 63; i++)
        alloy_free(b.a, first[i], 1024, 1);
    cr_assert(alloy_check(b.a));
}

Test(region_space, a_region_is_a_page_then_another_starts)
{
    bench b;
    open_bench(&b, 8192 * KiB);
    size_t blocks = 0;
    do {
        take(&b, 1008);
        blocks++;
    } while (rstats(&b).regions == 1);
    region_figures s = rstats(&b);
    cr_assert_eq(s.regions, 2);
    cr_assert_eq(blocks, ALLOY_REGION_BYTES / 1008 + 1, "64,512 bytes of blocks fill a region exactly");
    cr_assert_eq(s.total_words, 2 * PAGE / 4, "two pages");
    cr_assert_eq(heap_span(&b), 2 * PAGE);
}

Test(region_space, initial_space_of_a_kibibyte_or_more_is_used)
{
    static _Alignas(16) unsigned char big[3 * PAGE + 5000], tiny[3 * PAGE + 512];
    alloy_static_heap heap;
    alloy_region r;
    alloy_allocator *a = alloy_region_init(&r, alloy_static_heap_init(&heap, big, sizeof big));
    char *p = alloy_alloc(a, 100, 8);
    cr_assert(p >= (char *)big && p < (char *)big + 5000, "served from the initial space");
    a = alloy_region_init(&r, alloy_static_heap_init(&heap, tiny, sizeof tiny));
    p = alloy_alloc(a, 100, 8);
    cr_assert(p >= (char *)tiny + 512, "512 bytes are too few: a page is used");
    alloy_stats s;
    alloy_stats_get(a, &s);
    cr_assert_eq(s.shared.heap_bytes, PAGE);
}

Test(region_space, an_initial_space_of_any_size_is_used_to_its_end)
{
    /* 5,008 bytes is no multiple of the free map's granularity: the map must still
     * leave the bump room unit-aligned, so that what is left when the region is
     * retired is whole units (it used to be 8 bytes, freed as a block of 0 units) */
    static _Alignas(16) unsigned char array[2 * PAGE + 5008];
    alloy_static_heap heap;
    alloy_region r;
    alloy_allocator *a = alloy_region_init(&r, alloy_static_heap_init(&heap, array, sizeof array));
    enum { N = 400 };
    live_block blocks[N] = {{0}};
    blocks[0] = (live_block){alloy_alloc(a, 16, 16), 16, 16, 0};
    cr_assert(alloy_heap_grow(&heap.heap, 1), "someone else takes the page behind the region");
    for (size_t i = 1; i < N; i++) {
        blocks[i] = (live_block){alloy_alloc(a, 16, 16), 16, 16, (uint32_t)i};
        cr_assert(blocks[i].p);
        cr_assert(alloy_check(a), "after block %zu", i);
    }
    alloy_stats s;
    alloy_stats_get(a, &s);
    cr_assert_eq(stat_value(&s, "regions"), 2, "the initial space filled up and a page took over");
    cr_assert(blocks[N - 1].p >= array + 5008 + PAGE);
    for (size_t i = 0; i < N; i++)
        block_fill(&blocks[i]);
    cr_assert(blocks_disjoint(blocks, N));
    for (size_t i = 0; i < N; i++) {
        cr_assert(block_intact(&blocks[i], 16));
        alloy_free(a, blocks[i].p, 16, 16);
    }
    cr_assert(alloy_check(a));
}

/* A provider whose pages lie far apart: its first `near_pages` pages at its start,
 * every later one 80 GiB above, out of reach of region's 32-bit unit offsets
 * (64 GiB). Address space only: PROT_NONE until a page is handed out. */
#define FAR_DISTANCE ((size_t)80 << 30)

typedef struct far_heap {
    alloy_heap heap;
    char *near, *far;
    size_t near_pages;
    size_t grows;
} far_heap;

static void *far_grow(alloy_heap *heap, size_t pages)
{
    far_heap *h = (far_heap *)(void *)heap;
    char **next = h->near_pages >= pages ? &h->near : &h->far;
    if (next == &h->near)
        h->near_pages -= pages;
    char *got = *next;
    cr_assert(mprotect(got, pages * PAGE, PROT_READ | PROT_WRITE) == 0);
    *next += pages * PAGE;
    if (*next > heap->end)
        heap->end = *next;
    h->grows++;
    return got;
}

static const alloy_heap_ops far_ops = {"far", far_grow};

#define FAR_SPAN (FAR_DISTANCE + 64 * PAGE)

/* FAR_SPAN bytes of address space, unreadable until far_grow hands them out; the
 * test is skipped where there is none that large. */
static char *far_space(void)
{
    char *base = mmap(NULL, FAR_SPAN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        cr_skip_test("no 80 GiB of address space here (valgrind limits it)");
    return base;
}

/* A heap on that space: `near_pages` pages at its start, then the far ones. */
static far_heap far_heap_on(char *base, size_t near_pages)
{
    return (far_heap){{&far_ops, base, base, NULL, 0}, base, base + FAR_DISTANCE, near_pages, 0};
}

Test(region_space, pages_beyond_the_offsets_reach_go_to_large_blocks)
{
    char *base = far_space();
    far_heap h = far_heap_on(base, 1);
    alloy_region r;
    alloy_allocator *a = alloy_region_init(&r, &h.heap);

    /* the first region takes the near page; fill it */
    enum { N = 100 };
    live_block blocks[N] = {{0}};
    size_t n = 0;
    for (; n < N; n++) {
        void *p = alloy_alloc(a, 1000, 8);
        if (!p)
            break;
        cr_assert((char *)p < base + PAGE, "block %zu outside the near page", n);
        blocks[n] = (live_block){p, 1000, 8, (uint32_t)n};
        block_fill(&blocks[n]);
    }
    cr_assert(n > 32 && n < N, "the near page holds %zu blocks of 1000 bytes", n);
    cr_assert_eq(h.grows, 2, "the refused request took pages, far ones");
    cr_assert(alloy_check(a));

    /* those far pages are a free run: a large block takes them without growing */
    char *large = alloy_alloc(a, 40 * KiB, 16);
    cr_assert(large >= base + FAR_DISTANCE, "the large block is in the far pages");
    cr_assert_eq(h.grows, 2);
    memset(large, 0x5a, 40 * KiB);
    cr_assert(alloy_check(a));
    for (size_t i = 0; i < n; i++)
        cr_assert(block_intact(&blocks[i], 1000));
    for (size_t i = 0; i < n; i++)
        alloy_free(a, blocks[i].p, 1000, 8);
    alloy_free(a, large, 40 * KiB, 16);
    cr_assert(alloy_check(a));
    cr_assert(alloy_alloc(a, 1000, 8), "the near page serves again");

    /* no near page at all: large blocks still work and small ones fail cleanly; a page
     * tried for a region stays, as a free run, for large blocks, and the next try for
     * a region takes it from there rather than growing the heap again */
    char *far = base + FAR_DISTANCE + 16 * PAGE;
    h = (far_heap){{&far_ops, base, base, NULL, 0}, base, far, 0, 0};
    a = alloy_region_init(&r, &h.heap);
    large = alloy_alloc(a, 100 * KiB, 16); /* a page tried for a region, two for the block */
    cr_assert(large == far + RUN_HEADER, "a large block needs no region: it joins the page tried for one");
    cr_assert_eq(h.grows, 2);
    cr_assert_null(alloy_alloc(a, 100, 8), "no page within reach for a region");
    cr_assert_eq(h.grows, 2, "the page tried came from the pool");
    char *again = alloy_alloc(a, 80 * KiB, 16); /* the free page and a new run behind it */
    cr_assert_eq(h.grows, 3);
    cr_assert(again == far + 2 * PAGE + RUN_HEADER, "it lies on the page left free and the new ones");
    alloy_stats st;
    alloy_stats_get(a, &st);
    cr_assert_eq(st.shared.heap_bytes, 5 * PAGE);
    cr_assert(alloy_check(a));
    alloy_free(a, large, 100 * KiB, 16);
    alloy_free(a, again, 80 * KiB, 16);
    cr_assert(alloy_check(a));
    munmap(base, FAR_SPAN);
}

/* A new region takes a page of the pool within the offsets' reach, even when the page
 * freed last (the head of its list) lies beyond it. (Found in review: the lists of
 * free runs put the far page first, and the near one was never tried.) */
Test(region_space, a_new_region_passes_over_pool_pages_beyond_reach)
{
    char *base = far_space();
    far_heap h = far_heap_on(base, 3);
    alloy_region r;
    alloy_allocator *a = alloy_region_init(&r, &h.heap);
    char *first = alloy_alloc(a, 100, 16); /* the region: the first near page */
    char *near = alloy_alloc(a, 40000, 16), *wall = alloy_alloc(a, 40000, 16); /* the other two */
    char *far = alloy_alloc(a, 40000, 16), *far_wall = alloy_alloc(a, 40000, 16);
    cr_assert(first < base + PAGE && near < base + 2 * PAGE && wall < base + 3 * PAGE && far >= base + FAR_DISTANCE);
    cr_assert(alloy_alloc(a, 32000, 16) && alloy_alloc(a, 32000, 16), "the region is full");
    alloy_free(a, near, 40000, 16);
    alloy_free(a, far, 40000, 16); /* last: the head of the one-page runs */
    size_t grows = h.grows;
    char *p = alloy_alloc(a, 32000, 16);
    cr_assert(p >= near - RUN_HEADER && p < near - RUN_HEADER + PAGE, "a new region on the near page");
    cr_assert_eq(h.grows, grows, "from the pool");
    cr_assert(alloy_check(a));
    cr_assert_eq(alloy_alloc(a, 40000, 16), far, "the far page is still in the pool");
    cr_assert(alloy_check(a));
    (void)far_wall;
    munmap(base, FAR_SPAN);
}

/* --- one pool of pages ------------------------------------------------------------- */

/* How many blocks of `size` a heap serves before it runs out; frees them again. */
static size_t fill_and_free(alloy_allocator *a, size_t size)
{
    static void *held[32768];
    size_t n = 0;
    while (n < 32768 && (held[n] = alloy_alloc(a, size, 16)) != NULL)
        n++;
    cr_assert(n < 32768, "the heap was meant to run out");
    cr_assert(alloy_check(a));
    for (size_t i = 0; i < n; i++)
        alloy_free(a, held[i], size, 16);
    cr_assert(alloy_check(a));
    return n;
}

typedef struct static_bench {
    alloy_static_heap heap;
    alloy_region region;
    alloy_allocator *a;
} static_bench;

static alloy_allocator *open_static(static_bench *b, unsigned char *array, size_t bytes)
{
    b->a = alloy_region_init(&b->region, alloy_static_heap_init(&b->heap, array, bytes));
    cr_assert(b->a);
    return b->a;
}

Test(region_pool, pages_small_blocks_freed_serve_a_large_block)
{
    /* found from outside: a 1 MiB heap filled with blocks of 4 KiB, all freed, then
     * 100 KiB failed: the pages stayed with regions that were empty */
    static _Alignas(16) unsigned char array[1024 * KiB];
    static_bench b;
    alloy_allocator *a = open_static(&b, array, sizeof array);
    static void *held[256];
    size_t n = 0;
    while (n < 256 && (held[n] = alloy_alloc(a, 4 * KiB, 16)) != NULL)
        n++;
    cr_assert_eq(n, 16 * 15, "15 blocks of 4 KiB in each of the 16 pages' regions");
    for (size_t i = 0; i < n; i++)
        alloy_free(a, held[i], 4 * KiB, 16);
    alloy_stats s;
    alloy_stats_get(a, &s);
    cr_assert_eq(s.shared.bytes_in_use, 0);
    cr_assert(alloy_check(a));
    cr_assert(alloy_alloc(a, 100 * KiB, 16), "the regions' pages serve large blocks again");
    cr_assert(alloy_check(a));
}

Test(region_pool, each_phase_fits_what_a_fresh_heap_fits)
{
    static _Alignas(16) unsigned char array[4096 * KiB];
    static_bench b;
    size_t fresh_large = fill_and_free(open_static(&b, array, sizeof array), 200 * KiB);
    size_t fresh_small = fill_and_free(open_static(&b, array, sizeof array), 4000);
    cr_assert_gt(fresh_large, 10);
    cr_assert_gt(fresh_small, 900);

    alloy_allocator *a = open_static(&b, array, sizeof array);
    fill_and_free(a, 4000);
    /* a fresh heap's first allocation sets up a region, as alloc_cat's does; after a
     * phase the large blocks have every page (16 blocks here against 15) */
    cr_assert_eq(fill_and_free(a, 200 * KiB), fresh_large + 1, "small blocks freed, large ones fit as on a fresh heap");
    cr_assert_eq(fill_and_free(a, 4000), fresh_small, "and the other way round");
    cr_assert_eq(fill_and_free(a, 200 * KiB), fresh_large + 1);
}

Test(region_pool, beside_a_block_that_stays_a_phase_fits_what_a_fresh_heap_fits)
{
    /* found from outside: one small block that stays (in wasm, as the program's malloc,
     * wasi-libc's before main) kept every phase from ending. The blocks the last phase
     * kept whole, one in every region, took the next phase's small blocks, and the
     * regions they pinned held every page: 1,536 blocks beside a doubling table where a
     * fresh heap fits 15,806 (tests/suite/phases.c with such a block). Here, blocks of
     * 16 to 512 bytes freed newest first (each one's block before is live: all kept
     * whole), then 200-byte blocks, then blocks of 200 KiB. */
    enum { SMALL = 4096 };
    static _Alignas(16) unsigned char array[4096 * KiB];
    static void *held[SMALL];
    static_bench b;
    size_t fresh_large, fresh_small, large, small;
    for (int fresh = 1; fresh >= 0; fresh--) {
        alloy_allocator *a = open_static(&b, array, sizeof array);
        void *stays = alloy_alloc(a, 48, 16);
        cr_assert(stays);
        if (!fresh) {
            size_t n = 0;
            for (; n < SMALL && (held[n] = alloy_alloc(a, 16 + n * 31 % 497, 16)) != NULL; n++)
                ;
            while (n--)
                alloy_free(a, held[n], 16 + n * 31 % 497, 16);
        }
        small = fill_and_free(a, 200);
        large = fill_and_free(a, 200 * KiB);
        cr_assert(alloy_check(a));
        alloy_free(a, stays, 48, 16);
        if (fresh)
            fresh_small = small, fresh_large = large;
    }
    cr_assert_gt(fresh_large, 10);
    cr_assert_geq(small + 2 + fresh_small / 32, fresh_small, "%zu small blocks, on a fresh heap %zu", small, fresh_small);
    cr_assert_geq(large + 2 + fresh_large / 32, fresh_large, "%zu large blocks, on a fresh heap %zu", large, fresh_large);
}

Test(region_pool, a_shrink_ends_a_phase_too_and_the_blocks_put_aside_stay_counted)
{
    /* a phase also ends when a shrink takes the live units below the low water: the
     * blocks kept whole go aside, still free space to stats and sound to check, and
     * the end of the next phase merges them at once (a resize that lifts the live units
     * over the mark and shrinks again before any allocation) */
    enum { N = 4000 }; /* blocks of 256 bytes: 16 regions */
    bench b;
    open_bench(&b, 64 * 1024 * KiB);
    if (!b.region.keeps_whole)
        cr_skip_test("builds for size keep no block whole");
    char *wall = take(&b, 16), *big = take(&b, 8 * KiB);
    static void *held[N];
    for (size_t i = 0; i < N; i++)
        held[i] = take(&b, 256);
    uint64_t regions = rstats(&b).regions;
    cr_assert_gt(regions, 10);
    for (size_t i = N; i-- > 0;) /* newest first: each one's block before is live */
        alloy_free(b.a, held[i], 256, 1);
    region_figures kept = rstats(&b);
    cr_assert_geq(kept.fragments, N, "all kept whole: wall and big hold the mark");
    cr_assert(!b.region.aside);
    cr_assert(alloy_resize(b.a, big, 8 * KiB, 1, 16));
    cr_assert(b.region.aside, "the shrink ended the phase");
    region_figures s = rstats(&b); /* (check too) */
    cr_assert_eq(s.fragments, kept.fragments + 1, "put aside, they are still free space (and the shrunk tail)");
    cr_assert_eq(s.fragment_words, kept.fragment_words + (8 * KiB - 16) / 4);
    cr_assert_eq(s.regions, regions);
    cr_assert(alloy_resize(b.a, big, 16, 1, 8 * KiB), "over the mark again, by a resize alone");
    cr_assert(alloy_resize(b.a, big, 8 * KiB, 1, 16));
    cr_assert(!b.region.aside, "the second end merged the first's at once");
    s = rstats(&b);
    cr_assert_eq(s.regions, 1, "and gave every empty region back");
    cr_assert_eq(s.allocated_words, (16 + 16) / 4);
    cr_assert_eq(take(&b, 256), big + 16, "blocks come from beside the two that stayed");
    alloy_free(b.a, wall, 16, 1);
    cr_assert(alloy_check(b.a));
}

/* A request of the random phases below: sizes of every kind, many on either side of
 * 32 and 64 KiB, up to 300 KiB; alignments up to 64 KiB. */
static void random_request(test_rng *g, bool aligned, size_t *size, size_t *align)
{
    static const size_t near[] = {16, 48, 256, 1024, 4096, 32 * KiB - 16, 32 * KiB, 63 * KiB, 64 * KiB - 16, 64 * KiB};
    switch (rng_next(g) % 4) {
    case 0:
        *size = rng_range(g, 1, 600);
        break;
    case 1:
        *size = rng_range(g, 1, 300 * KiB);
        break;
    default:
        *size = near[rng_next(g) % (sizeof near / sizeof *near)] + rng_range(g, 0, 64);
        *size = *size > 32 ? *size - 32 : 1;
    }
    *align = aligned ? (size_t)16 << rng_range(g, 0, 12) : 16;
}

/* The next phase of random_phases_fit_what_a_fresh_heap_fits: requests from `seed`,
 * aligned, until the heap refuses one; each block's contents checked, all freed.
 * How many fitted. */
static size_t fill_randomly(alloy_allocator *a, uint64_t seed, live_block *blocks, size_t max)
{
    test_rng g = {seed};
    size_t n = 0;
    for (; n < max; n++) {
        live_block *b = &blocks[n];
        random_request(&g, rng_next(&g) % 4 != 0, &b->size, &b->align);
        if (!(b->p = alloy_alloc(a, b->size, b->align)))
            break;
        b->tag = (uint32_t)n;
        block_fill(b);
    }
    cr_assert(n < max, "the heap was meant to run out");
    cr_assert(blocks_disjoint(blocks, n));
    for (size_t i = 0; i < n; i++) {
        cr_assert(block_intact(&blocks[i], blocks[i].size));
        alloy_free(a, blocks[i].p, blocks[i].size, blocks[i].align);
    }
    cr_assert(alloy_check(a));
    return n;
}

Test(region_pool, a_large_block_takes_the_free_run_at_the_end_and_the_heaps_last_pages)
{
    /* found by random phases on static heaps: a heap with fewer pages left than a large block
     * needs refused it, though those pages and the free run they follow held it */
    static _Alignas(PAGE) unsigned char array[10 * PAGE + 100]; /* ends inside a frame: */
    static_bench b;                                            /* pages are grown one by one */
    alloy_allocator *a = open_static(&b, array, sizeof array);
    cr_assert(alloy_alloc(a, 100 * KiB, 16));      /* a page for a region, two for this */
    void *five = alloy_alloc(a, 300 * KiB, 16);    /* pages 3 to 7: two are left */
    cr_assert(five);
    alloy_free(a, five, 300 * KiB, 16);
    char *seven = alloy_alloc(a, 400 * KiB, 16);
    cr_assert(seven == five, "the free run's five pages and the last two");
    memset(seven, 0x5a, 400 * KiB);
    alloy_stats s;
    alloy_stats_get(a, &s);
    cr_assert_eq(s.shared.heap_bytes, 10 * PAGE);
    cr_assert(alloy_check(a));
}

/* Random phases on static heaps of random sizes: after a random mix of requests, all
 * freed (but for a block of 48 bytes allocated first when `stays`), the next phase
 * fits what it fits on a fresh heap, with phase_changes' tolerance
 * (tests/suite/phases.c). */
static void random_phases(bool stays)
{
    enum { SEEDS = 300, STEPS = 3000, LIVE = 400, MAX = 4096 };
    static _Alignas(PAGE) unsigned char array[4096 * KiB + PAGE];
    static live_block live[LIVE], blocks[MAX];
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        test_rng g = {seed};
        size_t offset = rng_range(&g, 0, 16) * 16, bytes = rng_range(&g, PAGE, 4096 * KiB);
        static_bench b;
        alloy_allocator *a = open_static(&b, array + offset, bytes);
        void *stay = stays ? alloy_alloc(a, 48, 16) : NULL;
        cr_assert(stay || !stays);
        size_t fresh = fill_randomly(a, ~seed, blocks, MAX);
        a = open_static(&b, array + offset, bytes);
        cr_assert_eq(stays ? alloy_alloc(a, 48, 16) : NULL, stay);
        size_t n = 0;
        for (size_t step = 0; step < STEPS; step++) {
            uint64_t op = rng_next(&g) % 10;
            if (op < 4 && n < LIVE) {
                live_block *l = &live[n];
                random_request(&g, op == 0, &l->size, &l->align);
                if ((l->p = alloy_alloc(a, l->size, l->align)) != NULL) {
                    l->tag = (uint32_t)step;
                    block_fill(l);
                    n++;
                }
            } else if (op < 7 && n) {
                live_block *l = &live[rng_next(&g) % n];
                cr_assert(block_intact(l, l->size));
                alloy_free(a, l->p, l->size, l->align);
                *l = live[--n];
            }
        }
        while (n--)
            alloy_free(a, live[n].p, live[n].size, live[n].align);
        cr_assert(alloy_check(a));
        size_t after = fill_randomly(a, ~seed, blocks, MAX);
        cr_assert_geq(after + 2 + fresh / 32, fresh, "seed %llu, %zu bytes: %zu blocks, on a fresh heap %zu",
                      (unsigned long long)seed, bytes, after, fresh);
    }
}

Test(region_pool, random_phases_fit_what_a_fresh_heap_fits)
{
    /* found from outside: after a random mix of requests, all freed, the next phase
     * fitted fewer blocks than a fresh heap (here, 25 where it fits 41). The blocks
     * the phase kept whole for reuse, and its empty regions, stayed where the phase
     * had left them, and the next phase's small blocks took them, pinning pages that
     * large blocks needed. When its last small block is freed, a phase's regions now
     * start again as on a fresh heap. */
    random_phases(false);
}

Test(region_pool, random_phases_beside_a_block_that_stays_fit_what_a_fresh_heap_fits)
{
    /* the same, the phases ending beside a block that stays: its region is never
     * started again, but the other regions' blocks kept whole are merged at the
     * allocation that finds few units live (region.c, "Phases") */
    random_phases(true);
}

Test(region_pool, alternating_phases_hold_the_larger_phase)
{
    bench b;
    open_bench(&b, 256 * 1024 * KiB);
    static void *held[2048];
    size_t peak = 0;
    for (int round = 0; round < 6; round++) {
        size_t size = round % 2 ? 96 * KiB : 3000, count = round % 2 ? 80 : 2048; /* ~7.5 MiB and ~6 MiB */
        for (size_t i = 0; i < count; i++)
            held[i] = take(&b, size);
        alloy_stats s;
        alloy_stats_get(b.a, &s);
        if (round < 2 && s.shared.heap_bytes > peak)
            peak = s.shared.heap_bytes; /* the larger phase on a fresh heap */
        cr_assert_leq(s.shared.heap_bytes, peak + peak / 10, "round %d holds %llu bytes, the larger phase %zu",
                      round, (unsigned long long)s.shared.heap_bytes, peak);
        for (size_t i = 0; i < count; i++)
            alloy_free(b.a, held[i], size, 1);
    }
}

/* The frame of the lowest of `n` small blocks. */
static char *lowest_frame(void *const *held, size_t n)
{
    char *lowest = (char *)held[0] - 16;
    for (size_t i = 1; i < n; i++)
        if ((char *)held[i] - 16 < lowest)
            lowest = (char *)held[i] - 16;
    return lowest;
}

Test(region_pool, emptied_regions_go_back_at_the_next_large_block)
{
    /* while small blocks live (more than a phase's end, see emptied_regions_go_back_
     * when_a_phase_ends_beside_a_block_that_stays), a free that empties a region leaves
     * its page where it is (O(1), whatever the pool holds); the next large block gives
     * back every empty region but the lowest, merged, and takes its pages rather than
     * growing the heap */
    enum { REGIONS = 64, PER_REGION = 15 }; /* 15 blocks of 4 KiB fill a region */
    bench b;
    open_bench(&b, 64 * 1024 * KiB);
    char *wall = take(&b, 16); /* lives on, in the first region, with its 15 blocks */
    static void *held[REGIONS * PER_REGION];
    for (size_t i = 0; i < REGIONS * PER_REGION; i++)
        held[i] = take(&b, 4 * KiB);
    cr_assert_eq(rstats(&b).regions, REGIONS, "the wall and 15 blocks share the first");
    size_t span = heap_span(&b);
    for (size_t i = PER_REGION; i < REGIONS * PER_REGION; i++)
        alloy_free(b.a, held[i], 4 * KiB, 1);
    region_figures s = rstats(&b);
    cr_assert_eq(s.regions, REGIONS, "empty regions stay regions until a large block needs pages");
    cr_assert_eq(s.total_large_pages, 0);
    cr_assert_eq(s.unused_words, (uint64_t)(REGIONS - 1) * 64512 / 4, "each is room, not a fragment");

    char *first = wall - 16, *lowest_empty = lowest_frame(held, REGIONS * PER_REGION) + PAGE;
    cr_assert(lowest_empty > first);
    char *large = take(&b, (REGIONS - 3) * PAGE);
    s = rstats(&b);
    cr_assert_eq(heap_span(&b), span, "the regions' pages served it");
    cr_assert_eq(s.regions, 2, "all empty regions but one went back");
    cr_assert_eq(s.total_large_pages, REGIONS - 2, "merged into one run");
    cr_assert(large > lowest_empty, "the lowest empty region stays for small blocks");
    for (int i = 0; i < 2; i++)
        take(&b, 30 * KiB);
    cr_assert_eq(heap_span(&b), span, "that one serves the next small blocks");
    cr_assert(alloy_check(b.a));
}

Test(region_pool, emptied_regions_go_back_when_a_phase_ends_beside_a_block_that_stays)
{
    /* a phase of small blocks ends but for one block (in wasm, as the program's malloc,
     * wasi-libc's): every empty region goes back, merged, as at the free of the last
     * block (by the next allocation, in builds for speed) */
    enum { REGIONS = 64, PER_REGION = 15 };
    bench b;
    open_bench(&b, 64 * 1024 * KiB);
    char *wall = take(&b, 16);
    static void *held[REGIONS * PER_REGION];
    for (size_t i = 0; i < REGIONS * PER_REGION; i++)
        held[i] = take(&b, 4 * KiB);
    size_t span = heap_span(&b);
    for (size_t i = 0; i < REGIONS * PER_REGION; i++)
        alloy_free(b.a, held[i], 4 * KiB, 1);
    char *large = take(&b, (REGIONS - 2) * PAGE);
    region_figures s = rstats(&b);
    cr_assert_eq(s.regions, 1, "the wall's");
    cr_assert_eq(s.total_large_pages, REGIONS - 1, "merged into one run");
    cr_assert_eq(s.unused_large_pages, 0);
    cr_assert(large > wall && large - wall < (ptrdiff_t)PAGE + 64, "from the page after the wall's");
    cr_assert_eq(heap_span(&b), span);
    cr_assert(alloy_check(b.a));
}

/* A block that needs a region of its own (2,000 units). */
#define ALONE ((size_t)32000)

/* The first region: three 16-byte blocks that stay, at a quarter, a half and three
 * quarters of it, the holes between them too short for ALONE. */
static void one_region_with_no_room_for_alone(bench *b)
{
    enum { HOLE = 16112 }; /* 1,007 units */
    void *hole[4];
    for (size_t k = 0; k < 4; k++) {
        hole[k] = take(b, k < 3 ? HOLE : HOLE + 16);
        if (k < 3)
            take(b, 16);
    }
    for (size_t k = 0; k < 4; k++)
        alloy_free(b->a, hole[k], k < 3 ? HOLE : HOLE + 16, 1);
}

/* Free a random one of n large blocks, or fill its slot again with 33 to 200 KiB. */
static void replace_large(bench *b, test_rng *g, live_block *large, size_t n)
{
    live_block *l = &large[rng_range(g, 0, n - 1)];
    if (l->p) {
        cr_assert(block_intact(l, l->size));
        alloy_free(b->a, l->p, l->size, 1);
        l->p = NULL;
    } else {
        l->size = rng_range(g, 33, 200) * KiB;
        l->p = take(b, l->size);
        block_fill(l);
    }
}

Test(region_pool, a_region_that_comes_and_goes_at_the_mark_leaves_the_runs_in_order)
{
    /* a block that needs a region of its own, allocated and freed beside blocks that
     * stay, takes a page of the pool and gives it back at each phase's end (from the
     * link below where it was taken: 4,000 runs below it made it a walk of 29 us a
     * pair). Large blocks freed and allocated meanwhile merge and cut the runs around
     * that page; the list of runs stays in order, and nothing moves. */
    enum { LARGE = 64, ROUNDS = 600 };
    bench b;
    open_bench(&b, 64 * 1024 * KiB);
    one_region_with_no_room_for_alone(&b);
    static live_block large[LARGE];
    for (size_t i = 0; i < LARGE; i++) {
        large[i] = (live_block){.p = take(&b, 40 * KiB), .size = 40 * KiB, .align = 1, .tag = (uint32_t)i};
        block_fill(&large[i]);
    }
    for (size_t i = 0; i < LARGE; i += 2) { /* free runs of a page between used ones */
        alloy_free(b.a, large[i].p, large[i].size, 1);
        large[i].p = NULL;
    }
    test_rng g = {7};
    for (size_t round = 0; round < ROUNDS; round++) {
        char *alone = take(&b, ALONE);
        memset(alone, (int)round, ALONE);
        cr_assert_eq(rstats(&b).regions, 2, "round %zu: a region of its own", round);
        if (round % 2)
            replace_large(&b, &g, large, LARGE); /* while the page is a region */
        alloy_free(b.a, alone, ALONE, 1);
        alloy_free(b.a, take(&b, 16), 16, 1); /* (the allocation after the free ends the phase) */
        cr_assert_eq(rstats(&b).regions, 1, "round %zu: its page went back", round);
        if (round % 3 == 0)
            replace_large(&b, &g, large, LARGE);
    }
    for (size_t i = 0; i < LARGE; i++)
        cr_assert(!large[i].p || block_intact(&large[i], large[i].size));
}

Test(region_pool, a_page_given_back_finds_its_place_after_the_run_below_it_was_merged)
{
    /* a region's page goes back from the link below where it was taken, while that is
     * still a link: not once the run below merged with it, and its link became the
     * middle of a large block's data */
    bench b;
    open_bench(&b, 64 * 1024 * KiB);
    one_region_with_no_room_for_alone(&b);
    char *below = take(&b, 40 * KiB), *page = take(&b, 40 * KiB);
    take(&b, 40 * KiB);
    alloy_free(b.a, page, 40 * KiB, 1);
    char *alone = take(&b, ALONE); /* on the page freed */
    cr_assert(alone > page - RUN_HEADER && alone < page + PAGE);
    alloy_free(b.a, below, 40 * KiB, 1);
    alloy_free(b.a, alone, ALONE, 1);
    alloy_free(b.a, take(&b, 16), 16, 1); /* the phase's end: the page joins the run below */
    region_figures s = rstats(&b);
    cr_assert_eq(s.regions, 1);
    cr_assert_eq(s.unused_large_pages, 2);
    char *both = take(&b, 100 * KiB);
    cr_assert_eq(both, below, "the two pages merged");
    memset(both, 0x5a, 100 * KiB);
    alone = take(&b, ALONE); /* on a page the heap grows by */
    take(&b, 40 * KiB);      /* and a run after it */
    alloy_free(b.a, alone, ALONE, 1);
    alloy_free(b.a, take(&b, 16), 16, 1);
    s = rstats(&b);
    cr_assert_eq(s.regions, 1);
    cr_assert_eq(s.unused_large_pages, 1);
    for (size_t i = 0; i < 100 * KiB; i++)
        cr_assert_eq(both[i], 0x5a, "byte %zu", i);
}

Test(region_pool, regions_go_back_when_the_last_small_block_is_freed)
{
    /* a phase of small blocks ends: every region (but the initial one) goes back to
     * the pool at once, merged, as on a fresh heap */
    enum { REGIONS = 64, PER_REGION = 15 };
    bench b;
    open_bench(&b, 64 * 1024 * KiB);
    static void *held[REGIONS * PER_REGION];
    for (size_t i = 0; i < REGIONS * PER_REGION; i++)
        held[i] = take(&b, 4 * KiB);
    size_t span = heap_span(&b);
    for (size_t i = 0; i < REGIONS * PER_REGION; i++) {
        alloy_free(b.a, held[i], 4 * KiB, 1);
        if (i + 1 < REGIONS * PER_REGION)
            cr_assert_eq(rstats(&b).regions, REGIONS, "while small blocks live, emptied regions stay");
    }
    region_figures s = rstats(&b);
    cr_assert_eq(s.regions, 0, "the last free gave them all back");
    cr_assert_eq(s.total_large_pages, REGIONS, "merged into one run");
    cr_assert_eq(s.unused_large_pages, REGIONS);
    cr_assert(alloy_check(b.a));
    take(&b, (REGIONS - 2) * PAGE);
    take(&b, 4 * KiB);
    cr_assert_eq(heap_span(&b), span, "their pages served a large block and a region");
    cr_assert_eq(rstats(&b).regions, 1);
    cr_assert(alloy_check(b.a));
}

/* Shuffle n indices. */
static void shuffle(test_rng *g, size_t *order, size_t n)
{
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = rng_range(g, 0, i), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

Test(region_pool, regions_between_large_blocks_go_back_in_one_batch)
{
    /* regions and live large blocks alternate; the regions go back to the pool in a
     * batch, in an order of their own (emptied at random; then made from pool pages
     * highest first), and each page must land between the right runs, merged with
     * what it touches */
    enum { K = 24, PER_REGION = 15 }; /* 15 blocks of 4 KiB fill a region */
    bench b;
    open_bench(&b, 64 * 1024 * KiB);
    static void *held[K][PER_REGION];
    void *large[K];
    for (size_t i = 0; i < K; i++) { /* R0 L0 R1 L1 ... */
        for (size_t j = 0; j < PER_REGION; j++)
            held[i][j] = take(&b, 4 * KiB);
        large[i] = take(&b, 40 * KiB);
        cr_assert((char *)large[i] - RUN_HEADER == (char *)held[i][0] - 16 + PAGE, "the layout alternates");
    }
    test_rng g = {7};
    static size_t order[K * PER_REGION];
    shuffle(&g, order, K);
    for (size_t k = 0; k < K; k++) /* every region but R0 emptied, in a random order */
        for (size_t j = 0; order[k] != 0 && j < PER_REGION; j++)
            alloy_free(b.a, held[order[k]][j], 4 * KiB, 1);
    size_t span = heap_span(&b);
    void *two = take(&b, 2 * PAGE - 1024); /* no free run holds it: it takes new pages */
    region_figures s = rstats(&b);
    cr_assert_eq(s.regions, 2, "R0, which lives, and R1, the lowest empty one, stay");
    cr_assert_eq(s.total_large_pages, K + (K - 2) + 2);
    cr_assert_eq(s.unused_large_pages, K - 2, "each page between two live blocks");
    cr_assert_eq(heap_span(&b), span + 2 * PAGE);

    /* new regions take those pages back (R1 first, then the pool's, highest first) */
    for (size_t i = 1; i < K; i++)
        for (size_t j = 0; j < PER_REGION; j++)
            held[i][j] = take(&b, 4 * KiB);
    s = rstats(&b);
    cr_assert_eq(s.regions, K);
    cr_assert_eq(s.unused_large_pages, 0);
    cr_assert_eq(heap_span(&b), span + 2 * PAGE);
    shuffle(&g, order, K * PER_REGION);
    for (size_t k = 0; k < K * PER_REGION; k++) /* the last one ends the phase */
        alloy_free(b.a, held[order[k] / PER_REGION][order[k] % PER_REGION], 4 * KiB, 1);
    s = rstats(&b);
    cr_assert_eq(s.regions, 0);
    cr_assert_eq(s.unused_large_pages, K, "every region's page, between two live blocks");

    /* with the large blocks freed, every page is one free run */
    shuffle(&g, order, K);
    for (size_t k = 0; k < K; k++)
        alloy_free(b.a, large[order[k]], 40 * KiB, 1);
    alloy_free(b.a, two, 2 * PAGE - 1024, 1);
    s = rstats(&b);
    cr_assert_eq(s.total_large_pages, 2 * K + 2);
    cr_assert_eq(s.unused_large_pages, 2 * K + 2);
    char *whole = take(&b, (2 * K + 1) * PAGE);
    cr_assert_eq(whole, (char *)held[0][0] - 16 + RUN_HEADER, "one run, from the first page");
    cr_assert_eq(heap_span(&b), span + 2 * PAGE);
}

Test(region_pool, the_last_free_through_malloc_ends_a_phase_too)
{
    /* the malloc layer's free keeps blocks whole inline (region_quick.h): it must
     * not keep the last live one, whose free ends the phase */
    enum { BLOCKS = 1000 }; /* 256 bytes each: four regions with the three below */
    bench b;
    open_bench(&b, 64 * 1024 * KiB);
    char *first = alloy_malloc(b.a, 32), *kept = alloy_malloc(b.a, 32), *last = alloy_malloc(b.a, 48);
    cr_assert(first && kept == first + 32 && last == kept + 32);
    static void *held[BLOCKS];
    for (size_t i = 0; i < BLOCKS; i++)
        cr_assert((held[i] = alloy_malloc(b.a, 256)));
    cr_assert_eq(rstats(&b).regions, 4);
    alloy_malloc_free(b.a, kept); /* kept whole: the block before it is live */
    alloy_malloc_free(b.a, first);
    for (size_t i = 0; i < BLOCKS; i++)
        alloy_malloc_free(b.a, held[i]);
    alloy_malloc_free(b.a, last); /* its block before is kept whole, so looks live */
    region_figures s = rstats(&b);
    cr_assert_eq(s.regions, 0, "the last free gave the regions back");
    cr_assert_eq(s.allocated_words, 0);
    cr_assert(alloy_check(b.a));
}

Test(region_pool, a_single_region_stays_when_its_blocks_come_and_go)
{
    /* a phase that used one region leaves it, as one free block (the block kept
     * whole in it merged): allocating two blocks and freeing both, over and over,
     * reuses them and moves no page */
    bench b;
    open_bench(&b, 64 * 1024 * KiB);
    void *x = take(&b, 16), *y = take(&b, 16);
    size_t span = heap_span(&b);
    for (int i = 0; i < 100; i++) {
        alloy_free(b.a, x, 16, 1); /* kept whole: the block before it is live */
        alloy_free(b.a, y, 16, 1); /* the last: merged, and the phase ends */
        region_figures s = rstats(&b);
        cr_assert_eq(s.regions, 1);
        cr_assert_eq(s.unused_words, (uint64_t)64512 / 4, "one free block");
        cr_assert_eq(s.fragments, 0, "nothing kept whole");
        void *x2 = take(&b, 16), *y2 = take(&b, 16);
        cr_assert(x2 == x || x2 == y);
        cr_assert(y2 == x || y2 == y);
        x = x2, y = y2;
    }
    cr_assert_eq(heap_span(&b), span);
    cr_assert(alloy_check(b.a));
}

Test(region_pool, a_block_of_more_pages_than_a_run_holds_grows_nothing)
{
    /* found in review: with a free run ending the heap, a request of more than
     * 65,535 pages grew the heap to its end, then failed and left check false */
    bench b;
    if (!alloy_mmap_heap_init(&b.heap, (size_t)6 << 30))
        cr_skip_test("no 6 GiB of address space here");
    b.a = alloy_region_init(&b.region, &b.heap.heap);
    alloy_free(b.a, take(&b, 100 * KiB), 100 * KiB, 1); /* a free run ends the heap */
    size_t span = heap_span(&b);
    cr_assert_null(alloy_alloc(b.a, (size_t)5 << 30, 16));
    cr_assert_eq(heap_span(&b), span);
    cr_assert(alloy_check(b.a));
    cr_assert(alloy_alloc(b.a, 200 * KiB, 16));
    cr_assert(alloy_check(b.a));
    alloy_mmap_heap_destroy(&b.heap);
}

Test(region_pool, touching_free_runs_too_long_to_merge_stay_apart)
{
    /* found from outside: two free runs of 40,000 pages that touch cannot be merged
     * (a run counts its pages in 16 bits), and check said false */
    bench b;
    size_t pages = 40000, bytes = pages * PAGE - 64 * KiB;
    alloy_mmap_heap *h = &b.heap;
    if (!alloy_mmap_heap_init(h, (2 * pages + 2) * PAGE))
        cr_skip_test("no 5 GiB of address space here");
    b.a = alloy_region_init(&b.region, &h->heap);
    char *x = take(&b, bytes), *y = take(&b, bytes);
    cr_assert(y == x + pages * PAGE, "the runs touch");
    alloy_free(b.a, x, bytes, 1);
    alloy_free(b.a, y, bytes, 1);
    region_figures s = rstats(&b); /* checks */
    cr_assert_eq(s.unused_large_pages, 2 * pages);
    cr_assert(take(&b, bytes) == x, "and each serves again");
    /* cut from the first, what is left of it and the second fit one run: merged */
    alloy_free(b.a, x, bytes, 1);
    char *part = take(&b, 30000 * PAGE - 64 * KiB);
    cr_assert(part == x);
    s = rstats(&b); /* checks: no two touching free runs that would fit one */
    cr_assert_eq(s.unused_large_pages, 2 * pages - 30000);
    alloy_mmap_heap_destroy(h);
}

/* --- block sizes, for the malloc layer --------------------------------------------- */

Test(region_blocks, block_size_is_the_size_rounded_to_units)
{
    static _Alignas(16) unsigned char array[2048 * KiB + 5000];
    static const size_t sizes[] = {1, 16, 17, 100, 4000, 20000, 32 * KiB, 40000, 200000, 65536};
    static const size_t aligns[] = {1, 16, 64, 4096, 32768, 65536};
    for (int on_static = 0; on_static < 2; on_static++) {
        bench b;
        static_bench sb;
        alloy_allocator *a;
        if (on_static) {
            a = open_static(&sb, array + 3, sizeof array - 3);
        } else {
            open_bench(&b, 64 * 1024 * KiB);
            a = b.a;
        }
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            for (size_t k = 0; k < sizeof aligns / sizeof aligns[0]; k++) {
                size_t size = (sizes[i] + 15) / 16 * 16;
                char *p = alloy_alloc(a, size, aligns[k]);
                cr_assert(p && (uintptr_t)p % aligns[k] == 0);
                size_t align;
                cr_assert_eq(alloy_region_block_size(a, p, &align), size, "%zu aligned to %zu (%s heap)", size,
                             aligns[k], on_static ? "static" : "mmap");
                void *q = alloy_alloc(a, 48, 16); /* a neighbour */
                cr_assert_eq(alloy_region_block_size(a, p, &align), size);
                /* the alignment it reports frees the block as the one it was asked with */
                cr_assert(alloy_resize(a, p, size, align, size), "resize takes it");
                alloy_free(a, p, size, align);
                alloy_free(a, q, 48, 16);
                cr_assert(alloy_check(a));
            }
        cr_assert(alloy_check(a));
        if (!on_static)
            alloy_mmap_heap_destroy(&b.heap);
    }
}

Test(region_blocks, block_size_stops_at_a_free_neighbour)
{
    bench b;
    open_bench(&b, 1024 * KiB);
    char *x = take(&b, 160), *y = take(&b, 700);
    take(&b, 16);
    alloy_free(b.a, y, 700, 1);
    size_t align;
    cr_assert_eq(alloy_region_block_size(b.a, x, &align), 160, "a free block behind it");
    cr_assert(alloy_resize(b.a, x, 160, 1, 200));
    cr_assert_eq(alloy_region_block_size(b.a, x, &align), 208);
}

/* The malloc layer's free in a region's last units, where the map bits that
 * free_unsized reads in one load would pass the live map's end: every block is still
 * told its size. Blocks of 1 .. 56 units (all that load reaches) and some longer,
 * then 1 .. 3 near the end, are cut front to back
 * until one lands in a second region, then freed back to front (each with a live
 * block before it). */
Test(region_blocks, free_unsized_at_a_regions_end)
{
    enum { MOST = 1024 };
    static char *held[MOST];
    static size_t sizes[MOST];
    bench b;
    open_bench(&b, 4096 * KiB);
    size_t n = 0, near_end = 0;
    held[n] = take(&b, 16);
    sizes[n++] = 16;
    uintptr_t frame = (uintptr_t)held[0] - 16; /* a fresh region's first block is its unit 1 */
    for (size_t k = 0, offset = 0; n < MOST; k++) {
        sizes[n] = (offset / 16 < 3800 ? k % 60 + 1 : k % 3 + 1) * 16; /* small ones at the end */
        held[n] = take(&b, sizes[n]);
        offset = (uintptr_t)held[n++] - frame;
        if (offset >= 65536)
            break;
        near_end += offset / 16 >= 3978; /* where the load would pass the live map's end */
    }
    cr_assert(n < MOST && near_end > 0, "blocks in the region's last units (%zu)", near_end);
    for (size_t i = n; i-- > 0;)
        cr_assert_eq(alloy_region_free_unsized(b.a, held[i]), sizes[i], "block %zu", i);
    cr_assert(alloy_check(b.a));
}

/* The malloc layer's free reads a block's size in one load of the live map, shifted
 * by where the block starts within a byte of the map: blocks of 55 to 58 units, the
 * longest that load reaches (56) and past it, each starting at every offset of the
 * eight, are told their sizes. */
Test(region_blocks, free_unsized_at_every_offset_of_a_map_byte)
{
    for (size_t offset = 0; offset < 8; offset++)
        for (size_t units = 55; units <= 58; units++) {
            bench b;
            open_bench(&b, 1024 * KiB);
            char *before = take(&b, (offset + 1) * 16); /* units 1 .. offset + 1 */
            char *p = take(&b, units * 16);
            take(&b, 16); /* a live block after it */
            cr_assert_eq((size_t)(p - before) / 16, offset + 1, "the block starts at unit offset + 2");
            cr_assert_eq(alloy_region_free_unsized(b.a, p), units * 16, "%zu units at offset %zu", units, offset);
            cr_assert(alloy_check(b.a));
            alloy_mmap_heap_destroy(&b.heap);
        }
}

/* Free blocks of more than 32 units lean to low addresses: freed in the order 1, 5,
 * 3 (live blocks between them, so none merge; of 80 units, none is kept whole),
 * three blocks of one size come back lowest first, where a list that only pushes in
 * front would give 3 first. */
Test(region_blocks, large_free_blocks_lean_low)
{
    enum { SIZE = 80 * 16 };
    bench b;
    open_bench(&b, 1024 * KiB);
    char *x[7];
    for (int i = 0; i < 7; i++) {
        x[i] = take(&b, SIZE);
        cr_assert(i == 0 || x[i] == x[i - 1] + SIZE, "side by side in a fresh region");
    }
    alloy_free(b.a, x[1], SIZE, 1);
    alloy_free(b.a, x[5], SIZE, 1);
    alloy_free(b.a, x[3], SIZE, 1);
    cr_assert(alloy_check(b.a));
    cr_assert_eq(take(&b, SIZE), x[1]);
    cr_assert_eq(take(&b, SIZE), x[3]);
    cr_assert_eq(take(&b, SIZE), x[5]);
    cr_assert(alloy_check(b.a));
}

/* A new region's block goes first on its list, whatever lies below it: a request
 * whose alignment only a whole region can meet looks at that list's head alone, and
 * takes the new region there. Here the head is a free block of 3,648 units below it
 * that cannot hold 1,985 units at 32 KiB; had the new block gone behind it, every
 * retry would take another region until the heap ran out. */
Test(region_blocks, new_region_serves_an_aligned_request)
{
    bench b;
    open_bench(&b, 1024 * KiB);
    take(&b, 100 * 16);
    void *x2 = take(&b, 2048 * 16), *x3 = take(&b, 1600 * 16);
    take(&b, 284 * 16);
    alloy_free(b.a, x2, 2048 * 16, 1);
    alloy_free(b.a, x3, 1600 * 16, 1);
    cr_assert_eq(rstats(&b).regions, 1);
    void *p = alloy_alloc(b.a, 1985 * 16, 32 * KiB);
    cr_assert(p && (uintptr_t)p % (32 * KiB) == 0);
    region_figures s = rstats(&b);
    cr_assert_eq(s.regions, 2, "one new region (%llu)", (unsigned long long)s.regions);
    cr_assert_eq(heap_span(&b), 128 * KiB);
}

/* alloy_region_free_unsized (the malloc layer's free) acts as block_size and then
 * alloy_free with what it told: two instances on twin arrays take the same random
 * requests, one frees each block that way and the other unsized; each answer is the
 * block's size, and the two keep the same state (every figure, every address). */
Test(region_blocks, free_unsized_is_block_size_then_free)
{
    enum { SLOTS = 300, OPS = 20000 };
    static _Alignas(65536) unsigned char array0[4096 * KiB + 4000], array1[sizeof array0];
    unsigned char *arrays[2] = {array0, array1};
    static_bench twins[2];
    alloy_allocator *a[2];
    static char *held[2][SLOTS];
    static size_t sizes[SLOTS];
    memset(held, 0, sizeof held);
    for (int t = 0; t < 2; t++)
        a[t] = open_static(&twins[t], arrays[t] + 48, sizeof array0 - 48); /* the initial region starts late */
    test_rng g = {97};
    for (size_t op = 0; op < OPS; op++) {
        /* first 200 blocks of 32 units side by side, then every other one freed: 100
         * kept whole on one quick list, with both neighbours live */
        size_t i = op < 200 ? op : op < 300 ? 2 * (op - 200) : rng_range(&g, 0, SLOTS - 1);
        if (held[0][i]) {
            size_t align, size = alloy_region_block_size(a[0], held[0][i], &align);
            cr_assert_eq(size, sizes[i], "block_size");
            alloy_free(a[0], held[0][i], size, align);
            cr_assert_eq(alloy_region_free_unsized(a[1], held[1][i]), size, "op %zu: the size freed", op);
            held[0][i] = held[1][i] = NULL;
        } else {
            uint64_t kind = op < 200 ? 0 : rng_next(&g) % 16;
            size_t size = op < 200 ? 512 : kind < 12 ? rng_range(&g, 1, 80) * 16 /* both sides of 32 and 64 units */
                          : kind < 15 ? rng_range(&g, 1, 3000) * 16 : rng_range(&g, 1, 12000) * 16;
            size_t align = op >= 200 && kind % 5 == 0 ? (size_t)64 << rng_range(&g, 0, 6) : 16;
            for (int t = 0; t < 2; t++)
                held[t][i] = alloy_alloc(a[t], size, align);
            cr_assert_eq(!held[0][i], !held[1][i], "op %zu: both fail or neither", op);
            if (held[0][i])
                cr_assert_eq(held[0][i] - (char *)arrays[0], held[1][i] - (char *)arrays[1], "op %zu: one place",
                             op);
            sizes[i] = size;
        }
        if (op % 1000 == 0 || op == OPS - 1) {
            alloy_stats s[2];
            for (int t = 0; t < 2; t++) {
                cr_assert(alloy_check(a[t]));
                alloy_stats_get(a[t], &s[t]);
            }
            /* (the shared figures but heap_bytes count the front end's calls: alloy_free's only) */
            cr_assert_eq(s[0].shared.heap_bytes, s[1].shared.heap_bytes);
            cr_assert_eq(s[0].count, s[1].count);
            for (size_t f = 0; f < s[0].count; f++)
                cr_assert_eq(s[0].figures[f].value, s[1].figures[f].value, "op %zu: %s", op, s[0].figures[f].name);
        }
    }
}

/* --- check finds damage ------------------------------------------------------------ */

Test(region_check, finds_each_kind_of_damage)
{
    enum { CASES = 14 };
    for (int damage = 0; damage < CASES; damage++) {
        bench b;
        open_bench(&b, 4096 * KiB);
        char *x = take(&b, 100), *y = take(&b, 1100), *z = take(&b, 100); /* y: never kept whole */
        char *large = take(&b, 100 * KiB), *other = take(&b, 50 * KiB);
        alloy_free(b.a, y, 1100, 1);
        alloy_free(b.a, large, 100 * KiB, 1);
        cr_assert(alloy_check(b.a));
        uintptr_t frame = (uintptr_t)x & ~(uintptr_t)(PAGE - 1);
        /* the free map's 63 words, then the live map's: bit k is unit k + 1's */
        uint64_t *free_map = (uint64_t *)(frame + 4033 * 16), *live_map = free_map + 63;
        size_t yu = ((uintptr_t)y - frame) / 16 - 1, zu = ((uintptr_t)z - frame) / 16 - 1;
        switch (damage) {
        case 0: /* a free block's size */
            ((uint32_t *)(void *)y)[2] = 7;
            break;
        case 1: /* its footer */
            *(uint32_t *)(void *)(y + 1104 - 4) = 3;
            break;
        case 2: /* the bit on a live block's last unit (z: 7 units) */
            cr_assert(live_map[(zu + 6) / 64] >> ((zu + 6) % 64) & 1, "z's LIVE bit is where the test looks");
            live_map[(zu + 6) / 64] ^= (uint64_t)1 << ((zu + 6) % 64);
            break;
        case 3: /* the bit on a free block's first unit */
            cr_assert(free_map[yu / 64] >> (yu % 64) & 1, "y's FREE bit is where the test looks");
            free_map[yu / 64] ^= (uint64_t)1 << (yu % 64);
            break;
        case 4: /* the region's tag */
            *(uint32_t *)frame ^= 1;
            break;
        case 5: /* a run's link */
            b.region.large.page_count ^= 0x100;
            break;
        case 6: /* a block kept whole for reuse, its list made a cycle */
        case 7: /* the same, its list run on into a live block of its size (z: 7 units, as x) */
            alloy_free(b.a, x, 100, 1);
            cr_assert(alloy_check(b.a));
            *(uint32_t *)(void *)x = (uint32_t)(((uintptr_t)(damage == 6 ? x : z) - b.region.origin) / 16);
            *(uint32_t *)(void *)z = 0; /* (NIL: z would end the list) */
            break;
        case 8: /* where a run's header says its link lies (the free run of large: its
                 * own trailer, which describes the next run) */
            *(void **)(void *)(large - RUN_HEADER + sizeof(void *)) = large - RUN_HEADER + 2 * PAGE - LINK;
            break;
        case 9: /* whether its trailer says it is free */
            ((alloy_page_link *)(void *)(large - RUN_HEADER + 2 * PAGE - LINK))->own_free_pages = 0;
            break;
        case 10: /* the list of free runs, made a cycle */
            *(void **)(void *)large = large - RUN_HEADER;
            break;
        case 11: /* the tag of a run in use, a region's */
            *(uint32_t *)(void *)(other - RUN_HEADER) = *(uint32_t *)frame;
            break;
        case 12: /* a FREE bit in what follows z: the top (builds for speed), which has
                  * none, or a free block, which has one at its start only */
        case 13: /* a LIVE bit there */
            (damage == 12 ? free_map : live_map)[(zu + 9) / 64] ^= (uint64_t)1 << ((zu + 9) % 64);
            break;
        }
        cr_assert(!alloy_check(b.a), "damage %d went unseen", damage);
    }
}

Test(region_space, small_blocks_freed_are_reused_whole_and_merged_when_needed)
{
    bench b;
    open_bench(&b, 4096 * KiB);
    enum { N = 200 };
    void *p[N];
    for (int i = 0; i < N; i++)
        p[i] = take(&b, 250);
    void *wall = take(&b, 16);
    for (int i = 0; i < N; i++)
        alloy_free(b.a, p[(i * 7) % N], 250, 1);
    cr_assert(alloy_check(b.a));
    region_figures s = rstats(&b);
    cr_assert_eq(s.allocated_words, 16 / 4, "only the wall is live");
    size_t span = heap_span(&b);
    char *again = take(&b, 250);
    bool among = false;
    for (int i = 0; i < N; i++)
        among |= again == p[i];
    if (b.region.keeps_whole) /* (in builds for size they merged, and the request
                               * splits the smaller free block behind the wall) */
        cr_assert(among, "a freed block of the same size is reused");
    alloy_free(b.a, again, 250, 1);
    void *big = take(&b, 20 * KiB);
    cr_assert_eq(heap_span(&b), span, "the freed blocks merge when a larger request needs them");
    cr_assert_eq(big, p[0]);
    alloy_free(b.a, wall, 16, 1);
    alloy_free(b.a, big, 20 * KiB, 1);
    cr_assert(alloy_check(b.a));
}

/* Blocks of up to 1,024 bytes are kept whole for their size (big-heap's 16..1,024-byte
 * blocks, as malloc: 230 -> 198 instructions a call): a freed block of 1,000 bytes
 * waits for a request of 1,000, and one of 960, whose free list it would otherwise
 * share, does not split it. One of 1,040 bytes is merged as before. */
Test(region_space, blocks_up_to_1024_bytes_are_kept_whole_for_their_size)
{
    bench b;
    open_bench(&b, 1024 * KiB);
    if (!b.region.keeps_whole)
        cr_skip_test("builds for size keep no block whole");
    char *x = take(&b, 1000), *y, *wall = take(&b, 16);
    region_figures before = rstats(&b);
    alloy_free(b.a, x, 1000, 1); /* nothing free before it: kept whole */
    cr_assert(alloy_check(b.a));
    region_figures s = rstats(&b);
    cr_assert_eq(s.fragments, before.fragments + 1, "a block kept whole is free space");
    cr_assert_eq(s.fragment_words, before.fragment_words + 1008 / 4);
    cr_assert_eq(s.allocated_words, before.allocated_words - 1008 / 4);
    y = take(&b, 960);
    cr_assert_neq(y, x, "a request of another size leaves it whole");
    cr_assert_eq(take(&b, 1000), x, "the next request of its size takes it back");
    char *z = take(&b, 1040), *wall2 = take(&b, 16);
    alloy_free(b.a, z, 1040, 1);
    cr_assert_eq(take(&b, 960), z, "65 units: merged, then split for a smaller request");
    alloy_free(b.a, wall, 16, 1);
    alloy_free(b.a, wall2, 16, 1);
    cr_assert(alloy_check(b.a));
}

/* A quick list holds every block freed: a burst of 300 frees of 100-byte blocks
 * between live ones keeps each whole (with lists of at most 64, the rest went to the
 * free lists, and a request of 96 bytes then split one of them), and 300 requests of
 * 100 bytes take them all back. */
Test(region_space, a_quick_list_holds_every_block_freed)
{
    enum { N = 300 };
    bench b;
    open_bench(&b, 1024 * KiB);
    if (!b.region.keeps_whole)
        cr_skip_test("builds for size keep no block whole");
    char *x[N];
    for (int i = 0; i < N; i++) {
        x[i] = take(&b, 100);
        take(&b, 16); /* a wall */
    }
    region_figures before = rstats(&b);
    for (int i = 0; i < N; i++)
        alloy_free(b.a, x[i], 100, 1); /* the block before each is live: kept whole */
    cr_assert(alloy_check(b.a));
    cr_assert_eq(rstats(&b).fragments, before.fragments + N);
    cr_assert_eq(b.region.class_heads[7 - 1], 0, "no 7-unit block on the free lists");
    char *y = take(&b, 96);
    for (int i = 0; i < N; i++)
        cr_assert_neq(y, x[i], "a request of another size leaves them whole");
    for (int i = 0; i < N; i++) {
        char *again = take(&b, 100);
        bool among = false;
        for (int j = 0; j < N; j++)
            among |= again == x[j];
        cr_assert(among, "request %d of their size takes one of them back", i);
    }
    cr_assert_eq(rstats(&b).fragments, before.fragments, "none is left kept");
    cr_assert(alloy_check(b.a));
}

/* On a full heap, a realloc that fits in place once the blocks kept whole behind its
 * block are merged succeeds: the resize finds the first of two kept blocks behind
 * it too short, the allocation fails, having merged them, and the second resize
 * grows the block into them (an adversarial test found the NULL). */
Test(region_space, a_realloc_on_a_full_heap_grows_into_blocks_kept_behind)
{
    static _Alignas(65536) unsigned char array[PAGE]; /* one region; the heap cannot grow */
    alloy_static_heap heap;
    alloy_region region;
    alloy_allocator *a = alloy_region_init(&region, alloy_static_heap_init(&heap, array, sizeof array));
    char *x = alloy_alloc(a, 16, 16), *b1 = alloy_alloc(a, 16, 16), *b2 = alloy_alloc(a, 16, 16);
    cr_assert(x && b1 && b2 && alloy_alloc(a, 2000 * 16, 16) && alloy_alloc(a, (4032 - 3 - 2000) * 16, 16),
              "the region is full");
    memset(x, 7, 16);
    alloy_free(a, b1, 16, 16); /* kept whole, in builds for speed: x before it is live */
    alloy_free(a, b2, 16, 16); /* kept too: b1 before it still looks live */
    cr_assert_eq(alloy_realloc(a, x, 16, 16, 48), x, "grown in place into both");
    for (int i = 0; i < 16; i++)
        cr_assert_eq(x[i], 7);
    cr_assert(alloy_check(a));
}

/* A request that no free block serves flushes the blocks kept whole a size at a time,
 * the largest first, and stops once it fits: three kept blocks of 60 units side by
 * side merge into one of 180, which serves 150 units, and three kept blocks of 2
 * units stay on their quick list for requests of their size (flushed with the rest,
 * they went to the free lists, to be split by other sizes). On a heap that cannot
 * grow, where the request must come from them. */
Test(region_space, a_flush_of_kept_blocks_stops_once_the_request_fits)
{
    static _Alignas(65536) unsigned char array[PAGE]; /* one region; the heap cannot grow */
    alloy_static_heap heap;
    alloy_region region;
    alloy_allocator *a = alloy_region_init(&region, alloy_static_heap_init(&heap, array, sizeof array));
    if (!region.keeps_whole)
        cr_skip_test("builds for size keep no block whole");
    char *wide[3], *narrow[3];
    cr_assert(alloy_alloc(a, 16, 16));
    for (int i = 0; i < 3; i++)
        cr_assert((wide[i] = alloy_alloc(a, 60 * 16, 16)));
    for (int i = 0; i < 3; i++)
        cr_assert(alloy_alloc(a, 16, 16) && (narrow[i] = alloy_alloc(a, 2 * 16, 16)));
    cr_assert(alloy_alloc(a, 16, 16) && alloy_alloc(a, 2000 * 16, 16) &&
                  alloy_alloc(a, (4032 - 1 - 180 - 9 - 1 - 2000) * 16, 16),
              "the region is full");
    for (int i = 0; i < 3; i++) {
        alloy_free(a, wide[i], 60 * 16, 16); /* kept whole: the block before looks live */
        alloy_free(a, narrow[i], 2 * 16, 16);
    }
    cr_assert(region.quick[60 - 1] != 0 && region.quick[2 - 1] != 0, "all six kept whole");
    cr_assert_eq(alloy_alloc(a, 150 * 16, 16), wide[0], "the three of 60 units, merged");
    cr_assert(region.quick[2 - 1] != 0 && region.class_heads[2 - 1] == 0, "the three of 2 units still kept whole");
    for (int i = 3; i-- > 0;)
        cr_assert_eq(alloy_alloc(a, 2 * 16, 16), narrow[i], "and taken back by their size");
    cr_assert(alloy_check(a));
}

/* A list of several sizes (above 32 units) may hold a block that fits behind a head
 * that does not: on a heap that cannot grow, alloc finds it rather than fail. */
Test(region_space, a_full_heap_serves_from_behind_a_lists_head)
{
    static _Alignas(65536) unsigned char array[PAGE]; /* one region; the heap cannot grow */
    alloy_static_heap heap;
    alloy_region region;
    alloy_allocator *a = alloy_region_init(&region, alloy_static_heap_init(&heap, array, sizeof array));
    char *low = alloy_alloc(a, 41 * 16, 16), *gap1 = alloy_alloc(a, 16, 16);
    char *high = alloy_alloc(a, 47 * 16, 16), *gap2 = alloy_alloc(a, 16, 16);
    cr_assert(low && gap1 && high && gap2 && alloy_alloc(a, 2000 * 16, 16) &&
                  alloy_alloc(a, (4032 - 41 - 1 - 47 - 1 - 2000) * 16, 16),
              "the region is full");
    alloy_free(a, low, 41 * 16, 16);
    alloy_free(a, high, 47 * 16, 16); /* on the list of 40 to 47 units, behind the lower one */
    cr_assert_eq(alloy_alloc(a, 45 * 16, 16), high, "45 units fit the block of 47");
    cr_assert(alloy_check(a));
}

/* The same for an alignment: the head of the list is the lower block, which 256
 * bytes' alignment leaves too short; the block behind it starts aligned. */
Test(region_space, a_full_heap_serves_an_aligned_request_from_behind_a_lists_head)
{
    static _Alignas(65536) unsigned char array[PAGE];
    alloy_static_heap heap;
    alloy_region region;
    alloy_allocator *a = alloy_region_init(&region, alloy_static_heap_init(&heap, array, sizeof array));
    char *low = alloy_alloc(a, 47 * 16, 16); /* units 1 to 47: 16 bytes past a multiple of 256 */
    cr_assert(low && alloy_alloc(a, 16, 16) && alloy_alloc(a, 15 * 16, 16));
    char *high = alloy_alloc(a, 47 * 16, 16); /* units 64 to 110 */
    cr_assert(high && (uintptr_t)high % 256 == 0 && (uintptr_t)low % 256 == 16);
    cr_assert(alloy_alloc(a, 16, 16) && alloy_alloc(a, 2000 * 16, 16) && alloy_alloc(a, (4032 - 111 - 2000) * 16, 16),
              "the region is full");
    alloy_free(a, low, 47 * 16, 16);
    alloy_free(a, high, 47 * 16, 16);
    cr_assert_eq(alloy_alloc(a, 47 * 16, 256), high);
    cr_assert(alloy_check(a));
}

Test(region_pool, a_phase_end_merges_the_blocks_of_up_to_1024_bytes_kept_whole)
{
    /* as a_single_region_stays_when_its_blocks_come_and_go, with blocks of 63 units */
    bench b;
    open_bench(&b, 64 * 1024 * KiB);
    if (!b.region.keeps_whole)
        cr_skip_test("builds for size keep no block whole");
    void *x = take(&b, 1000), *y = take(&b, 1000), *last = take(&b, 16);
    alloy_free(b.a, x, 1000, 1); /* kept whole: nothing free before it */
    alloy_free(b.a, y, 1000, 1); /* kept whole: the block before it looks live */
    cr_assert_eq(rstats(&b).fragments, 2, "two kept (the region's rest is its top: room)");
    alloy_free(b.a, last, 16, 1); /* the last: the phase ends */
    region_figures s = rstats(&b);
    cr_assert_eq(s.regions, 1);
    cr_assert_eq(s.unused_words, (uint64_t)64512 / 4, "one free block");
    cr_assert_eq(s.fragments, 0, "nothing kept whole");
    cr_assert(alloy_check(b.a));
}

/* On a heap that cannot grow, a small request that blocks kept whole can serve, merged,
 * leaves the pool's page to a large block: taking the page first (a faster order,
 * tried and dropped) left the large block nothing. */
Test(region_pool, a_small_request_leaves_the_pools_page_when_kept_blocks_serve_it)
{
    bench b;
    open_bench(&b, 128 * KiB); /* two pages at most */
    char *blocks[32];
    take(&b, 16); /* a wall: it stays live */
    for (int i = 0; i < 32; i++)
        blocks[i] = take(&b, 1024);
    take(&b, (4032 - 1 - 2048) * 16); /* the region is full */
    alloy_free(b.a, take(&b, 40 * KiB), 40 * KiB, 1); /* the heap's second page is the pool's */
    for (int i = 0; i < 32; i++)
        alloy_free(b.a, blocks[i], 1024, 1); /* kept whole in builds for speed */
    char *small = alloy_alloc(b.a, 2000 * 16, 1);
    cr_assert(small, "the freed blocks hold it");
    cr_assert_eq(rstats(&b).regions, 1, "in the region, not on the pool's page");
    cr_assert(alloy_alloc(b.a, 40 * KiB, 1), "the pool's page is still there for a large block");
    cr_assert(alloy_check(b.a));
}
