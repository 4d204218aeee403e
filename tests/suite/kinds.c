/* SPDX-License-Identifier: MIT */
/* Generated from the lists by the preprocessor: for a strategy NAME, its init
 * (alloy_NAME_init) and instance type; for a provider NAME, its uniform constructor
 * and destructor (alloy/heap.h). */
#include "kinds.h"

#include "alloy/strategies.h"

#define MAKE(NAME)                                                   \
    static alloy_allocator *make_##NAME(void *storage, alloy_heap *heap) \
    {                                                                \
        return alloy_##NAME##_init(storage, heap);                   \
    }
ALLOY_STRATEGIES(MAKE)

#define STRATEGY_KIND(NAME) {#NAME, make_##NAME, sizeof(alloy_##NAME)},
const strategy_kind alloy_strategy_kinds[] = {ALLOY_STRATEGIES(STRATEGY_KIND)};
const size_t alloy_strategy_kind_count = sizeof alloy_strategy_kinds / sizeof alloy_strategy_kinds[0];

#define OPEN_AND_CLOSE(NAME, ARRAY)                                                    \
    static alloy_heap *open_##NAME(void *storage, void *array, size_t heap_bytes)     \
    {                                                                                  \
        return alloy_##NAME##_heap_open(storage, array, heap_bytes);                   \
    }                                                                                  \
    static void close_##NAME(void *storage)                                            \
    {                                                                                  \
        alloy_##NAME##_heap_close(storage);                                            \
    }
ALLOY_HEAPS(OPEN_AND_CLOSE)

#define PROVIDER_KIND(NAME, ARRAY) {#NAME, open_##NAME, close_##NAME, sizeof(alloy_##NAME##_heap), ARRAY},
const provider_kind alloy_provider_kinds[] = {ALLOY_HEAPS(PROVIDER_KIND)};
const size_t alloy_provider_kind_count = sizeof alloy_provider_kinds / sizeof alloy_provider_kinds[0];

const fixture_kind *alloy_fixture_kinds(size_t *count)
{
    static fixture_kind kinds[FIXTURE_MAX_KINDS];
    static size_t made;
    if (!made)
        made = fixture_combine(alloy_strategy_kinds, alloy_strategy_kind_count, alloy_provider_kinds,
                               alloy_provider_kind_count, kinds);
    *count = made;
    return kinds;
}

size_t *kind_indexes(size_t count)
{
    static size_t indexes[FIXTURE_MAX_KINDS];
    for (size_t i = 0; i < count && i < FIXTURE_MAX_KINDS; i++)
        indexes[i] = i;
    return indexes;
}
