/* Test fixtures: every strategy on every heap provider of the target, and the checked
 * wrapper over each strategy, built the same way for Criterion (native) and for the
 * framework-free wasm runner. A strategy from outside alloy reuses them, and with
 * them the conformance suite, through fixture_kind.make (docs/writing-a-strategy.md). */
#ifndef ALLOY_TEST_FIXTURE_H
#define ALLOY_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "alloy/alloy.h"
#include "alloy/bumpfree.h"
#include "alloy/checked.h"
#include "alloy/region.h"
#include "refusing_heap.h"

typedef struct fixture_kind {
    const char *strategy; /* "region" or "bumpfree", or the name of a strategy `make` builds */
    const char *heap;     /* "mmap", "static" or "wasm" */
    bool checked;         /* instances are checked wrappers over the strategy */
    /* NULL for alloy's own strategies. For one from outside alloy: build an instance
     * on `heap` in `storage`, make_bytes bytes the fixture provides (aligned for any
     * type, one per instance, freed by fixture_close), and return its handle, or NULL.
     * alloy_name() of the handle must be `strategy`. */
    alloy_allocator *(*make)(void *storage, alloy_heap *heap);
    size_t make_bytes;
} fixture_kind;

/* The kinds this target has, and how many. */
extern const fixture_kind fixture_kinds[];
extern const size_t fixture_kind_count;

#define FIXTURE_INSTANCES 3

typedef struct fixture {
    const fixture_kind *kind;
    alloy_heap *heap;
    union {
        alloy_static_heap static_heap;
#if defined(__wasm__)
        alloy_wasm_heap wasm_heap;
#else
        alloy_mmap_heap mmap_heap;
#endif
    } provider;
    unsigned char *array; /* the static heap's array, as malloc returned it */
    refusing_heap refusing; /* with fixture_open_refusing: wraps the provider */
    union {
        alloy_bumpfree bumpfree;
        alloy_region region;
    } instances[FIXTURE_INSTANCES];
    void *made[FIXTURE_INSTANCES]; /* storage for kind->make, from malloc */
    alloy_checked checked[FIXTURE_INSTANCES]; /* over instances[i], when kind->checked */
    alloy_allocator *handles[FIXTURE_INSTANCES]; /* what fixture_instance returns */
    size_t instance_count;
} fixture;

/* Build the provider of `kind`, limited to about `heap_bytes` (static and mmap; the wasm
 * provider is limited only by wasm memory), and its first instance. The static array
 * is deliberately misaligned. False when the provider cannot start. */
bool fixture_open(fixture *f, const fixture_kind *kind, size_t heap_bytes);
/* Like fixture_open, but every instance takes its memory through a refusing_heap
 * (f->refusing) that wraps the provider and applies `policy`. The heap is bounded on
 * every provider: a wasm provider, which is not, gets a page budget of heap_bytes
 * (rounded down to pages) unless the policy sets one. */
bool fixture_open_refusing(fixture *f, const fixture_kind *kind, size_t heap_bytes, refusing_policy policy);
/* Instance i (0 <= i < FIXTURE_INSTANCES) on the fixture's provider, made on first use:
 * for a checked kind, the wrapper over its own instance of the strategy. */
alloy_allocator *fixture_instance(fixture *f, size_t i);
/* Whether the provider can run out of memory within reasonable test time. */
bool fixture_heap_is_bounded(const fixture *f);
/* The name alloy_name() gives the fixture's instances. */
const char *fixture_strategy_name(const fixture_kind *kind);
/* Release the provider, and the storage of made instances. */
void fixture_close(fixture *f);

#endif
