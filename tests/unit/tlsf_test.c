/* SPDX-License-Identifier: MIT */
/* The two-level segregated fit strategy: what strategies/tlsf.c's head comment
 * promises, each with figures that a wrong tlsf would get wrong: a freed block reused
 * for its size, neighbours merged at once, a block split to the request, resize in
 * place, block_size and free_unsized from the header, aligned blocks and the fronts
 * they skip, the heap grown by the pages missing only, every byte accounted for, out
 * of memory on a caller's array, the largest block, and check finding damage.
 *
 * One test fails until tlsf.c is fixed: a_block_just_freed_serves_its_size_on_a_full_heap
 * (a free block of exactly the size asked is not found when it is not the first size
 * of its class, and alloc returns NULL on a heap that cannot grow). */
#include <criterion/criterion.h>
#include <string.h>

#include "alloy/malloc.h"
#include "alloy/static_heap.h"
#include "alloy/tlsf.h"
#include "blocks.h"
#include "refusing_heap.h"

#define PAGE ALLOY_PAGE_SIZE
#define KiB ((size_t)1024)
/* The layout strategies/tlsf.c draws: a block's header is the word in front of its
 * first byte; a free block's record (header, two links, its size again in its last
 * word) sets the smallest block; a pool spends a record and an end word. */
#define WORD sizeof(size_t)
#define MIN_BLOCK (4 * WORD < 16 ? (size_t)16 : 4 * WORD)
#define POOL_BYTES (sizeof(size_t) == 8 ? (size_t)32 : (size_t)16)
#define H_FREE ((size_t)1)
#define H_PREV_FREE ((size_t)2)
#define H_SPARE ((size_t)4)
#define H_FLAGS ((size_t)15)

typedef struct bench {
    alloy_mmap_heap heap;
    alloy_tlsf tlsf;
    alloy_allocator *a;
} bench;

static void open_bench(bench *b)
{
    cr_assert(alloy_mmap_heap_init(&b->heap, 64 * 1024 * KiB));
    b->a = alloy_tlsf_init(&b->tlsf, &b->heap.heap);
    cr_assert(b->a);
}

/* tlsf's figures (alloy/tlsf.h), under the names they have in the report, and the
 * shared heap_bytes */
typedef struct tlsf_figures {
    uint64_t free_blocks, free_bytes, pools, largest_free, heap_bytes;
} tlsf_figures;

static tlsf_figures figures_of(const alloy_allocator *a)
{
    alloy_stats s;
    alloy_stats_get(a, &s);
    return (tlsf_figures){stat_value(&s, "free_blocks"), stat_value(&s, "free_bytes"), stat_value(&s, "pools"),
                          stat_value(&s, "largest_free"), s.shared.heap_bytes};
}

/* An instance over a caller's array (static heap): its initial space, then its pages. */
typedef struct static_bench {
    alloy_static_heap heap;
    alloy_tlsf tlsf;
    alloy_allocator *a;
} static_bench;

static alloy_allocator *open_static(static_bench *b, unsigned char *array, size_t bytes)
{
    cr_assert((uintptr_t)array % 16 == 0);
    b->a = alloy_tlsf_init(&b->tlsf, alloy_static_heap_init(&b->heap, array, bytes));
    cr_assert(b->a);
    return b->a;
}

/* The figures of a sound instance. */
static tlsf_figures tstats(const alloy_allocator *a)
{
    cr_assert(alloy_check(a), "check fails");
    return figures_of(a);
}

/* The bytes of the block for a request of `size`, its header included. */
static size_t block_bytes(size_t size)
{
    size_t bytes = (size + WORD + 15) & ~(size_t)15;
    return bytes < MIN_BLOCK ? MIN_BLOCK : bytes;
}

/* What the block for a request of `size` holds: all of it but its header. */
static size_t holds(size_t size)
{
    return block_bytes(size) - WORD;
}

static size_t *header_of(void *p)
{
    return (size_t *)(void *)p - 1;
}

static size_t header_size(void *p)
{
    return *header_of(p) & ~H_FLAGS;
}

static void *take(alloy_allocator *a, size_t size, size_t align)
{
    void *p = alloy_alloc(a, size, align);
    cr_assert(p, "alloc(%zu, %zu) failed", size, align);
    cr_assert_eq((uintptr_t)p % (align > 16 ? align : 16), 0, "alloc(%zu, %zu) is misaligned", size, align);
    return p;
}

static size_t tlsf_block_size(const alloy_allocator *a, const void *p, size_t *align)
{
    return alloy_tlsf_strategy.block_size(a, p, align);
}

/* --- reuse --------------------------------------------------------------------------- */

Test(tlsf, a_freed_block_is_handed_back_to_its_size)
{
    /* Every block under 512 bytes has a class of its own size, and above that every
     * first size of a class ((16 + c) << k): the freed block, not the pool's tail
     * behind the wall, is the first fit. (A block of another size is passed over
     * for a larger one, by design: alloc looks from the next class's first size.) */
    bench b;
    open_bench(&b);
    size_t sizes[512 + 16 * 12], n = 0;
    for (size_t s = 1; block_bytes(s) <= 512; s++)
        sizes[n++] = s;
    for (unsigned k = 5; k <= 16; k++)
        for (size_t c = 0; c < 16; c++)
            sizes[n++] = ((16 + c) << k) - WORD;
    for (size_t i = 0; i < n; i++) {
        size_t s = sizes[i];
        char *x = take(b.a, s, 16), *wall = take(b.a, 16, 16);
        alloy_free(b.a, x, s, 16);
        char *y = take(b.a, s, 16);
        cr_assert_eq(y, x, "a freed block of %zu bytes (request %zu) is not handed back", block_bytes(s), s);
        cr_assert_eq(header_size(y), block_bytes(s), "request %zu", s);
        alloy_free(b.a, y, s, 16);
        alloy_free(b.a, wall, 16, 16);
        tlsf_figures f = tstats(b.a);
        cr_assert_eq(f.free_blocks, f.pools, "request %zu: all merged again", s);
    }
}

Test(tlsf, blocks_of_one_size_are_reused_last_freed_first)
{
    bench b;
    open_bench(&b);
    char *x[4], *wall[4];
    for (int i = 0; i < 4; i++) {
        x[i] = take(b.a, 100, 16);
        wall[i] = take(b.a, 16, 16);
    }
    for (int i = 0; i < 4; i++)
        alloy_free(b.a, x[i], 100, 16);
    cr_assert_eq(tstats(b.a).free_blocks, 5, "four blocks between walls, and the tail");
    for (int i = 3; i >= 0; i--)
        cr_assert_eq(take(b.a, 100, 16), x[i]);
    cr_assert_eq(tstats(b.a).free_blocks, 1);
    (void)wall;
}

