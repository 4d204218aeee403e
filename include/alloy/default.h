/** @file
 * alloy/default.h - the strategy and heap provider picked at build time
 * (meson options `strategy` and `heap`).
 *
 *     static alloy_default_heap heap_storage;
 *     static alloy_default_strategy storage;
 *     alloy_allocator *a = alloy_default_init(&storage, alloy_default_heap_init(&heap_storage));
 */
#ifndef ALLOY_DEFAULT_H
#define ALLOY_DEFAULT_H

#include "alloy/alloy.h"
#include "alloy/bumpfree.h"
#include "alloy/region.h"

/** The type of a default-strategy instance: alloy_region or alloy_bumpfree, as the
 * meson option `strategy` says. */
#if ALLOY_DEFAULT_STRATEGY_REGION
typedef alloy_region alloy_default_strategy;
#elif ALLOY_DEFAULT_STRATEGY_BUMPFREE
typedef alloy_bumpfree alloy_default_strategy;
#else
#error "alloy/config.h names no default strategy"
#endif

/** The type that holds the default heap provider: alloy_wasm_heap, alloy_mmap_heap,
 * or a static provider together with its array, as the meson option `heap` says. */
#if ALLOY_DEFAULT_HEAP_WASM
typedef alloy_wasm_heap alloy_default_heap;
#elif ALLOY_DEFAULT_HEAP_MMAP
typedef alloy_mmap_heap alloy_default_heap;
#elif ALLOY_DEFAULT_HEAP_STATIC
typedef struct alloy_default_heap {
    alloy_static_heap provider;                               /**< the static provider */
    _Alignas(16) unsigned char array[ALLOY_STATIC_HEAP_SIZE]; /**< the memory it serves */
} alloy_default_heap;
#else
#error "alloy/config.h names no default heap"
#endif

/** Initialise the default heap provider in *storage: the wasm provider (not the sole
 * allocator), an mmap reservation of ALLOY_MMAP_HEAP_SIZE bytes, or a static array of
 * ALLOY_STATIC_HEAP_SIZE bytes inside *storage. Returns its handle, or NULL when
 * storage is NULL or the provider cannot start (mmap reservation refused). */
alloy_heap *alloy_default_heap_init(alloy_default_heap *storage);

/** Initialise the default strategy in *storage over `heap`. Returns its handle, or
 * NULL when either argument is NULL. */
alloy_allocator *alloy_default_init(alloy_default_strategy *storage, alloy_heap *heap);

#endif
