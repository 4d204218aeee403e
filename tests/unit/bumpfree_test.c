/* SPDX-License-Identifier: MIT */
/* The bump + segregated free lists strategy: lite-alloc's tests, ported; one
 * regression test for each defect of the seed that alloy fixes (ENGINEERING.md); and
 * what alloy's version adds: size classes, reuse within a class, splitting only once
 * the bump room is gone, the open-ended class, the end of a frame and reset. */
#include <criterion/criterion.h>
#include <string.h>

#include "alloy/bumpfree.h"
#include "blocks.h"

#define PAGE ALLOY_PAGE_SIZE

typedef struct bench {
    alloy_mmap_heap heap;
    alloy_bumpfree bf;
    alloy_allocator *a;
} bench;

static void open_bench(bench *b, size_t heap_bytes)
{
    cr_assert(alloy_mmap_heap_init(&b->heap, heap_bytes));
    b->a = alloy_bumpfree_init(&b->bf, &b->heap.heap);
    cr_assert(b->a);
}

/* bumpfree's figures (alloy/bumpfree.h), under the names they have in the report */
typedef struct bumpfree_figures {
    uint64_t free_blocks, free_bytes, bump_bytes, bump_areas, live_bytes;
} bumpfree_figures;

static bumpfree_figures bf_stats(const alloy_allocator *a)
{
    alloy_stats s;
    alloy_stats_get(a, &s);
    return (bumpfree_figures){stat_value(&s, "free_blocks"), stat_value(&s, "free_bytes"),
                              stat_value(&s, "bump_bytes"), stat_value(&s, "bump_areas"),
                              stat_value(&s, "live_bytes")};
}

static uint64_t heap_bytes(const alloy_allocator *a)
{
    alloy_stats s;
    alloy_stats_get(a, &s);
    return s.shared.heap_bytes;
}

/* The block size strategies/bumpfree.c documents for a request, found another way:
 * class sizes are every grain count (16 bytes) up to 8, then four per doubling
 * (8, 10, 12, 14, 16, 20, 24, ... grains) up to 2^17 grains (2 MiB); above that a
 * request is rounded to a whole grain only. */
static size_t class_bytes(size_t size)
{
    size_t grains = (size + 15) / 16;
    if (grains > (size_t)1 << 17)
        return grains * 16;
    size_t c = 1;
    while (c < grains) {
        size_t step = 1;
        while (step * 8 <= c)
            step *= 2;
        c += step;
    }
    return c * 16;
}

/* A static heap whose whole array is the initial space (less than a page): nothing
 * can grow, so the bump room is exactly what is left of the array. */
typedef struct small_bench {
    alloy_static_heap heap;
    alloy_bumpfree bf;
    alloy_allocator *a;
} small_bench;

static void open_small(small_bench *b, unsigned char *array, size_t bytes)
{
    cr_assert(bytes < PAGE && (uintptr_t)array % 16 == 0);
    b->a = alloy_bumpfree_init(&b->bf, alloy_static_heap_init(&b->heap, array, bytes));
    cr_assert(b->a);
    cr_assert_eq(bf_stats(b->a).bump_bytes, bytes);
}

/* --- lite-alloc's tests ---------------------------------------------------------- */

Test(bumpfree_seed, basic_allocation)
{
    bench b;
    open_bench(&b, 1 << 20);
    uint64_t *p = alloy_alloc(b.a, sizeof(uint64_t), _Alignof(uint64_t));
    cr_assert(p);
    *p = 42;
    cr_assert_eq(*p, 42);
    alloy_free(b.a, p, sizeof(uint64_t), _Alignof(uint64_t));
    cr_assert(alloy_check(b.a));
}

Test(bumpfree_seed, multiple_allocations)
{
    bench b;
    open_bench(&b, 1 << 20);
    char *p1 = alloy_alloc(b.a, 4, 4), *p2 = alloy_alloc(b.a, 4, 4);
    cr_assert(p1 && p2 && p1 != p2);
    cr_assert_geq((uintptr_t)p2 - (uintptr_t)p1, 16, "the bump pointer advances by 16 at least");
}

Test(bumpfree_seed, memory_grow)
{
    bench b;
    open_bench(&b, 1 << 20);
    char *p1 = alloy_alloc(b.a, 40 * 1024, 16), *p2 = alloy_alloc(b.a, 40 * 1024, 16);
    cr_assert(p1 && p2 && p1 != p2);
    memset(p1, 1, 40 * 1024);
    memset(p2, 2, 40 * 1024);
    cr_assert_eq(p1[40 * 1024 - 1], 1);
    cr_assert_eq(heap_bytes(b.a), 2 * PAGE, "80 KiB takes two pages, grown contiguously");
    cr_assert_eq(bf_stats(b.a).bump_areas, 1);
}

Test(bumpfree_seed, freelist_reuse)
{
    bench b;
    open_bench(&b, 1 << 20);
    void *p1 = alloy_alloc(b.a, 128, 16);
    void *wall = alloy_alloc(b.a, 16, 16); /* so that p1 goes to the free list */
    alloy_free(b.a, p1, 128, 16);
    cr_assert_eq(bf_stats(b.a).free_blocks, 1);
    void *p2 = alloy_alloc(b.a, 128, 16);
    cr_assert_eq(p1, p2, "the LIFO free list hands the block straight back");
    cr_assert_eq(bf_stats(b.a).free_blocks, 0);
    alloy_free(b.a, wall, 16, 16);
}

Test(bumpfree_seed, realloc_in_place)
{
    bench b;
    open_bench(&b, 1 << 20);
    live_block x = {alloy_alloc(b.a, 32, 16), 32, 16, 1};
    cr_assert(x.p);
    block_fill(&x);
    void *p = alloy_realloc(b.a, x.p, 32, 16, 64);
    cr_assert_eq(p, x.p, "the block at the bump top grows in place");
    cr_assert(block_intact(&x, 32));
    memset((char *)p + 32, 0xbb, 32);
    alloy_free(b.a, p, 64, 16);
    cr_assert_eq(bf_stats(b.a).free_blocks, 0);
}

