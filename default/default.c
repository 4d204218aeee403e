/* The strategy and heap provider picked at build time. See alloy/default.h. */
#include "alloy/default.h"

alloy_heap *alloy_default_heap_init(alloy_default_heap *storage)
{
    if (!storage)
        return NULL;
#if ALLOY_DEFAULT_HEAP_WASM
    return alloy_wasm_heap_init(storage, false);
#elif ALLOY_DEFAULT_HEAP_MMAP
    return alloy_mmap_heap_init(storage, ALLOY_MMAP_HEAP_SIZE);
#else
    return alloy_static_heap_init(&storage->provider, storage->array, sizeof storage->array);
#endif
}

alloy_allocator *alloy_default_init(alloy_default_strategy *storage, alloy_heap *heap)
{
#if ALLOY_DEFAULT_STRATEGY_REGION
    return alloy_region_init(storage, heap);
#else
    return alloy_bumpfree_init(storage, heap);
#endif
}
