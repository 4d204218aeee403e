/* SPDX-License-Identifier: MIT */
/* The out-of-memory cases of the conformance suite. Every case runs on every
 * strategy x heap provider, natively and in wasm:
 *
 *   oom_matrix       the heap runs out, many times over, with mixed sizes and
 *                    alignments; every refusal is NULL, counted, harmless, and the
 *                    instance serves again after frees.
 *   growth_refused   the provider refuses the n-th grow, every grow from the n-th, or
 *                    every k-th (refusing_heap.h), so growth fails in the middle of
 *                    a strategy's growth paths; the same properties, and the instance
 *                    serves once the provider accepts again.
 *   growth_refused_filling
 *                    growth refused while the small-block space keeps growing and
 *                    large blocks grow onto the end of the heap.
 *
 * The driver they share is driver.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "driver.h"

/* --- 1. exhaustion, many times over ----------------------------------------------- */

void conformance_oom_matrix(const fixture_kind *kind)
{
    note(kind, "oom_matrix");
    static driver d;
    CHECK(open_driver(&d, kind, 1 * MiB, (refusing_policy){0}, 1, 31));
    uint64_t small_refused = 0, large_refused = 0, grows_refused = 0;
    for (int round = 0; round < 6; round++) {
        /* fill until even small requests are refused: the heap is full */
        size_t served = 0, small_now = 0;
        for (int attempt = 0; attempt < 5000 && small_now < 6; attempt++) {
            live_block *slot = pick_slot(&d, SLOTS, false);
            CHECK(slot != NULL); /* the heap must fill before the slot table does */
            size_t size = mixed_size(&d.r);
            bool ok;
            CHECK(d_alloc(&d, slot, size, mixed_align(&d.r), &ok));
            if (ok) {
                served++;
                continue;
            }
            if (size <= SMALL_MAX) {
                small_refused++;
                small_now++;
            } else {
                large_refused++;
            }
            /* while memory is short, blocks that grow: moved, then in place */
            live_block *victim = pick_slot(&d, SLOTS, true);
            if (victim) {
                CHECK(d_realloc(&d, victim, victim->size * 2 + 40000, &ok));
                grows_refused += !ok;
            }
            victim = pick_slot(&d, SLOTS, true);
            if (victim)
                CHECK(d_resize(&d, victim, victim->size + 4096, &ok));
        }
        CHECK(small_now > 0);
        CHECK(round == 0 || served > 0); /* what the last round freed served again */
        CHECK(sound(&d));
        CHECK(blocks_disjoint(d.b, SLOTS));

        /* free about a third, scattered */
        for (size_t i = 0; i < SLOTS; i++)
            if (d.b[i].p && rng_next(&d.r) % 3 == 0)
                CHECK(d_free(&d, &d.b[i]));
        /* a block just freed can be had again at once, with its size and alignment
         * (up to 16: larger alignments may leave a strategy's free space unfit) */
        for (size_t k = 0, again = 0; k < SLOTS && again < 8; k++) {
            live_block *s = &d.b[(k * 7 + (size_t)round) % SLOTS];
            if (!s->p || s->align > 16)
                continue;
            size_t size = s->size, align = s->align;
            bool ok;
            CHECK(d_free(&d, s));
            CHECK(d_alloc(&d, s, size, align, &ok));
            CHECK(ok);
            again++;
        }
        CHECK(sound(&d));
    }
    CHECK(small_refused > 0 && large_refused > 0 && grows_refused > 0);
    CHECK(free_all(&d));
    fixture_close(&d.f);
}

/* --- 2. growth refused half-way ---------------------------------------------------- */

/* The workload's heap: room for everything it does, so that only the policy makes a
 * request fail. */
#define GROWTH_HEAP (24 * MiB)
#define GROWTH_BUDGET (GROWTH_HEAP / ALLOY_PAGE_SIZE)
#define WORK_SLOTS 48
/* the workload's largest block: enough for runs of pages, small enough that checking
 * every block after every refusal stays quick */
#define WORK_MAX 150000

