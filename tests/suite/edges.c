/* SPDX-License-Identifier: MIT */
/* The front end's edge cases in the conformance suite: each rejected call gets the
 * answer alloy/alloy.h documents and moves exactly the counter it names (or none),
 * on every strategy x heap provider (edge_sizes, edge_alignments,
 * edge_zero_and_null). The driver they share is driver.c. */
#include <stdint.h>

#include "check.h"
#include "driver.h"

/* --- 3. front-end edge cases ------------------------------------------------------- */

/* Which counter a rejected call moves: exactly one by one, or none. */
typedef enum counter { NONE, INVALID, FAILED } counter;

/* After a call that must have been rejected: exactly `moved` went up by one (the
 * largest request may rise with FAILED), nothing else changed, the live block is
 * intact and the instance passes its check. */
static bool rejected(driver *d, alloy_shared_stats before, counter moved, size_t request)
{
    instance *in = &d->inst[0];
    if (moved == INVALID)
        in->expect.invalid_requests++;
    if (moved == FAILED) {
        in->expect.failed_allocs++;
        shadow_peak(&in->expect, request);
    }
    alloy_shared_stats now = shared_of(in->a);
    EXPECT(now.heap_bytes == before.heap_bytes || moved == FAILED);
    EXPECT(counters_match(in));
    EXPECT(alloy_check(in->a));
    return every_block_intact(d);
}

void conformance_edge_sizes(const fixture_kind *kind)
{
    note(kind, "edge_sizes");
    static driver d;
    CHECK(open_driver(&d, kind, 1 * MiB, (refusing_policy){0}, 1, 51));
    bool ok;
    /* a small block, a run of pages with a page's alignment (on a heap of pages
     * aligned to less, that leaves padding in front), and the block allocated last
     * (which a bump strategy grows in place) */
    live_block *small = &d.b[0], *large = &d.b[1], *top = &d.b[2];
    CHECK(d_alloc(&d, small, 100, 16, &ok) && ok);
    CHECK(d_alloc(&d, large, 70000, 65536, &ok) && ok);
    CHECK(d_alloc(&d, top, 300, 16, &ok) && ok);
    alloy_allocator *a = d.inst[0].a;
    static const size_t aligns[] = {1, 16, 4096, 65536};
    live_block *blocks[] = {small, large, top};
    size_t calls = 0;

    for (size_t k = 0;; calls++) {
        size_t size = SIZE_MAX - k;
        alloy_shared_stats before = shared_of(a);
        /* alloc: NULL and failed_allocs, whatever the alignment (size + alignment
         * overflows for most of these) */
        for (size_t j = 0; j < sizeof aligns / sizeof aligns[0]; j++) {
            CHECK(alloy_alloc(a, size, aligns[j]) == NULL);
            CHECK(rejected(&d, before, FAILED, size));
            before = shared_of(a);
        }
        for (size_t j = 0; j < 3; j++) {
            live_block *b = blocks[j];
            /* realloc: NULL, the old block untouched, counted once */
            CHECK(alloy_realloc(a, b->p, b->size, b->align, size) == NULL);
            CHECK(rejected(&d, before, FAILED, size));
            before = shared_of(a);
            /* resize: false; counted as failed above ALLOY_MAX_SIZE only */
            CHECK(!alloy_resize(a, b->p, b->size, b->align, size));
            CHECK(rejected(&d, before, size > ALLOY_MAX_SIZE ? FAILED : NONE, size));
            before = shared_of(a);
            /* free with such a size cannot name a block: ignored, invalid */
            if (size > ALLOY_MAX_SIZE) {
                alloy_free(a, b->p, size, b->align);
                CHECK(rejected(&d, before, INVALID, 0));
                before = shared_of(a);
            }
        }
        if (!next_k(&k))
            break;
    }
    CHECK(calls > 150);
    CHECK(shared_of(a).largest_request == SIZE_MAX);

    /* sizes the front end lets through but no heap here can hold */
    static const size_t big[] = {1 * MiB + 1, 4 * MiB, 256 * MiB, SIZE_MAX / 2, SIZE_MAX / 2 + 1, ALLOY_MAX_SIZE - 15};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        for (size_t j = 0; j < sizeof aligns / sizeof aligns[0]; j++) {
            alloy_shared_stats before = shared_of(a);
            CHECK(alloy_alloc(a, big[i], aligns[j]) == NULL);
            CHECK(rejected(&d, before, FAILED, big[i]));
        }
        for (size_t j = 0; j < 3; j++) {
            live_block *b = blocks[j];
            alloy_shared_stats before = shared_of(a);
            CHECK(alloy_realloc(a, b->p, b->size, b->align, big[i]) == NULL);
            CHECK(rejected(&d, before, FAILED, big[i]));
            before = shared_of(a);
            CHECK(!alloy_resize(a, b->p, b->size, b->align, big[i]));
            CHECK(rejected(&d, before, NONE, big[i]));
        }
    }

    /* the instance still serves, and its blocks still resize */
    live_block *fresh = &d.b[3];
    CHECK(d_alloc(&d, fresh, 5000, 64, &ok) && ok);
    CHECK(d_realloc(&d, small, 1000, &ok) && ok);
    CHECK(d_resize(&d, top, 100, &ok));
    CHECK(sound(&d));
    CHECK(free_all(&d));
    fixture_close(&d.f);
}

