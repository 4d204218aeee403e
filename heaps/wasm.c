/* SPDX-License-Identifier: MIT */
/* The wasm provider: memory.grow on memory 0.
 *
 * Whatever else grows memory (libc's malloc, another provider) takes pages too, so
 * the pages of two grows are adjacent only if nobody grew in between; strategies
 * compare addresses, never assume. As the program's sole allocator the provider owns
 * __heap_base .. the end of memory at init as its initial space; beside the program's
 * malloc (libc's, or alloy's malloc layer) it has that malloc set itself up before it
 * grows memory. A provider with a
 * budget (alloy_wasm_heap_open) has a table of its own, whose grow counts pages:
 * a program that gives none (alloy as its malloc) does not link that code. */
#include <stdint.h>

#include "alloy/heap.h"

/* wasm32 addresses wrap at 4 GiB: stop one page short so that an end never does. */
#define WASM_MAX_PAGES ((size_t)65535)

extern unsigned char __heap_base;

static void *wasm_grow(alloy_heap *heap, size_t pages)
{
    if (pages > WASM_MAX_PAGES - __builtin_wasm_memory_size(0))
        return NULL;
    size_t old_pages = __builtin_wasm_memory_grow(0, pages);
    if (old_pages == SIZE_MAX)
        return NULL;
    char *first = (char *)(uintptr_t)(old_pages * ALLOY_PAGE_SIZE);
    heap->end = first + pages * ALLOY_PAGE_SIZE;
    return first;
}

static const alloy_heap_ops wasm_ops = {"wasm", wasm_grow};

static void *budget_grow(alloy_heap *heap, size_t pages)
{
    alloy_wasm_heap *h = (alloy_wasm_heap *)heap;
    if (pages > h->pages_left)
        return NULL;
    void *first = wasm_grow(heap, pages);
    if (first)
        h->pages_left -= pages;
    return first;
}

static const alloy_heap_ops budget_ops = {"wasm", budget_grow};

/* wasi-libc's malloc, when the program has it: its malloc and __libc_malloc (the
 * name libc's own code calls) are one function. A malloc of the program's own, or
 * alloy's malloc layer, is another one, or comes without __libc_malloc. And alloy's
 * malloc layer, when the program links it (alloy/malloc.h). (Weak: a program without
 * them links none.) */
__attribute__((weak)) void *malloc(size_t size);
__attribute__((weak)) void free(void *p);
__attribute__((weak)) void *__libc_malloc(size_t size);
__attribute__((weak)) void alloy_malloc_set_up(void);

/* The provider over the memory from __heap_base on (sole) or from its end on. */
static alloy_heap *make(alloy_wasm_heap *h, bool sole_allocator)
{
    char *memory_end = (char *)(uintptr_t)(__builtin_wasm_memory_size(0) * ALLOY_PAGE_SIZE);
    char *base = (char *)(((uintptr_t)&__heap_base + 15) & ~(uintptr_t)15);
    if (!sole_allocator || base > memory_end)
        base = memory_end;
    size_t initial_bytes = (size_t)((uintptr_t)memory_end - (uintptr_t)base) & ~(size_t)15;

    h->heap.ops = &wasm_ops;
    h->heap.start = base;
    h->heap.end = memory_end;
    h->heap.initial = initial_bytes ? base : NULL;
    h->heap.initial_bytes = initial_bytes;
    return &h->heap;
}

/* alloy_wasm_heap_init(h, true) for alloy's malloc layer, whose h is never NULL:
 * without the code that sets up a malloc beside the provider (25 to 31 bytes of a
 * malloc + free module after wasm-opt). Not part of the interface. */
alloy_heap *alloy_wasm_heap_init_sole(alloy_wasm_heap *h);

alloy_heap *alloy_wasm_heap_init_sole(alloy_wasm_heap *h)
{
    return make(h, true);
}

alloy_heap *alloy_wasm_heap_init(alloy_wasm_heap *h, bool sole_allocator)
{
    if (!h)
        return NULL;
    /* Beside the program's malloc: have it set itself up now, before this provider
     * grows memory, when that malloc takes __heap_base .. the end of memory at its
     * first call, pages that others grew included (and both served the same bytes):
     * Debian's wasi-libc (2022) does, and so does alloy's malloc layer, whose
     * provider is the sole one. Any other malloc is left alone: one built on this
     * provider would call itself. */
    if (!sole_allocator && alloy_malloc_set_up) {
        alloy_malloc_set_up();
    } else if (!sole_allocator && __libc_malloc && __libc_malloc == malloc) {
        void *first = malloc(1);
        __asm__ volatile("" : : "r"(first)); /* used: compilers drop a malloc freed unused */
        free(first);
    }
    return make(h, sole_allocator);
}

alloy_heap *alloy_wasm_heap_open(alloy_wasm_heap *h, void *array, size_t bytes)
{
    if (array || !alloy_wasm_heap_init(h, false))
        return NULL;
    if (bytes) {
        h->heap.ops = &budget_ops;
        h->pages_left = bytes / ALLOY_PAGE_SIZE;
    }
    return &h->heap;
}

void alloy_wasm_heap_close(alloy_wasm_heap *h)
{
    (void)h; /* wasm memory does not shrink */
}
