/* SPDX-License-Identifier: MIT */
/* Phase changes: a program fills the heap with blocks of one kind, frees them all,
 * then fills it with blocks of another kind (small ones, then large ones, then a
 * mix, then small ones beside a table that doubles as it fills, each old table
 * freed), over and over. A strategy that keeps memory for the kind of block it was
 * first used for (region once kept its pages in small-block regions for ever) fails
 * the next phase or grows the heap by the sum of the phases. Two properties, for
 * every strategy on every provider:
 *
 * - Reuse: on a heap of REUSE_HEAP bytes, each phase allocates its sequence of blocks
 *   until the heap refuses one. After any other phase was freed, it fits as many
 *   blocks as on a fresh heap, less at most two and 1/32 of them: a heap a strategy
 *   holds already is packed a little differently from one it grows as it goes
 *   (a bump strategy fitted 212 mixed blocks instead of 216: on a fresh heap, the
 *   end of its bump room sent some requests to the alignment pads on its lists;
 *   region under the checked wrapper, on the two banks of docs/examples/bank.c, 16
 *   large blocks instead of 17, best fit over the runs it holds placing them
 *   otherwise than the order of growth). Memory kept for one kind of block shows as
 *   far more: region once fitted 0 large blocks of the 13 after a phase of small
 *   ones; bumpfree, which bumped through all the pages it held after a free-all,
 *   12,288 blocks beside a doubling table instead of 15,206 (the old tables stayed on
 *   their lists while small blocks took the room the next table needed). The phases
 *   come in an order that has every one of the twelve changes from one kind to
 *   another.
 * - Bound: on a heap that may grow to BOUND_HEAP bytes, phases of BOUND_LIVE bytes
 *   alternate for ROUNDS rounds, and the heap never holds more than PHASE_BOUND x the
 *   largest heap one phase needs on a fresh heap, plus a page (a strategy may keep
 *   one empty region or page run for the next request).
 *
 * Every block's contents are checked before it is freed, and alloy_check after every
 * phase. */
#include <stdio.h>
#include <stdlib.h>

#include "blocks.h"
#include "check.h"
#include "conformance.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define REUSE_HEAP (4 * MiB)
#define BOUND_HEAP (64 * MiB)
#define BOUND_LIVE (2 * MiB)
#define PHASE_BOUND 1.1
#define ROUNDS 2
#define MAX_BLOCKS 24000 /* more than any phase fits in REUSE_HEAP (small: about 15,000) */

enum phase { SMALL, LARGE, MIXED, TABLE, PHASES };
static const char *const phase_names[] = {"small", "large", "mixed", "table"};

/* every change of kind once (the last one's back to the first) */
static const enum phase order[] = {SMALL, LARGE, MIXED, TABLE, SMALL, MIXED, LARGE, TABLE, MIXED, SMALL, TABLE, LARGE};

#define TABLE_ENTRY 24 /* bytes a small block takes in the table */
#define TABLE_FIRST 16 /* the first table's entries */
#define ORDER (sizeof order / sizeof order[0])

/* The i-th block of a phase: the same sequence every time the phase runs. */
static void block_of(enum phase p, size_t i, size_t *size, size_t *align)
{
    test_rng r = {(uint64_t)p * 0x9e3779b97f4a7c15u + i};
    rng_next(&r);
    *align = 16;
    switch (p) {
    case SMALL:
        *size = rng_range(&r, 8, 512);
        break;
    case LARGE:
        *size = rng_range(&r, 40 * KiB, 300 * KiB);
        break;
    case MIXED:
        *size = rng_next(&r) % 10 < 7 ? rng_range(&r, 8, 2048) : rng_range(&r, 4 * KiB, 100 * KiB);
        if (rng_next(&r) % 8 == 0)
            *align = (size_t)1 << rng_range(&r, 6, 12);
        break;
    default:
        *size = 200;
        break;
    }
}

/* What came before phase i of a round, for the notes. */
static const char *before(int round, size_t i)
{
    return round == 0 && i == 0 ? "no" : phase_names[order[(i + ORDER - 1) % ORDER]];
}

typedef struct phase_result {
    size_t blocks;     /* blocks allocated before the heap refused one, or the phase ended */
    uint64_t peak_heap; /* heap_bytes with all of them live */
    bool sound;        /* contents intact, check true, nothing left in use */
} phase_result;

/* For a TABLE phase before the n-th block: a table of twice the entries when the
 * one in *t is three quarters full, the old one freed (its contents checked). False
 * when the heap refuses the new one. */
static bool table_for(alloy_allocator *a, live_block *t, size_t n, bool *sound)
{
    if (n < t->size / TABLE_ENTRY * 3 / 4)
        return true;
    live_block bigger = {NULL, t->size ? 2 * t->size : TABLE_FIRST * TABLE_ENTRY, 8, (uint32_t)n};
    if (!(bigger.p = alloy_alloc(a, bigger.size, bigger.align)))
        return false;
    block_fill(&bigger);
    if (t->p) {
        *sound = *sound && block_intact(t, t->size);
        alloy_free(a, t->p, t->size, t->align);
    }
    *t = bigger;
    return true;
}