Test(tlsf, the_smallest_class_that_fits_is_taken)
{
    /* free blocks of 64 and 128 bytes (one level), and the tail: a request of 48
     * bytes takes the 64, one of 112 the 128 */
    bench b;
    open_bench(&b);
    char *x64 = take(b.a, 64 - WORD, 16), *w1 = take(b.a, 16, 16);
    char *x128 = take(b.a, 128 - WORD, 16), *w2 = take(b.a, 16, 16);
    alloy_free(b.a, x128, 128 - WORD, 16);
    alloy_free(b.a, x64, 64 - WORD, 16);
    cr_assert_eq(take(b.a, 48 - WORD, 16), x64);
    cr_assert_eq(take(b.a, 112 - WORD, 16), x128);
    cr_assert_eq(tstats(b.a).free_blocks, 1);
    (void)w1, (void)w2;
}

Test(tlsf, largest_free_is_the_largest_block_wherever_its_list_holds_it)
{
    /* blocks of 512 and 528 bytes share a list (512 to 543): the 528, freed last,
     * heads it; no tail */
    static _Alignas(16) unsigned char array[3000];
    static_bench sb;
    alloy_allocator *a = open_static(&sb, array, sizeof array);
    char *x1 = take(a, 512 - WORD, 16), *w1 = take(a, 16, 16), *x2 = take(a, 528 - WORD, 16), *w2 = take(a, 16, 16);
    char *rest = take(a, 1856 - WORD, 16); /* 1,856: the tail, the first size of its class */
    tlsf_figures f = tstats(a);
    cr_assert_eq(f.free_blocks, 0);
    alloy_free(a, x1, 512 - WORD, 16);
    alloy_free(a, x2, 528 - WORD, 16);
    f = tstats(a);
    cr_assert_eq(f.free_blocks, 2);
    cr_assert_eq(f.free_bytes, 512 + 528);
    cr_assert_eq(f.largest_free, 528);
    (void)w1, (void)w2, (void)rest;
}

/* --- merging ------------------------------------------------------------------------- */

Test(tlsf, three_adjacent_blocks_merge_in_any_order)
{
    /* A, B, C of 16 KiB each, a wall, the tail: the freed ones make runs, each one
     * free block. */
    static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    const size_t size = 16 * KiB - WORD, block = 16 * KiB;
    for (int o = 0; o < 6; o++) {
        bench b;
        open_bench(&b);
        char *x[3];
        for (int i = 0; i < 3; i++)
            x[i] = take(b.a, size, 16);
        char *wall = take(b.a, 16, 16);
        cr_assert_eq(x[1], x[0] + block);
        cr_assert_eq(x[2], x[1] + block);
        cr_assert_eq(wall, x[2] + block);
        tlsf_figures f = tstats(b.a);
        cr_assert_eq(f.heap_bytes, PAGE);
        const uint64_t tail = PAGE - POOL_BYTES - 3 * block - MIN_BLOCK;
        cr_assert_eq(f.free_blocks, 1);
        cr_assert_eq(f.free_bytes, tail);
        bool freed[3] = {false, false, false};
        for (int step = 0; step < 3; step++) {
            int i = orders[o][step];
            alloy_free(b.a, x[i], size, 16);
            freed[i] = true;
            uint64_t runs = 0, longest = 0, run = 0;
            for (int j = 0; j < 3; j++) {
                run = freed[j] ? run + 1 : 0;
                runs += run == 1;
                longest = run > longest ? run : longest;
            }
            f = tstats(b.a);
            cr_assert_eq(f.free_blocks, runs + 1, "order %d, step %d", o, step);
            cr_assert_eq(f.free_bytes, tail + (uint64_t)(step + 1) * block, "order %d, step %d", o, step);
            cr_assert_eq(f.largest_free, longest * block > tail ? longest * block : tail, "order %d, step %d", o,
                         step);
        }
        cr_assert_eq(f.free_blocks, 2);
        cr_assert_eq(f.largest_free, 3 * block);
        cr_assert_eq(*header_of(x[0]), 3 * block | H_FREE, "order %d: one block at A", o);
        /* one block indeed: a request of all three is served there */
        char *all = take(b.a, 3 * block - WORD, 16);
        cr_assert_eq(all, x[0], "order %d", o);
        alloy_free(b.a, all, 3 * block - WORD, 16);
        alloy_free(b.a, wall, 16, 16);
        f = tstats(b.a);
        cr_assert_eq(f.free_blocks, 1, "order %d: the pool is one free block", o);
        cr_assert_eq(f.free_bytes, PAGE - POOL_BYTES);
        cr_assert_eq(f.largest_free, PAGE - POOL_BYTES);
        alloy_mmap_heap_destroy(&b.heap);
    }
}

Test(tlsf, freeing_everything_leaves_one_free_block_per_pool)
{
    bench b;
    open_bench(&b);
    enum { N = 300 };
    live_block x[N];
    test_rng g = {11};
    for (int i = 0; i < N; i++) {
        if (i == N / 3 || i == 2 * N / 3)
            cr_assert(alloy_heap_grow(&b.heap.heap, 1), "somebody else's page: the next growth is a pool");
        size_t size = rng_next(&g) % 8 == 0 ? rng_range(&g, 1, 40000) : rng_range(&g, 1, 1000);
        x[i] = (live_block){take(b.a, size, 16), size, 16, (uint32_t)i};
        block_fill(&x[i]);
    }
    tlsf_figures f = tstats(b.a);
    cr_assert_eq(f.pools, 3);
    for (int k = 0; k < N; k++) { /* in a shuffled order */
        int i = (int)((size_t)k * 7919 % N);
        cr_assert(block_intact(&x[i], x[i].size), "block %d", i);
        alloy_free(b.a, x[i].p, x[i].size, 16);
        if (k % 25 == 0)
            tstats(b.a);
    }
    f = tstats(b.a);
    cr_assert_eq(f.pools, 3);
    cr_assert_eq(f.free_blocks, 3, "one free block per pool");
    cr_assert_eq(f.free_bytes, f.heap_bytes - 3 * POOL_BYTES);
}

/* --- splitting ----------------------------------------------------------------------- */

