/* SPDX-License-Identifier: MIT */
/* The conformance suite's cases. Each opens a fixture (one strategy on one heap
 * provider), exercises the front end and asserts properties that hold for every
 * strategy: contents survive, blocks never overlap, alignment holds, statistics equal
 * a shadow count, memory is reused, bad input gets its documented answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocks.h"
#include "check.h"
#include "conformance.h"

#define MiB ((size_t)1 << 20)

static void note_fixture(const fixture_kind *kind)
{
    fixture_describe(kind, test_note, sizeof test_note);
}

static bool take(alloy_allocator *a, live_block *b, size_t size, size_t align, uint32_t tag)
{
    b->p = alloy_alloc(a, size, align);
    if (!b->p)
        return false;
    b->size = size;
    b->align = align;
    b->tag = tag;
    block_fill(b);
    return true;
}

/* Check the block's contents, free it and empty the slot. */
static bool give_back(alloy_allocator *a, live_block *b)
{
    bool intact = block_intact(b, b->size);
    alloy_free(a, b->p, b->size, b->align);
    b->p = NULL;
    return intact;
}

static bool all_intact(const live_block *blocks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (blocks[i].p && !block_intact(&blocks[i], blocks[i].size))
            return false;
    return true;
}

static bool aligned(const void *p, size_t align)
{
    return (uintptr_t)p % align == 0;
}

static alloy_stats stats_of(const alloy_allocator *a)
{
    alloy_stats s;
    alloy_stats_get(a, &s);
    return s;
}

#define SLOTS 256

void conformance_contents_survive(const fixture_kind *kind)
{
    note_fixture(kind);
    fixture f;
    CHECK(fixture_open(&f, kind, 16 * MiB));
    alloy_allocator *a = fixture_instance(&f, 0);
    live_block b[SLOTS] = {{0}};
    test_rng r = {1};
    for (int round = 0; round < 6; round++) {
        for (size_t i = 0; i < SLOTS; i++) {
            if (b[i].p)
                continue;
            size_t size = rng_range(&r, 1, i % 32 == 0 ? 70000 : 300);
            CHECK(take(a, &b[i], size, (size_t)1 << rng_range(&r, 0, 6), (uint32_t)(round * SLOTS + i)));
        }
        /* free a third, in an order unrelated to allocation (7 is prime to SLOTS) */
        for (size_t i = 0; i < SLOTS; i++) {
            live_block *victim = &b[(i * 7) % SLOTS];
            if (victim->p && (i + (size_t)round) % 3 == 0)
                CHECK(give_back(a, victim));
        }
        CHECK(all_intact(b, SLOTS));
        CHECK(alloy_check(a));
    }
    for (size_t i = 0; i < SLOTS; i++)
        if (b[i].p)
            CHECK(give_back(a, &b[i]));
    CHECK(stats_of(a).shared.bytes_in_use == 0);
    CHECK(alloy_check(a));
    fixture_close(&f);
}

void conformance_no_overlap(const fixture_kind *kind)
{
    note_fixture(kind);
    fixture f;
    CHECK(fixture_open(&f, kind, 16 * MiB));
    alloy_allocator *a = fixture_instance(&f, 0);
    static live_block b[1024];
    memset(b, 0, sizeof b);
    test_rng r = {2};
    for (size_t i = 0; i < 1024; i++)
        CHECK(take(a, &b[i], rng_range(&r, 1, i % 64 == 0 ? 40000 : 600), (size_t)1 << rng_range(&r, 0, 8), (uint32_t)i));
    CHECK(blocks_disjoint(b, 1024));
    /* free every other block, then fill the holes again: now from reused space */
    for (size_t i = 0; i < 1024; i += 2)
        CHECK(give_back(a, &b[i]));
    for (size_t i = 0; i < 1024; i += 2)
        CHECK(take(a, &b[i], rng_range(&r, 1, 900), (size_t)1 << rng_range(&r, 0, 8), (uint32_t)(5000 + i)));
    CHECK(blocks_disjoint(b, 1024));
    CHECK(all_intact(b, 1024));
    CHECK(alloy_check(a));
    fixture_close(&f);
}

