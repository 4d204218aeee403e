/* alloy built with ALLOY_STATS 0 (this test compiles alloy's sources itself so): the
 * allocators work as ever, the shared statistics stay zero but for heap_bytes, and
 * the strategies' own figures are still kept. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "alloy/bumpfree.h"
#include "alloy/region.h"
#include "blocks.h"

_Static_assert(ALLOY_STATS == 0, "this test is built with statistics off");

ParameterizedTestParameters(stats_off, counts_nothing_but_heap_bytes)
{
    static int strategies[] = {0, 1};
    return cr_make_param_array(int, strategies, 2);
}

ParameterizedTest(int *strategy, stats_off, counts_nothing_but_heap_bytes)
{
    alloy_mmap_heap heap;
    static alloy_region region;
    static alloy_bumpfree bumpfree;
    cr_assert(alloy_mmap_heap_init(&heap, 16u << 20));
    alloy_allocator *a = *strategy == 0 ? alloy_region_init(&region, &heap.heap)
                                        : alloy_bumpfree_init(&bumpfree, &heap.heap);
    char *p[100];
    for (int i = 0; i < 100; i++) {
        p[i] = alloy_alloc(a, 100 + (size_t)i * 40, 16);
        cr_assert(p[i] && (uintptr_t)p[i] % 16 == 0);
        memset(p[i], i, 100 + (size_t)i * 40);
    }
    p[0] = alloy_realloc(a, p[0], 100, 16, 90000);
    cr_assert(p[0] && p[0][99] == 0);
    cr_assert_null(alloy_alloc(a, 64, 3));
    cr_assert_null(alloy_alloc(a, SIZE_MAX, 16));
    alloy_reset_trip(a);
    alloy_stats s;
    alloy_stats_get(a, &s);
    cr_assert_eq(s.shared.bytes_in_use, 0);
    cr_assert_eq(s.shared.allocs, 0);
    cr_assert_eq(s.shared.high_water, 0);
    cr_assert_eq(s.shared.failed_allocs, 0);
    cr_assert_eq(s.shared.invalid_requests, 0);
    cr_assert_gt(s.shared.heap_bytes, 0, "heap bytes are the strategy's, still kept");
    if (*strategy == 0)
        cr_assert_gt(stat_value(&s, "allocated_words"), 0);
    else
        cr_assert_gt(stat_value(&s, "live_bytes"), 0);
    cr_assert(alloy_check(a));
    alloy_free(a, p[0], 90000, 16);
    for (int i = 1; i < 100; i++) {
        cr_assert_eq(p[i][0], (char)i);
        alloy_free(a, p[i], 100 + (size_t)i * 40, 16);
    }
    cr_assert(alloy_check(a));
    alloy_mmap_heap_destroy(&heap);
}