Test(tlsf, a_small_request_splits_a_large_free_block)
{
    bench b;
    open_bench(&b);
    char *large = take(b.a, 4096 - WORD, 16), *wall = take(b.a, 16, 16);
    const uint64_t tail = PAGE - POOL_BYTES - 4096 - MIN_BLOCK;
    tlsf_figures f = tstats(b.a);
    cr_assert_eq(f.free_blocks, 1);
    cr_assert_eq(f.free_bytes, tail);
    alloy_free(b.a, large, 4096 - WORD, 16);
    cr_assert_eq(tstats(b.a).free_bytes, tail + 4096);

    /* 2048 bytes from the 4096 (a smaller class than the tail's): the rest, one free
     * block right behind it */
    char *half = take(b.a, 2048 - WORD, 16);
    cr_assert_eq(half, large, "the smallest class that fits: the freed block");
    cr_assert_eq(header_size(half), 2048);
    f = tstats(b.a);
    cr_assert_eq(f.free_blocks, 2);
    cr_assert_eq(f.free_bytes, tail + 2048);
    cr_assert_eq(*header_of(half + 2048), 2048 | H_FREE, "the rest is one free block");
    char *other = take(b.a, 2048 - WORD, 16);
    cr_assert_eq(other, half + 2048, "the rest serves the next request of its size");

    /* a 1-byte request from it, freed again: the smallest block, and the rest */
    alloy_free(b.a, other, 2048 - WORD, 16);
    char *tiny = take(b.a, 1, 1);
    cr_assert_eq(tiny, other);
    cr_assert_eq(header_size(tiny), MIN_BLOCK);
    f = tstats(b.a);
    cr_assert_eq(f.free_blocks, 2);
    cr_assert_eq(f.free_bytes, tail + 2048 - MIN_BLOCK);
    cr_assert_eq(*header_of(tiny + MIN_BLOCK), (2048 - MIN_BLOCK) | H_FREE);

    /* a rest of exactly the smallest free block goes back */
    alloy_free(b.a, tiny, 1, 1);
    char *most = take(b.a, 2048 - MIN_BLOCK - WORD, 16);
    cr_assert_eq(most, other);
    cr_assert_eq(*header_of(most), 2048 - MIN_BLOCK, "no spare bytes");
    cr_assert_eq(*header_of(most + 2048 - MIN_BLOCK), MIN_BLOCK | H_FREE);
    f = tstats(b.a);
    cr_assert_eq(f.free_blocks, 2);
    cr_assert_eq(f.free_bytes, tail + MIN_BLOCK);
    alloy_free(b.a, most, 2048 - MIN_BLOCK - WORD, 16);

    /* from the tail: the same */
    alloy_free(b.a, half, 2048 - WORD, 16);
    char *t = take(b.a, 5000, 16);
    cr_assert_eq(t, wall + MIN_BLOCK, "the block at the tail's start");
    f = tstats(b.a);
    cr_assert_eq(f.free_blocks, 2);
    cr_assert_eq(f.free_bytes, 4096 + tail - block_bytes(5000));
    cr_assert_eq(*header_of(t + block_bytes(5000)), (tail - block_bytes(5000)) | H_FREE);
}

/* --- resize -------------------------------------------------------------------------- */

Test(tlsf, resize_grows_into_the_free_block_behind)
{
    bench b;
    open_bench(&b);
    char *x = take(b.a, 200, 16), *y = take(b.a, 1000, 16), *wall = take(b.a, 16, 16);
    live_block lx = {(unsigned char *)x, 200, 16, 1};
    block_fill(&lx);
    alloy_free(b.a, y, 1000, 16);
    tlsf_figures before = tstats(b.a);
    cr_assert_eq(before.free_blocks, 2);

    /* part of it: the rest stays free behind */
    cr_assert(alloy_resize(b.a, x, 200, 16, 600));
    cr_assert(block_intact(&lx, 200));
    cr_assert_eq(header_size(x), block_bytes(600));
    tlsf_figures f = tstats(b.a);
    cr_assert_eq(f.free_blocks, 2);
    cr_assert_eq(f.free_bytes, before.free_bytes - (block_bytes(600) - block_bytes(200)));
    cr_assert_eq(*header_of(x + block_bytes(600)), (block_bytes(200) + block_bytes(1000) - block_bytes(600)) | H_FREE);

    /* all of it: the wall's header learns that no free block is before it */
    size_t whole = block_bytes(200) + block_bytes(1000) - WORD;
    cr_assert(alloy_resize(b.a, x, 600, 16, whole));
    cr_assert(block_intact(&lx, 200));
    cr_assert_eq(wall, x + whole + WORD);
    cr_assert_eq(*header_of(wall) & (H_FREE | H_PREV_FREE), 0);
    f = tstats(b.a);
    cr_assert_eq(f.free_blocks, 1);
    cr_assert_eq(f.free_bytes, before.free_bytes - block_bytes(1000));

    /* alloy_realloc too, in place */
    cr_assert(alloy_resize(b.a, x, whole, 16, 200));
    char *r = alloy_realloc(b.a, x, 200, 16, 1000);
    cr_assert_eq(r, x, "realloc grows in place when it can");
    cr_assert(block_intact(&lx, 200));
}

Test(tlsf, resize_grows_into_a_free_block_that_leaves_16_bytes)
{
    /* 16 bytes more than the growth are free behind: too few for a free block, the
     * block keeps them, and block_size still answers what it holds for the size */
    bench b;
    open_bench(&b);
    char *x = take(b.a, 96, 16), *y = take(b.a, 96, 16), *wall = take(b.a, 16, 16);
    alloy_free(b.a, y, 96, 16); /* 112 bytes free behind x */
    cr_assert(alloy_resize(b.a, x, 96, 16, 192)); /* 112 + 96 = 208 */
    cr_assert_eq(*header_of(x), (2 * block_bytes(96)) | H_SPARE);
    size_t align;
    cr_assert_eq(tlsf_block_size(b.a, x, &align), holds(192));
    cr_assert_eq(*header_of(wall) & H_PREV_FREE, 0);
    tlsf_figures f = tstats(b.a);
    cr_assert_eq(f.free_blocks, 1);
    /* and shrinks back: the 16 spare bytes and the rest make one free block */
    cr_assert(alloy_resize(b.a, x, 192, 16, 96));
    cr_assert_eq(*header_of(x), block_bytes(96));
    cr_assert_eq(tlsf_block_size(b.a, x, &align), holds(96));
    cr_assert_eq(*header_of(x + block_bytes(96)), block_bytes(96) | H_FREE);
    cr_assert_eq(tstats(b.a).free_blocks, 2);
}

Test(tlsf, resize_refuses_to_grow_into_a_live_block_and_realloc_moves)
{
    bench b;
    open_bench(&b);
    char *x = take(b.a, 200, 16), *y = take(b.a, 100, 16), *wall = take(b.a, 16, 16);
    live_block lx = {(unsigned char *)x, 200, 16, 2}, ly = {(unsigned char *)y, 100, 16, 3};
    block_fill(&lx);
    block_fill(&ly);
    size_t header = *header_of(x);
    tlsf_figures before = tstats(b.a);
    cr_assert(!alloy_resize(b.a, x, 200, 16, 300), "y is live behind x");
    cr_assert_eq(*header_of(x), header, "the block is unchanged");
    cr_assert(block_intact(&lx, 200));
    cr_assert(block_intact(&ly, 100));
    tlsf_figures f = tstats(b.a);
    cr_assert_eq(f.free_blocks, before.free_blocks);
    cr_assert_eq(f.free_bytes, before.free_bytes);

    /* a free block behind that is too small: refused too */
    alloy_free(b.a, y, 100, 16);
    cr_assert(!alloy_resize(b.a, x, 200, 16, block_bytes(200) + block_bytes(100)));
    cr_assert_eq(*header_of(x), header);
    cr_assert(*header_of(wall) & H_PREV_FREE);
    cr_assert_eq(take(b.a, 100, 16), y);
    ly.p = (unsigned char *)y;
    block_fill(&ly);

    char *r = alloy_realloc(b.a, x, 200, 16, 300);
    cr_assert(r && r != x, "realloc moves it");
    lx.p = (unsigned char *)r;
    cr_assert(block_intact(&lx, 200));
    cr_assert(block_intact(&ly, 100));
    cr_assert(*header_of(x) & H_FREE, "the old place is free");
    cr_assert_eq(header_size(x), block_bytes(200));
    tstats(b.a);
}

