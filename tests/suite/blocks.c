/* SPDX-License-Identifier: MIT */
#include "blocks.h"

#include <stdio.h>
#include <stdlib.h>

char test_note[160];

static unsigned char pattern_byte(uint32_t tag, size_t i)
{
    return (unsigned char)(tag * 131u + (uint32_t)i * 7u + (uint32_t)(i >> 8));
}

void block_fill(const live_block *b)
{
    for (size_t i = 0; i < b->size; i++)
        b->p[i] = pattern_byte(b->tag, i);
}

bool block_intact(const live_block *b, size_t size)
{
    for (size_t i = 0; i < size; i++)
        if (b->p[i] != pattern_byte(b->tag, i))
            return false;
    return true;
}

static int by_address(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)(*(const live_block *const *)x)->p;
    uintptr_t b = (uintptr_t)(*(const live_block *const *)y)->p;
    return (a > b) - (a < b);
}

bool blocks_disjoint(const live_block *blocks, size_t n)
{
    const live_block **order = malloc((n ? n : 1) * sizeof *order);
    if (!order)
        return false;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (blocks[i].p)
            order[m++] = &blocks[i];
    qsort(order, m, sizeof *order, by_address);
    bool ok = true;
    for (size_t i = 1; i < m && ok; i++)
        ok = (uintptr_t)order[i - 1]->p + order[i - 1]->size <= (uintptr_t)order[i]->p;
    free(order);
    return ok;
}

void shadow_peak(alloy_shared_stats *expect, size_t request)
{
    if (expect->bytes_in_use > expect->high_water)
        expect->high_water = expect->bytes_in_use;
    if (expect->bytes_in_use > expect->trip_high_water)
        expect->trip_high_water = expect->bytes_in_use;
    if (request > expect->largest_request)
        expect->largest_request = request;
}

bool shadow_matches(const alloy_allocator *a, const alloy_shared_stats *expect)
{
    alloy_stats s;
    alloy_stats_get(a, &s);
    const alloy_shared_stats *m = &s.shared;
    return m->bytes_in_use == expect->bytes_in_use && m->high_water == expect->high_water &&
           m->trip_high_water == expect->trip_high_water && m->allocs == expect->allocs &&
           m->frees == expect->frees && m->reallocs == expect->reallocs &&
           m->failed_allocs == expect->failed_allocs && m->largest_request == expect->largest_request;
}

uint64_t rng_next(test_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

size_t rng_range(test_rng *r, size_t lo, size_t hi)
{
    return lo + (size_t)(rng_next(r) % ((uint64_t)(hi - lo) + 1));
}

uint64_t stat_value(const alloy_stats *s, const char *name)
{
    const alloy_stat *figure = alloy_stats_find(s, name);
    if (!figure) {
        fprintf(stderr, "the %s report has no figure %s\n", s->strategy, name);
        abort();
    }
    return figure->value;
}