/* CHECK a call's answer, then that it moved `moved` only (uses d, a and before). */
#define REJECTED(call, moved)                  \
    do {                                       \
        CHECK(call);                           \
        CHECK(rejected(&d, before, moved, 0)); \
        before = shared_of(a);                \
    } while (0)

void conformance_edge_alignments(const fixture_kind *kind)
{
    note(kind, "edge_alignments");
    static driver d;
    CHECK(open_driver(&d, kind, 1 * MiB, (refusing_policy){0}, 1, 52));
    bool ok;
    live_block *b = &d.b[0];
    CHECK(d_alloc(&d, b, 100, 16, &ok) && ok);
    alloy_allocator *a = d.inst[0].a;
    static const size_t bad[] = {0, 3, 5, 6, 12, 48, 65535, 65537, 131072, (size_t)1 << 20,
                                 (SIZE_MAX >> 1) + 1 /* a power of two, far too large */, SIZE_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t align = bad[i];
        alloy_shared_stats before = shared_of(a);
        /* alloc: NULL, invalid - the alignment is judged first, whatever the size */
        REJECTED(alloy_alloc(a, 64, align) == NULL, INVALID);
        REJECTED(alloy_alloc(a, SIZE_MAX, align) == NULL, INVALID);
        REJECTED(alloy_alloc(a, 0, align) == NULL, INVALID);
        /* free of a live block with a bad alignment: ignored (the block stays ours), invalid */
        alloy_free(a, b->p, b->size, align);
        REJECTED(true, INVALID);
        /* resize and realloc: false / NULL, invalid, block untouched */
        REJECTED(!alloy_resize(a, b->p, b->size, align, 200), INVALID);
        REJECTED(!alloy_resize(a, b->p, b->size, align, 50), INVALID);
        REJECTED(alloy_realloc(a, b->p, b->size, align, 5000) == NULL, INVALID);
        REJECTED(alloy_realloc(a, b->p, b->size, align, 0) == NULL, INVALID); /* does not free */
        REJECTED(alloy_realloc(a, NULL, 0, align, 64) == NULL, INVALID);       /* acts as alloc */
        /* NULL pointers: nothing to do, nothing counted */
        alloy_free(a, NULL, 64, align);
        REJECTED(true, NONE);
        REJECTED(!alloy_resize(a, NULL, 64, align, 128), NONE);
        /* no instance: nothing to count in */
        REJECTED(alloy_alloc(NULL, 64, align) == NULL, NONE);
        REJECTED(alloy_realloc(NULL, b->p, b->size, align, 5000) == NULL, NONE);
    }
    /* every good alignment at once: 1 .. 65536, nothing counted but the allocation */
    for (size_t align = 1; align <= ALLOY_MAX_ALIGN; align *= 2) {
        live_block *slot = &d.b[1];
        CHECK(d_alloc(&d, slot, 24, align, &ok) && ok);
        CHECK(d_free(&d, slot));
    }
    CHECK(sound(&d));
    CHECK(free_all(&d));
    fixture_close(&d.f);
}