Test(tlsf, resize_shrinks_in_place_and_the_tail_merges_behind)
{
    bench b;
    open_bench(&b);
    /* a free block before x: every header of x keeps PREV_FREE */
    char *pre = take(b.a, 64, 16), *x = take(b.a, 1000, 16), *y = take(b.a, 500, 16), *z = take(b.a, 16, 16);
    live_block lx = {(unsigned char *)x, 1000, 16, 4};
    block_fill(&lx);
    alloy_free(b.a, pre, 64, 16);
    cr_assert(*header_of(x) & H_PREV_FREE);

    /* y live behind: the tail is a free block of its own */
    tlsf_figures before = tstats(b.a);
    cr_assert(alloy_resize(b.a, x, 1000, 16, 600));
    cr_assert(block_intact(&lx, 600));
    cr_assert_eq(header_size(x), block_bytes(600));
    tlsf_figures f = tstats(b.a);
    cr_assert_eq(f.free_blocks, before.free_blocks + 1);
    cr_assert_eq(f.free_bytes, before.free_bytes + block_bytes(1000) - block_bytes(600));
    cr_assert_eq(*header_of(x + block_bytes(600)), (block_bytes(1000) - block_bytes(600)) | H_FREE);
    cr_assert(*header_of(y) & H_PREV_FREE);
    cr_assert_eq(*header_of(x), block_bytes(600) | H_PREV_FREE);

    /* by the smallest free block: it goes back, merged with the one behind */
    cr_assert(alloy_resize(b.a, x, 600, 16, 600 - MIN_BLOCK));
    cr_assert_eq(*header_of(x), block_bytes(600 - MIN_BLOCK) | H_PREV_FREE);
    cr_assert_eq(tstats(b.a).free_bytes, f.free_bytes + MIN_BLOCK);
    cr_assert_eq(*header_of(x + block_bytes(600 - MIN_BLOCK)), (block_bytes(1000) - block_bytes(600 - MIN_BLOCK)) | H_FREE);
    cr_assert(alloy_resize(b.a, x, 600 - MIN_BLOCK, 16, 600));
    f = tstats(b.a);

    /* y free behind: the tail merges with it */
    alloy_free(b.a, y, 500, 16);
    before = tstats(b.a);
    cr_assert_eq(before.free_blocks, f.free_blocks, "y merged with the tail before it");
    cr_assert(alloy_resize(b.a, x, 600, 16, 100));
    cr_assert(block_intact(&lx, 100));
    f = tstats(b.a);
    cr_assert_eq(f.free_blocks, before.free_blocks, "one free block from x's end to z");
    cr_assert_eq(f.free_bytes, before.free_bytes + block_bytes(600) - block_bytes(100));
    cr_assert_eq(*header_of(x + block_bytes(100)), (size_t)(z - WORD - (x + block_bytes(100) - WORD)) | H_FREE);

    /* by 16 bytes: no free block that small, the block keeps them */
    cr_assert(alloy_resize(b.a, x, 100, 16, 96));
    cr_assert(alloy_resize(b.a, x, 96, 16, 80));
    cr_assert_eq(*header_of(x), block_bytes(96) | H_SPARE | H_PREV_FREE);
    size_t align;
    cr_assert_eq(tlsf_block_size(b.a, x, &align), holds(80));
    cr_assert_eq(tstats(b.a).free_bytes, f.free_bytes);
    /* and realloc shrinks in place */
    cr_assert_eq(alloy_realloc(b.a, x, 80, 16, 1), x);
    cr_assert_eq(*header_of(x), MIN_BLOCK | H_PREV_FREE);
}

/* --- block_size and free_unsized ------------------------------------------------------ */

Test(tlsf, block_size_is_what_the_block_holds_and_the_size_fit_asks)
{
    bench b;
    open_bench(&b);
    for (size_t size = 0; size <= 70000; size += size < 2048 ? 1 : 16 * 37 + 5) {
        size_t fit = alloy_tlsf_fit(size);
        cr_assert_eq(fit, holds(size), "fit(%zu)", size);
        cr_assert(fit >= size && fit >= 1 && alloy_tlsf_fit(fit) == fit, "fit(%zu) = %zu", size, fit);
        if (!size)
            continue;
        for (size_t align = 16; align <= 4096; align *= 4) {
            /* a block asked with the size or with what fit answers for it holds that */
            for (int asked = 0; asked < 2; asked++) {
                size_t n = asked ? fit : size;
                void *p = take(b.a, n, align);
                size_t got_align = 0;
                cr_assert_eq(tlsf_block_size(b.a, p, &got_align), fit, "size %zu, align %zu", n, align);
                cr_assert_eq(alloy_tlsf_block_size(b.a, p, &got_align), fit);
                cr_assert_eq(header_size(p), fit + WORD, "the block holds no byte more");
                /* free with what block_size says */
                alloy_free(b.a, p, fit, got_align);
            }
        }
    }
    tlsf_figures f = tstats(b.a);
    cr_assert_eq(f.free_blocks, f.pools);
}

Test(tlsf, block_size_of_a_block_that_keeps_16_spare_bytes)
{
    /* A block of N freed between live blocks, then N - 16 asked: the 16 bytes left
     * cannot be a free block, the block keeps them (SPARE) and still tells what a
     * block for N - 16 holds. */
    bench b;
    open_bench(&b);
    size_t sizes[64], n = 0;
    for (size_t s = 32; s + 16 < 512; s += 16 * 3)
        sizes[n++] = s;
    for (unsigned k = 5; k <= 14; k += 3)
        sizes[n++] = (size_t)16 << k; /* the first size of a class */
    unsigned spares = 0;
    for (size_t i = 0; i < n; i++) {
        size_t size = sizes[i];
        char *x = take(b.a, size, 16), *wall = take(b.a, 16, 16);
        alloy_free(b.a, x, size, 16);
        uint64_t free_blocks = tstats(b.a).free_blocks;
        live_block l = {take(b.a, size - 16, 16), size - 16, 16, (uint32_t)i};
        cr_assert_eq((char *)l.p, x, "size %zu", size);
        block_fill(&l);
        cr_assert_eq(*header_of(x), block_bytes(size) | H_SPARE, "size %zu", size);
        spares++;
        tlsf_figures f = tstats(b.a);
        cr_assert_eq(f.free_blocks, free_blocks - 1, "no 16-byte free block");
        size_t align;
        cr_assert_eq(tlsf_block_size(b.a, x, &align), holds(size - 16), "size %zu", size);
        /* resize to block_size's answer: in place, no change */
        cr_assert(alloy_resize(b.a, x, size - 16, align, holds(size - 16)));
        cr_assert_eq(tlsf_block_size(b.a, x, &align), holds(size - 16));
        cr_assert_eq(*header_of(x), block_bytes(size) | H_SPARE, "size %zu", size);
        /* and free_unsized gives all of it back */
        cr_assert_eq(alloy_tlsf_strategy.free_unsized(b.a, x), holds(size - 16), "size %zu", size);
        f = tstats(b.a);
        cr_assert_eq(f.free_blocks, free_blocks);
        cr_assert_eq(*header_of(x), block_bytes(size) | H_FREE, "the whole block, free");
        alloy_free(b.a, wall, 16, 16);
    }
    cr_assert_eq(spares, n);
    tlsf_figures f = tstats(b.a);
    cr_assert_eq(f.free_blocks, 1);
    cr_assert_eq(f.free_bytes, f.heap_bytes - POOL_BYTES);
}

