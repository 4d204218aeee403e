/* SPDX-License-Identifier: MIT */
/* alloy as the program's malloc, built from outside alloy's tree (see app.c): the
 * bytes malloc takes must show in the statistics of alloy's malloc instance. This
 * links only when liballoy_malloc comes before liballoy on the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloy/malloc.h"

static char *volatile kept; /* so that the compiler keeps the malloc */

int main(void)
{
    alloy_allocator *a = alloy_malloc_instance();
    alloy_stats before, during, after;
    alloy_stats_get(a, &before);
    kept = malloc(1000);
    if (!kept)
        return 1;
    memset(kept, 'x', 1000);
    alloy_stats_get(a, &during);
    free(kept);
    alloy_stats_get(a, &after);
    /* 1000 bytes as the strategy fits them (alloy_strategy::fit: tlsf's 1000 natively),
     * else rounded up to 16 (1008), or with the malloc layer's 16-byte header (1016) */
    const alloy_strategy *s = a->strategy;
    size_t asked = !s->block_size ? 1016 : s->fit ? s->fit(1000) : 1008;
    unsigned long long held = during.shared.bytes_in_use - before.shared.bytes_in_use;
    printf("malloc by %s: bytes held for 1000 %s, %llu after free\n", alloy_name(a),
           held == asked && asked >= 1000 && asked <= 1016 ? "as asked" : "not as asked",
           (unsigned long long)(after.shared.bytes_in_use - before.shared.bytes_in_use));
    return 0;
}
