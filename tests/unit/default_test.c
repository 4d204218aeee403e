/* SPDX-License-Identifier: MIT */
/* The build-time default strategy and heap (meson options strategy, heap and
 * checked). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "alloy/default.h"

Test(default, is_what_meson_configured)
{
    static alloy_default_heap heap_storage;
    static alloy_default_strategy storage;
    alloy_heap *heap = alloy_default_heap_init(&heap_storage);
    cr_assert(heap);
    cr_assert_str_eq(alloy_heap_name(heap), ALLOY_DEFAULT_HEAP_NAME);
    alloy_allocator *a = alloy_default_init(&storage, heap);
    cr_assert(a);
    alloy_stats s;
    alloy_stats_get(a, &s);
#if ALLOY_DEFAULT_CHECKED
    cr_assert_str_eq(alloy_name(a), "checked");
    cr_assert_eq(s.inner_count, 1);
    cr_assert_str_eq(s.inner[0].strategy, ALLOY_DEFAULT_STRATEGY_NAME);
#else
    cr_assert_str_eq(alloy_name(a), ALLOY_DEFAULT_STRATEGY_NAME);
    cr_assert_eq(s.inner_count, 0);
#endif
    char *p = alloy_alloc(a, 1000, 64);
    cr_assert(p && (uintptr_t)p % 64 == 0);
    memset(p, 1, 1000);
    alloy_free(a, p, 1000, 64);
    cr_assert(alloy_check(a));
    cr_assert_null(alloy_default_heap_init(NULL));
    cr_assert_null(alloy_default_init(NULL, heap));
    cr_assert_null(alloy_default_init(&storage, NULL));
}

Test(default, version_is_the_configured_one)
{
    char made[32];
    snprintf(made, sizeof made, "%d.%d.%d", ALLOY_VERSION_MAJOR, ALLOY_VERSION_MINOR, ALLOY_VERSION_PATCH);
    cr_assert_str_eq(ALLOY_VERSION_STRING, made);
    cr_assert_str_eq(alloy_version(), ALLOY_VERSION_STRING, "the library and its headers are one release");
}

#if ALLOY_DEFAULT_CHECKED
static void count_report(void *context, const alloy_checked_report *report)
{
    (void)report;
    ++*(int *)context;
}

/* -Dchecked=true: a free with the wrong size is reported at the call, and the block
 * stays whole. */
Test(default, checked_option_reports_a_wrong_size)
{
    static alloy_default_heap heap_storage;
    static alloy_default_strategy storage;
    alloy_allocator *a = alloy_default_init(&storage, alloy_default_heap_init(&heap_storage));
    cr_assert(a);
    int reports = 0;
    alloy_checked_set_handler(&storage.checked, count_report, &reports);
    char *p = alloy_alloc(a, 24, 8);
    cr_assert(p);
    alloy_free(a, p, 4096, 8);
    cr_assert_eq(reports, 1);
    alloy_stats s;
    alloy_stats_get(a, &s);
    /* (with -Dstats=false the shared figures are zeros: the wrapper's own count) */
    cr_assert_eq(alloy_stats_find(&s, "live_blocks")->value, 1, "the bad free changed nothing");
#if ALLOY_STATS
    cr_assert_eq(s.shared.bytes_in_use, 24, "the bad free changed nothing");
#endif
    alloy_free(a, p, 24, 8);
    cr_assert_eq(reports, 1);
    cr_assert(alloy_check(a));
}
#endif