Test(tlsf, as_malloc_a_block_takes_the_size_and_a_word_rounded_to_16)
{
    /* the malloc layer asks what fit answers: the program gets every byte the block
     * holds, and the block takes what a sized request of the same size takes (asked
     * rounded to 16 first, a block of 16 * k bytes took 16 more) */
    bench b;
    open_bench(&b);
    char *wall = take(b.a, 16, 16);
    for (size_t size = 0; size <= 600; size++) {
        tlsf_figures before = tstats(b.a);
        alloy_stats s0, s1;
        alloy_stats_get(b.a, &s0);
        char *p = alloy_malloc(b.a, size);
        cr_assert(p && (uintptr_t)p % 16 == 0);
        size_t usable = alloy_malloc_usable_size(b.a, p);
        cr_assert_eq(usable, holds(size), "malloc(%zu)", size);
        alloy_stats_get(b.a, &s1);
        cr_assert_eq(s1.shared.bytes_in_use - s0.shared.bytes_in_use, usable, "counted as what it holds");
        cr_assert_eq(header_size(p), block_bytes(size), "malloc(%zu)", size);
        memset(p, 0x5A, usable);
        tlsf_figures f = tstats(b.a);
        cr_assert_eq(before.free_bytes - f.free_bytes, block_bytes(size), "malloc(%zu)", size);
        alloy_malloc_free(b.a, p);
        f = tstats(b.a);
        cr_assert_eq(f.free_bytes, before.free_bytes);
    }
    alloy_free(b.a, wall, 16, 16);
}

Test(tlsf, free_unsized_frees_and_tells_the_size)
{
    bench b;
    open_bench(&b);
    char *x = take(b.a, 480, 16), *y = take(b.a, 64, 256), *z = take(b.a, 16, 16);
    (void)z;
    tlsf_figures before = tstats(b.a);
    cr_assert_eq(alloy_tlsf_free_unsized(b.a, x), holds(480));
    tlsf_figures f = tstats(b.a);
    cr_assert_eq(f.free_bytes, before.free_bytes + block_bytes(480));
    cr_assert_eq(alloy_tlsf_strategy.free_unsized(b.a, y), holds(64));
    f = tstats(b.a);
    cr_assert_eq(f.free_bytes, before.free_bytes + block_bytes(480) + block_bytes(64));
}

Test(tlsf, block_size_of_a_freed_block_is_0)
{
    /* (The header of a block freed after the free block before it lies inside the
     * merged block and still says live: block_size is for live blocks, and this test
     * asks nothing of that header.) */
    bench b;
    open_bench(&b);
    char *x = take(b.a, 64, 16), *y = take(b.a, 64, 16), *z = take(b.a, 64, 16);
    size_t align;
    /* between live blocks */
    alloy_free(b.a, y, 64, 16);
    cr_assert_eq(tlsf_block_size(b.a, y, &align), 0);
    /* merged with the free block behind it (y): its header is the merged block's */
    alloy_free(b.a, x, 64, 16);
    cr_assert_eq(tlsf_block_size(b.a, x, &align), 0);
    /* merged with the tail behind */
    alloy_free(b.a, z, 64, 16);
    cr_assert_eq(tlsf_block_size(b.a, x, &align), 0);
    tlsf_figures f = tstats(b.a);
    cr_assert_eq(f.free_blocks, 1);
}

/* --- alignment ----------------------------------------------------------------------- */

Test(tlsf, aligned_blocks_and_the_fronts_they_skip)
{
    for (size_t align = 32; align <= ALLOY_MAX_ALIGN; align *= 2) {
        bench b;
        open_bench(&b);
        char *first = take(b.a, 16, 16); /* the pool's first block, on 16 */
        /* a tail far larger than any front: a small request's first fit is the front */
        alloy_free(b.a, take(b.a, 4 * PAGE, 16), 4 * PAGE, 16);
        live_block x = {take(b.a, 100, align), 100, align, 7};
        block_fill(&x);
        tlsf_figures f = tstats(b.a);
        size_t front = (size_t)((char *)x.p - (first + MIN_BLOCK));
        if (front) {
            cr_assert_geq(front, MIN_BLOCK, "align %zu", align);
            cr_assert_eq(f.free_blocks, 2, "align %zu: the front is a free block", align);
            cr_assert_eq(*header_of(first + MIN_BLOCK), front | H_FREE);
            cr_assert(*header_of(x.p) & H_PREV_FREE);
            /* a small request fits in front */
            char *small = take(b.a, 16, 16);
            cr_assert_eq(small, first + MIN_BLOCK, "align %zu: the front is reused", align);
            alloy_free(b.a, small, 16, 16);
        }
        cr_assert(block_intact(&x, 100));
        cr_assert_eq(f.free_bytes, f.heap_bytes - POOL_BYTES - MIN_BLOCK - block_bytes(100), "align %zu", align);
        /* the largest alignment: the front reaches to the next 64 KiB */
        if (align == ALLOY_MAX_ALIGN)
            cr_assert_eq((uintptr_t)x.p, ((uintptr_t)first + align) & ~(uintptr_t)(align - 1));
        alloy_free(b.a, x.p, 100, align);
        alloy_free(b.a, first, 16, 16);
        f = tstats(b.a);
        cr_assert_eq(f.free_blocks, f.pools, "align %zu", align);
        alloy_mmap_heap_destroy(&b.heap);
    }
}

Test(tlsf, an_aligned_request_whose_front_would_be_16_bytes_skips_one_more_step)
{
    /* x's first byte is 16 bytes short of an aligned address: a front of 16 bytes
     * could not be a free block, so the block goes one alignment further. */
    for (size_t align = 32; align <= 4096; align *= 2) {
        bench b;
        open_bench(&b);
        char *first = take(b.a, 16, 16);
        uintptr_t next = (uintptr_t)first + MIN_BLOCK;
        size_t pad = (size_t)((align - 16 - next % align) % align); /* next + pad + 16 is aligned */
        if (pad && pad < MIN_BLOCK)
            pad += align;
        char *filler = pad >= MIN_BLOCK ? take(b.a, pad - WORD, 16) : NULL;
        if (filler)
            next += pad;
        cr_assert_eq((next + 16) % align, 0);
        char *x = take(b.a, 48, align);
        cr_assert_eq((uintptr_t)x, next + 16 + align, "align %zu", align);
        cr_assert_eq(*header_of((void *)next), (16 + align) | H_FREE, "align %zu: the front", align);
        tlsf_figures f = tstats(b.a);
        cr_assert_eq(f.free_blocks, 2);
        alloy_mmap_heap_destroy(&b.heap);
    }
}