/* Run phase p: allocate its blocks until one is refused, or `live` bytes were asked
 * for (0: no such end); then free them all. */
static phase_result run_phase(alloy_allocator *a, enum phase p, size_t live, live_block *blocks)
{
    phase_result out = {0, 0, true};
    size_t asked = 0;
    live_block table = {NULL, 0, 8, 0};
    while (out.blocks < MAX_BLOCKS && (live == 0 || asked < live)) {
        if (p == TABLE && !table_for(a, &table, out.blocks, &out.sound))
            break;
        live_block *b = &blocks[out.blocks];
        block_of(p, out.blocks, &b->size, &b->align);
        b->p = alloy_alloc(a, b->size, b->align);
        if (!b->p)
            break;
        b->tag = (uint32_t)(out.blocks * 3 + p);
        block_fill(b);
        asked += b->size;
        out.blocks++;
    }
    alloy_stats s;
    alloy_stats_get(a, &s);
    out.peak_heap = s.shared.heap_bytes;
    for (size_t i = 0; i < out.blocks; i++) {
        out.sound = out.sound && block_intact(&blocks[i], blocks[i].size);
        alloy_free(a, blocks[i].p, blocks[i].size, blocks[i].align);
        blocks[i].p = NULL;
    }
    if (table.p) {
        out.sound = out.sound && block_intact(&table, table.size);
        alloy_free(a, table.p, table.size, table.align);
    }
    alloy_stats_get(a, &s);
    out.sound = out.sound && s.shared.bytes_in_use == 0 && alloy_check(a);
    return out;
}

/* Phase p alone on a fresh heap of heap_bytes. */
static bool fresh(const fixture_kind *kind, size_t heap_bytes, enum phase p, size_t live, live_block *blocks,
                  phase_result *out)
{
    fixture f;
    if (!fixture_open(&f, kind, heap_bytes))
        return false;
    *out = run_phase(fixture_instance(&f, 0), p, live, blocks);
    fixture_close(&f);
    return out->sound;
}

void conformance_phase_changes(const fixture_kind *kind)
{
    char kind_name[96];
    fixture_describe(kind, kind_name, sizeof kind_name);
    snprintf(test_note, sizeof test_note, "%s", kind_name);
    live_block *blocks = calloc(MAX_BLOCKS, sizeof *blocks);
    CHECK(blocks);
    phase_result alone[PHASES], grown[PHASES];
    uint64_t largest = 0;
    for (int p = 0; p < PHASES; p++) {
        CHECK(fresh(kind, REUSE_HEAP, (enum phase)p, 0, blocks, &alone[p]));
        CHECK(fresh(kind, BOUND_HEAP, (enum phase)p, BOUND_LIVE, blocks, &grown[p]));
        if (grown[p].peak_heap > largest)
            largest = grown[p].peak_heap;
    }

    /* reuse: every phase fits what it fits on a fresh heap, whatever came before */
    fixture f;
    CHECK(fixture_open(&f, kind, REUSE_HEAP));
    alloy_allocator *a = fixture_instance(&f, 0);
    for (int round = 0; round < ROUNDS; round++)
        for (size_t i = 0; i < ORDER; i++) {
            phase_result r = run_phase(a, order[i], 0, blocks);
            snprintf(test_note, sizeof test_note, "%s: %s blocks after %s blocks, round %d: %zu, on a fresh heap %zu",
                     kind_name, phase_names[order[i]], before(round, i), round, r.blocks, alone[order[i]].blocks);
            CHECK(r.sound);
            CHECK(r.blocks + 2 + alone[order[i]].blocks / 32 >= alone[order[i]].blocks);
            CHECK(r.blocks < MAX_BLOCKS); /* the heap, not the sequence, ended the phase */
        }
    fixture_close(&f);

    /* bound: alternating phases hold no more than the largest one needs */
    CHECK(fixture_open(&f, kind, BOUND_HEAP));
    a = fixture_instance(&f, 0);
    for (int round = 0; round < ROUNDS; round++)
        for (size_t i = 0; i < ORDER; i++) {
            phase_result r = run_phase(a, order[i], BOUND_LIVE, blocks);
            snprintf(test_note, sizeof test_note, "%s: %s blocks after %s blocks, round %d: heap %llu, bound %.1f x %llu",
                     kind_name, phase_names[order[i]], before(round, i), round, (unsigned long long)r.peak_heap, PHASE_BOUND, (unsigned long long)largest);
            CHECK(r.sound);
            CHECK(r.blocks == grown[order[i]].blocks);
            CHECK(r.peak_heap <= (uint64_t)(PHASE_BOUND * (double)largest) + ALLOY_PAGE_SIZE);
        }
    fixture_close(&f);
    free(blocks);
}
