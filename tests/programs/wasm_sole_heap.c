/* SPDX-License-Identifier: MIT */
/* The wasm provider as the program's sole allocator owns __heap_base .. the end of
 * memory (lite-alloc never used it: defect 5). This program never calls malloc, so
 * nothing else lives there (but after its last sole instance, see main). For every
 * strategy in turn, on a sole provider of its own over the same memory: the first
 * block lies in that space, no page is grown for it, and growth past it continues
 * where memory ended, so that the instance's heap is all of memory from __heap_base.
 * It prints "alloy-tests: N passed, N failed". (A sole provider and wasi-libc's
 * malloc exclude each other: this program links that malloc, through the suite's
 * support code, and never calls it.) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"

extern unsigned char __heap_base;

static unsigned passed, failed;

static void expect(int ok, const char *strategy, const char *what)
{
    printf("[%s] sole_heap::%s: %s\n", ok ? " ok " : "FAIL", strategy, what);
    ok ? passed++ : failed++;
}

static uintptr_t memory_end(void)
{
    return __builtin_wasm_memory_size(0) * ALLOY_PAGE_SIZE;
}

static void sole_heap(const strategy_kind *kind)
{
    const char *name = kind->name;
    uintptr_t base = ((uintptr_t)&__heap_base + 15) & ~(uintptr_t)15, end = memory_end();

    alloy_wasm_heap sole;
    alloy_heap *heap = alloy_wasm_heap_init(&sole, true);
    expect((uintptr_t)heap->start == base && (uintptr_t)heap->end == end, name,
           "sole: the provider spans __heap_base .. end of memory");

    static _Alignas(16) unsigned char storage[4096];
    if (kind->bytes > sizeof storage) {
        expect(0, name, "the instance fits the program's storage");
        return;
    }
    alloy_allocator *a = kind->make(storage, heap);
    char *p = alloy_alloc(a, 100, 16);
    expect(p && (uintptr_t)p >= base && (uintptr_t)p + 100 <= end && memory_end() == end, name,
           "the first block lies in the initial space, and memory did not grow");

    /* a block larger than what is left: memory grows, right where it ended */
    size_t large = (size_t)(end - base) + 3 * ALLOY_PAGE_SIZE;
    char *q = alloy_alloc(a, large, 16);
    alloy_stats s;
    alloy_stats_get(a, &s);
    expect(q && memory_end() > end && s.shared.heap_bytes == memory_end() - base, name,
           "growth continues at the end of memory: the instance holds all of it from __heap_base");
    if (p)
        memset(p, 1, 100);
    if (q)
        memset(q, 2, large);
    alloy_free(a, q, large, 16);
    alloy_free(a, p, 100, 16);
    expect(alloy_check(a), name, "check holds");
}

int main(void)
{
    /* each strategy in turn on a sole provider of its own: the one before has freed
     * everything, and nothing else grew memory in between */
    for (size_t i = 0; i < alloy_strategy_kind_count; i++)
        sole_heap(&alloy_strategy_kinds[i]);
    /* last: a provider beside libc sets libc's malloc up (linked here by the suite's
     * support code, never called), which takes __heap_base .. the end of memory */
    alloy_wasm_heap other;
    alloy_heap *shy = alloy_wasm_heap_init(&other, false);
    size_t bytes;
    expect(alloy_heap_claim_initial(shy, &bytes) == NULL && bytes == 0, "wasm",
           "without sole_allocator the space below the end of memory is left alone");
    printf("alloy-tests: %u passed, %u failed\n", passed, failed);
    return failed != 0;
}