Test(tlsf, aligned_requests_from_a_freed_block)
{
    /* an aligned request served from a free block in the middle of the pool: the front
     * and the rest go back, and every byte is accounted for */
    bench b;
    open_bench(&b);
    alloy_free(b.a, take(b.a, 8 * PAGE, 16), 8 * PAGE, 16); /* the tail: a class above every hole's */
    test_rng g = {5};
    for (int round = 0; round < 200; round++) {
        size_t align = (size_t)32 << rng_range(&g, 0, 8), size = rng_range(&g, 1, 3000);
        size_t hole_size = (size + align + 64) * 17 / 16 + 64; /* what alloc looks for, and more */
        char *hole = take(b.a, hole_size, 16), *wall = take(b.a, 16, 16);
        alloy_free(b.a, hole, hole_size, 16);
        tlsf_figures before = tstats(b.a);
        live_block x = {take(b.a, size, align), size, align, (uint32_t)round};
        block_fill(&x);
        cr_assert_geq((char *)x.p, hole, "round %d: from the hole", round);
        cr_assert_leq((char *)x.p + size, wall - WORD);
        tlsf_figures f = tstats(b.a);
        size_t held = header_size(x.p);
        cr_assert(held == block_bytes(size) || (held == block_bytes(size) + 16 && *header_of(x.p) & H_SPARE));
        cr_assert_eq(f.free_bytes, before.free_bytes - held, "round %d", round);
        alloy_free(b.a, x.p, size, align);
        alloy_free(b.a, wall, 16, 16);
        f = tstats(b.a);
        cr_assert_eq(f.free_blocks, f.pools);
    }
}

/* --- heap growth --------------------------------------------------------------------- */

/* The heap grows by the first size of the class the search starts at, not by the
 * search's own rounded size, which lies up to 1/16 above it: a block of exactly 1 MiB
 * beside a free tail of 65,472 bytes takes 16 pages more, not 17. */
Test(tlsf, growth_asks_for_the_class_start_not_more)
{
    bench b;
    open_bench(&b);
    size_t small = 8, size = 1024 * KiB - sizeof(size_t);
    cr_assert_eq(block_bytes(size), 1024 * KiB, "a block of exactly 1 MiB, the first size of its class");
    take(b.a, small, 16);
    cr_assert_eq(tstats(b.a).heap_bytes, PAGE);
    live_block x = {take(b.a, size, 16), size, 16, 3};
    block_fill(&x);
    tlsf_figures f = tstats(b.a);
    cr_assert_eq(f.heap_bytes, 17 * PAGE, "the tail and 16 pages hold 1 MiB");
    cr_assert_eq(f.pools, 1);
    cr_assert(alloy_check(b.a));
    cr_assert(block_intact(&x, size));
}

Test(tlsf, growth_takes_the_missing_pages_only_and_continues_the_pool)
{
    bench b;
    open_bench(&b);
    cr_assert_eq(tstats(b.a).heap_bytes, 0, "an mmap heap has no initial space");
    size_t first_size = 100 * KiB;
    char *first = take(b.a, first_size, 16);
    tlsf_figures f = tstats(b.a);
    cr_assert_eq(f.heap_bytes, 2 * PAGE);
    cr_assert_eq(f.pools, 1);
    uint64_t tail = 2 * PAGE - POOL_BYTES - block_bytes(first_size);
    cr_assert_eq(f.free_bytes, tail);

    /* 80,000 bytes: with the tail (28,624 bytes), one page is enough; two without it */
    size_t size = 80000;
    cr_assert_gt(block_bytes(size) + POOL_BYTES, PAGE);
    cr_assert_leq(block_bytes(size) + block_bytes(size) / 16, tail + PAGE);
    live_block x = {take(b.a, size, 16), size, 16, 9};
    block_fill(&x);
    cr_assert_eq((char *)x.p, first + block_bytes(first_size), "it starts where the tail did");
    f = tstats(b.a);
    cr_assert_eq(f.heap_bytes, 3 * PAGE, "one page more");
    cr_assert_eq(f.pools, 1, "the page continues the pool");
    cr_assert_eq(f.free_blocks, 1);
    cr_assert_eq(f.free_bytes, tail + PAGE - block_bytes(size));

    /* two pages: with the tail (14,144 bytes), two pages more; three without */
    tail = f.free_bytes;
    size = 2 * PAGE;
    cr_assert_gt(block_bytes(size), 2 * PAGE);
    cr_assert_leq(block_bytes(size) + block_bytes(size) / 16, 2 * PAGE + tail);
    char *big = take(b.a, size, 16);
    cr_assert_eq(big, (char *)x.p + block_bytes(80000));
    f = tstats(b.a);
    cr_assert_eq(f.heap_bytes, 5 * PAGE);
    cr_assert_eq(f.pools, 1);
    cr_assert_eq(f.free_blocks, 1);
    cr_assert_eq(f.free_bytes, tail + 2 * PAGE - block_bytes(size));

    /* somebody else's page in between: a pool of its own */
    cr_assert(alloy_heap_grow(&b.heap.heap, 1));
    char *far = take(b.a, PAGE, 16);
    f = tstats(b.a);
    cr_assert_eq(f.pools, 2);
    cr_assert_eq(f.heap_bytes, 7 * PAGE, "the request and a pool's bookkeeping: two pages");
    cr_assert_eq((uintptr_t)far, (uintptr_t)b.heap.heap.start + 6 * PAGE + POOL_BYTES);
    cr_assert(block_intact(&x, 80000));
}

Test(tlsf, grown_pages_merge_with_the_free_block_at_the_pools_end)
{
    /* growth after growth, each by the missing pages: the pool stays one, and its free
     * end one block */
    bench b;
    open_bench(&b);
    size_t live = 0;
    for (int i = 0; i < 40; i++) {
        size_t size = 9000 + (size_t)i * 1700;
        uint64_t before_heap = tstats(b.a).heap_bytes, before_free = tstats(b.a).free_bytes;
        char *p = take(b.a, size, 16);
        (void)p;
        live += block_bytes(size);
        tlsf_figures f = tstats(b.a);
        cr_assert_eq(f.pools, 1);
        cr_assert_leq(f.free_blocks, 1);
        cr_assert_eq(f.free_bytes + live + POOL_BYTES, f.heap_bytes);
        if (f.heap_bytes > before_heap) { /* the fewest pages for what the free end lacked */
            size_t need = block_bytes(size), lacked = need + need / 16 - (size_t)before_free;
            cr_assert_leq(f.heap_bytes - before_heap, alloy_heap_pages_for(lacked + (before_heap ? 0 : POOL_BYTES)) * PAGE,
                          "request %d", i);
        }
    }
}

/* --- accounting ---------------------------------------------------------------------- */

