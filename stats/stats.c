/* SPDX-License-Identifier: MIT */
/* The statistics: the shared figures (bytes in use, high water, the trip meter and
 * the counters), each update a handful of additions and compares, and the report's
 * named figures. See alloy/stats.h. */
#include <string.h>

#include "counting.h"

#if ALLOY_AUDIT_SIZES
/* Class k holds sizes 2^(k-1)+1 .. 2^k; class 0 holds size 1 (and 0). */
static size_t audit_class(size_t size)
{
    size_t k = 0;
    while (k < ALLOY_AUDIT_CLASSES - 1 && ((size_t)1 << k) < size)
        k++;
    return k;
}

void alloy_stats_audit_add(alloy_shared_stats *m, size_t size)
{
    alloy_size_audit *row = &m->audit[audit_class(size)];
    row->live++;
    if (row->live > row->high_water)
        row->high_water = row->live;
    if (row->live > row->trip_high_water)
        row->trip_high_water = row->live;
}

void alloy_stats_audit_remove(alloy_shared_stats *m, size_t size)
{
    m->audit[audit_class(size)].live--;
}
#endif

void alloy_stats_allocated(alloy_shared_stats *m, size_t size)
{
    counting_allocated(m, size);
}

void alloy_stats_freed(alloy_shared_stats *m, size_t size)
{
    counting_freed(m, size);
}

void alloy_stats_resized(alloy_shared_stats *m, size_t old_size, size_t new_size)
{
    counting_resized(m, old_size, new_size);
}

void alloy_stats_failed(alloy_shared_stats *m, size_t size)
{
    counting_failed(m, size);
}

void alloy_stats_dropped_all(alloy_shared_stats *m)
{
    m->frees = m->allocs;
    m->bytes_in_use = 0;
#if ALLOY_AUDIT_SIZES
    for (size_t k = 0; k < ALLOY_AUDIT_CLASSES; k++)
        m->audit[k].live = 0;
#endif
}

void alloy_stats_reset_trip(alloy_shared_stats *m)
{
    m->trip_high_water = m->bytes_in_use;
#if ALLOY_AUDIT_SIZES
    for (size_t k = 0; k < ALLOY_AUDIT_CLASSES; k++)
        m->audit[k].trip_high_water = m->audit[k].live;
#endif
}

bool alloy_stats_consistent(const alloy_shared_stats *m)
{
    bool ok = m->bytes_in_use <= m->trip_high_water && m->trip_high_water <= m->high_water &&
              m->bytes_in_use <= m->high_water && m->frees <= m->allocs;
#if ALLOY_AUDIT_SIZES
    uint64_t live = 0;
    for (size_t k = 0; k < ALLOY_AUDIT_CLASSES; k++) {
        const alloy_size_audit *row = &m->audit[k];
        ok = ok && row->live <= row->trip_high_water && row->trip_high_water <= row->high_water;
        live += row->live;
    }
    ok = ok && live == m->allocs - m->frees;
#endif
    return ok;
}

void alloy_stats_add(alloy_stats *out, const char *name, uint64_t value)
{
    if (out->count < ALLOY_STATS_FIGURES)
        out->figures[out->count++] = (alloy_stat){value, name};
}

const alloy_stat *alloy_stats_find(const alloy_stats *s, const char *name)
{
    if (!s || !name)
        return NULL;
    for (size_t i = 0; i < s->count && i < ALLOY_STATS_FIGURES; i++)
        if (strcmp(s->figures[i].name, name) == 0)
            return &s->figures[i];
    return NULL;
}
