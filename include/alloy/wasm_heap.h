/* SPDX-License-Identifier: MIT */
/** @file
 * alloy/wasm_heap.h - the wasm provider (wasm only): memory.grow on memory 0.
 * alloy/heap.h includes it in wasm builds. */
#ifndef ALLOY_WASM_HEAP_H
#define ALLOY_WASM_HEAP_H

#include <stdbool.h>

#include "alloy/heap.h"

#if defined(__wasm__) || defined(ALLOY_DOXYGEN)
/** What alloy_wasm_heap_open serves when given 0 bytes: 0, for no budget of its own;
 * memory grows as far as the engine allows. */
#define ALLOY_WASM_HEAP_DEFAULT_SIZE ((size_t)0)

/** A provider growing wasm memory 0 (wasm only). */
typedef struct alloy_wasm_heap {
    alloy_heap heap;    /**< the provider, as alloy_wasm_heap_init returns it */
    size_t pages_left;  /**< with a budget (alloy_wasm_heap_open): pages it may still grow */
} alloy_wasm_heap;

/** Grow wasm memory 0. With `sole_allocator` true, alloy is the program's only
 * allocator and the provider's initial space is __heap_base .. end of memory; with
 * false it has none, and it leaves that space to libc's malloc. Growth stops short
 * of 4 GiB (65,535 pages) so that no address wraps. Returns &h->heap, or NULL when h
 * is NULL. Any number of wasm providers may coexist; only one may be sole. Wasm only.
 *
 * With false, each call has the program's malloc set itself up first when that malloc
 * takes all of memory up to its end at its first call (else it would take pages the
 * provider grew before, and both would serve the same bytes): alloy's malloc layer
 * (alloy/malloc.h), whose provider is a sole one, makes its instance, without
 * allocating; wasi-libc's malloc (Debian's, 2022: its malloc and __libc_malloc are
 * one function) serves a block of 1 byte, freed at once. Any other malloc (the
 * program's own, possibly built on this provider) is not called. A sole provider
 * made by the program and wasi-libc's malloc exclude each other: the first call of
 * that malloc, from libc or from a provider made with false, takes the sole
 * provider's space. To make alloy the program's allocator beside other instances,
 * link alloy's malloc layer. */
alloy_heap *alloy_wasm_heap_init(alloy_wasm_heap *h, bool sole_allocator);

/** The uniform constructor (alloy/heap.h): alloy_wasm_heap_init(h, false), and with
 * `bytes` other than 0 a budget: the provider grows memory by at most `bytes`
 * rounded down to whole pages, and refuses (NULL, nothing changed) a grow past it.
 * It serves no array: NULL when array is not NULL. Wasm only. */
alloy_heap *alloy_wasm_heap_open(alloy_wasm_heap *h, void *array, size_t bytes);

/** The uniform destructor (alloy/heap.h): nothing to give back, wasm memory does not
 * shrink. h may be NULL. Wasm only. */
void alloy_wasm_heap_close(alloy_wasm_heap *h);
#endif

#endif