Test(tlsf, every_byte_is_accounted_for)
{
    /* free_bytes + the live blocks (each the request + a word, rounded up to 16, 32 at
     * least; 16 more for one that keeps spare bytes) + the pools' bookkeeping equal the
     * heap's bytes, after every step of a random run of allocs, frees and resizes */
    enum { SLOTS = 150, OPS = 4000 };
    bench b;
    open_bench(&b);
    live_block x[SLOTS];
    memset(x, 0, sizeof x);
    test_rng g = {2024};
    unsigned spares = 0, moved = 0, resized = 0;
    for (int op = 0; op < OPS; op++) {
        size_t i = rng_range(&g, 0, SLOTS - 1);
        uint64_t kind = rng_next(&g) % 8;
        if (x[i].p && kind < 2) { /* resize or realloc */
            size_t n = rng_range(&g, 1, 2 * x[i].size + 64);
            size_t keep = n < x[i].size ? n : x[i].size;
            if (kind == 0) {
                if (alloy_resize(b.a, x[i].p, x[i].size, x[i].align, n)) {
                    cr_assert(block_intact(&x[i], keep));
                    x[i].size = n;
                    resized++;
                }
            } else {
                unsigned char *r = alloy_realloc(b.a, x[i].p, x[i].size, x[i].align, n);
                cr_assert(r);
                moved += r != x[i].p;
                x[i].p = r;
                cr_assert(block_intact(&x[i], keep));
                x[i].size = n;
            }
            block_fill(&x[i]);
        } else if (x[i].p) {
            cr_assert(block_intact(&x[i], x[i].size), "op %d", op);
            alloy_free(b.a, x[i].p, x[i].size, x[i].align);
            x[i].p = NULL;
        } else {
            uint64_t k = rng_next(&g) % 16;
            size_t size = k < 10 ? rng_range(&g, 1, 512) : k < 15 ? rng_range(&g, 1, 8000) : rng_range(&g, 1, 150000);
            size_t align = rng_next(&g) % 6 == 0 ? (size_t)32 << rng_range(&g, 0, 7) : 16;
            x[i] = (live_block){take(b.a, size, align), size, align, (uint32_t)op};
            block_fill(&x[i]);
        }
        cr_assert(alloy_check(b.a), "op %d", op);
        tlsf_figures f = figures_of(b.a);
        uint64_t live = 0;
        for (size_t j = 0; j < SLOTS; j++) {
            if (!x[j].p)
                continue;
            size_t header = *header_of(x[j].p), held = header & ~H_FLAGS;
            cr_assert_eq(header & H_FREE, 0, "op %d: block %zu", op, j);
            if (header & H_SPARE) {
                cr_assert_eq(held, block_bytes(x[j].size) + 16, "op %d: block %zu", op, j);
                spares += j == i;
            } else {
                cr_assert_eq(held, block_bytes(x[j].size), "op %d: block %zu", op, j);
            }
            live += held;
        }
        cr_assert_eq(f.free_bytes + live + f.pools * POOL_BYTES, f.heap_bytes, "op %d", op);
    }
    cr_assert(spares && moved && resized, "the run met every case: %u %u %u", spares, moved, resized);
    for (size_t j = 0; j < SLOTS; j++)
        if (x[j].p) {
            cr_assert(block_intact(&x[j], x[j].size));
            alloy_free(b.a, x[j].p, x[j].size, x[j].align);
        }
    tlsf_figures f = tstats(b.a);
    cr_assert_eq(f.free_blocks, f.pools);
    cr_assert_eq(f.free_bytes, f.heap_bytes - f.pools * POOL_BYTES);
}

/* --- out of memory ------------------------------------------------------------------- */

Test(tlsf, an_initial_space_is_a_pool)
{
    static _Alignas(16) unsigned char array[3000];
    static_bench b;
    alloy_allocator *a = open_static(&b, array, sizeof array);
    tlsf_figures f = tstats(a);
    cr_assert_eq(f.heap_bytes, sizeof array - sizeof array % 16);
    cr_assert_eq(f.pools, 1);
    cr_assert_eq(f.free_bytes, f.heap_bytes - POOL_BYTES);
    /* 2,944 bytes, the first size of a class (from 2,944 to 3,071) and 16 less than
     * the space: the block keeps the 16 */
    cr_assert_eq(f.free_bytes, 2960);
    char *p = take(a, 2944 - WORD, 16);
    cr_assert_eq(p, (char *)array + POOL_BYTES, "the whole of it in one block");
    cr_assert_eq(*header_of(p), 2960 | H_SPARE);
    cr_assert_eq(tstats(a).free_blocks, 0);
    cr_assert_null(alloy_alloc(a, 1, 1), "nothing left, and no pages");
    alloy_free(a, p, 2944 - WORD, 16);
    f = tstats(a);
    cr_assert_eq(f.free_bytes, 2960);
    cr_assert_eq(f.free_blocks, 1);
}

Test(tlsf, out_of_memory_on_a_callers_array)
{
    enum { MAX = 4000 };
    static _Alignas(16) unsigned char array[4 * 64 * 1024 + 5000];
    static live_block x[MAX];
    static_bench b;
    alloy_allocator *a = open_static(&b, array, sizeof array);
    test_rng g = {77};
    size_t n = 0;
    for (;;) {
        cr_assert_lt(n, (size_t)MAX);
        size_t size = rng_next(&g) % 4 == 0 ? rng_range(&g, 1, 20000) : rng_range(&g, 1, 700);
        unsigned char *p = alloy_alloc(a, size, 16);
        if (!p)
            break;
        x[n] = (live_block){p, size, 16, (uint32_t)n};
        block_fill(&x[n++]);
    }
    cr_assert_gt(n, 20);
    tlsf_figures f = tstats(a);
    cr_assert_leq(f.heap_bytes, sizeof array & ~(size_t)15);
    cr_assert_gt(f.heap_bytes, 3 * PAGE);
    cr_assert_eq(f.pools, 1, "the pages continue the initial space");
    for (size_t i = 0; i < n; i++)
        cr_assert(block_intact(&x[i], x[i].size), "block %zu", i);
    /* what is left cannot hold the request that failed */
    uint64_t used = POOL_BYTES;
    for (size_t i = 0; i < n; i++)
        used += header_size(x[i].p);
    cr_assert_eq(f.free_bytes, f.heap_bytes - used);
    cr_assert_leq(f.largest_free, f.free_bytes);
    if (f.largest_free >= MIN_BLOCK) { /* a free block, however small, serves the smallest request */
        void *small = alloy_alloc(a, 1, 1);
        cr_assert(small);
        alloy_free(a, small, 1, 1);
    }
    /* the blocks lie side by side from the pool's start, until one kept 16 spare
     * bytes (the last of a free end, which the same request from the whole heap
     * leaves free) */
    size_t side_by_side = n;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq((char *)x[i].p, i ? (char *)x[i - 1].p + header_size(x[i - 1].p) : (char *)array + POOL_BYTES);
        if (*header_of(x[i].p) & H_SPARE) {
            side_by_side = i;
            break;
        }
    }

    /* free everything (every other first), and the same sequence fits again, in the
     * same places */
    for (size_t i = 0; i < n; i += 2)
        alloy_free(a, x[i].p, x[i].size, 16);
    tstats(a);
    for (size_t i = 1; i < n; i += 2)
        alloy_free(a, x[i].p, x[i].size, 16);
    f = tstats(a);
    cr_assert_eq(f.free_blocks, 1);
    cr_assert_eq(f.free_bytes, f.heap_bytes - POOL_BYTES);
    for (size_t i = 0; i < n; i++) {
        unsigned char *p = alloy_alloc(a, x[i].size, 16);
        cr_assert(p, "block %zu fits no more", i);
        if (i <= side_by_side)
            cr_assert_eq(p, x[i].p, "block %zu", i);
        x[i].p = p;
        block_fill(&x[i]);
    }
    for (size_t i = 0; i < n; i++)
        cr_assert(block_intact(&x[i], x[i].size));
    cr_assert(blocks_disjoint(x, n));
    tstats(a);
}

