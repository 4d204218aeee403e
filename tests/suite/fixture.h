/* SPDX-License-Identifier: MIT */
/* Test fixtures: an instance of a strategy (or several, sharing one provider) on a
 * heap provider, optionally under the checked wrapper, built the same way for
 * Criterion (native) and for the framework-free runner (wasm). What to build is a
 * fixture_kind: a strategy and a provider, each described by the functions that
 * make it, so that a strategy or a provider from outside alloy joins the suite as
 * alloy's own do (docs/writing-a-strategy.md, docs/writing-a-heap-provider.md).
 * alloy's own are in kinds.h. */
#ifndef ALLOY_TEST_FIXTURE_H
#define ALLOY_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "alloy/alloy.h"
#include "alloy/checked.h"
#include "refusing_heap.h"

/* A strategy, as the fixtures build it. */
typedef struct strategy_kind {
    const char *name; /* alloy_name() of what make returns */
    /* Build an instance on `heap` in `storage`, `bytes` bytes the fixture provides
     * (aligned for any type, one per instance, freed by fixture_close), and return
     * its handle, or NULL. */
    alloy_allocator *(*make)(void *storage, alloy_heap *heap);
    size_t bytes;
} strategy_kind;

/* A heap provider, as the fixtures build it (the convention of alloy/heap.h). */
typedef struct provider_kind {
    const char *name; /* alloy_heap_name() of what open returns */
    /* Make a provider in `storage` (`bytes` bytes the fixture provides, as for a
     * strategy) serving at most `heap_bytes`: of `array`, which the fixture passes
     * when serves_array, else NULL. Its handle, or NULL. */
    alloy_heap *(*open)(void *storage, void *array, size_t heap_bytes);
    /* Give back what open took; NULL when there is nothing to give back. */
    void (*close)(void *storage);
    size_t bytes;
    bool serves_array;
} provider_kind;

typedef struct fixture_kind {
    strategy_kind strategy;
    provider_kind heap;
    bool checked; /* instances are checked wrappers over the strategy */
} fixture_kind;

/* The most kinds fixture_combine makes. */
#define FIXTURE_MAX_KINDS 64

/* Every strategy on every provider, then the checked wrapper over every strategy on
 * the first provider (the wrapper is the subject there, not the provider), into
 * out (FIXTURE_MAX_KINDS at most): returns how many. */
size_t fixture_combine(const strategy_kind *strategies, size_t strategy_count, const provider_kind *providers,
                       size_t provider_count, fixture_kind *out);

/* "checked NAME on PROVIDER": what the kind builds, for notes and reports. */
void fixture_describe(const fixture_kind *kind, char *out, size_t size);

#define FIXTURE_INSTANCES 3

typedef struct fixture {
    const fixture_kind *kind;
    alloy_heap *heap;
    void *provider;       /* the provider's storage, from malloc */
    unsigned char *array; /* the array it serves, when it serves one, from malloc */
    refusing_heap refusing; /* with fixture_open_refusing: wraps the provider */
    void *made[FIXTURE_INSTANCES]; /* the instances' storage, from malloc */
    alloy_checked checked[FIXTURE_INSTANCES]; /* over made[i], when kind->checked */
    alloy_allocator *handles[FIXTURE_INSTANCES]; /* what fixture_instance returns */
    size_t instance_count;
} fixture;

/* Build the provider of `kind`, serving at most `heap_bytes`, and its first
 * instance. An array the provider serves is deliberately misaligned. False when the
 * provider cannot start. */
bool fixture_open(fixture *f, const fixture_kind *kind, size_t heap_bytes);
/* Like fixture_open, but every instance takes its memory through a refusing_heap
 * (f->refusing) that wraps the provider and applies `policy`. */
bool fixture_open_refusing(fixture *f, const fixture_kind *kind, size_t heap_bytes, refusing_policy policy);
/* Instance i (0 <= i < FIXTURE_INSTANCES) on the fixture's provider, made on first use:
 * for a checked kind, the wrapper over its own instance of the strategy. */
alloy_allocator *fixture_instance(fixture *f, size_t i);
/* The name alloy_name() gives the fixture's instances. */
const char *fixture_strategy_name(const fixture_kind *kind);
/* Release the provider, and the storage the fixture took. */
void fixture_close(fixture *f);

#endif
