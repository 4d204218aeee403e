/* SPDX-License-Identifier: MIT */
#include "blocks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char test_note[256];

/* The pattern: 8-byte words that depend on the tag and on their offset in the
 * block; byte i is byte i % 8 of word i / 8 as memory holds it. Filled and compared
 * a word at a time: the randomized tests fill blocks of up to 4 MiB. */
static uint64_t pattern_word(uint32_t tag, size_t k)
{
    return ((uint64_t)tag + 1) * UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)k * UINT64_C(0x100000001b3);
}

void block_fill(const live_block *b)
{
    size_t k = 0;
    for (; 8 * k + 8 <= b->size; k++) {
        uint64_t w = pattern_word(b->tag, k);
        memcpy(b->p + 8 * k, &w, 8);
    }
    uint64_t w = pattern_word(b->tag, k);
    memcpy(b->p + 8 * k, &w, b->size - 8 * k);
}

bool block_intact(const live_block *b, size_t size)
{
    size_t k = 0;
    for (; 8 * k + 8 <= size; k++) {
        uint64_t w = pattern_word(b->tag, k), v;
        memcpy(&v, b->p + 8 * k, 8);
        if (v != w)
            return false;
    }
    uint64_t w = pattern_word(b->tag, k);
    return memcmp(b->p + 8 * k, &w, size - 8 * k) == 0;
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
    return shadow_counts_match(&s.shared, expect);
}

bool shadow_counts_match(const alloy_shared_stats *m, const alloy_shared_stats *expect)
{
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