Test(bumpfree_seed, realloc_not_in_place)
{
    bench b;
    open_bench(&b, 1 << 20);
    live_block x = {alloy_alloc(b.a, 32, 16), 32, 16, 2};
    void *p2 = alloy_alloc(b.a, 32, 16);
    cr_assert(x.p && p2 && x.p != p2);
    block_fill(&x);
    void *p = alloy_realloc(b.a, x.p, 32, 16, 64);
    cr_assert(p && p != x.p, "a block below the top moves");
    x.p = p;
    cr_assert(block_intact(&x, 32));
    alloy_free(b.a, p, 64, 16);
    alloy_free(b.a, p2, 32, 16);
    cr_assert(alloy_check(b.a));
}

Test(bumpfree_seed, realloc_shrink)
{
    bench b;
    open_bench(&b, 1 << 20);
    live_block x = {alloy_alloc(b.a, 64, 16), 64, 16, 3};
    block_fill(&x);
    void *p = alloy_realloc(b.a, x.p, 64, 16, 32);
    cr_assert_eq(p, x.p, "shrinking is in place");
    cr_assert(block_intact(&x, 32));
    alloy_free(b.a, p, 32, 16);
}

/* --- what alloy adds ------------------------------------------------------------- */

Test(bumpfree, below_the_top_a_block_keeps_its_class)
{
    /* Shrinking in place below the bump pointer would split the block into two of
     * smaller classes for good (nothing merges): resize refuses, and alloy_realloc
     * moves the block, whose old place goes back whole to its list. */
    bench b;
    open_bench(&b, 1 << 20);
    char *p = alloy_alloc(b.a, 1000, 16); /* a 1024-byte block */
    void *wall = alloy_alloc(b.a, 16, 16);
    cr_assert(!alloy_resize(b.a, p, 1000, 16, 100), "no shrink in place below the top");
    cr_assert(!alloy_resize(b.a, p, 1000, 16, 2000), "nor growth");
    cr_assert(alloy_resize(b.a, p, 1000, 16, 1024), "within its class, yes: it has 1024 bytes");
    cr_assert(alloy_resize(b.a, p, 1024, 16, 900), "and back");
    live_block x = {(unsigned char *)p, 900, 16, 5};
    block_fill(&x);
    char *q = alloy_realloc(b.a, p, 900, 16, 100);
    cr_assert(q && q != p, "realloc moves it");
    x.p = (unsigned char *)q;
    cr_assert(block_intact(&x, 100));
    bumpfree_figures s = bf_stats(b.a);
    cr_assert_eq(s.free_blocks, 1);
    cr_assert_eq(s.free_bytes, 1024, "the old block, whole, on its list");
    cr_assert_eq(alloy_alloc(b.a, 1000, 16), p, "for the next request of its class");
    alloy_free(b.a, wall, 16, 16);
    cr_assert(alloy_check(b.a));
}

/* (the conformance suite lets a strategy refuse this; bumpfree must not) */
Test(bumpfree, shrinks_to_one_byte_in_place)
{
    bench b;
    open_bench(&b, 1 << 20);
    char *p = alloy_alloc(b.a, 1000, 16);
    cr_assert(alloy_resize(b.a, p, 1000, 16, 1));
    cr_assert_eq(bf_stats(b.a).live_bytes, 16);
    alloy_free(b.a, p, 1, 16);
    cr_assert(alloy_check(b.a));
}

Test(bumpfree, grow_at_top_across_pages)
{
    bench b;
    open_bench(&b, 1 << 20);
    char *p = alloy_alloc(b.a, 1000, 16);
    cr_assert(alloy_resize(b.a, p, 1000, 16, 3 * PAGE));
    memset(p, 7, 3 * PAGE);
    cr_assert_eq(heap_bytes(b.a), 3 * PAGE);
    cr_assert(alloy_resize(b.a, p, 3 * PAGE, 16, 10), "and back down");
    cr_assert_eq(bf_stats(b.a).bump_bytes, 3 * PAGE - 16);
}

Test(bumpfree, grow_at_top_through_held_pages_then_the_heap)
{
    /* after a free-all the area's pages are held back; a block at the bump pointer
     * grows through them and then into new pages, in one resize */
    bench b;
    open_bench(&b, 1 << 20);
    char *first = alloy_alloc(b.a, 2 * PAGE, 16);
    alloy_free(b.a, first, 2 * PAGE, 16);
    cr_assert_eq(heap_bytes(b.a), 2 * PAGE, "two pages, held back");
    char *p = alloy_alloc(b.a, 1000, 16);
    cr_assert_eq(p, first);
    memset(p, 7, 1000);
    cr_assert(alloy_resize(b.a, p, 1000, 16, 5 * PAGE), "through the held pages, then the heap's");
    cr_assert_eq(heap_bytes(b.a), 5 * PAGE);
    cr_assert(p[999] == 7 && p[0] == 7);
    memset(p, 8, 5 * PAGE);
    cr_assert(alloy_check(b.a));
    alloy_free(b.a, p, 5 * PAGE, 16);
    cr_assert(alloy_check(b.a));
}

