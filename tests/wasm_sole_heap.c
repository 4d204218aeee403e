/* The wasm provider as the program's sole allocator owns __heap_base .. the end of
 * memory (lite-alloc never used it: defect 5). This program never calls malloc, so
 * nothing else lives there. It prints "alloy-tests: N passed, N failed". */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloy/bumpfree.h"

extern unsigned char __heap_base;

static unsigned passed, failed;

static void expect(int ok, const char *what)
{
    printf("[%s] sole_heap::%s\n", ok ? " ok " : "FAIL", what);
    ok ? passed++ : failed++;
}

int main(void)
{
    uintptr_t base = ((uintptr_t)&__heap_base + 15) & ~(uintptr_t)15;
    uintptr_t memory_end = __builtin_wasm_memory_size(0) * ALLOY_PAGE_SIZE;

    alloy_wasm_heap other;
    alloy_heap *shy = alloy_wasm_heap_init(&other, false);
    size_t bytes;
    expect(alloy_heap_claim_initial(shy, &bytes) == NULL && bytes == 0,
           "without sole_allocator the space below the end of memory is left alone");

    alloy_wasm_heap sole;
    alloy_heap *heap = alloy_wasm_heap_init(&sole, true);
    expect((uintptr_t)heap->start == base && (uintptr_t)heap->end == memory_end,
           "sole: the provider spans __heap_base .. end of memory");

    static alloy_bumpfree bf;
    alloy_allocator *a = alloy_bumpfree_init(&bf, heap);
    char *p = alloy_alloc(a, 100, 16);
    expect((uintptr_t)p == base, "the first block sits at __heap_base");

    alloy_statistics s;
    alloy_stats(a, &s);
    expect(s.shared.heap_bytes == memory_end - base, "no page was grown for it");

    /* fill what is left of the initial space, then grow past it contiguously: a
     * power of two (a size bumpfree serves without rounding it up to its size class),
     * then 16-byte blocks to the last byte */
    size_t rest = (size_t)(memory_end - base) - 112, big = 16;
    while (big * 2 <= rest)
        big *= 2;
    char *q = alloy_alloc(a, big, 16);
    int filled = q == p + 112;
    for (size_t at = 112 + big; at < (size_t)(memory_end - base); at += 16)
        filled = filled && (uintptr_t)alloy_alloc(a, 16, 16) == base + at;
    char *r = alloy_alloc(a, 1000, 16);
    alloy_stats(a, &s);
    expect(filled && (uintptr_t)r == memory_end && s.bumpfree.bump_areas == 1,
           "growth continues the same bump area");
    memset(q, 1, big);
    memset(r, 2, 1000);
    alloy_free(a, r, 1000, 16);
    alloy_free(a, q, big, 16);
    alloy_free(a, p, 100, 16);
    expect(alloy_check(a), "check holds");

    printf("alloy-tests: %u passed, %u failed\n", passed, failed);
    return failed != 0;
}