void conformance_every_alignment(const fixture_kind *kind)
{
    note_fixture(kind);
    fixture f;
    CHECK(fixture_open(&f, kind, 32 * MiB));
    alloy_allocator *a = fixture_instance(&f, 0);
    enum { SIZES = 5, ALIGNS = 17 };
    static live_block b[ALIGNS * SIZES];
    memset(b, 0, sizeof b);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < ALIGNS; k++) {
            size_t align = (size_t)1 << k;
            size_t sizes[SIZES] = {1, 16, 100, align, 2 * align + 5};
            for (size_t s = 0; s < SIZES; s++) {
                live_block *slot = &b[k * SIZES + s];
                if (slot->p)
                    continue;
                CHECK(take(a, slot, sizes[s], align, (uint32_t)(k * SIZES + s)));
                CHECK(aligned(slot->p, align));
            }
        }
        CHECK(blocks_disjoint(b, ALIGNS * SIZES));
        CHECK(all_intact(b, ALIGNS * SIZES));
        /* the second pass allocates into space the first one freed */
        for (size_t i = 0; i < ALIGNS * SIZES; i += 2)
            CHECK(give_back(a, &b[i]));
        CHECK(alloy_check(a));
    }
    fixture_close(&f);
}

void conformance_realloc_keeps_contents(const fixture_kind *kind)
{
    note_fixture(kind);
    fixture f;
    CHECK(fixture_open(&f, kind, 32 * MiB));
    alloy_allocator *a = fixture_instance(&f, 0);
    static const size_t aligns[] = {1, 16, 64, 4096, 65536};
    static const size_t steps[] = {24, 100, 1000, 40000, 100, 10, 70000, 5, 300000, 17};
    for (size_t k = 0; k < sizeof aligns / sizeof aligns[0]; k++) {
        live_block b = {0}, wall = {0};
        CHECK(take(a, &b, steps[0], aligns[k], (uint32_t)k));
        for (size_t s = 1; s < sizeof steps / sizeof steps[0]; s++) {
            if (s % 2) /* a neighbour that gets in the way of growing in place */
                CHECK(take(a, &wall, 48, 16, 999));
            void *p = alloy_realloc(a, b.p, b.size, b.align, steps[s]);
            CHECK(p != NULL);
            CHECK(aligned(p, aligns[k]));
            b.p = p;
            CHECK(block_intact(&b, b.size < steps[s] ? b.size : steps[s]));
            b.size = steps[s];
            b.tag++;
            block_fill(&b);
            if (wall.p)
                CHECK(give_back(a, &wall));
            CHECK(alloy_check(a));
        }
        CHECK(give_back(a, &b));
    }
    CHECK(stats_of(a).shared.bytes_in_use == 0);
    fixture_close(&f);
}

void conformance_resize_in_place(const fixture_kind *kind)
{
    note_fixture(kind);
    fixture f;
    CHECK(fixture_open(&f, kind, 16 * MiB));
    alloy_allocator *a = fixture_instance(&f, 0);
    live_block blocks[3] = {{0}};
    static const size_t sizes[] = {1000, 16, 4000, 60000, 3, 1000};
    for (size_t i = 0; i < 3; i++)
        CHECK(take(a, &blocks[i], 1000, 16, (uint32_t)i));
    size_t successes = 0;
    for (size_t i = 0; i < 3; i++) {
        for (size_t s = 1; s < sizeof sizes / sizeof sizes[0]; s++) {
            live_block *b = &blocks[i];
            void *before = b->p;
            if (!alloy_resize(a, b->p, b->size, b->align, sizes[s]))
                continue; /* allowed: the block stays as it was */
            successes++;
            CHECK(b->p == before);
            CHECK(block_intact(b, b->size < sizes[s] ? b->size : sizes[s]));
            b->size = sizes[s];
            block_fill(b); /* the whole new size is ours: neighbours must not notice */
            CHECK(all_intact(blocks, 3));
            CHECK(stats_of(a).shared.reallocs == successes);
        }
    }
    /* shrinking the last block allocated to 1 byte: a strategy may keep small blocks
     * apart and tell them by size at free, as the pool of docs/writing-a-strategy.md
     * does, and must then refuse to turn a block into one of those in place; the
     * block stays as it was. (A strategy that keeps blocks of 1 byte and of 1000
     * alike shrinks them in place: its own unit test holds it to that.) */
    live_block *last = &blocks[2];
    bool shrunk = alloy_resize(a, last->p, last->size, last->align, 1);
    if (shrunk)
        last->size = 1;
    CHECK(block_intact(last, last->size));
    CHECK(alloy_check(a));
    for (size_t i = 0; i < 3; i++)
        CHECK(give_back(a, &blocks[i]));
    fixture_close(&f);
}