Test(bumpfree, live_bytes_equal_rounded_shadow)
{
    bench b;
    open_bench(&b, 16 << 20);
    live_block blocks[128] = {{0}};
    test_rng r = {9};
    uint64_t shadow = 0;
    for (int op = 0; op < 20000; op++) {
        live_block *x = &blocks[rng_next(&r) % 128];
        if (x->p) {
            alloy_free(b.a, x->p, x->size, x->align);
            shadow -= class_bytes(x->size);
            x->p = NULL;
        } else {
            x->size = rng_range(&r, 1, 3000);
            x->align = (size_t)1 << rng_range(&r, 0, 8);
            x->p = alloy_alloc(b.a, x->size, x->align);
            cr_assert(x->p);
            shadow += class_bytes(x->size);
        }
        cr_assert_eq(bf_stats(b.a).live_bytes, shadow, "op %d", op);
    }
    cr_assert(alloy_check(b.a));
}

/* --- the seed's defects, one regression test each ------------------------------- */

Test(bumpfree_defect, reused_block_honours_alignment)
{
    /* lite-alloc handed out a free block without aligning it (defect 1). A heap with
     * no bump room left, so that the request must come from the free block. */
    static _Alignas(256) unsigned char array[16 + 1024 + 16];
    small_bench b;
    open_small(&b, array, sizeof array);
    void *first = alloy_alloc(b.a, 16, 16);
    char *hole = alloy_alloc(b.a, 1024, 16);
    void *wall = alloy_alloc(b.a, 16, 16);
    cr_assert(first && hole && wall && bf_stats(b.a).bump_bytes == 0);
    cr_assert((uintptr_t)hole % 256 != 0, "the hole itself is not 256-aligned");
    alloy_free(b.a, hole, 1024, 16);
    char *p = alloy_alloc(b.a, 64, 256);
    cr_assert_eq((uintptr_t)p % 256, 0);
    cr_assert(p > hole && p + 64 <= hole + 1024, "served from the free block");
    bumpfree_figures s = bf_stats(b.a);
    cr_assert_eq(s.free_bytes, 1024 - 64, "front and back of the block stay free");
    cr_assert_eq(s.free_blocks, 2);
    alloy_free(b.a, p, 64, 256);
    alloy_free(b.a, first, 16, 16);
    alloy_free(b.a, wall, 16, 16);
    cr_assert(alloy_check(b.a));
}

Test(bumpfree, alignments_above_16_from_free_blocks)
{
    /* every alignment up to a page's worth, served from a free block that the
     * alignment does not fit as it lies, with nothing of the block lost */
    static _Alignas(4096) unsigned char array[16 + 8192 + 16];
    for (size_t align = 32; align <= 4096; align *= 2) {
        small_bench b;
        open_small(&b, array, sizeof array);
        void *first = alloy_alloc(b.a, 16, 16); /* so the free block starts off alignment */
        char *hole = alloy_alloc(b.a, 8192, 16);
        void *wall = alloy_alloc(b.a, 16, 16); /* so that the hole goes on a list */
        cr_assert(first && hole && wall && bf_stats(b.a).bump_bytes == 0);
        alloy_free(b.a, hole, 8192, 16);
        char *p = alloy_alloc(b.a, 100, align);
        cr_assert(p, "align %zu", align);
        cr_assert_eq((uintptr_t)p % align, 0, "align %zu", align);
        cr_assert(p >= hole && p + 100 <= hole + 8192, "align %zu: from the free block", align);
        bumpfree_figures s = bf_stats(b.a);
        cr_assert_eq(s.free_bytes, 8192 - 112, "align %zu: all but the block stays free", align);
        cr_assert_eq(s.live_bytes, 16 + 112 + 16);
        cr_assert(alloy_check(b.a));
        alloy_free(b.a, p, 100, align);
        alloy_free(b.a, first, 16, 16);
        alloy_free(b.a, wall, 16, 16);
        cr_assert_eq(bf_stats(b.a).bump_bytes, sizeof array, "align %zu: all free again", align);
    }
}

/* A block bumped at an alignment takes its pad and itself from the bump room, not the
 * `need` bytes (size + align - 16) its search asked for: the rest stays bump room, in
 * one piece, rather than a tail on a list. */
Test(bumpfree, an_aligned_block_bumped_leaves_the_rest_as_room)
{
    static _Alignas(4096) unsigned char array[32 + 8192];
    for (size_t align = 32; align <= 4096; align *= 2) {
        small_bench b;
        open_small(&b, array, sizeof array);
        void *first = alloy_alloc(b.a, 32, 16); /* so the bump pointer starts off most alignments */
        char *p = alloy_alloc(b.a, 100, align);
        cr_assert(p && (uintptr_t)p % align == 0, "align %zu", align);
        bumpfree_figures s = bf_stats(b.a);
        cr_assert_eq(s.bump_bytes, (size_t)(array + sizeof array - (unsigned char *)(p + 112)), "align %zu", align);
        cr_assert_eq(s.free_blocks, align > 32, "align %zu: the pad alone", align);
        cr_assert_eq(s.free_bytes, (size_t)(p - (char *)first) - 32, "align %zu", align);
        cr_assert(alloy_check(b.a));
        alloy_free(b.a, p, 100, align);
        alloy_free(b.a, first, 32, 16);
    }
}

Test(bumpfree_defect, larger_free_block_returns_its_tail)
{
    /* lite-alloc gave a whole free block to a smaller request and freed it with the
     * smaller size: the rest was lost for good (defect 2). No bump room, so that the
     * small request has to split the large free block. */
    static _Alignas(16) unsigned char array[1024 + 16];
    small_bench b;
    open_small(&b, array, sizeof array);
    char *big = alloy_alloc(b.a, 1024, 16);
    void *wall = alloy_alloc(b.a, 16, 16);
    alloy_free(b.a, big, 1024, 16);
    char *small = alloy_alloc(b.a, 64, 16);
    cr_assert_eq(small, big);
    cr_assert_eq(bf_stats(b.a).free_bytes, 1024 - 64);
    /* the 960-byte tail is on the list of 896..1023-byte blocks: an 896-byte request
     * (a class size) takes it and gives back its last 64 bytes */
    char *rest = alloy_alloc(b.a, 896, 16);
    cr_assert_eq(rest, big + 64, "the tail serves the next request");
    cr_assert_eq(bf_stats(b.a).free_bytes, 64);
    char *last = alloy_alloc(b.a, 64, 16);
    cr_assert_eq(last, big + 64 + 896, "and the tail's tail the one after");
    cr_assert_null(alloy_alloc(b.a, 16, 16), "the array is used to its last byte");
    alloy_free(b.a, small, 64, 16);
    alloy_free(b.a, rest, 896, 16);
    alloy_free(b.a, last, 64, 16);
    cr_assert_eq(bf_stats(b.a).free_bytes, 1024, "all of it is free again");
    cr_assert(alloy_check(b.a));
    alloy_free(b.a, wall, 16, 16);
}

