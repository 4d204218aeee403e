/* SPDX-License-Identifier: MIT */
/* The shared statistics module on its own. */
#include <criterion/criterion.h>

#include "alloy/stats.h"

Test(stats, trip_meter_resets_to_what_is_in_use)
{
    alloy_shared_stats m = {0};
    alloy_stats_allocated(&m, 1000);
    alloy_stats_allocated(&m, 500);
    alloy_stats_freed(&m, 1000);
    cr_assert_eq(m.high_water, 1500);
    cr_assert_eq(m.trip_high_water, 1500);
    alloy_stats_reset_trip(&m);
    cr_assert_eq(m.trip_high_water, 500, "not zero: the bytes in use now");
    alloy_stats_resized(&m, 500, 800);
    cr_assert_eq(m.trip_high_water, 800);
    cr_assert_eq(m.high_water, 1500);
    cr_assert_eq(m.reallocs, 1);
    alloy_stats_failed(&m, 1u << 30);
    cr_assert_eq(m.failed_allocs, 1);
    cr_assert_eq(m.largest_request, 1u << 30);
    cr_assert_eq(m.allocs - m.frees, 1);
    cr_assert(alloy_stats_consistent(&m));
    m.trip_high_water = 10;
    cr_assert(!alloy_stats_consistent(&m), "a trip peak below what is in use is caught");
}

Test(stats, counters_are_64_bit)
{
    alloy_shared_stats m = {0};
    cr_assert_eq(sizeof m.bytes_in_use, 8);
    cr_assert_eq(sizeof m.allocs, 8);
    m.allocs = UINT32_MAX;
    alloy_stats_allocated(&m, 1);
    cr_assert_eq(m.allocs, (uint64_t)UINT32_MAX + 1);
}

#if ALLOY_AUDIT_SIZES
Test(stats, audit_table_counts_per_size_class)
{
    alloy_shared_stats m = {0};
    alloy_stats_allocated(&m, 1);    /* class 0 */
    alloy_stats_allocated(&m, 100);  /* class 7: 65..128 */
    alloy_stats_allocated(&m, 128);  /* class 7 */
    alloy_stats_allocated(&m, 129);  /* class 8 */
    cr_assert_eq(m.audit[0].live, 1);
    cr_assert_eq(m.audit[7].live, 2);
    cr_assert_eq(m.audit[7].high_water, 2);
    cr_assert_eq(m.audit[8].live, 1);
    alloy_stats_freed(&m, 100);
    alloy_stats_reset_trip(&m);
    cr_assert_eq(m.audit[7].trip_high_water, 1);
    cr_assert_eq(m.audit[7].high_water, 2);
    alloy_stats_resized(&m, 128, 129);
    cr_assert_eq(m.audit[7].live, 0);
    cr_assert_eq(m.audit[8].live, 2);
    cr_assert_eq(m.audit[8].trip_high_water, 2);
    cr_assert(alloy_stats_consistent(&m));
}
#endif
