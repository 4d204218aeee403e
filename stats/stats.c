/* SPDX-License-Identifier: MIT */
/* The statistics: the shared figures (bytes in use, high water, the trip meter and
 * the counters), each update a handful of additions and compares, and the report's
 * named figures. See alloy/stats.h. */
#include <string.h>

#include "alloy/stats.h"

#if ALLOY_AUDIT_SIZES
/* Class k holds sizes 2^(k-1)+1 .. 2^k; class 0 holds size 1 (and 0). */
static size_t audit_class(size_t size)
{
    size_t k = 0;
    while (k < ALLOY_AUDIT_CLASSES - 1 && ((size_t)1 << k) < size)
        k++;
    return k;
}

static void audit_add(alloy_shared_stats *m, size_t size)
{
    alloy_size_audit *row = &m->audit[audit_class(size)];
    row->live++;
    if (row->live > row->high_water)
        row->high_water = row->live;
    if (row->live > row->trip_high_water)
        row->trip_high_water = row->live;
}

static void audit_remove(alloy_shared_stats *m, size_t size)
{
    m->audit[audit_class(size)].live--;
}
#else
#define audit_add(m, size) ((void)0)
#define audit_remove(m, size) ((void)0)
#endif

static void note_peak(alloy_shared_stats *m)
{
    if (m->bytes_in_use > m->high_water)
        m->high_water = m->bytes_in_use;
    if (m->bytes_in_use > m->trip_high_water)
        m->trip_high_water = m->bytes_in_use;
}

static void note_request(alloy_shared_stats *m, size_t size)
{
    if (size > m->largest_request)
        m->largest_request = size;
}

void alloy_stats_allocated(alloy_shared_stats *m, size_t size)
{
    m->allocs++;
    m->bytes_in_use += size;
    note_request(m, size);
    note_peak(m);
    audit_add(m, size);
}

void alloy_stats_freed(alloy_shared_stats *m, size_t size)
{
    m->frees++;
    m->bytes_in_use -= size;
    audit_remove(m, size);
}

void alloy_stats_resized(alloy_shared_stats *m, size_t old_size, size_t new_size)
{
    m->reallocs++;
    m->bytes_in_use = m->bytes_in_use - old_size + new_size;
    note_request(m, new_size);
    note_peak(m);
    audit_remove(m, old_size);
    audit_add(m, new_size);
}

void alloy_stats_failed(alloy_shared_stats *m, size_t size)
{
    m->failed_allocs++;
    note_request(m, size);
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