Test(bumpfree_defect, growth_elsewhere_starts_a_new_area)
{
    /* both seeds assumed that successive grows are contiguous (defect 3) */
    bench b;
    open_bench(&b, 1 << 20);
    char *p1 = alloy_alloc(b.a, 40 * 1024, 16);
    char *stolen = alloy_heap_grow(&b.heap.heap, 1); /* someone else grows the heap */
    cr_assert(p1 && stolen);
    memset(stolen, 0x5a, PAGE);
    char *p2 = alloy_alloc(b.a, 40 * 1024, 16);
    cr_assert(p2);
    cr_assert(p2 >= stolen + PAGE || p2 + 40 * 1024 <= stolen, "not in the stolen page");
    memset(p2, 1, 40 * 1024);
    for (size_t i = 0; i < PAGE; i++)
        cr_assert_eq((unsigned char)stolen[i], 0x5a);
    bumpfree_figures s = bf_stats(b.a);
    cr_assert_eq(s.bump_areas, 2);
    cr_assert_eq(s.free_bytes, PAGE - 40 * 1024, "the old area's rest is not lost");
    cr_assert(alloy_check(b.a));
    /* the new area begins with a record of the old one; its first block follows */
    cr_assert_eq((uintptr_t)p2 % PAGE, 16);
    /* a grow-in-place at the top extends the area while the pages are adjacent... */
    cr_assert(alloy_resize(b.a, p2, 40 * 1024, 16, 100 * 1024));
    cr_assert_eq(bf_stats(b.a).bump_areas, 2);
    /* ...and refuses when they are not */
    alloy_heap_grow(&b.heap.heap, 1);
    cr_assert(!alloy_resize(b.a, p2, 100 * 1024, 16, 150 * 1024));
    for (size_t i = 0; i < PAGE; i++)
        cr_assert_eq((unsigned char)stolen[i], 0x5a);
    cr_assert(alloy_check(b.a));
}

Test(bumpfree_defect, instances_do_not_share_state)
{
    /* lite-alloc kept its state in globals: every instance shared one heap (defect 4) */
    bench one, two;
    open_bench(&one, 1 << 20);
    open_bench(&two, 1 << 20);
    void *p = alloy_alloc(one.a, 128, 16);
    void *wall = alloy_alloc(one.a, 16, 16);
    alloy_free(one.a, p, 128, 16);
    void *q = alloy_alloc(two.a, 128, 16);
    cr_assert(q && q != p);
    cr_assert((char *)q >= two.heap.heap.start && (char *)q < two.heap.heap.end);
    cr_assert_eq(bf_stats(one.a).free_blocks, 1);
    cr_assert_eq(bf_stats(two.a).free_blocks, 0);
    alloy_free(one.a, wall, 16, 16);
    alloy_free(two.a, q, 128, 16);
}

Test(bumpfree_defect, initial_space_is_used)
{
    /* lite-alloc never used the memory that existed before its first grow (defect 5;
     * the wasm test wasm_sole_heap checks __heap_base itself) */
    static _Alignas(16) unsigned char array[3 * PAGE + 40000 + 8];
    alloy_static_heap heap;
    alloy_bumpfree bf;
    alloy_allocator *a = alloy_bumpfree_init(&bf, alloy_static_heap_init(&heap, array + 8, sizeof array - 8));
    cr_assert(a);
    char *p = alloy_alloc(a, 30000, 16);
    cr_assert(p >= (char *)array && p < (char *)array + 40016, "served from the initial space");
    cr_assert_eq(bf_stats(a).bump_areas, 1);
    /* and the whole array can be used, in one contiguous area: after a block as
     * large as a class size allows, 16-byte blocks take the rest to the last byte */
    size_t room = bf_stats(a).bump_bytes;
    size_t big = room;
    while (class_bytes(big) > room)
        big -= 16;
    char *q = alloy_alloc(a, big, 16);
    cr_assert_eq(q, p + class_bytes(30000), "it follows, in the same area");
    size_t used = class_bytes(30000) + class_bytes(big);
    while (alloy_alloc(a, 16, 16))
        used += 16;
    cr_assert_eq(bf_stats(a).bump_areas, 1);
    cr_assert_eq(used, heap_bytes(a), "every byte of the heap was handed out");
    cr_assert_geq(heap_bytes(a), sizeof array - 8 - 15 - 15, "and the heap is the whole array");
}

/* --- the end of a frame ------------------------------------------------------------ */

