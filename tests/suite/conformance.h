/* SPDX-License-Identifier: MIT */
/* The conformance suite: properties every strategy must have on every heap provider.
 * Written once; criterion_main.c runs it natively, runner.c without a framework (in
 * wasm, wasm_main.c). The cases: conformance.c (the general ones), oom.c (running
 * out of memory, growth refused), edges.c (the front end's edge cases),
 * malloc_edges.c (the same for the malloc layer), random_ops.c, phases.c (phases of
 * small, large and mixed blocks, each all freed before the next). */
#ifndef ALLOY_TEST_CONFORMANCE_H
#define ALLOY_TEST_CONFORMANCE_H

#include "fixture.h"

/* X(name) for every case. Every heap is bounded (a provider serves at most the bytes
 * a case asks for), so every case runs on every kind. */
#define CONFORMANCE_CASES(X)            \
    X(contents_survive)                 \
    X(no_overlap)                       \
    X(every_alignment)                  \
    X(realloc_keeps_contents)           \
    X(resize_in_place)                  \
    X(exhaustion)                       \
    X(stats_match_shadow)               \
    X(trip_high_water)                  \
    X(instances_share_heap)             \
    X(coexists_with_malloc)             \
    X(memory_is_reused)                 \
    X(bad_input)                        \
    X(oom_matrix)                       \
    X(growth_refused)                   \
    X(growth_refused_filling)           \
    X(edge_sizes)                       \
    X(edge_alignments)                  \
    X(edge_zero_and_null)               \
    X(malloc_edges)                     \
    X(malloc_oom)                       \
    X(phase_changes)                    \
    X(random_ops)

#define CONFORMANCE_DECLARE(name) void conformance_##name(const fixture_kind *kind);
CONFORMANCE_CASES(CONFORMANCE_DECLARE)

/* Operations of random_ops per strategy x heap (ALLOY_RANDOM_OPS overrides; make
 * hardening runs 10^7). */
#define RANDOM_OPS_DEFAULT 100000L

#endif