void conformance_exhaustion(const fixture_kind *kind)
{
    note_fixture(kind);
    fixture f;
    CHECK(fixture_open(&f, kind, 1 * MiB));
    alloy_allocator *a = fixture_instance(&f, 0);
    static live_block b[4096];
    memset(b, 0, sizeof b);
    test_rng r = {3};
    uint64_t failures = 0;
    for (int round = 0; round < 8; round++) {
        size_t refused = 0;
        for (size_t i = 0; i < 4096 && refused < 16; i++) {
            if (b[i].p)
                continue;
            size_t size = rng_range(&r, 1, i % 16 == 0 ? 70000 : 3000);
            if (take(a, &b[i], size, (size_t)1 << rng_range(&r, 0, 7), (uint32_t)(round * 4096 + i)))
                continue;
            refused++;
            failures++;
            CHECK(stats_of(a).shared.failed_allocs == failures);
            CHECK(alloy_check(a));
        }
        CHECK(refused > 0); /* the heap did run out */
        CHECK(all_intact(b, 4096));
        CHECK(blocks_disjoint(b, 4096));
        /* free half, and the instance serves again */
        for (size_t i = (size_t)round % 2; i < 4096; i += 2)
            if (b[i].p)
                CHECK(give_back(a, &b[i]));
        live_block again = {0};
        CHECK(take(a, &again, 16, 16, 77));
        CHECK(give_back(a, &again));
        CHECK(alloy_check(a));
    }
    for (size_t i = 0; i < 4096; i++)
        if (b[i].p)
            CHECK(give_back(a, &b[i]));
    CHECK(stats_of(a).shared.bytes_in_use == 0);
    fixture_close(&f);
}

void conformance_stats_match_shadow(const fixture_kind *kind)
{
    note_fixture(kind);
    fixture f;
    CHECK(fixture_open(&f, kind, 4 * MiB));
    alloy_allocator *a = fixture_instance(&f, 0);
    live_block b[SLOTS] = {{0}};
    alloy_shared_stats expect = {0};
    test_rng r = {4};
    for (int op = 0; op < 40000; op++) {
        live_block *slot = &b[rng_range(&r, 0, SLOTS - 1)];
        size_t size = rng_range(&r, 1, op % 50 == 0 ? 200000 : 2000);
        if (op % 997 == 0) {
            alloy_reset_trip(a);
            expect.trip_high_water = expect.bytes_in_use;
        } else if (!slot->p) {
            if (take(a, slot, size, 16, (uint32_t)op)) {
                expect.allocs++;
                expect.bytes_in_use += size;
            } else {
                expect.failed_allocs++;
            }
            shadow_peak(&expect, size);
        } else if (rng_range(&r, 0, 1)) {
            void *p = alloy_realloc(a, slot->p, slot->size, slot->align, size);
            if (p) {
                slot->p = p;
                expect.reallocs++;
                expect.bytes_in_use = expect.bytes_in_use - slot->size + size;
                slot->size = size;
                block_fill(slot);
            } else {
                expect.failed_allocs++;
            }
            shadow_peak(&expect, size);
        } else {
            expect.frees++;
            expect.bytes_in_use -= slot->size;
            CHECK(give_back(a, slot));
        }
        CHECK(shadow_matches(a, &expect));
        if (op % 256 == 0)
            CHECK(alloy_check(a));
    }
    CHECK(all_intact(b, SLOTS));
    fixture_close(&f);
}