Test(tlsf, a_block_just_freed_serves_its_size_on_a_full_heap)
{
    /* alloy/tlsf.h: alloc is NULL "when no free block fits and the heap gives no pages
     * for one". Five blocks of 528 bytes (request 520) fill a 3,000-byte array but 320
     * bytes; the middle one freed is a free block of exactly the size asked, between
     * live blocks, and the next request of 520 must have it. alloc looks for 528
     * rounded up to the next class's first size (544) only, finds nothing there and
     * nothing to grow, and returns NULL. (The conformance suite's oom_matrix fails for
     * tlsf for the same reason: "a block just freed can be had again at once".) */
    static _Alignas(16) unsigned char array[3000];
    static_bench sb;
    alloy_allocator *a = open_static(&sb, array, sizeof array);
    char *x[6];
    int n = 0;
    while (n < 6 && (x[n] = alloy_alloc(a, 520, 16)) != NULL)
        n++;
    cr_assert_eq(n, 5);
    tlsf_figures f = tstats(a);
    cr_assert_eq(f.free_bytes, 2960 - 5 * 528);
    alloy_free(a, x[2], 520, 16);
    f = tstats(a);
    cr_assert_eq(f.free_blocks, 2);
    cr_assert_eq(f.largest_free, 528, "a free block of 528 bytes: exactly what 520 takes");
    char *again = alloy_alloc(a, 520, 16);
    cr_assert_eq(again, x[2], "a free block fits the request, yet alloc returned %p", (void *)again);
}

Test(tlsf, a_block_larger_than_the_largest_fails_and_the_instance_goes_on)
{
    bench b;
    refusing_heap rh;
    cr_assert(alloy_mmap_heap_init(&b.heap, 4 * 1024 * KiB));
    alloy_allocator *a = alloy_tlsf_init(&b.tlsf, refusing_heap_init(&rh, &b.heap.heap, (refusing_policy){0}));
    cr_assert(a);
    live_block x = {take(a, 1000, 16), 1000, 16, 1};
    block_fill(&x);
    tlsf_figures before = tstats(a);
    uint64_t grows = rh.grows;

    /* larger than ALLOY_TLSF_MAX_BLOCK with its header: refused before the heap is asked */
    cr_assert_null(alloy_alloc(a, ALLOY_TLSF_MAX_BLOCK, 16));
    cr_assert_null(alloy_alloc(a, ALLOY_TLSF_MAX_BLOCK - WORD + 1, 16));
    cr_assert_null(alloy_alloc(a, ALLOY_MAX_SIZE, 16));
    cr_assert_null(alloy_alloc(a, (size_t)1 << (sizeof(size_t) == 8 ? 50 : 31), 16));
    /* what the alignment may skip counts too */
    cr_assert_null(alloy_alloc(a, ALLOY_TLSF_MAX_BLOCK - WORD - 1024, 4096));
    cr_assert_eq(rh.grows, grows, "the heap was not asked");
    cr_assert(!alloy_resize(a, x.p, 1000, 16, ALLOY_TLSF_MAX_BLOCK));
    /* the largest block itself is a request the heap is asked for (and refuses here) */
    cr_assert_null(alloy_alloc(a, ALLOY_TLSF_MAX_BLOCK - WORD, 16));
    cr_assert_gt(rh.grows, grows);

    tlsf_figures f = tstats(a);
    cr_assert_eq(f.free_bytes, before.free_bytes);
    cr_assert_eq(f.heap_bytes, before.heap_bytes);
    cr_assert(block_intact(&x, 1000));
    live_block y = {take(a, 5000, 16), 5000, 16, 2};
    block_fill(&y);
    cr_assert(alloy_resize(a, x.p, 1000, 16, 900));
    cr_assert(block_intact(&x, 900));
    cr_assert(block_intact(&y, 5000));
    alloy_free(a, y.p, 5000, 16);
    alloy_free(a, x.p, 900, 16);
    f = tstats(a);
    cr_assert_eq(f.free_blocks, f.pools);
    alloy_stats s;
    alloy_stats_get(a, &s);
    cr_assert_eq(s.shared.failed_allocs, 6);
}

/* --- check finds damage -------------------------------------------------------------- */

Test(tlsf, check_finds_each_kind_of_damage)
{
    enum { CASES = 10 };
    for (int damage = 0; damage < CASES; damage++) {
        bench b;
        open_bench(&b);
        /* live x, free y1 (one list with y2), live w, free y2, live z, the tail */
        char *x = take(b.a, 200, 16), *y1 = take(b.a, 100, 16), *w = take(b.a, 48, 16);
        char *y2 = take(b.a, 100, 16), *z = take(b.a, 200, 16);
        alloy_free(b.a, y1, 100, 16);
        alloy_free(b.a, y2, 100, 16);
        cr_assert(alloy_check(b.a));
        cr_assert_eq(figures_of(b.a).free_blocks, 3);
        void **y2_links = (void **)(void *)y2, **y1_links = (void **)(void *)y1;
        cr_assert_eq(y2_links[0], (void *)header_of(y1), "y2 heads its list, y1 follows");
        cr_assert_eq(y1_links[1], (void *)header_of(y2));
        switch (damage) {
        case 0: /* a live block's header, zeroed */
            *header_of(x) = 0;
            break;
        case 1: /* a live block's header, written over with its bytes' pattern */
            memset(header_of(z), 0x5a, WORD);
            break;
        case 2: /* a live block marked free */
            *header_of(w) |= H_FREE;
            break;
        case 3: /* a free block's last word, its size copy */
            *(size_t *)(void *)(y1 + block_bytes(100) - 2 * WORD) += 16;
            break;
        case 4: /* the free block's size in its header */
            *header_of(y1) = (block_bytes(100) - 16) | H_FREE;
            break;
        case 5: /* the link to the next block of the list, cut */
            y2_links[0] = NULL;
            break;
        case 6: /* the same link, made a cycle */
            y2_links[0] = header_of(y2);
            break;
        case 7: /* the same link, led to a live block */
            y2_links[0] = header_of(w);
            break;
        case 8: /* the link back */
            y1_links[1] = NULL;
            break;
        case 9: /* the mark that the block before is free */
            *header_of(w) &= ~H_PREV_FREE;
            break;
        }
        cr_assert(!alloy_check(b.a), "damage %d went unseen", damage);
        alloy_mmap_heap_destroy(&b.heap);
    }
}
