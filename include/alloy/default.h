/* SPDX-License-Identifier: MIT */
/** @file
 * alloy/default.h - the strategy and heap provider picked at build time
 * (meson options `strategy`, `heap` and `heap_size`), behind the checked wrapper
 * when the option `checked` is on.
 *
 *     static alloy_default_heap heap_storage;
 *     static alloy_default_strategy storage;
 *     alloy_allocator *a = alloy_default_init(&storage, alloy_default_heap_init(&heap_storage));
 */
#ifndef ALLOY_DEFAULT_H
#define ALLOY_DEFAULT_H

#include "alloy/alloy.h"
#include "alloy/strategies.h"

#if ALLOY_DEFAULT_CHECKED || defined(ALLOY_DOXYGEN)
#include "alloy/checked.h"

/** The type of a default instance. With the meson option `checked` on
 * (ALLOY_DEFAULT_CHECKED 1), as here, an instance of the default strategy behind the
 * checked wrapper, whose handle alloy_default_init returns: every wrong size or
 * alignment, double free, foreign pointer and damaged guard is reported at the call
 * (alloy/checked.h; replace the handler with alloy_checked_set_handler(&s.checked,
 * ...)). With it off (the default), alloy_default_strategy is the strategy's own
 * type, alloy_NAME, for the strategy NAME that the meson option `strategy` picked
 * (ALLOY_DEFAULT_STRATEGY). */
typedef struct alloy_default_strategy {
    ALLOY_PASTE(alloy_, ALLOY_DEFAULT_STRATEGY, ) inner; /**< the default strategy's instance */
    alloy_checked checked; /**< the wrapper over it, which the program calls */
} alloy_default_strategy;
#else
typedef ALLOY_PASTE(alloy_, ALLOY_DEFAULT_STRATEGY, ) alloy_default_strategy;
#endif

#if ALLOY_DEFAULT_HEAP_ARRAY || defined(ALLOY_DOXYGEN)
/** The type that holds the default heap provider: its alloy_NAME_heap, for the
 * provider NAME that the meson option `heap` picked (ALLOY_DEFAULT_HEAP), and, for a
 * provider that serves an array (the static one), the array of
 * ALLOY_DEFAULT_HEAP_SIZE bytes too. */
typedef struct alloy_default_heap {
    ALLOY_PASTE(alloy_, ALLOY_DEFAULT_HEAP, _heap) provider;  /**< the provider */
    _Alignas(16) unsigned char array[ALLOY_DEFAULT_HEAP_SIZE]; /**< the memory it serves */
} alloy_default_heap;
#else
typedef ALLOY_PASTE(alloy_, ALLOY_DEFAULT_HEAP, _heap) alloy_default_heap;
#endif

/** Initialise the default heap provider in *storage (alloy_NAME_heap_open): the wasm
 * provider (not the sole allocator: beside libc's malloc, see alloy/wasm_heap.h), an
 * mmap reservation, or a static array inside
 * *storage, of ALLOY_DEFAULT_HEAP_SIZE bytes. With the meson option heap_size 0 a
 * provider without an array is opened with 0 bytes, its own default: the mmap
 * provider then reserves up to ALLOY_MMAP_HEAP_DEFAULT_SIZE (64 GiB), as much as the
 * system grants. Returns its handle, or NULL when storage is NULL or the provider
 * cannot start (mmap reservation refused). */
alloy_heap *alloy_default_heap_init(alloy_default_heap *storage);

/** Initialise the default strategy in *storage over `heap` (alloy_NAME_init), and with
 * the meson option `checked` the checked wrapper over it (alloy_checked_init).
 * Returns the handle to use (the wrapper's, when there is one), or NULL when either
 * argument is NULL. */
alloy_allocator *alloy_default_init(alloy_default_strategy *storage, alloy_heap *heap);

#endif