Test(bumpfree, freeing_everything_starts_bumping_over)
{
    bench b;
    open_bench(&b, 1 << 20);
    for (int frame = 0; frame < 3; frame++) {
        char *p[8];
        for (int i = 0; i < 8; i++) {
            p[i] = alloy_alloc(b.a, 100 + (size_t)i * 40, 16);
            cr_assert(p[i]);
        }
        static const int order[8] = {3, 0, 6, 1, 7, 2, 5, 4}; /* neither LIFO nor FIFO */
        char *first = p[0];
        for (int k = 0; k < 7; k++)
            alloy_free(b.a, p[order[k]], 100 + (size_t)order[k] * 40, 16);
        cr_assert_gt(bf_stats(b.a).free_blocks, 0, "one block live: the list stays");
        alloy_free(b.a, p[4], 100 + 4 * 40, 16);
        bumpfree_figures s = bf_stats(b.a);
        cr_assert_eq(s.free_blocks, 0, "frame %d: nothing live, no list", frame);
        cr_assert_eq(s.live_bytes, 0);
        cr_assert_eq(s.bump_bytes, heap_bytes(b.a), "the whole area is bump room again");
        char *again = alloy_alloc(b.a, 100, 16);
        cr_assert_eq(again, first, "bumping starts over where the frame began");
        alloy_free(b.a, again, 100, 16);
        cr_assert(alloy_check(b.a));
    }
}

Test(bumpfree, freeing_everything_starts_over_in_every_area)
{
    bench b;
    open_bench(&b, 1 << 20);
    char *p1 = alloy_alloc(b.a, 40 * 1024, 16);
    cr_assert(alloy_heap_grow(&b.heap.heap, 1)); /* someone else: the next area is apart */
    char *p2 = alloy_alloc(b.a, 40 * 1024, 16);
    cr_assert(p1 && p2 && bf_stats(b.a).bump_areas == 2);
    alloy_free(b.a, p1, 40 * 1024, 16);
    alloy_free(b.a, p2, 40 * 1024, 16);
    bumpfree_figures s = bf_stats(b.a);
    cr_assert_eq(s.free_bytes, PAGE, "the first area is on a list, whole");
    cr_assert_eq(s.free_blocks, 1);
    cr_assert(alloy_check(b.a));
    char *again = alloy_alloc(b.a, 40 * 1024, 16);
    cr_assert_eq(again, p1, "the first area's block serves first, as free blocks do before a fresh heap grows");
    char *whole = alloy_alloc(b.a, 60 * 1024, 16);
    cr_assert_eq(whole, p2, "and a block larger than the rest of it starts the current area over");
    alloy_free(b.a, again, 40 * 1024, 16);
    alloy_free(b.a, whole, 60 * 1024, 16);
    cr_assert(alloy_check(b.a));
}

/* --- size classes and their lists ------------------------------------------------- */

Test(bumpfree_classes, sizes_round_to_their_class)
{
    /* {request, block}: exact to 8 grains, then four sizes per doubling */
    static const size_t table[][2] = {
        {1, 16},      {16, 16},     {17, 32},     {112, 112},   {113, 128},   {128, 128},
        {129, 160},   {160, 160},   {161, 192},   {200, 224},   {225, 256},   {257, 320},
        {1000, 1024}, {1025, 1280}, {3000, 3072}, {4096, 4096}, {4097, 5120}, {40000, 40960},
    };
    bench b;
    open_bench(&b, 1 << 20);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        size_t size = table[i][0], block = table[i][1];
        cr_assert_eq(class_bytes(size), block, "the test's own table disagrees at %zu", size);
        char *p = alloy_alloc(b.a, size, 16);
        cr_assert(p);
        cr_assert_eq(bf_stats(b.a).live_bytes, block, "%zu bytes take a block of %zu", size, block);
        void *next = alloy_alloc(b.a, 16, 16);
        cr_assert_eq((char *)next, p + block, "the next block follows at %zu", block);
        alloy_free(b.a, next, 16, 16);
        alloy_free(b.a, p, size, 16);
    }
}

Test(bumpfree_classes, above_2_mib_only_grains)
{
    bench b;
    open_bench(&b, 16 << 20);
    size_t size = (2 << 20) + 1;
    char *p = alloy_alloc(b.a, size, 16);
    cr_assert(p);
    cr_assert_eq(bf_stats(b.a).live_bytes, (2 << 20) + 16, "the open class rounds to a grain");
    alloy_free(b.a, p, size, 16);
    cr_assert(alloy_check(b.a));
}

Test(bumpfree_classes, each_class_reuses_its_own_blocks)
{
    /* a single first-fit list would hand the 64-byte request the 1000-byte block
     * freed last; the lists hand each request a block of its own class */
    static const size_t sizes[] = {64, 300, 1000, 5000};
    enum { n = sizeof sizes / sizeof sizes[0] };
    bench b;
    open_bench(&b, 1 << 20);
    char *blocks[n];
    for (size_t i = 0; i < n; i++) {
        blocks[i] = alloy_alloc(b.a, sizes[i], 16);
        cr_assert(blocks[i] && alloy_alloc(b.a, 16, 16)); /* a wall after each */
    }
    for (size_t i = 0; i < n; i++)
        alloy_free(b.a, blocks[i], sizes[i], 16);
    cr_assert_eq(bf_stats(b.a).free_blocks, n);
    for (size_t i = 0; i < n; i++) {
        /* any size of the class will do */
        char *p = alloy_alloc(b.a, sizes[i] - 10, 16);
        cr_assert_eq(p, blocks[i], "%zu bytes: the block of its class", sizes[i] - 10);
    }
    bumpfree_figures s = bf_stats(b.a);
    cr_assert_eq(s.free_blocks, 0, "whole blocks, nothing split");
    cr_assert(alloy_check(b.a));
}

Test(bumpfree_classes, same_class_is_lifo)
{
    bench b;
    open_bench(&b, 1 << 20);
    char *p[3];
    for (int i = 0; i < 3; i++) {
        p[i] = alloy_alloc(b.a, 200, 16);
        cr_assert(alloy_alloc(b.a, 16, 16));
    }
    for (int i = 0; i < 3; i++)
        alloy_free(b.a, p[i], 200, 16);
    for (int i = 2; i >= 0; i--)
        cr_assert_eq(alloy_alloc(b.a, 193, 16), p[i], "the last freed first");
}

