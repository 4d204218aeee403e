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
    /* 1000 bytes as the strategy fits them (rounded up to 16: 1008; tlsf, natively:
     * 1000), or with the malloc layer's 16-byte header (1016) */
    unsigned long long held = during.shared.bytes_in_use - before.shared.bytes_in_use;
    printf("malloc by %s: %s bytes held for 1000, %llu after free\n", alloy_name(a),
           held == 1000 || held == 1008 || held == 1016 ? "1000, 1008 or 1016" : "other",
           (unsigned long long)(after.shared.bytes_in_use - before.shared.bytes_in_use));
    return 0;
}
