/* SPDX-License-Identifier: MIT */
/* A program built against alloy from outside alloy's tree: tests/scripts/packaging.py
 * builds it with alloy as a meson subproject, and against an installed alloy
 * through pkg-config, runs it and compares the one line it prints. */
#include <stdio.h>
#include <string.h>

#include "alloy/default.h"

/* the strategy the build asked alloy for: its name as a string, and its instance
 * type */
#if !defined(WANT_STRATEGY) || !defined(WANT_TYPE)
#error "compile with -DWANT_STRATEGY=\"NAME\" -DWANT_TYPE=alloy_NAME for the strategy NAME asked for"
#endif

#define BLOCKS 100

int main(void)
{
    static alloy_default_heap heap_storage;
    static alloy_default_strategy storage;
    alloy_allocator *a = alloy_default_init(&storage, alloy_default_heap_init(&heap_storage));
    if (!a) {
        fprintf(stderr, "no default allocator\n");
        return 1;
    }

    /* config.h's macro, the type default.h picked and the instance's own name must
     * all be the strategy asked for */
    int typed = _Generic(&storage, WANT_TYPE *: 1, default: 0);
    if (strcmp(ALLOY_DEFAULT_STRATEGY_NAME, WANT_STRATEGY) != 0 || strcmp(alloy_name(a), WANT_STRATEGY) != 0 || !typed) {
        fprintf(stderr, "asked for %s, got %s (instance %s, type %s)\n", WANT_STRATEGY, ALLOY_DEFAULT_STRATEGY_NAME,
                alloy_name(a), typed ? "matches" : "differs");
        return 1;
    }

    /* blocks of 1..BLOCKS bytes, each filled with its own size */
    unsigned char *blocks[BLOCKS];
    for (size_t i = 0; i < BLOCKS; i++) {
        blocks[i] = alloy_alloc(a, i + 1, 1);
        if (!blocks[i]) {
            fprintf(stderr, "allocation %zu failed\n", i + 1);
            return 1;
        }
        memset(blocks[i], (int)(i + 1), i + 1);
    }
    alloy_stats held;
    alloy_stats_get(a, &held);
    size_t intact = 0;
    for (size_t i = 0; i < BLOCKS; i++) {
        intact += (size_t)blocks[i][0] == i + 1 && (size_t)blocks[i][i] == i + 1;
        alloy_free(a, blocks[i], i + 1, 1);
    }
    alloy_stats after;
    alloy_stats_get(a, &after);

    printf("%s: %zu blocks intact, %llu allocs, %llu bytes in use, %llu after free, check %s\n", alloy_name(a),
           intact, (unsigned long long)held.shared.allocs, (unsigned long long)held.shared.bytes_in_use,
           (unsigned long long)after.shared.bytes_in_use, alloy_check(a) ? "ok" : "failed");
    return 0;
}
