/* SPDX-License-Identifier: MIT */
/* The strategy and heap provider picked at build time, through the naming
 * conventions of alloy/alloy.h and alloy/heap.h, behind the checked wrapper when the
 * meson option checked is on. See alloy/default.h. */
#include "alloy/default.h"

alloy_heap *alloy_default_heap_init(alloy_default_heap *storage)
{
    if (!storage)
        return NULL;
#if ALLOY_DEFAULT_HEAP_ARRAY
    return ALLOY_PASTE(alloy_, ALLOY_DEFAULT_HEAP, _heap_open)(&storage->provider, storage->array,
                                                               sizeof storage->array);
#else
    /* 0 (heap_size 0) lets the provider choose: mmap reserves what the system grants */
    return ALLOY_PASTE(alloy_, ALLOY_DEFAULT_HEAP, _heap_open)(storage, NULL, ALLOY_DEFAULT_HEAP_REQUEST);
#endif
}

alloy_allocator *alloy_default_init(alloy_default_strategy *storage, alloy_heap *heap)
{
#if ALLOY_DEFAULT_CHECKED
    if (!storage)
        return NULL;
    return alloy_checked_init(&storage->checked, ALLOY_PASTE(alloy_, ALLOY_DEFAULT_STRATEGY, _init)(&storage->inner, heap));
#else
    return ALLOY_PASTE(alloy_, ALLOY_DEFAULT_STRATEGY, _init)(storage, heap);
#endif
}