/* A seeded workload over two instances on one refusing heap (their growths
 * interleave, so pages are often not adjacent, and strategies start new areas): mixed
 * allocations, realloc that grows or shrinks, resize that grows the block allocated
 * last (the in-place growth paths), frees. Every refusal is checked by the driver;
 * an alloc or realloc refused when the provider refused nothing is an error, since
 * the heap has room. Then the provider accepts again and every kind of request must
 * be served. *grows gets the number of grows the workload made. */
static bool growth_run(driver *d, const fixture_kind *kind, refusing_policy policy, int ops, uint64_t *grows)
{
    policy.page_budget = GROWTH_BUDGET;
    EXPECT(open_driver(d, kind, GROWTH_HEAP, policy, INSTANCES, 41));
    refusing_heap *heap = &d->f.refusing;
    live_block *last[INSTANCES] = {NULL, NULL};
    for (int op = 0; op < ops; op++) {
        uint64_t refused_before = heap->refused, refusals_before = d->refusals;
        uint64_t pick = rng_next(&d->r) % 100;
        live_block *slot = &d->b[rng_range(&d->r, 0, WORK_SLOTS - 1)];
        size_t i = (size_t)(slot - d->b) % INSTANCES;
        bool ok, may_fail = false;
        if (pick < 45 && !slot->p) {
            EXPECT(d_alloc(d, slot, mixed_size_upto(&d->r, WORK_MAX), mixed_align(&d->r), &ok));
            if (ok)
                last[i] = slot;
        } else if (pick < 60 && slot->p) {
            size_t grown = slot->size + rng_range(&d->r, 1, 70000);
            grown = grown < WORK_MAX ? grown : WORK_MAX;
            EXPECT(d_realloc(d, slot, rng_next(&d->r) % 4 ? grown : slot->size / 2 + 1, &ok));
        } else if (pick < 80 && last[i] && last[i]->p) {
            size_t grown = last[i]->size + rng_range(&d->r, 1, 100000);
            EXPECT(d_resize(d, last[i], grown < WORK_MAX ? grown : WORK_MAX, &ok));
            may_fail = true; /* resize may refuse for reasons of its own */
        } else if (slot->p) {
            EXPECT(d_free(d, slot));
        }
        if (!may_fail && d->refusals != refusals_before)
            EXPECT(heap->refused != refused_before);
    }
    *grows = heap->grows;
    EXPECT(sound(d));

    /* the provider accepts again: every kind of request is served */
    bool ok;
    refusing_heap_set_policy(heap, (refusing_policy){.page_budget = GROWTH_BUDGET});
    static const size_t sizes[] = {16, 200, 3000, 20000, SMALL_MAX, SMALL_MAX + 1, 200000, 100, 70000};
    static const size_t aligns[] = {16, 1, 64, 4096, 16, 65536, 16, 65536, 8};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        for (size_t j = 0; j < INSTANCES; j++) {
            live_block *slot = &d->b[WORK_SLOTS + 2 * k * INSTANCES + j];
            EXPECT(d_alloc(d, slot, sizes[k], aligns[k], &ok));
            EXPECT(ok);
        }
    }
    for (size_t j = 0; j < INSTANCES; j++) {
        live_block *slot = &d->b[WORK_SLOTS + j]; /* a 16-byte block becomes a run of pages */
        EXPECT(d_realloc(d, slot, 150000, &ok));
        EXPECT(ok);
    }
    EXPECT(sound(d));
    EXPECT(blocks_disjoint(d->b, SLOTS));
    EXPECT(free_all(d));
    fixture_close(&d->f);
    return true;
}

#define GROWTH_OPS 300