Test(bumpfree_classes, bump_room_before_splitting)
{
    /* a request whose own list is empty bumps while the room lasts, which keeps the
     * large free block whole; once the room is gone it splits the block, and the
     * tail goes on the list of its class */
    static _Alignas(16) unsigned char array[4096 + 16 + 512];
    small_bench b;
    open_small(&b, array, sizeof array);
    char *big = alloy_alloc(b.a, 4096, 16);
    void *wall = alloy_alloc(b.a, 16, 16);
    alloy_free(b.a, big, 4096, 16);
    char *from_room[4];
    for (int i = 0; i < 4; i++) {
        from_room[i] = alloy_alloc(b.a, 128, 16);
        cr_assert(from_room[i] > big + 4096, "bumped, the free block untouched");
    }
    cr_assert_eq(bf_stats(b.a).bump_bytes, 0);
    char *split = alloy_alloc(b.a, 128, 16);
    cr_assert_eq(split, big, "now the free block is split");
    bumpfree_figures s = bf_stats(b.a);
    cr_assert_eq(s.free_blocks, 1);
    cr_assert_eq(s.free_bytes, 4096 - 128, "its tail is kept");
    /* the tail (3968 bytes) is on the list of 3584..4095: a 3584-byte request is served
     * from it, a 3585-byte one (3840 as a class size) is not */
    cr_assert_null(alloy_alloc(b.a, 3585, 16));
    cr_assert_eq(alloy_alloc(b.a, 3584, 16), big + 128);
    cr_assert_eq(bf_stats(b.a).free_bytes, 4096 - 128 - 3584);
    cr_assert(alloy_check(b.a));
    (void)wall;
}

Test(bumpfree_classes, open_class_walks_its_list_to_a_block_that_fits)
{
    /* Blocks of 1.75 MiB and up share one list, whose head may be smaller than a
     * request: alloc walks on to the first block that fits rather than bump past it.
     * (Every other list holds only blocks large enough for any request that looks at
     * it.) */
    bench b;
    open_bench(&b, 64 << 20);
    size_t large = 6 << 20, small = 3 << 20, between = 5 << 20;
    char *l = alloy_alloc(b.a, large, 16);
    cr_assert(l && alloy_alloc(b.a, 16, 16));
    char *s = alloy_alloc(b.a, small, 16);
    cr_assert(s && alloy_alloc(b.a, 16, 16));
    alloy_free(b.a, l, large, 16);
    alloy_free(b.a, s, small, 16); /* the head, too small for `between` */
    uint64_t heap = heap_bytes(b.a);
    cr_assert_eq(alloy_alloc(b.a, between, 16), l, "the block behind the head");
    cr_assert_eq(heap_bytes(b.a), heap, "and no growth");
    cr_assert_eq(bf_stats(b.a).free_bytes, small + (large - between), "the head and the rest of the block");
    cr_assert_eq(alloy_alloc(b.a, small, 16), s, "the head serves what it can");
    cr_assert(alloy_check(b.a));
}

/* The same on a heap that cannot grow: a request that only the block behind the head
 * fits is served, not refused as out of memory. */
Test(bumpfree_classes, open_class_serves_from_behind_its_head_on_a_full_heap)
{
    static _Alignas(16) unsigned char array[12 << 20];
    alloy_static_heap heap;
    alloy_bumpfree bf;
    alloy_allocator *a = alloy_bumpfree_init(&bf, alloy_static_heap_init(&heap, array, sizeof array));
    size_t five = 5 << 20, three = 3 << 20, four = 4 << 20;
    char *p5 = alloy_alloc(a, five, 16);
    cr_assert(p5 && alloy_alloc(a, 64, 16));
    char *p3 = alloy_alloc(a, three, 16);
    cr_assert(p3 && alloy_alloc(a, 64, 16));
    cr_assert_null(alloy_alloc(a, four, 16), "no room to bump 4 MiB: the heap is the array");
    alloy_free(a, p5, five, 16);
    alloy_free(a, p3, three, 16);
    cr_assert_eq(alloy_alloc(a, four, 16), p5, "the 5 MiB block, behind the 3 MiB one");
    cr_assert(alloy_check(a));
}

/* Large blocks replaced over and over, each freed behind a smaller one, do not make
 * the heap grow round after round. */
Test(bumpfree_classes, open_class_reuse_keeps_the_heap_from_growing)
{
    bench b;
    open_bench(&b, 1 << 30);
    uint64_t first_round = 0;
    for (int round = 0; round < 8; round++) {
        void *big = alloy_alloc(b.a, 4 << 20, 16);
        cr_assert(big && alloy_alloc(b.a, 16, 16)); /* kept live: the blocks never start over */
        void *mid = alloy_alloc(b.a, 3 << 20, 16);
        cr_assert(mid && alloy_alloc(b.a, 16, 16));
        alloy_free(b.a, big, 4 << 20, 16);
        alloy_free(b.a, mid, 3 << 20, 16);
        if (round == 0)
            first_round = heap_bytes(b.a);
        cr_assert_eq(heap_bytes(b.a), first_round, "round %d grew the heap", round);
        cr_assert(alloy_check(b.a));
    }
}

Test(bumpfree_classes, resize_within_the_class_is_in_place)
{
    bench b;
    open_bench(&b, 1 << 20);
    char *p = alloy_alloc(b.a, 130, 16); /* a 160-byte block */
    cr_assert(p && alloy_alloc(b.a, 16, 16));
    cr_assert(alloy_resize(b.a, p, 130, 16, 160), "the block already has 160 bytes");
    cr_assert(alloy_resize(b.a, p, 160, 16, 129), "and 129 is served 160 too");
    cr_assert(!alloy_resize(b.a, p, 129, 16, 161), "but not 192, below the top");
    cr_assert(!alloy_resize(b.a, p, 129, 16, 128), "nor 128");
    cr_assert_eq(bf_stats(b.a).free_blocks, 0);
    cr_assert(alloy_check(b.a));
}

