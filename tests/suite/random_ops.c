/* SPDX-License-Identifier: MIT */
/* The randomized shadow-model test: a seeded stream of allocate / free / resize /
 * realloc / reset_trip operations over a table of slots, checking after every
 * operation the shared figures (as the front end keeps them in the handle) against a
 * shadow count and the touched block's contents, and every CHECK_EVERY operations
 * (16 times a shorter run) alloy_stats_get's figures, alloy_check, overlap,
 * alignment and every block's contents. Sizes have a heavy tail: mostly up to 128
 * bytes, some to 4 KiB and 32 KiB, and 1 in 256 log-uniform from 32 KiB to 4 MiB;
 * alignments are mostly up to 16, and a quarter of them any power of two to a page.
 * ALLOY_SEED and ALLOY_RANDOM_OPS in the environment override the seed and the length
 * (make test: RANDOM_OPS_DEFAULT per kind; make hardening: 10^7); the seed is printed
 * with any failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocks.h"
#include "check.h"
#include "conformance.h"

#define SLOTS 1024
#define DEFAULT_SEED 20261122u

static uint64_t env_number(const char *name, uint64_t fallback)
{
    const char *text = getenv(name);
    return text && *text ? strtoull(text, NULL, 0) : fallback;
}

#define CHECK_EVERY 100000u

static size_t random_size(test_rng *r)
{
    uint64_t pick = rng_next(r) % 256;
    if (pick == 0) { /* the large path, log-uniform: 32 KiB .. 4 MiB */
        unsigned bits = (unsigned)rng_range(r, 15, 21);
        return rng_range(r, (size_t)1 << bits, (size_t)2 << bits);
    }
    if (pick < 8)
        return rng_range(r, 4097, 32768);
    if (pick < 40)
        return rng_range(r, 129, 4096);
    return rng_range(r, 1, 128);
}

static size_t random_align(test_rng *r)
{
    if (rng_next(r) % 4 == 0)
        return (size_t)1 << rng_range(r, 0, 16);
    return (size_t)1 << rng_range(r, 0, 4);
}

typedef struct model {
    live_block slots[SLOTS];
    alloy_shared_stats expect;
} model;

static bool whole_model_holds(const alloy_allocator *a, const model *m)
{
    for (size_t i = 0; i < SLOTS; i++) {
        const live_block *b = &m->slots[i];
        if (b->p && ((uintptr_t)b->p % b->align || !block_intact(b, b->size)))
            return false;
    }
    return blocks_disjoint(m->slots, SLOTS) && alloy_check(a);
}

void conformance_random_ops(const fixture_kind *kind)
{
    uint64_t seed = env_number("ALLOY_SEED", DEFAULT_SEED);
    uint64_t ops = env_number("ALLOY_RANDOM_OPS", RANDOM_OPS_DEFAULT);
    if (kind->checked) /* the wrapper is the subject, not the strategy: fewer will do */
        ops /= 5;
    char what[96];
    fixture_describe(kind, what, sizeof what);
    snprintf(test_note, sizeof test_note, "%s, ALLOY_SEED=%llu", what, (unsigned long long)seed);
    uint64_t check_every = ops / 16 < CHECK_EVERY ? ops / 16 + 1 : CHECK_EVERY;
    fixture f;
    CHECK(fixture_open(&f, kind, 64u << 20));
    alloy_allocator *a = fixture_instance(&f, 0);
    static model m;
    memset(&m, 0, sizeof m);
    test_rng r = {seed};

    for (uint64_t op = 1; op <= ops; op++) {
        live_block *b = &m.slots[rng_next(&r) % SLOTS];
        uint64_t action = rng_next(&r) % 10;
        if (op % 5000 == 0) {
            alloy_reset_trip(a);
            m.expect.trip_high_water = m.expect.bytes_in_use;
        } else if (!b->p) {
            size_t size = random_size(&r), align = random_align(&r);
            b->p = alloy_alloc(a, size, align);
            if (b->p) {
                *b = (live_block){b->p, size, align, (uint32_t)op};
                CHECK((uintptr_t)b->p % align == 0);
                block_fill(b);
                m.expect.allocs++;
                m.expect.bytes_in_use += size;
            } else {
                m.expect.failed_allocs++;
            }
            shadow_peak(&m.expect, size);
        } else if (action < 4) {
            CHECK(block_intact(b, b->size));
            alloy_free(a, b->p, b->size, b->align);
            b->p = NULL;
            m.expect.frees++;
            m.expect.bytes_in_use -= b->size;
        } else {
            size_t size = random_size(&r);
            if (action >= 6) { /* a small step either way */
                size = b->size + rng_range(&r, 0, 64);
                size = size > 32 ? size - 32 : 1;
            }
            bool in_place = action >= 8;
            void *p = b->p;
            bool done = in_place ? alloy_resize(a, p, b->size, b->align, size)
                                 : (p = alloy_realloc(a, b->p, b->size, b->align, size)) != NULL;
            if (done) {
                CHECK(!in_place || p == b->p);
                CHECK((uintptr_t)p % b->align == 0);
                b->p = p;
                CHECK(block_intact(b, size < b->size ? size : b->size));
                m.expect.reallocs++;
                m.expect.bytes_in_use = m.expect.bytes_in_use - b->size + size;
                b->size = size;
                b->tag = (uint32_t)op;
                block_fill(b);
                shadow_peak(&m.expect, size);
            } else if (!in_place) {
                m.expect.failed_allocs++;
                shadow_peak(&m.expect, size);
                CHECK(block_intact(b, b->size)); /* a failed realloc leaves the block alone */
            }
        }
        CHECK(shadow_counts_match(&a->stats, &m.expect));
        if (op % check_every == 0) {
            CHECK(shadow_matches(a, &m.expect));
            CHECK(whole_model_holds(a, &m));
        }
    }
    CHECK(shadow_matches(a, &m.expect));
    CHECK(whole_model_holds(a, &m));
    for (size_t i = 0; i < SLOTS; i++)
        if (m.slots[i].p)
            alloy_free(a, m.slots[i].p, m.slots[i].size, m.slots[i].align);
    CHECK(alloy_check(a));
    fixture_close(&f);
}