void conformance_growth_refused(const fixture_kind *kind)
{
    static driver d;
    uint64_t grows = 0, made = 0;
    note(kind, "growth_refused, nothing refused");
    CHECK(growth_run(&d, kind, (refusing_policy){0}, GROWTH_OPS, &grows));
    CHECK(grows >= 12); /* the workload does grow, or the sweep below tests nothing */

    /* the n-th grow refused, once: the workload is the same up to it, so every grow
     * the workload makes fails once, wherever it happens */
    uint64_t hits = 0;
    for (uint64_t n = 1; n <= grows && n <= 64; n++) {
        note_n(kind, "growth_refused, refuse_nth", n);
        CHECK(growth_run(&d, kind, (refusing_policy){.refuse_nth = n}, GROWTH_OPS, &made));
        /* a static array lies elsewhere in every run, so large alignments may pad
         * differently and the run make fewer grows */
        CHECK(d.f.refusing.refused == 1 || made < n);
        hits += d.f.refusing.refused;
    }
    CHECK(hits * 4 >= grows * 3);
    /* every grow from the n-th on; then the provider accepts again */
    const uint64_t from[] = {1, 2, 3, grows / 2, grows};
    for (size_t k = 0; k < sizeof from / sizeof from[0]; k++) {
        note_n(kind, "growth_refused, refuse_from", from[k]);
        CHECK(growth_run(&d, kind, (refusing_policy){.refuse_from = from[k]}, GROWTH_OPS, &made));
        CHECK(d.f.refusing.refused >= 1 || made < from[k]);
    }
    /* every k-th grow */
    for (uint64_t k = 2; k <= 5; k++) {
        note_n(kind, "growth_refused, refuse_every", k);
        CHECK(growth_run(&d, kind, (refusing_policy){.refuse_every = k}, GROWTH_OPS, &made));
        CHECK(d.f.refusing.refused >= 1);
    }
}

/* Growth that fails while the small-block space keeps growing past what one area
 * holds (a strategy's areas may have a limit: 2 MiB, say) and large blocks grow onto
 * the end of the heap: a fill of 5 MiB, refusing every 3rd grow, then every grow for
 * a while, then none. */
void conformance_growth_refused_filling(const fixture_kind *kind)
{
    note(kind, "growth_refused_filling");
    static driver d;
    CHECK(open_driver(&d, kind, GROWTH_HEAP, (refusing_policy){.refuse_every = 3, .page_budget = GROWTH_BUDGET}, 1, 43));
    refusing_heap *heap = &d.f.refusing;
    size_t live = 0, slot = 0;
    uint64_t refused_small = 0, refused_grow = 0;
    for (int phase = 0; phase < 3; phase++) {
        if (phase == 1)
            refusing_heap_set_policy(heap, (refusing_policy){.refuse_all = true});
        if (phase == 2)
            refusing_heap_set_policy(heap, (refusing_policy){.page_budget = GROWTH_BUDGET});
        size_t target = (size_t)(phase + 1) * 5 * MiB / 3, attempts = 0;
        while (live < target && slot < SLOTS - 1 && attempts++ < 2000) {
            bool ok;
            size_t size = rng_range(&d.r, 4096, SMALL_MAX);
            CHECK(d_alloc(&d, &d.b[slot], size, 16, &ok));
            if (ok) {
                live += size;
                /* the block allocated last grows in place when it can */
                CHECK(d_resize(&d, &d.b[slot], size + 4096, &ok));
                live += ok ? 4096 : 0;
                slot++;
            } else {
                refused_small++;
            }
            if (attempts % 16 == 0) {
                /* a run of pages that grows onto the heap's end, which refuses */
                CHECK(d_alloc(&d, &d.b[slot], 100000, 16, &ok));
                if (ok) {
                    refusing_policy policy = heap->policy;
                    refusing_heap_set_policy(heap, (refusing_policy){.refuse_all = true});
                    CHECK(d_resize(&d, &d.b[slot], 300000, &ok));
                    refused_grow += !ok;
                    refusing_heap_set_policy(heap, policy);
                    CHECK(d_resize(&d, &d.b[slot], 300000, &ok));
                    live += d.b[slot++].size;
                }
            }
            if (phase == 1 && attempts >= 64)
                break; /* refusing everything: enough */
        }
        CHECK(sound(&d));
    }
    CHECK(live >= 5 * MiB);
    CHECK(refused_small > 0 && refused_grow > 0);
    CHECK(blocks_disjoint(d.b, SLOTS));
    CHECK(free_all(&d));
    fixture_close(&d.f);
}