Test(bumpfree_classes, churn_stays_within_twice_the_live_bytes)
{
    /* random sizes, random lifetimes: without merging, the heap is what each class
     * held at its peak, which the classes keep near the peak of all live bytes */
    bench b;
    open_bench(&b, 64 << 20);
    enum { slots = 512 };
    live_block x[slots] = {{0}};
    test_rng r = {44};
    uint64_t live = 0, peak = 0;
    for (int op = 0; op < 200000; op++) {
        live_block *s = &x[rng_next(&r) % slots];
        if (s->p) {
            alloy_free(b.a, s->p, s->size, 16);
            live -= s->size;
        }
        s->size = rng_range(&r, 1, 512);
        s->p = alloy_alloc(b.a, s->size, 16);
        cr_assert(s->p);
        live += s->size;
        if (live > peak)
            peak = live;
    }
    cr_assert_leq(heap_bytes(b.a), 2 * peak + PAGE, "heap %llu for a peak of %llu live",
                  (unsigned long long)heap_bytes(b.a), (unsigned long long)peak);
    cr_assert(alloy_check(b.a));
}

/* --- reset ------------------------------------------------------------------------- */

Test(bumpfree_reset, drops_every_block_at_once)
{
    if (ALLOY_POISON_VALGRIND)
        cr_skip_test("memcheck still holds the dropped blocks (alloy/bumpfree.h)");
    bench b;
    open_bench(&b, 1 << 20);
    char *first = NULL;
    for (int frame = 0; frame < 3; frame++) {
        for (int i = 0; i < 50; i++) {
            char *p = alloy_alloc(b.a, 10 + (size_t)i * 30, 16);
            cr_assert(p);
            if (i % 3 == 0) /* some freed, some left live */
                alloy_free(b.a, p, 10 + (size_t)i * 30, 16);
            if (!first)
                first = p;
        }
        alloy_bumpfree_reset(&b.bf);
        alloy_stats s;
        alloy_stats_get(b.a, &s);
        cr_assert_eq(stat_value(&s, "live_bytes"), 0);
        cr_assert_eq(stat_value(&s, "free_blocks"), 0);
        cr_assert_eq(stat_value(&s, "bump_bytes"), s.shared.heap_bytes, "all of the area is bump room");
        if (ALLOY_STATS) {
            cr_assert_eq(s.shared.bytes_in_use, 0);
            cr_assert_eq(s.shared.frees, s.shared.allocs, "the dropped blocks count as freed");
            cr_assert_gt(s.shared.high_water, 0, "the high water stays");
        }
        cr_assert(alloy_check(b.a));
        cr_assert_eq(alloy_alloc(b.a, 100, 16), first, "frame %d: bumping starts over", frame);
        alloy_bumpfree_reset(&b.bf);
    }
    alloy_bumpfree_reset(NULL); /* ignored */
}

Test(bumpfree_reset, gives_back_every_area)
{
    if (ALLOY_POISON_VALGRIND)
        cr_skip_test("memcheck still holds the dropped blocks (alloy/bumpfree.h)");
    bench b;
    open_bench(&b, 4 << 20);
    char *p1 = alloy_alloc(b.a, 40 * 1024, 16);
    cr_assert(alloy_heap_grow(&b.heap.heap, 1)); /* someone else: the next area is apart */
    char *p2 = alloy_alloc(b.a, 40 * 1024, 16);
    cr_assert(alloy_heap_grow(&b.heap.heap, 1));
    char *p3 = alloy_alloc(b.a, 40 * 1024, 16);
    cr_assert(p1 && p2 && p3 && bf_stats(b.a).bump_areas == 3);
    uint64_t heap = heap_bytes(b.a);
    alloy_bumpfree_reset(&b.bf);
    bumpfree_figures s = bf_stats(b.a);
    cr_assert_eq(s.live_bytes, 0);
    cr_assert_eq(s.free_blocks, 2, "the two earlier areas, whole");
    cr_assert_eq(s.free_bytes, PAGE + (PAGE - 16), "all but the second area's record");
    cr_assert_eq(s.bump_bytes, PAGE - 16, "the latest area is bump room after its record");
    cr_assert(alloy_check(b.a));
    /* all three areas serve again without growing the heap: the earlier ones from
     * their lists first, then the latest one's pages, as on a fresh heap */
    char *q = alloy_alloc(b.a, 40 * 1024, 16), *r = alloy_alloc(b.a, 40 * 1024, 16),
         *q3 = alloy_alloc(b.a, 40 * 1024, 16);
    cr_assert(q && r && q != r && (q == p1 || q == p2) && (r == p1 || r == p2));
    cr_assert_eq(q3, p3);
    cr_assert_eq(heap_bytes(b.a), heap);
    /* and again, the chain of areas intact */
    alloy_bumpfree_reset(&b.bf);
    cr_assert_eq(bf_stats(b.a).free_bytes, PAGE + (PAGE - 16));
    cr_assert(alloy_check(b.a));
}

/* free_blocks is counted when stats asks, by walking the lists: a list that a write
 * after a free turned into a cycle must not hang it. check reports the damage. */
Test(bumpfree, stats_return_on_a_cyclic_list, .timeout = 10)
{
    bench b;
    open_bench(&b, 4 * PAGE);
    void *first = alloy_alloc(b.a, 64, 16), *second = alloy_alloc(b.a, 64, 16);
    cr_assert(first && second && alloy_alloc(b.a, 64, 16)); /* the third keeps both below the top */
    alloy_free(b.a, first, 64, 16);
    alloy_free(b.a, second, 64, 16);
    cr_assert_eq(bf_stats(b.a).free_blocks, 2);
    cr_assert(alloy_check(b.a));
    *(void **)first = second; /* the list was second -> first: now a cycle */
    cr_assert_not(alloy_check(b.a));
    cr_assert_gt(bf_stats(b.a).free_blocks, 2);
    alloy_mmap_heap_destroy(&b.heap);
}

