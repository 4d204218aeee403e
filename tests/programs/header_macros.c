/* SPDX-License-Identifier: MIT */
/* alloy's headers in a program that defines free() as a function-like macro (as debug
 * allocators' headers do: MSVC's _CRTDBG_MAP_ALLOC, dmalloc) and is compiled under
 * GNU89 inline rules (-fgnu89-inline, meson.build): alloy.h's inline functions must
 * neither expand the macro nor define alloy_alloc a second time beside the library's
 * (which alloy_check's object brings in). Built natively; it runs a block through. */
#include <stdio.h>
#include <stdlib.h>

static int program_frees;
static void counted_free(void *p)
{
    program_frees++;
    (free)(p);
}
#define free(p) counted_free(p)

#include "alloy/region.h"
#include "alloy/static_heap.h"

static unsigned char arena[1 << 18];

int main(void)
{
    alloy_static_heap h;
    alloy_region r;
    alloy_allocator *a = alloy_region_init(&r, alloy_static_heap_init(&h, arena, sizeof arena));
    char *p = alloy_alloc(a, 100, 16);
    if (p)
        alloy_free(a, p, 100, 16);
    free(malloc(1));
    bool ok = p && alloy_check(a) && program_frees == 1;
    printf("alloy-tests: %d passed, %d failed\n", ok, !ok);
    return ok ? 0 : 1;
}