void conformance_trip_high_water(const fixture_kind *kind)
{
    note_fixture(kind);
    fixture f;
    CHECK(fixture_open(&f, kind, 1 * MiB));
    alloy_allocator *a = fixture_instance(&f, 0);
    /* alloc_cat's trip_odometer */
    void *p = alloy_alloc(a, 1024, 1);
    CHECK(p != NULL);
    alloy_stats s = stats_of(a);
    CHECK(s.shared.high_water == 1024);
    CHECK(s.shared.trip_high_water == 1024);
    alloy_free(a, p, 1024, 1);
    alloy_reset_trip(a);
    void *q = alloy_alloc(a, 32, 1);
    CHECK(q != NULL);
    s = stats_of(a);
    CHECK(s.shared.high_water == 1024);
    CHECK(s.shared.trip_high_water == 32);
    /* a reset with blocks alive starts the trip at what is in use now */
    alloy_reset_trip(a);
    CHECK(stats_of(a).shared.trip_high_water == 32);
    void *big = alloy_alloc(a, 5000, 8);
    CHECK(big != NULL);
    s = stats_of(a);
    CHECK(s.shared.trip_high_water == 5032);
    CHECK(s.shared.high_water == 5032);
    alloy_free(a, big, 5000, 8);
    alloy_free(a, q, 32, 1);
    s = stats_of(a);
    CHECK(s.shared.trip_high_water == 5032);
    CHECK(s.shared.bytes_in_use == 0);
    fixture_close(&f);
}

void conformance_instances_share_heap(const fixture_kind *kind)
{
    note_fixture(kind);
    fixture f;
    CHECK(fixture_open(&f, kind, 32 * MiB));
    alloy_allocator *inst[FIXTURE_INSTANCES];
    for (size_t i = 0; i < FIXTURE_INSTANCES; i++) {
        inst[i] = fixture_instance(&f, i);
        CHECK(inst[i] != NULL);
    }
    enum { PER = 200, ALL = PER * FIXTURE_INSTANCES };
    static live_block b[ALL];
    memset(b, 0, sizeof b);
    test_rng r = {5};
    uint64_t bytes[FIXTURE_INSTANCES] = {0};
    /* round robin, with large blocks so that every instance grows the heap often */
    for (size_t n = 0; n < ALL; n++) {
        size_t i = n % FIXTURE_INSTANCES;
        size_t size = rng_range(&r, 1, n % 8 == 0 ? 90000 : 3000);
        CHECK(take(inst[i], &b[n], size, (size_t)1 << rng_range(&r, 0, 6), (uint32_t)n));
        bytes[i] += size;
    }
    CHECK(blocks_disjoint(b, ALL));
    CHECK(all_intact(b, ALL));
    for (size_t i = 0; i < FIXTURE_INSTANCES; i++) {
        CHECK(stats_of(inst[i]).shared.bytes_in_use == bytes[i]);
        CHECK(alloy_check(inst[i]));
    }
    for (size_t n = 0; n < ALL; n++)
        CHECK(give_back(inst[n % FIXTURE_INSTANCES], &b[n]));
    for (size_t i = 0; i < FIXTURE_INSTANCES; i++) {
        CHECK(stats_of(inst[i]).shared.bytes_in_use == 0);
        CHECK(alloy_check(inst[i]));
    }
    fixture_close(&f);
}

void conformance_coexists_with_malloc(const fixture_kind *kind)
{
    note_fixture(kind);
    fixture f;
    CHECK(fixture_open(&f, kind, 16 * MiB));
    alloy_allocator *a = fixture_instance(&f, 0);
    enum { N = 64 };
    live_block ours[N] = {{0}}, theirs[2 * N] = {{0}};
    for (size_t i = 0; i < N; i++) {
        /* libc's malloc grows memory between our growths (in wasm, the same memory) */
        theirs[2 * i] = (live_block){malloc(70000), 70000, 16, (uint32_t)(1000 + i)};
        CHECK(theirs[2 * i].p != NULL);
        block_fill(&theirs[2 * i]);
        CHECK(take(a, &ours[i], i % 4 ? 3000 : 66000, 16, (uint32_t)i));
        theirs[2 * i + 1] = (live_block){malloc(200), 200, 16, (uint32_t)(2000 + i)};
        CHECK(theirs[2 * i + 1].p != NULL);
        block_fill(&theirs[2 * i + 1]);
    }
    static live_block both[3 * N];
    memcpy(both, ours, sizeof ours);
    memcpy(both + N, theirs, sizeof theirs);
    CHECK(blocks_disjoint(both, 3 * N));
    CHECK(all_intact(both, 3 * N));
    CHECK(alloy_check(a));
    for (size_t i = 0; i < N; i++)
        CHECK(give_back(a, &ours[i]));
    for (size_t i = 0; i < 2 * N; i++)
        free(theirs[i].p);
    fixture_close(&f);
}