void conformance_edge_zero_and_null(const fixture_kind *kind)
{
    note(kind, "edge_zero_and_null");
    static driver d;
    CHECK(open_driver(&d, kind, 1 * MiB, (refusing_policy){0}, 1, 53));
    bool ok;
    live_block *b = &d.b[0];
    CHECK(d_alloc(&d, b, 100, 16, &ok) && ok);
    alloy_allocator *a = d.inst[0].a;
    alloy_shared_stats before = shared_of(a);
    /* size 0: NULL and nothing counted, for every alignment */
    for (size_t align = 1; align <= ALLOY_MAX_ALIGN; align *= 2)
        REJECTED(alloy_alloc(a, 0, align) == NULL, NONE);
    /* free of NULL: nothing, whatever the size and alignment */
    static const size_t junk[] = {0, 1, 3, 100, ALLOY_MAX_SIZE + 1, SIZE_MAX};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        for (size_t j = 0; j < sizeof junk / sizeof junk[0]; j++) {
            alloy_free(a, NULL, junk[i], junk[j]);
            REJECTED(true, NONE);
            REJECTED(!alloy_resize(a, NULL, junk[i], junk[j], 100), NONE);
            alloy_free(NULL, b->p, junk[i], junk[j]);
            REJECTED(true, NONE);
        }
    /* free of a live block with a size that cannot be its: ignored, invalid */
    alloy_free(a, b->p, ALLOY_MAX_SIZE + 1, 16);
    REJECTED(true, INVALID);
    /* resize: size 0 or past the maximum for the old size, 0 for the new: invalid */
    REJECTED(!alloy_resize(a, b->p, 0, 16, 200), INVALID);
    REJECTED(!alloy_resize(a, b->p, ALLOY_MAX_SIZE + 1, 16, 200), INVALID);
    REJECTED(!alloy_resize(a, b->p, 0, 16, 0), INVALID);
    /* realloc of a live block named with size 0: NULL, invalid, the block untouched */
    REJECTED(alloy_realloc(a, b->p, 0, 16, 200) == NULL, INVALID);
    REJECTED(alloy_realloc(a, b->p, SIZE_MAX, 16, 200) == NULL, INVALID);
    /* realloc of NULL to 0: nothing, whatever the old size */
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        REJECTED(alloy_realloc(a, NULL, junk[i], 16, 0) == NULL, NONE);
    /* realloc of NULL past the maximum: as alloy_alloc, failed */
    CHECK(alloy_realloc(a, NULL, 0, 16, SIZE_MAX) == NULL);
    CHECK(rejected(&d, before, FAILED, SIZE_MAX));

    /* realloc of NULL allocates; the old size is ignored */
    instance *in = &d.inst[0];
    live_block *c = &d.b[1];
    *c = (live_block){alloy_realloc(a, NULL, SIZE_MAX, 64, 300), 300, 64, 7};
    CHECK(c->p != NULL && aligned(c->p, 64));
    block_fill(c);
    in->expect.allocs++;
    in->expect.bytes_in_use += 300;
    shadow_peak(&in->expect, 300);
    CHECK(counters_match(in));
    /* realloc to 0 frees: frees + 1, not failed */
    CHECK(alloy_realloc(a, c->p, 300, 64, 0) == NULL);
    c->p = NULL;
    in->expect.frees++;
    in->expect.bytes_in_use -= 300;
    CHECK(counters_match(in));
    /* resize to 0 is invalid and leaves the block */
    before = shared_of(a);
    REJECTED(!alloy_resize(a, b->p, b->size, b->align, 0), INVALID);
    /* the smallest block: 1 byte, resized up and down, in place or refused */
    CHECK(d_alloc(&d, c, 1, 1, &ok) && ok);
    CHECK(d_resize(&d, c, 1, &ok) && ok); /* to its own size: nothing to do, done */
    CHECK(d_realloc(&d, c, 1, &ok) && ok);
    CHECK(sound(&d));
    CHECK(free_all(&d));
    fixture_close(&d.f);
}
