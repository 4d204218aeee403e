/* SPDX-License-Identifier: MIT */
/* Wasm providers that leave __heap_base .. the end of memory to the program's malloc
 * (alloy_wasm_heap_init(h, false), the default instance's, docs/wasm.md's "beside
 * libc's malloc") must never hand out memory that malloc hands out too. Debian's
 * wasi-libc (2022) sets its malloc up at its first call with all of memory from
 * __heap_base to the end of memory at that moment, and so does alloy's malloc layer
 * (its provider is the sole one): if an alloy instance grew memory before, its pages
 * were in there, and both allocators served the same bytes. So this program grows
 * memory with every strategy before its first call of malloc (nothing before main
 * calls it: main takes no arguments, whose array libc would allocate), then mallocs,
 * and checks that no byte is shared. Built twice: beside wasi-libc's malloc, and with
 * -DBESIDE_ALLOY_MALLOC beside alloy's malloc layer. It prints "alloy-tests: N
 * passed, N failed", after the mallocs: printf may allocate. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloy/strategies.h"
#if BESIDE_ALLOY_MALLOC
#include "alloy/malloc.h"
#define MALLOC "alloy_malloc"
#else
#define MALLOC "libc"
#endif

/* a block that takes pages of its own, and one from the first pages */
#define LARGE ((size_t)200000)
#define SMALL ((size_t)3000)
#define MALLOCS 4
#define MALLOC_BYTES ((size_t)150000)

typedef struct {
    const char *name;
    alloy_allocator *a;
    unsigned char *large, *small;
} alloy_side;

#define OPEN(NAME)                                                              \
    static alloy_allocator *open_##NAME(void)                                   \
    {                                                                           \
        static alloy_wasm_heap heap;                                            \
        static alloy_##NAME storage;                                            \
        return alloy_##NAME##_init(&storage, alloy_wasm_heap_init(&heap, false)); \
    }
ALLOY_STRATEGIES(OPEN)

#define SIDE(NAME) {#NAME, open_##NAME(), NULL, NULL},

static bool overlap(const void *p, size_t n, const void *q, size_t m)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)q;
    return a < b + m && b < a + n;
}

static bool all(const unsigned char *p, size_t n, unsigned char byte)
{
    for (size_t k = 0; k < n; k++)
        if (p[k] != byte)
            return false;
    return true;
}

int main(void)
{
    alloy_side sides[] = {ALLOY_STRATEGIES(SIDE)};
    size_t count = sizeof sides / sizeof sides[0];
    size_t memory_before = __builtin_wasm_memory_size(0);
    for (size_t i = 0; i < count; i++) {
        alloy_side *s = &sides[i];
        s->large = alloy_alloc(s->a, LARGE, 16);
        s->small = alloy_alloc(s->a, SMALL, 16);
        if (s->large)
            memset(s->large, 0xA0 + (int)i, LARGE);
        if (s->small)
            memset(s->small, 0xB0 + (int)i, SMALL);
    }
    bool grew = __builtin_wasm_memory_size(0) > memory_before;

    unsigned char *mallocs[MALLOCS];
    for (size_t m = 0; m < MALLOCS; m++) {
        mallocs[m] = malloc(MALLOC_BYTES);
        if (mallocs[m])
            memset(mallocs[m], 0x55, MALLOC_BYTES);
    }

    unsigned passed = 0, failed = 0;
#define EXPECT(ok, name, what)                                                           \
    do {                                                                                 \
        bool ok_ = (ok);                                                                 \
        printf("[%s] beside_%s::%s: %s\n", ok_ ? " ok " : "FAIL", MALLOC, name, what); \
        ok_ ? passed++ : failed++;                                                       \
    } while (0)
    EXPECT(grew, "wasm", "the instances grew memory before the first malloc");
    bool served = true;
    for (size_t m = 0; m < MALLOCS; m++)
        served = served && mallocs[m] && all(mallocs[m], MALLOC_BYTES, 0x55);
    EXPECT(served, MALLOC, "malloc served its blocks, and they hold what was written");
#if BESIDE_ALLOY_MALLOC
    EXPECT(alloy_check(alloy_malloc_instance()), MALLOC, "check holds for malloc's instance");
#endif
    for (size_t i = 0; i < count; i++) {
        alloy_side *s = &sides[i];
        bool apart = s->large && s->small;
        for (size_t m = 0; m < MALLOCS && apart; m++)
            apart = !overlap(s->large, LARGE, mallocs[m], MALLOC_BYTES) &&
                    !overlap(s->small, SMALL, mallocs[m], MALLOC_BYTES);
        EXPECT(apart, s->name, "no block of the instance shares a byte with a block of malloc");
        EXPECT(apart && all(s->large, LARGE, (unsigned char)(0xA0 + i)) &&
                   all(s->small, SMALL, (unsigned char)(0xB0 + i)),
               s->name, "the instance's blocks hold what was written");
        EXPECT(alloy_check(s->a), s->name, "check holds");
    }
    printf("alloy-tests: %u passed, %u failed\n", passed, failed);
    return failed != 0;
}
