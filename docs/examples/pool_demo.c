/* SPDX-License-Identifier: MIT */
/* pool_demo.c - the pool of pool.c in a program: many nodes of one size, on a static
 * heap of 1 MiB, with the pool's region instance serving everything else. It checks
 * that every node keeps its contents, that no two nodes overlap, and that nodes
 * freed are the ones handed out again without a new slab; prints the statistics;
 * and exits with 1 on the first thing that is wrong. make test runs it natively and
 * in wasm. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "alloy/pool.h"

enum { NODES = 10000 };

typedef struct node {
    struct node *next;
    uint32_t id;
    uint32_t square; /* id * id: what the node must still hold later */
} node;

static int fail(const char *what)
{
    printf("pool_demo: %s\n", what);
    return 1;
}

/* One of the pool's figures (alloy/pool.h); a pool has them all. */
static uint64_t figure(const alloy_allocator *a, const char *name)
{
    alloy_stats s;
    alloy_stats_get(a, &s);
    const alloy_stat *f = alloy_stats_find(&s, name);
    return f ? f->value : UINT64_MAX;
}

static int by_address(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)*(node *const *)x, b = (uintptr_t)*(node *const *)y;
    return (a > b) - (a < b);
}

/* Whether the nodes are intact, aligned and pairwise apart by a node at least. */
static bool nodes_sound(node **nodes, size_t n, node **sorted)
{
    for (size_t i = 0; i < n; i++) {
        if ((uintptr_t)nodes[i] % _Alignof(node) || nodes[i]->square != nodes[i]->id * nodes[i]->id)
            return false;
        sorted[i] = nodes[i];
    }
    qsort(sorted, n, sizeof *sorted, by_address);
    for (size_t i = 1; i < n; i++)
        if ((uintptr_t)sorted[i] - (uintptr_t)sorted[i - 1] < sizeof(node))
            return false;
    return true;
}

int main(void)
{
    static unsigned char memory[1 << 20];
    static alloy_static_heap heap_storage;
    static alloy_pool pool_storage;
    alloy_heap *heap = alloy_static_heap_init(&heap_storage, memory, sizeof memory);
    alloy_allocator *nodes = alloy_pool_init_sized(&pool_storage, heap, sizeof(node));
    if (!nodes)
        return fail("alloy_pool_init_sized refused");

    /* two arrays of NODES pointers: too big for the pool, so the fallback serves them */
    node **all = alloy_alloc(nodes, NODES * sizeof *all, _Alignof(node *));
    node **sorted = alloy_alloc(nodes, NODES * sizeof *sorted, _Alignof(node *));
    if (!all || !sorted)
        return fail("no arrays");
    for (uint32_t i = 0; i < NODES; i++) {
        if (!(all[i] = alloy_alloc(nodes, sizeof(node), _Alignof(node))))
            return fail("out of memory");
        *all[i] = (node){i ? all[i - 1] : NULL, i, i * i};
    }
    if (!nodes_sound(all, NODES, sorted) || all[NODES - 1]->next != all[NODES - 2])
        return fail("nodes damaged or overlapping");

    /* free every other node; as many new ones must take exactly their places */
    uint64_t slabs = figure(nodes, "slabs");
    for (size_t i = 0; i < NODES; i += 2) {
        sorted[i / 2] = all[i];
        alloy_free(nodes, all[i], sizeof(node), _Alignof(node));
    }
    qsort(sorted, NODES / 2, sizeof *sorted, by_address);
    for (uint32_t i = 0; i < NODES; i += 2) {
        all[i] = alloy_alloc(nodes, sizeof(node), _Alignof(node));
        if (!all[i] || !bsearch(&all[i], sorted, NODES / 2, sizeof *sorted, by_address))
            return fail("a new node is not in a freed node's place");
        *all[i] = (node){NULL, i, i * i};
    }
    if (figure(nodes, "slabs") != slabs || figure(nodes, "free_blocks") != 0 || figure(nodes, "live_blocks") != NODES)
        return fail("freed nodes were not reused");
    if (!nodes_sound(all, NODES, sorted) || !alloy_check(nodes))
        return fail("nodes damaged after reuse, or the pool is inconsistent");

    alloy_stats s;
    alloy_stats_get(nodes, &s);
    printf("%u nodes of %zu bytes in blocks of %llu: %llu slabs of %llu bytes, %llu blocks never used\n",
           (unsigned)NODES, sizeof(node), (unsigned long long)figure(nodes, "block_size"),
           (unsigned long long)figure(nodes, "slabs"), (unsigned long long)figure(nodes, "slab_bytes"),
           (unsigned long long)figure(nodes, "fresh_blocks"));
    printf("%s: %llu bytes in use (nodes and arrays), high water %llu, %llu allocations, heap %llu bytes\n",
           s.strategy, (unsigned long long)s.shared.bytes_in_use, (unsigned long long)s.shared.high_water,
           (unsigned long long)s.shared.allocs, (unsigned long long)s.shared.heap_bytes);

    for (size_t i = 0; i < NODES; i++)
        alloy_free(nodes, all[i], sizeof(node), _Alignof(node));
    alloy_free(nodes, all, NODES * sizeof *all, _Alignof(node *));
    alloy_free(nodes, sorted, NODES * sizeof *sorted, _Alignof(node *));
    alloy_stats_get(nodes, &s);
    if (s.shared.bytes_in_use != 0 || figure(nodes, "live_blocks") != 0 || !alloy_check(nodes))
        return fail("blocks left over");
    return 0;
}