/* Memory is reused: patterns that every strategy must serve from freed space alone,
 * without obtaining more from the heap. (Mixed sizes freed in random order are a
 * fragmentation question, answered per strategy by the bench suite.) */
void conformance_memory_is_reused(const fixture_kind *kind)
{
    note_fixture(kind);
    fixture f;
    CHECK(fixture_open(&f, kind, 16 * MiB));
    alloy_allocator *a = fixture_instance(&f, 0);
    enum { N = 300 };
    live_block b[N] = {{0}};
    size_t order[N];
    for (size_t i = 0; i < N; i++)
        order[i] = (i * 7) % N; /* a permutation: 7 is prime to N */

    /* 1. blocks of one size, freed in scrambled order */
    uint64_t settled = 0;
    for (int round = 0; round < 30; round++) {
        for (size_t i = 0; i < N; i++)
            CHECK(take(a, &b[i], 200, 16, (uint32_t)i));
        for (size_t i = 0; i < N; i++)
            CHECK(give_back(a, &b[order[i]]));
        if (round == 0)
            settled = stats_of(a).shared.heap_bytes;
        CHECK(stats_of(a).shared.heap_bytes == settled);
    }

    /* 2. mixed sizes and alignments, each round allocating in the reverse order of
     *    the previous round's frees (the way a stack of scopes reuses memory) */
    for (size_t i = 0; i < N; i++)
        CHECK(take(a, &b[i], 8 + (i * 37) % 2000, (size_t)1 << (i % 5), (uint32_t)i));
    settled = 0;
    for (int round = 0; round < 30; round++) {
        for (size_t i = 0; i < N; i++)
            CHECK(give_back(a, &b[order[i]]));
        for (size_t i = N; i-- > 0;) {
            size_t j = order[i];
            CHECK(take(a, &b[j], 8 + (j * 37) % 2000, (size_t)1 << (j % 5), (uint32_t)(round * N + j)));
        }
        if (round == 0)
            settled = stats_of(a).shared.heap_bytes;
        CHECK(stats_of(a).shared.heap_bytes == settled);
    }
    CHECK(all_intact(b, N));
    for (size_t i = 0; i < N; i++)
        CHECK(give_back(a, &b[i]));

    /* 3. one block, over and over */
    settled = stats_of(a).shared.heap_bytes;
    for (int i = 0; i < 10000; i++) {
        live_block one = {0};
        CHECK(take(a, &one, 1 + (size_t)i % 3000, 8, (uint32_t)i));
        CHECK(give_back(a, &one));
    }
    CHECK(stats_of(a).shared.heap_bytes == settled);
    CHECK(alloy_check(a));
    fixture_close(&f);
}

