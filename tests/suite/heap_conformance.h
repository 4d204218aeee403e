/* SPDX-License-Identifier: MIT */
/* The heap providers' conformance suite: what every provider must do, whoever wrote
 * it (alloy/heap.h): grow returns 16-byte aligned pages that lie within start .. end
 * and overlap nothing handed out before, also when other providers and libc's malloc
 * take memory in between; every page lies a whole number of pages from every other
 * and from end as it was before any growth, where the initial space ends; a refusal
 * (NULL) changes nothing, also the refusals of the refusing wrapper after a budget of
 * N pages, after which the provider goes on as before; the initial space is claimed
 * once; end is right after every grow; a provider serves at most the bytes it was
 * opened with. Written once, like the strategies' suite: criterion_main.c
 * runs it natively over every provider of the target (kinds.h), runner.c without a
 * framework, and a provider from outside alloy over itself
 * (docs/examples/bank_conformance.c). */
#ifndef ALLOY_TEST_HEAP_CONFORMANCE_H
#define ALLOY_TEST_HEAP_CONFORMANCE_H

#include "fixture.h"

/* X(name) for every case. */
#define HEAP_CONFORMANCE_CASES(X)       \
    X(grows_aligned_and_disjoint)       \
    X(refusal_changes_nothing)          \
    X(initial_space_claimed_once)       \
    X(end_follows_every_grow)           \
    X(grows_between_other_growth)       \
    X(serves_at_most_its_bytes)         \
    X(pages_whole_pages_apart)          \
    X(refuses_after_n_pages)

#define HEAP_CONFORMANCE_DECLARE(name) void heap_conformance_##name(const provider_kind *kind);
HEAP_CONFORMANCE_CASES(HEAP_CONFORMANCE_DECLARE)

#endif
