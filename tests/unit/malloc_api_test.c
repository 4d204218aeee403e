/* SPDX-License-Identifier: MIT */
/* The malloc-style API bound to an instance (alloy/malloc.h), on every strategy. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "alloy/malloc.h"
#include "alloy/mmap_heap.h"
#include "alloy/region.h"
#include "blocks.h"
#include "kinds.h"

typedef struct bench {
    alloy_mmap_heap heap;
    _Alignas(max_align_t) unsigned char storage[8192];
    alloy_allocator *a;
} bench;

/* An instance of strategy number `strategy` (alloy_strategy_kinds) on 64 MiB. */
static void open_bench(bench *b, size_t strategy)
{
    const strategy_kind *kind = &alloy_strategy_kinds[strategy];
    cr_assert_leq(kind->bytes, sizeof b->storage);
    cr_assert(alloy_mmap_heap_init(&b->heap, 64u << 20));
    b->a = kind->make(b->storage, &b->heap.heap);
    cr_assert(b->a);
}

/* The usable size alloy/malloc.h promises for a block asked with `size`: as the
 * strategy fits it when it tells sizes (rounded up to 16 when it has no fit), else
 * exactly that size. */
static size_t usable_for(const alloy_allocator *a, size_t size)
{
    const alloy_strategy *s = a->strategy;
    if (!s->block_size)
        return size;
    return s->fit ? s->fit(size) : size ? (size + 15) / 16 * 16 : 16;
}

ParameterizedTestParameters(malloc_api, family)
{
    return cr_make_param_array(size_t, kind_indexes(alloy_strategy_kind_count), alloy_strategy_kind_count);
}

ParameterizedTest(size_t *strategy, malloc_api, family)
{
    bench b;
    open_bench(&b, *strategy);
    live_block blocks[200] = {{0}};
    test_rng r = {11};
    for (size_t i = 0; i < 200; i++) {
        size_t size = rng_range(&r, 0, i % 20 ? 500 : 50000);
        blocks[i] = (live_block){alloy_malloc(b.a, size), size, 16, (uint32_t)i};
        cr_assert(blocks[i].p && (uintptr_t)blocks[i].p % 16 == 0);
        cr_assert_eq(alloy_malloc_usable_size(b.a, blocks[i].p), usable_for(b.a, size));
        block_fill(&blocks[i]);
    }
    cr_assert(blocks_disjoint(blocks, 200));
    /* realloc up and down keeps contents; free without sizes */
    for (size_t i = 0; i < 200; i += 2) {
        size_t size = rng_range(&r, 1, 3000);
        void *p = alloy_malloc_realloc(b.a, blocks[i].p, size);
        cr_assert(p && (uintptr_t)p % 16 == 0);
        blocks[i].p = p;
        cr_assert(block_intact(&blocks[i], size < blocks[i].size ? size : blocks[i].size));
        blocks[i].size = size;
        cr_assert_eq(alloy_malloc_usable_size(b.a, p), usable_for(b.a, size));
        block_fill(&blocks[i]);
    }
    for (size_t i = 0; i < 200; i++) {
        cr_assert(block_intact(&blocks[i], blocks[i].size));
        alloy_malloc_free(b.a, blocks[i].p);
    }
    alloy_stats s;
    alloy_stats_get(b.a, &s);
    cr_assert_eq(s.shared.bytes_in_use, 0, "every unsized free gave back exactly its block");
    cr_assert(alloy_check(b.a));
}

ParameterizedTestParameters(malloc_api, edges)
{
    return cr_make_param_array(size_t, kind_indexes(alloy_strategy_kind_count), alloy_strategy_kind_count);
}