void conformance_bad_input(const fixture_kind *kind)
{
    note_fixture(kind);
    fixture f;
    CHECK(fixture_open(&f, kind, 1 * MiB));
    alloy_allocator *a = fixture_instance(&f, 0);
    alloy_shared_stats before = stats_of(a).shared;

    /* size 0: NULL, nothing counted */
    CHECK(alloy_alloc(a, 0, 16) == NULL);
    CHECK(stats_of(a).shared.allocs == 0 && stats_of(a).shared.failed_allocs == 0);
    CHECK(stats_of(a).shared.invalid_requests == 0);

    /* bad alignments: NULL, counted as invalid */
    static const size_t bad_aligns[] = {0, 3, 48, (size_t)1 << 17, SIZE_MAX};
    for (size_t i = 0; i < sizeof bad_aligns / sizeof bad_aligns[0]; i++)
        CHECK(alloy_alloc(a, 64, bad_aligns[i]) == NULL);
    CHECK(stats_of(a).shared.invalid_requests == 5);

    /* impossible sizes: NULL, counted as failed, instance intact */
    static const size_t huge[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 65536, SIZE_MAX - 2 * 65536 + 1,
                                  ALLOY_MAX_SIZE};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        CHECK(alloy_alloc(a, huge[i], 1) == NULL);
        CHECK(alloy_alloc(a, huge[i], 65536) == NULL); /* size + alignment overflows */
    }
    CHECK(stats_of(a).shared.failed_allocs == 10);
    CHECK(stats_of(a).shared.largest_request == SIZE_MAX);
    CHECK(alloy_check(a));

    live_block b = {0};
    CHECK(take(a, &b, 100, 16, 42));

    /* frees that name nothing: ignored */
    alloy_free(a, NULL, 100, 16);
    alloy_free(a, NULL, 0, 0);
    alloy_free(NULL, b.p, 100, 16);
    CHECK(stats_of(a).shared.frees == 0);
    CHECK(stats_of(a).shared.invalid_requests == 5);
    alloy_free(a, b.p, 0, 16);  /* size 0 cannot be a block */
    alloy_free(a, b.p, 100, 3); /* nor can alignment 3 */
    alloy_free(a, b.p, SIZE_MAX, 16);
    CHECK(stats_of(a).shared.invalid_requests == 8);
    CHECK(stats_of(a).shared.frees == 0);
    CHECK(block_intact(&b, 100));

    /* resize */
    CHECK(!alloy_resize(a, NULL, 100, 16, 200));
    CHECK(!alloy_resize(NULL, b.p, 100, 16, 200));
    CHECK(!alloy_resize(a, b.p, 100, 16, 0));
    CHECK(!alloy_resize(a, b.p, 100, 7, 200));
    CHECK(stats_of(a).shared.invalid_requests == 10);
    CHECK(!alloy_resize(a, b.p, 100, 16, SIZE_MAX));
    CHECK(stats_of(a).shared.failed_allocs == 11);
    CHECK(block_intact(&b, 100));

    /* realloc */
    CHECK(alloy_realloc(a, b.p, 100, 16, SIZE_MAX) == NULL); /* old block untouched */
    CHECK(alloy_realloc(a, b.p, 100, 16, SIZE_MAX - 65536) == NULL);
    CHECK(stats_of(a).shared.failed_allocs == 13);
    CHECK(alloy_realloc(a, b.p, 100, 5, 200) == NULL);
    CHECK(alloy_realloc(NULL, b.p, 100, 16, 200) == NULL);
    CHECK(stats_of(a).shared.invalid_requests == 11);
    CHECK(block_intact(&b, 100));
    live_block c = {alloy_realloc(a, NULL, 0, 16, 300), 300, 16, 43}; /* realloc of NULL allocates */
    CHECK(c.p != NULL && aligned(c.p, 16));
    block_fill(&c);
    CHECK(stats_of(a).shared.allocs == 2);
    CHECK(alloy_realloc(a, NULL, 0, 16, 0) == NULL); /* of NULL to 0: nothing */
    CHECK(alloy_realloc(a, c.p, 300, 16, 0) == NULL); /* to 0 frees */
    CHECK(stats_of(a).shared.frees == 1);
    CHECK(stats_of(a).shared.bytes_in_use == 100);

    /* the rest of the front end on NULL */
    CHECK(alloy_alloc(NULL, 16, 16) == NULL);
    CHECK(!alloy_check(NULL));
    alloy_stats s = {0};
    alloy_stats_get(NULL, &s);
    CHECK(s.strategy == NULL);
    alloy_stats_get(a, NULL);
    alloy_reset_trip(NULL);
    CHECK(strcmp(alloy_name(NULL), "") == 0);
    CHECK(strcmp(alloy_name(a), fixture_strategy_name(kind)) == 0);

    CHECK(give_back(a, &b));
    alloy_shared_stats after = stats_of(a).shared;
    CHECK(after.bytes_in_use == before.bytes_in_use);
    CHECK(alloy_check(a));
    fixture_close(&f);
}
