/* SPDX-License-Identifier: MIT */
/* A program whose malloc is its own, over an alloy instance made on its first call
 * on a provider beside libc (sole_allocator false): making that provider must not
 * call this malloc (it called itself until the stack ran out, when the provider
 * set libc's malloc up through the name malloc). Prints "alloy-tests: N passed, N
 * failed". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloy/malloc.h"
#include "alloy/region.h"

static alloy_allocator *instance(void)
{
    static alloy_wasm_heap heap;
    static alloy_region region;
    static alloy_allocator *made;
    if (!made)
        made = alloy_region_init(&region, alloy_wasm_heap_init(&heap, false));
    return made;
}

void *malloc(size_t size)
{
    return alloy_malloc(instance(), size);
}

void free(void *p)
{
    alloy_malloc_free(instance(), p);
}

void *calloc(size_t n, size_t size)
{
    return alloy_malloc_calloc(instance(), n, size);
}

void *realloc(void *p, size_t size)
{
    return alloy_malloc_realloc(instance(), p, size);
}

int main(void)
{
    char *text = malloc(100000);
    if (text)
        strcpy(text, "served");
    alloy_stats s;
    alloy_stats_get(instance(), &s);
    /* (statistics compiled out: no count to compare) */
    bool ok = text && !strcmp(text, "served") && (!ALLOY_STATS || s.shared.allocs == 1) && alloy_check(instance());
    printf("[%s] own_malloc::region: the program's malloc, on a provider beside libc, serves its first call\n",
           ok ? " ok " : "FAIL");
    free(text);
    printf("alloy-tests: %d passed, %d failed\n", ok, !ok);
    return !ok;
}
