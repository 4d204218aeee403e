/* SPDX-License-Identifier: MIT */
/* What tests know about the blocks they hold: where, how big, which pattern. */
#ifndef ALLOY_TEST_BLOCKS_H
#define ALLOY_TEST_BLOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloy/alloy.h"

typedef struct live_block {
    unsigned char *p; /* NULL: the slot is empty */
    size_t size;
    size_t align;
    uint32_t tag;     /* seeds the fill pattern */
} live_block;

/* Fill the block with a pattern derived from its tag. */
void block_fill(const live_block *b);
/* Whether the first `size` bytes still hold the pattern. */
bool block_intact(const live_block *b, size_t size);
/* Whether no two of the n blocks (empty slots skipped) share a byte. */
bool blocks_disjoint(const live_block *blocks, size_t n);

/* The shadow count of the shared statistics: after a block of `request` bytes was
 * served (or refused), raise the expected peaks. */
void shadow_peak(alloy_shared_stats *expect, size_t request);
/* Whether the instance's shared statistics equal the shadow count. */
bool shadow_matches(const alloy_allocator *a, const alloy_shared_stats *expect);
/* The same for figures already read: alloy_stats_get's, or a handle's own (the front
 * end keeps them there: reading them costs nothing, where alloy_stats_get walks a
 * strategy's lists for its own figures). */
bool shadow_counts_match(const alloy_shared_stats *m, const alloy_shared_stats *expect);

/* The value of the figure `name` in the report *s. A test that reads a figure expects
 * the strategy to keep it: when *s has none of that name, this says so on stderr and
 * aborts the test program. */
uint64_t stat_value(const alloy_stats *s, const char *name);

/* A small, seedable generator (splitmix64). */
typedef struct test_rng {
    uint64_t state;
} test_rng;
uint64_t rng_next(test_rng *r);
/* Uniform in [lo, hi]. */
size_t rng_range(test_rng *r, size_t lo, size_t hi);

#endif
