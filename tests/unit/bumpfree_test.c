/* The bump + free list strategy: lite-alloc's tests, ported, and one regression test
 * for each defect of the seed that alloy fixes (ENGINEERING.md). */
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

Test(bumpfree, shrink_below_top_returns_the_tail)
{
    bench b;
    open_bench(&b, 1 << 20);
    char *p = alloy_alloc(b.a, 1000, 16);
    void *wall = alloy_alloc(b.a, 16, 16);
    cr_assert(alloy_resize(b.a, p, 1000, 16, 100));
    bumpfree_figures s = bf_stats(b.a);
    cr_assert_eq(s.free_blocks, 1);
    cr_assert_eq(s.free_bytes, 1008 - 112, "rounded sizes: 1008 - 112");
    cr_assert(!alloy_resize(b.a, p, 100, 16, 2000), "below the top a block cannot grow");
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
            shadow -= (x->size + 15) / 16 * 16;
            x->p = NULL;
        } else {
            x->size = rng_range(&r, 1, 3000);
            x->align = (size_t)1 << rng_range(&r, 0, 8);
            x->p = alloy_alloc(b.a, x->size, x->align);
            cr_assert(x->p);
            shadow += (x->size + 15) / 16 * 16;
        }
        cr_assert_eq(bf_stats(b.a).live_bytes, shadow, "op %d", op);
    }
    cr_assert(alloy_check(b.a));
}

/* --- the seed's defects, one regression test each ------------------------------- */

Test(bumpfree_defect, reused_block_honours_alignment)
{
    /* lite-alloc handed out a free block without aligning it (defect 1) */
    bench b;
    open_bench(&b, 1 << 20);
    void *first = alloy_alloc(b.a, 16, 16);
    char *hole = alloy_alloc(b.a, 1024, 16);
    void *wall = alloy_alloc(b.a, 16, 16);
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

Test(bumpfree_defect, larger_free_block_returns_its_tail)
{
    /* lite-alloc gave a whole free block to a smaller request and freed it with the
     * smaller size: the rest was lost for good (defect 2) */
    bench b;
    open_bench(&b, 1 << 20);
    char *big = alloy_alloc(b.a, 1024, 16);
    void *wall = alloy_alloc(b.a, 16, 16);
    alloy_free(b.a, big, 1024, 16);
    char *small = alloy_alloc(b.a, 64, 16);
    cr_assert_eq(small, big);
    cr_assert_eq(bf_stats(b.a).free_bytes, 1024 - 64);
    char *rest = alloy_alloc(b.a, 960, 16);
    cr_assert_eq(rest, big + 64, "the tail serves the next request");
    uint64_t before = heap_bytes(b.a);
    alloy_free(b.a, small, 64, 16);
    alloy_free(b.a, rest, 960, 16);
    cr_assert_eq(bf_stats(b.a).free_bytes, 1024, "all of it is free again");
    cr_assert_eq(heap_bytes(b.a), before);
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
    /* and a grow-in-place at the top that meets the stolen page refuses */
    cr_assert(alloy_resize(b.a, p2, 40 * 1024, 16, 60 * 1024));
    alloy_heap_grow(&b.heap.heap, 1);
    cr_assert(!alloy_resize(b.a, p2, 60 * 1024, 16, 70 * 1024));
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
    /* and the whole array can be used, in one contiguous area */
    cr_assert(alloy_resize(a, p, 30000, 16, sizeof array - 8 - 15 - 16));
    cr_assert_eq(bf_stats(a).bump_areas, 1);
    cr_assert(!alloy_alloc(a, 32, 16));
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

Test(bumpfree, freeing_everything_keeps_the_list_with_two_areas)
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
    cr_assert_eq(s.free_bytes, PAGE, "the first area is on the list, whole");
    cr_assert(alloy_check(b.a));
    char *again = alloy_alloc(b.a, 40 * 1024, 16);
    cr_assert_eq(again, p1, "and serves from there");
}