/* --- the edges of each choice ------------------------------------------------------ */

/* An aligned request asks for size + align - 16 bytes, any free block that large holds
 * it: one of exactly that size serves it. No bump room, no growth: only it can. */
Test(bumpfree_edges, an_aligned_request_takes_a_free_block_of_exactly_its_need)
{
    static _Alignas(16) unsigned char array[160 + 16];
    small_bench b;
    open_small(&b, array, sizeof array);
    char *hole = alloy_alloc(b.a, 160, 16); /* 100 at 64: 112 + 64 - 16 = 160 bytes */
    cr_assert(hole && alloy_alloc(b.a, 16, 16) && bf_stats(b.a).bump_bytes == 0);
    alloy_free(b.a, hole, 160, 16);
    char *p = alloy_alloc(b.a, 100, 64);
    cr_assert(p && (uintptr_t)p % 64 == 0);
    cr_assert(p >= hole && p + 100 <= hole + 160, "from the free block");
    cr_assert(alloy_check(b.a));
}

/* The same in the open-ended class (1.75 MiB and up), where a list's head may be too
 * small: a block of exactly the size asked is taken. */
Test(bumpfree_edges, the_open_class_takes_a_block_of_exactly_the_size_asked)
{
    bench b;
    open_bench(&b, 64 << 20);
    size_t size = (3 << 20) + 16;
    char *p = alloy_alloc(b.a, size, 16);
    cr_assert(p && alloy_alloc(b.a, 16, 16));
    alloy_free(b.a, p, size, 16);
    uint64_t heap = heap_bytes(b.a);
    cr_assert_eq(alloy_alloc(b.a, size, 16), p);
    cr_assert_eq(heap_bytes(b.a), heap);
    cr_assert(alloy_check(b.a));
}

/* A block at the top grows in place into exactly the bump room that is left. */
Test(bumpfree_edges, a_block_at_the_top_grows_into_exactly_the_room_left)
{
    static _Alignas(16) unsigned char array[256];
    small_bench b;
    open_small(&b, array, sizeof array);
    char *p = alloy_alloc(b.a, 100, 16); /* 112 bytes, the room is 144 */
    cr_assert(p);
    memset(p, 7, 100);
    cr_assert(alloy_resize(b.a, p, 100, 16, 256), "256 bytes: a class size, all the array");
    cr_assert_eq(bf_stats(b.a).bump_bytes, 0);
    cr_assert_eq(heap_bytes(b.a), sizeof array);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(p[i], 7);
    cr_assert(alloy_check(b.a));
}

/* Sizes from 1 MiB to 2 MiB round to their class too (four per doubling): a block
 * keeps its class's size, so a resize within it is in place, below the top too. */
Test(bumpfree_edges, blocks_of_one_to_two_mib_keep_their_class)
{
    bench b;
    open_bench(&b, 64 << 20);
    size_t size = 1100 * 1024, within = 1200 * 1024; /* both in the class of 1.25 MiB */
    char *p = alloy_alloc(b.a, size, 16);
    cr_assert(p && alloy_alloc(b.a, 16, 16));
    cr_assert_eq(bf_stats(b.a).live_bytes, class_bytes(size) + 16);
    cr_assert(alloy_resize(b.a, p, size, 16, within), "the same class: in place");
    cr_assert(alloy_check(b.a));
}

/* A free of the block that ends at the bump pointer gives its bytes back to the room. */
Test(bumpfree_edges, freeing_the_top_block_lowers_the_bump_pointer)
{
    bench b;
    open_bench(&b, 4 * PAGE);
    void *kept = alloy_alloc(b.a, 100, 16);
    uint64_t room = bf_stats(b.a).bump_bytes;
    void *top = alloy_alloc(b.a, 200, 16);
    cr_assert(kept && top);
    alloy_free(b.a, top, 200, 16);
    bumpfree_figures s = bf_stats(b.a);
    cr_assert_eq(s.bump_bytes, room);
    cr_assert_eq(s.free_blocks, 0);
    cr_assert(alloy_check(b.a));
}

/* An aligned request bumps while the room holds all it asks for, exactly so too,
 * rather than split a larger free block. */
Test(bumpfree_edges, an_aligned_request_bumps_into_room_of_exactly_its_need)
{
    static _Alignas(16) unsigned char array[4096 + 16 + 160];
    small_bench b;
    open_small(&b, array, sizeof array);
    char *big = alloy_alloc(b.a, 4096, 16), *wall = alloy_alloc(b.a, 16, 16);
    cr_assert(big && wall && bf_stats(b.a).bump_bytes == 160);
    alloy_free(b.a, big, 4096, 16);
    char *p = alloy_alloc(b.a, 100, 64); /* asks for 160 */
    cr_assert(p > wall, "from the room");
    cr_assert_eq(alloy_alloc(b.a, 4096, 16), big, "the free block stayed whole");
    cr_assert(alloy_check(b.a));
}

/* check holds the bump pointer within its area, even where the byte count balances. */
Test(bumpfree_edges, check_finds_a_bump_pointer_past_the_end)
{
    static _Alignas(16) unsigned char array[256];
    small_bench b;
    open_small(&b, array, sizeof array);
    cr_assert(alloy_alloc(b.a, 256, 16) && bf_stats(b.a).bump_bytes == 0);
    cr_assert(alloy_check(b.a));
    b.bf.top += 16;
    b.bf.live += 16; /* live + free + room + records still equals the heap, modulo 2^N */
    cr_assert_not(alloy_check(b.a));
    b.bf.top -= 16;
    b.bf.live -= 16;
    cr_assert(alloy_check(b.a));
}
