/* SPDX-License-Identifier: MIT */
/* The malloc layer (alloy/malloc.h) over an instance, in the conformance suite: its
 * edge cases (malloc_edges) and running out of memory (malloc_oom), on every
 * strategy x heap provider. The driver they share is driver.c. */
#include <stdint.h>
#include <string.h>

#include "alloy/malloc.h"
#include "check.h"
#include "driver.h"

/* --- the malloc layer (alloy/malloc.h) --------------------------------------------- */

/* After a malloc-layer call that must fail: nothing allocated or freed, no request
 * counted as invalid, every block intact, the instance sound. Whether failed_allocs
 * moves is not documented for the malloc layer: it may move by one at most. */
static bool malloc_rejected(driver *d, alloy_shared_stats before, const live_block *blocks, size_t n)
{
    alloy_shared_stats now = shared_of(d->inst[0].a);
    EXPECT(now.allocs == before.allocs && now.frees == before.frees && now.reallocs == before.reallocs);
    EXPECT(now.bytes_in_use == before.bytes_in_use);
    EXPECT(now.invalid_requests == before.invalid_requests);
    EXPECT(now.failed_allocs - before.failed_allocs <= 1);
    EXPECT(alloy_check(d->inst[0].a));
    for (size_t i = 0; i < n; i++) {
        EXPECT(block_intact(&blocks[i], blocks[i].size));
        EXPECT(alloy_malloc_usable_size(d->inst[0].a, blocks[i].p) >= blocks[i].size);
    }
    return true;
}

