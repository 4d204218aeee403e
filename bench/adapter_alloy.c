/* SPDX-License-Identifier: MIT */
/* bench/adapter_alloy.c - alloy's strategies behind the bench adapter (bench.h):
 * every strategy of the build (ALLOY_STRATEGIES), each on a heap of its own (mmap
 * natively, wasm memory.grow in wasm), called through the interface every program
 * uses (alloy_alloc, alloy_free, alloy_realloc). The heap figure is the statistics'
 * heap_bytes (bytes obtained from the provider); frames read the trip meter
 * (alloy_reset_trip and trip_high_water).
 */
#include "alloy/strategies.h"

#include "bench.h"

static alloy_allocator *instance;

static alloy_heap *new_heap(void)
{
#if defined(__wasm__)
    static alloy_wasm_heap heap;
    return alloy_wasm_heap_init(&heap, false); /* libc's malloc keeps its own space */
#else
    static alloy_mmap_heap heap;
    return alloy_mmap_heap_init(&heap, (size_t)1 << 34);
#endif
}

/* open_NAME: an instance of the strategy NAME on a new heap */
#define OPEN(NAME)                                                              \
    static bool open_##NAME(void)                                               \
    {                                                                           \
        static alloy_##NAME storage;                                            \
        alloy_heap *heap = new_heap();                                          \
        return heap && (instance = alloy_##NAME##_init(&storage, heap)) != NULL; \
    }
ALLOY_STRATEGIES(OPEN)

static void *alloc(size_t size, size_t align)
{
    return alloy_alloc(instance, size, align);
}

static void release(void *p, size_t size, size_t align)
{
    alloy_free(instance, p, size, align);
}

static void *reallocate(void *p, size_t old_size, size_t new_size, size_t align)
{
    return alloy_realloc(instance, p, old_size, align, new_size);
}

/* Read from the handle: alloy_stats_get would also add up the strategy's own
 * figures, which walks its free lists at every sample. */
static uint64_t heap_bytes(void)
{
    return instance->stats.heap_bytes;
}

/* Built with -Dstats=false, the instances keep no trip meter: the frame workload
 * reports it off rather than wrong. */
#if ALLOY_STATS
static void reset_trip(void)
{
    alloy_reset_trip(instance);
}

static uint64_t trip_high_water(void)
{
    return instance->stats.trip_high_water;
}
#else
#define reset_trip NULL
#define trip_high_water NULL
#endif

#define ENTRY(NAME) {#NAME, open_##NAME, alloc, release, reallocate, heap_bytes, reset_trip, trip_high_water},
const bench_allocator bench_allocators[] = {
    ALLOY_STRATEGIES(ENTRY){NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
