/* The conformance suite: properties every strategy must have on every heap provider.
 * Written once; tests/conformance_criterion.c runs it natively, tests/wasm_runner.c
 * under Node. */
#ifndef ALLOY_TEST_CONFORMANCE_H
#define ALLOY_TEST_CONFORMANCE_H

#include "fixture.h"

/* X(name, needs_bounded_heap) for every case. The out-of-memory and edge cases
 * (tests/conformance_oom.c) bound every heap themselves, the wasm provider's too, so
 * they run on every fixture. */
#define CONFORMANCE_CASES(X)            \
    X(contents_survive, false)          \
    X(no_overlap, false)                \
    X(every_alignment, false)           \
    X(realloc_keeps_contents, false)    \
    X(resize_in_place, false)           \
    X(exhaustion, true)                 \
    X(stats_match_shadow, false)        \
    X(trip_high_water, false)           \
    X(instances_share_heap, false)      \
    X(coexists_with_malloc, false)      \
    X(memory_is_reused, false)          \
    X(bad_input, false)                 \
    X(oom_matrix, false)                \
    X(growth_refused, false)            \
    X(growth_refused_filling, false)    \
    X(edge_sizes, false)                \
    X(edge_alignments, false)           \
    X(edge_zero_and_null, false)        \
    X(malloc_edges, false)              \
    X(malloc_oom, false)                \
    X(freed_runs_merge_across_the_list, false) \
    X(random_ops, false)

#define CONFORMANCE_DECLARE(name, bounded) void conformance_##name(const fixture_kind *kind);
CONFORMANCE_CASES(CONFORMANCE_DECLARE)

/* Operations of random_ops per strategy x heap (ALLOY_RANDOM_OPS overrides). */
#define RANDOM_OPS_DEFAULT 1000000L

#endif
