/* SPDX-License-Identifier: MIT */
/* alloy built with ALLOY_STATS 0 (this test compiles alloy's sources itself so): the
 * allocators work as ever, the shared statistics stay zero but for heap_bytes, and
 * the strategies' own figures are still kept (every strategy of alloy's keeps some
 * that blocks move). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "alloy/checked.h"
#include "alloy/region.h"
#include "kinds.h"

_Static_assert(ALLOY_STATS == 0, "this test is built with statistics off");

ParameterizedTestParameters(stats_off, counts_nothing_but_heap_bytes)
{
    return cr_make_param_array(size_t, kind_indexes(alloy_strategy_kind_count), alloy_strategy_kind_count);
}

/* The figures of an instance with no block, to compare with. */
static alloy_stats empty_figures(const strategy_kind *kind)
{
    alloy_mmap_heap heap;
    static _Alignas(max_align_t) unsigned char storage[8192];
    cr_assert_leq(kind->bytes, sizeof storage); /* (with 4 KiB, tlsf's setup wrote past it) */
    cr_assert(alloy_mmap_heap_init(&heap, 16u << 20));
    alloy_stats s;
    alloy_stats_get(kind->make(storage, &heap.heap), &s);
    alloy_mmap_heap_destroy(&heap);
    return s;
}

ParameterizedTest(size_t *strategy, stats_off, counts_nothing_but_heap_bytes)
{
    const strategy_kind *kind = &alloy_strategy_kinds[*strategy];
    alloy_stats empty = empty_figures(kind);
    alloy_mmap_heap heap;
    static _Alignas(max_align_t) unsigned char storage[8192];
    cr_assert_leq(kind->bytes, sizeof storage);
    cr_assert(alloy_mmap_heap_init(&heap, 16u << 20));
    alloy_allocator *a = kind->make(storage, &heap.heap);
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
    cr_assert_gt(s.count, 0);
    cr_assert_eq(s.count, empty.count);
    bool moved = false;
    for (size_t i = 0; i < s.count; i++)
        moved = moved || s.figures[i].value != empty.figures[i].value;
    cr_assert(moved, "the strategy's figures are kept: the blocks show in them");
    cr_assert(alloy_check(a));
    alloy_free(a, p[0], 90000, 16);
    for (int i = 1; i < 100; i++) {
        cr_assert_eq(p[i][0], (char)i);
        alloy_free(a, p[i], 100 + (size_t)i * 40, 16);
    }
    cr_assert(alloy_check(a));
    alloy_mmap_heap_destroy(&heap);
}

static void collect(void *context, const char *text, size_t length)
{
    strncat(context, text, length);
}

/* The report says the shared figures are not kept, and prints heap_bytes alone. */
Test(stats_off, report_holds_heap_bytes_only)
{
    static unsigned char arena[1 << 18];
    static char text[8192];
    alloy_static_heap h;
    alloy_region r;
    alloy_allocator *a = alloy_region_init(&r, alloy_static_heap_init(&h, arena, sizeof arena));
    cr_assert(alloy_alloc(a, 100, 16));
    cr_assert(alloy_stats_print(a, collect, text));
    alloy_stats s;
    alloy_stats_get(a, &s);
    cr_assert(strstr(text, "shared figures (built with -Dstats=false: only heap_bytes is kept):\n"), "%s", text);
    const char *heap = strstr(text, "\n  heap_bytes ");
    unsigned long long printed = 0;
    cr_assert(heap && sscanf(heap, " heap_bytes %llu", &printed) == 1, "%s", text);
    cr_assert(printed == s.shared.heap_bytes && printed > 0);
    cr_assert_null(strstr(text, "bytes_in_use"));
    cr_assert_null(strstr(text, "allocs"));
    cr_assert(strstr(text, "region figures:\n"));
}

/* The checked wrapper's inner_bytes_in_use is its inner instance's shared figure: 0
 * here, as alloy/checked.h says; the wrapper's own figures are kept. */
Test(stats_off, checked_inner_bytes_in_use_is_a_shared_figure)
{
    static _Alignas(16) unsigned char arena[1 << 18];
    alloy_static_heap h;
    alloy_region r;
    alloy_checked c;
    alloy_allocator *a = alloy_checked_init(&c, alloy_region_init(&r, alloy_static_heap_init(&h, arena, sizeof arena)));
    cr_assert(a && alloy_alloc(a, 1000, 16));
    alloy_stats s;
    alloy_stats_get(a, &s);
    cr_assert_eq(alloy_stats_find(&s, "inner_bytes_in_use")->value, 0);
    cr_assert_eq(alloy_stats_find(&s, "live_blocks")->value, 1);
    cr_assert_gt(alloy_stats_find(&s, "table_bytes")->value, 0);
    cr_assert(alloy_check(a));
}
