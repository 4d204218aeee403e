/* SPDX-License-Identifier: MIT */
/* alloy's own strategies and heap providers as the fixtures build them, derived from
 * the registry (ALLOY_STRATEGIES and ALLOY_HEAPS in alloy/config.h): every strategy,
 * every provider of the target, in meson.build's order. */
#ifndef ALLOY_TEST_KINDS_H
#define ALLOY_TEST_KINDS_H

#include "fixture.h"

extern const strategy_kind alloy_strategy_kinds[];
extern const size_t alloy_strategy_kind_count;
extern const provider_kind alloy_provider_kinds[];
extern const size_t alloy_provider_kind_count;

/* What the conformance suite runs over: fixture_combine of all the above, made on
 * first use. */
const fixture_kind *alloy_fixture_kinds(size_t *count);

/* 0 .. count - 1 (count <= FIXTURE_MAX_KINDS), for Criterion's parameters: an index
 * into a table of kinds survives the new process Criterion runs each test in, where
 * a pointer would not. */
size_t *kind_indexes(size_t count);

#endif