void conformance_malloc_edges(const fixture_kind *kind)
{
    note(kind, "malloc_edges");
    static driver d;
    CHECK(open_driver(&d, kind, 1 * MiB, (refusing_policy){0}, 1, 54));
    alloy_allocator *a = d.inst[0].a;
    /* blocks that must survive every failure below: plain, page-aligned, large */
    live_block keep[3] = {{alloy_malloc(a, 100), 100, 16, 1},
                          {alloy_malloc_aligned(a, 65536, 300), 300, 65536, 2},
                          {alloy_malloc(a, 70000), 70000, 16, 3}};
    for (size_t i = 0; i < 3; i++) {
        CHECK(keep[i].p != NULL && aligned(keep[i].p, keep[i].align));
        block_fill(&keep[i]);
    }
    alloy_shared_stats before = shared_of(a);
#define MALLOC_REJECTED(call)                                   \
    do {                                                        \
        CHECK((call) == NULL);                                  \
        CHECK(malloc_rejected(&d, before, keep, 3));            \
        before = shared_of(a);                                 \
    } while (0)

    /* sizes within two pages (and more) of SIZE_MAX, with the header added */
    for (size_t k = 0;;) {
        size_t size = SIZE_MAX - k;
        MALLOC_REJECTED(alloy_malloc(a, size));
        MALLOC_REJECTED(alloy_malloc_aligned(a, 4096, size));
        MALLOC_REJECTED(alloy_malloc_aligned(a, 65536, size));
        MALLOC_REJECTED(alloy_malloc_calloc(a, 1, size));
        MALLOC_REJECTED(alloy_malloc_calloc(a, size, 1));
        for (size_t i = 0; i < 3; i++)
            MALLOC_REJECTED(alloy_malloc_realloc(a, keep[i].p, size));
        if (!next_k(&k))
            break;
    }
    /* calloc whose product overflows */
    const size_t root = (size_t)1 << (sizeof(size_t) * 4); /* root * root == SIZE_MAX + 1 */
    static const size_t pairs[][2] = {{SIZE_MAX, 2}, {2, SIZE_MAX}, {SIZE_MAX / 16 + 1, 16}, {SIZE_MAX, SIZE_MAX},
                                      {(SIZE_MAX >> 1) + 1, 2}, {3, SIZE_MAX / 3 + 1}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        MALLOC_REJECTED(alloy_malloc_calloc(a, pairs[i][0], pairs[i][1]));
    MALLOC_REJECTED(alloy_malloc_calloc(a, root, root));
    MALLOC_REJECTED(alloy_malloc_calloc(a, root + 1, root + 1));
    /* sizes that do not overflow but no heap here holds */
    MALLOC_REJECTED(alloy_malloc(a, 2 * MiB));
    MALLOC_REJECTED(alloy_malloc_calloc(a, 1000, 10000));
    MALLOC_REJECTED(alloy_malloc_realloc(a, keep[0].p, 2 * MiB));
    /* bad alignments */
    static const size_t bad[] = {0, 3, 24, 65537, 131072, (SIZE_MAX >> 1) + 1, SIZE_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        MALLOC_REJECTED(alloy_malloc_aligned(a, bad[i], 100));
        MALLOC_REJECTED(alloy_malloc_aligned(a, bad[i], 0));
    }
    /* no instance */
    MALLOC_REJECTED(alloy_malloc(NULL, 10));
    MALLOC_REJECTED(alloy_malloc(NULL, 0));
    MALLOC_REJECTED(alloy_malloc_calloc(NULL, 1, 1));
    MALLOC_REJECTED(alloy_malloc_realloc(NULL, NULL, 10));
    CHECK(alloy_malloc_usable_size(NULL, keep[0].p) == 0 && alloy_malloc_usable_size(a, NULL) == 0);

    /* size 0: unique blocks (of the smallest usable size: 16 bytes, or what the
     * strategy fits 0 to), from malloc, aligned_alloc, calloc
     * (a product of 0) and realloc of NULL (which acts as malloc) */
    void *zeros[8] = {alloy_malloc(a, 0), alloy_malloc(a, 0), alloy_malloc_aligned(a, 4096, 0),
                      alloy_malloc_aligned(a, 1, 0), alloy_malloc_calloc(a, 0, SIZE_MAX),
                      alloy_malloc_calloc(a, SIZE_MAX, 0), alloy_malloc_calloc(a, 0, 0),
                      alloy_malloc_realloc(a, NULL, 0)};
    for (size_t i = 0; i < 8; i++) {
        CHECK(zeros[i] != NULL && aligned(zeros[i], i == 2 ? 4096 : 16));
        CHECK(alloy_malloc_usable_size(a, zeros[i]) <= (a->strategy->fit ? a->strategy->fit(0) : 16));
        for (size_t j = 0; j < i; j++)
            CHECK(zeros[i] != zeros[j]);
    }
    for (size_t i = 0; i < 8; i++)
        alloy_malloc_free(a, zeros[i]);
    /* alignments below 16 give 16 */
    for (size_t align = 1; align < 16; align *= 2) {
        void *p = alloy_malloc_aligned(a, align, 33);
        CHECK(p != NULL && aligned(p, 16));
        alloy_malloc_free(a, p);
    }
    /* calloc zeroes memory that held something */
    unsigned char *dirty = alloy_malloc(a, 5000);
    CHECK(dirty != NULL);
    memset(dirty, 0xa5, 5000);
    alloy_malloc_free(a, dirty);
    unsigned char *clean = alloy_malloc_calloc(a, 50, 100);
    CHECK(clean != NULL);
    for (size_t i = 0; i < 5000; i++)
        CHECK(clean[i] == 0);
    alloy_malloc_free(a, clean);
    /* realloc to 0 frees; free of NULL does nothing */
    before = shared_of(a);
    void *gone = alloy_malloc(a, 40);
    CHECK(gone != NULL);
    CHECK(alloy_malloc_realloc(a, gone, 0) == NULL);
    CHECK(shared_of(a).bytes_in_use == before.bytes_in_use);
    CHECK(shared_of(a).frees == before.frees + 1);
    alloy_malloc_free(a, NULL);
    CHECK(shared_of(a).frees == before.frees + 1);

    for (size_t i = 0; i < 3; i++) {
        CHECK(block_intact(&keep[i], keep[i].size));
        alloy_malloc_free(a, keep[i].p);
    }
    CHECK(shared_of(a).bytes_in_use == 0);
    CHECK(shared_of(a).invalid_requests == 0);
    CHECK(alloy_check(a));
    fixture_close(&d.f);
}

/* The malloc layer when the heap runs out: NULL, the blocks intact, realloc leaves
 * its block, and freeing lets it serve again. */
void conformance_malloc_oom(const fixture_kind *kind)
{
    note(kind, "malloc_oom");
    static driver d;
    CHECK(open_driver(&d, kind, 1 * MiB, (refusing_policy){0}, 1, 55));
    alloy_allocator *a = d.inst[0].a;
    size_t n = 0, nulls = 0;
    for (int round = 0; round < 4; round++) {
        for (int attempt = 0; attempt < 3000 && n < SLOTS; attempt++) {
            size_t size = mixed_size(&d.r);
            size_t align = rng_next(&d.r) % 4 ? 16 : mixed_align(&d.r);
            uint64_t failed = shared_of(a).failed_allocs;
            void *p = align == 16 ? alloy_malloc(a, size) : alloy_malloc_aligned(a, align, size);
            if (p) {
                CHECK(aligned(p, align) && alloy_malloc_usable_size(a, p) >= size);
                d.b[n] = (live_block){p, size, align, d.tag++};
                block_fill(&d.b[n++]);
                continue;
            }
            nulls++;
            CHECK(shared_of(a).failed_allocs == failed + 1); /* it reached the instance */
            CHECK(alloy_check(a));
            CHECK(every_block_intact(&d));
            if (n) { /* grow a block: NULL leaves it, or it moves with its contents */
                live_block *v = &d.b[rng_range(&d.r, 0, n - 1)];
                size_t grown = v->size * 3 + 50000;
                void *q = alloy_malloc_realloc(a, v->p, grown);
                if (q) { /* moved, it keeps 16 (C's promise) */
                    CHECK(aligned(q, q == v->p ? v->align : 16));
                    live_block moved = *v;
                    moved.p = q;
                    CHECK(block_intact(&moved, v->size));
                    *v = (live_block){q, grown, q == v->p ? v->align : 16, d.tag++};
                    block_fill(v);
                }
                CHECK(alloy_malloc_usable_size(a, v->p) >= v->size);
                CHECK(every_block_intact(&d));
            }
            if (nulls % 8 == 0)
                break;
        }
        CHECK(nulls > 0);
        /* free every other block; a small malloc is served again */
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            CHECK(block_intact(&d.b[i], d.b[i].size));
            if (i % 2 == (size_t)round % 2)
                alloy_malloc_free(a, d.b[i].p);
            else
                d.b[kept++] = d.b[i];
        }
        for (size_t i = kept; i < n; i++)
            d.b[i].p = NULL;
        n = kept;
        void *again = alloy_malloc(a, 64);
        CHECK(again != NULL);
        alloy_malloc_free(a, again);
        CHECK(alloy_check(a));
    }
    for (size_t i = 0; i < n; i++) {
        CHECK(block_intact(&d.b[i], d.b[i].size));
        alloy_malloc_free(a, d.b[i].p);
        d.b[i].p = NULL;
    }
    CHECK(shared_of(a).bytes_in_use == 0);
    CHECK(alloy_check(a));
    fixture_close(&d.f);
}
