/* SPDX-License-Identifier: MIT */
/* pool_test.c - the pool's unit test: what the pool itself promises (alloy/pool.h),
 * beyond what the conformance suite holds every strategy to. Criterion tests, as
 * alloy's own unit tests are (tests/unit/). */
#include <criterion/criterion.h>
#include <string.h>

#include "alloy/pool.h"

typedef struct bench {
    _Alignas(16) unsigned char memory[8 * ALLOY_PAGE_SIZE];
    alloy_static_heap heap;
    alloy_pool pool;
    alloy_allocator *a;
} bench;

/* A pool of `block_size` blocks on the first `bytes` of the bench's memory. */
static void open_bench(bench *b, size_t block_size, size_t bytes)
{
    b->a = alloy_pool_init_sized(&b->pool, alloy_static_heap_init(&b->heap, b->memory, bytes), block_size);
    cr_assert(b->a);
}

static uint64_t figure(const alloy_allocator *a, const char *name)
{
    alloy_stats s;
    alloy_stats_get(a, &s);
    const alloy_stat *f = alloy_stats_find(&s, name);
    cr_assert(f, "the pool keeps the figure %s", name);
    return f->value;
}

Test(pool, init_rounds_the_block_size_and_checks_its_arguments)
{
    static bench b;
    open_bench(&b, 40, sizeof b.memory);
    cr_assert_eq(figure(b.a, "block_size"), 48);
    cr_assert_str_eq(alloy_name(b.a), "pool");
    cr_assert_null(alloy_pool_init_sized(NULL, &b.heap.heap, 64));
    cr_assert_null(alloy_pool_init_sized(&b.pool, NULL, 64));
    cr_assert_null(alloy_pool_init_sized(&b.pool, &b.heap.heap, 0));
    cr_assert_null(alloy_pool_init_sized(&b.pool, &b.heap.heap, ALLOY_POOL_MAX_BLOCK_SIZE + 1));
    cr_assert(alloy_pool_init(&b.pool, &b.heap.heap));
    cr_assert_eq(figure(&b.pool.base, "block_size"), ALLOY_POOL_BLOCK_SIZE);
}

Test(pool, freed_blocks_come_back_last_first_without_a_new_slab)
{
    static bench b;
    open_bench(&b, 64, sizeof b.memory);
    void *blocks[40];
    for (size_t i = 0; i < 40; i++)
        cr_assert(blocks[i] = alloy_alloc(b.a, 1 + i % 64, 8));
    cr_assert_eq(figure(b.a, "slabs"), 2, "32 blocks a slab");
    cr_assert_eq(figure(b.a, "fresh_blocks"), 2 * ALLOY_POOL_SLAB_BLOCKS - 40);
    alloy_free(b.a, blocks[3], 4, 8);
    alloy_free(b.a, blocks[7], 8, 8);
    cr_assert_eq(figure(b.a, "free_blocks"), 2);
    cr_assert_eq(alloy_alloc(b.a, 64, 16), blocks[7], "the block freed last");
    cr_assert_eq(alloy_alloc(b.a, 1, 1), blocks[3]);
    cr_assert_eq(figure(b.a, "slabs"), 2);
    cr_assert_eq(figure(b.a, "live_blocks"), 40);
    cr_assert(alloy_check(b.a));
}

Test(pool, other_requests_go_to_the_region_instance)
{
    static bench b;
    open_bench(&b, 64, sizeof b.memory);
    void *large = alloy_alloc(b.a, 65, 8);    /* larger than a block */
    void *aligned = alloy_alloc(b.a, 16, 64); /* aligned to more than 16 */
    cr_assert(large && aligned && (uintptr_t)aligned % 64 == 0);
    cr_assert_eq(figure(b.a, "slabs"), 0, "no slab taken for them");
    cr_assert_eq(figure(b.a, "live_blocks"), 0);
    cr_assert_gt(figure(b.a, "allocated_words"), 0, "region's figures follow the pool's");
    alloy_free(b.a, large, 65, 8);
    alloy_free(b.a, aligned, 16, 64);
    cr_assert(alloy_check(b.a));
}

Test(pool, a_block_never_changes_sides_in_place)
{
    static bench b;
    open_bench(&b, 64, sizeof b.memory);
    char *p = alloy_alloc(b.a, 10, 8);
    cr_assert(p);
    memset(p, 'x', 10);
    cr_assert(alloy_resize(b.a, p, 10, 8, 64), "within the block: done");
    cr_assert(!alloy_resize(b.a, p, 64, 8, 65), "past it: the block would become region's");
    char *q = alloy_alloc(b.a, 1000, 8);
    cr_assert(q);
    cr_assert(!alloy_resize(b.a, q, 1000, 8, 64), "small enough to be pooled: refused");
    char *moved = alloy_realloc(b.a, p, 64, 8, 65);
    cr_assert(moved && moved != p && moved[9] == 'x', "realloc moves it instead");
    alloy_free(b.a, moved, 65, 8);
    alloy_free(b.a, q, 1000, 8);
    cr_assert_eq(figure(b.a, "live_blocks"), 0);
    cr_assert(alloy_check(b.a));
}

Test(pool, no_slab_no_block)
{
    static bench b;
    open_bench(&b, 4096, 2 * ALLOY_PAGE_SIZE); /* a slab of 32 blocks of 4 KiB: 2 pages and more */
    cr_assert_null(alloy_alloc(b.a, 100, 8));
    cr_assert_eq(figure(b.a, "slabs"), 0);
    cr_assert_eq(figure(b.a, "live_blocks"), 0);
    void *other = alloy_alloc(b.a, 5000, 8); /* the region instance still serves */
    cr_assert(other);
    alloy_free(b.a, other, 5000, 8);
    cr_assert(alloy_check(b.a));
}