ParameterizedTest(size_t *strategy, malloc_api, edges)
{
    bench b;
    open_bench(&b, *strategy);
    for (size_t align = 1; align <= 65536; align *= 2) {
        char *p = alloy_malloc_aligned(b.a, align, 100);
        cr_assert(p && (uintptr_t)p % (align < 16 ? 16 : align) == 0, "align %zu", align);
        memset(p, 1, 100);
        char *q = alloy_malloc_realloc(b.a, p, 70000);
        /* moved, a block keeps 16; a strategy with a header keeps any alignment */
        size_t kept = align < 16 || b.a->strategy->block_size ? 16 : align;
        cr_assert(q && (uintptr_t)q % kept == 0, "realloc keeps align %zu", kept);
        cr_assert_eq(q[99], 1);
        alloy_malloc_free(b.a, q);
    }
    cr_assert_null(alloy_malloc_aligned(b.a, 3, 10));
    cr_assert_null(alloy_malloc_aligned(b.a, 1u << 17, 10));
    cr_assert_null(alloy_malloc_aligned(NULL, 16, 10));
    /* too large, with or without a header to add, or overflowing: out of memory,
     * counted once each as alloy_alloc counts it */
    alloy_stats before, after;
    alloy_stats_get(b.a, &before);
    cr_assert_null(alloy_malloc(b.a, SIZE_MAX));
    cr_assert_null(alloy_malloc(b.a, ALLOY_MAX_SIZE));
    cr_assert_null(alloy_malloc_calloc(b.a, SIZE_MAX / 2, 4));
    alloy_stats_get(b.a, &after);
    cr_assert_eq(after.shared.failed_allocs, before.shared.failed_allocs + 3);
    cr_assert_eq(after.shared.invalid_requests, before.shared.invalid_requests);
    unsigned char *z = alloy_malloc_calloc(b.a, 100, 10);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(z[i], 0);
    void *keep = alloy_malloc(b.a, 10);
    cr_assert_null(alloy_malloc_realloc(b.a, keep, SIZE_MAX - 8), "a failed realloc...");
    alloy_stats_get(b.a, &before);
    cr_assert_eq(before.shared.failed_allocs, after.shared.failed_allocs + 1, "(counted)");
    cr_assert_eq(alloy_malloc_usable_size(b.a, keep), usable_for(b.a, 10), "...leaves the block alone");
    cr_assert_null(alloy_malloc_realloc(b.a, keep, 0), "realloc to 0 frees");
    void *zero = alloy_malloc(b.a, 0);
    cr_assert(zero);
    cr_assert_eq(alloy_malloc_usable_size(b.a, zero), usable_for(b.a, 0));
    alloy_malloc_free(b.a, zero);
    cr_assert_eq(alloy_malloc_usable_size(NULL, z), 0, "no instance: 0");
    alloy_malloc_free(NULL, z); /* no instance: ignored, z stays allocated */
    cr_assert_null(alloy_malloc_realloc(NULL, z, 0), "no instance: nothing freed");
    cr_assert_null(alloy_malloc_realloc(NULL, z, 50));
    cr_assert_eq(alloy_malloc_usable_size(b.a, z), usable_for(b.a, 1000), "z untouched");
    alloy_malloc_free(b.a, z);
    alloy_malloc_free(b.a, NULL);
    cr_assert_eq(alloy_malloc_usable_size(b.a, NULL), 0);
    void *fresh = alloy_malloc_realloc(b.a, NULL, 40);
    cr_assert(fresh);
    alloy_malloc_free(b.a, fresh);
    alloy_stats s;
    alloy_stats_get(b.a, &s);
    cr_assert_eq(s.shared.bytes_in_use, 0);
    cr_assert(alloy_check(b.a));
}

/* A realloc of a block already freed is undefined in C; where the strategy can tell
 * that no block lies there (region, for a large block whose run is gone) it is
 * refused: NULL, one invalid request, nothing allocated, the instance sound. */
Test(malloc_api, realloc_of_a_freed_large_block_refused)
{
    alloy_mmap_heap heap;
    alloy_region r;
    cr_assert(alloy_mmap_heap_init(&heap, 8u << 20));
    alloy_allocator *a = alloy_region_init(&r, &heap.heap);
    void *p = alloy_malloc(a, 100000);
    cr_assert(p);
    alloy_malloc_free(a, p);
    alloy_stats before, after;
    alloy_stats_get(a, &before);
    cr_assert_null(alloy_malloc_realloc(a, p, 200));
    alloy_stats_get(a, &after);
    cr_assert_eq(after.shared.invalid_requests, before.shared.invalid_requests + 1);
    cr_assert_eq(after.shared.allocs, before.shared.allocs);
    cr_assert_eq(after.shared.reallocs, before.shared.reallocs);
    cr_assert_eq(after.shared.bytes_in_use, 0);
    cr_assert(alloy_check(a));
    alloy_mmap_heap_destroy(&heap);
}
