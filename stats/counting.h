/* SPDX-License-Identifier: MIT */
/* The upkeep of the shared figures on every allocation and free, inline: the front
 * end counts each call with these, and stats.c's alloy_stats_allocated and the rest
 * are these as functions, for strategies and wrappers. The per-size audit table
 * (-Daudit_sizes) is kept out of line, in stats.c. Internal: not installed. */
#ifndef ALLOY_STATS_COUNTING_H
#define ALLOY_STATS_COUNTING_H

#include "alloy/stats.h"

#if ALLOY_AUDIT_SIZES
void alloy_stats_audit_add(alloy_shared_stats *s, size_t size);
void alloy_stats_audit_remove(alloy_shared_stats *s, size_t size);
#else
#define alloy_stats_audit_add(s, size) ((void)0)
#define alloy_stats_audit_remove(s, size) ((void)0)
#endif

/* bytes_in_use went up to in_use, by a request of `size` bytes. The trip high water
 * is never above the high water, so only a new trip peak can be a new peak. */
static inline void counting_rose(alloy_shared_stats *s, uint64_t in_use, size_t size)
{
    s->bytes_in_use = in_use;
    if (size > s->largest_request)
        s->largest_request = size;
    if (in_use > s->trip_high_water) {
        s->trip_high_water = in_use;
        if (in_use > s->high_water)
            s->high_water = in_use;
    }
}

static inline void counting_allocated(alloy_shared_stats *s, size_t size)
{
    s->allocs++;
    counting_rose(s, s->bytes_in_use + size, size);
    alloy_stats_audit_add(s, size);
}

static inline void counting_freed(alloy_shared_stats *s, size_t size)
{
    s->frees++;
    s->bytes_in_use -= size;
    alloy_stats_audit_remove(s, size);
}

static inline void counting_resized(alloy_shared_stats *s, size_t old_size, size_t new_size)
{
    s->reallocs++;
    counting_rose(s, s->bytes_in_use - old_size + new_size, new_size);
    alloy_stats_audit_remove(s, old_size);
    alloy_stats_audit_add(s, new_size);
}

static inline void counting_failed(alloy_shared_stats *s, size_t size)
{
    s->failed_allocs++;
    /* the largest request, in counting_rose's code: bytes_in_use stays, and so do the
     * high waters, never below it */
    counting_rose(s, s->bytes_in_use, size);
}

#endif
