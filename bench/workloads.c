/* SPDX-License-Identifier: MIT */
/* bench/workloads.c - the synthetic workloads, each written once against the
 * adapter in bench.h and run unchanged on every allocator.
 *
 * What each one measures (full size; --quick divides the operation counts by 16):
 *   mixed   8,192 live slots, 2M replacements of a random slot's block; 7/8 of
 *           sizes 1..128 B, 1/8 1..4096 B: a long-running program's steady state
 *   small   the same with every size 1..128 B
 *   churn   512 slots, sizes 1..512 B, 2M replacements: a small hot working set
 *   lifo    rounds of 4,096 blocks (mixed sizes) allocated, then freed in reverse
 *   fifo    the same, freed in allocation order (a queue)
 *   realloc-grow  256 arrays grown round-robin one 8-byte element at a time to
 *           512 elements, then 256 grown by doubling from 16 B to 64 KiB
 *   large   16 slots, sizes 32 KiB..1 MiB, 20,000 replacements: page-sized blocks
 *   frame   2,000 frames, each allocating a burst of 500..1,500 short-lived objects
 *           (mostly 16..512 B, 1/32 up to 16 KiB) freed together, in shuffled order,
 *           at the frame's end, beside 256 long-lived objects of which 8 are
 *           replaced per frame; the trip meter is reset at every frame's start
 *   medium  16,384 blocks of 16..1,024 B allocated (about 8 MiB live), 16,384
 *           replacements of a random one, all freed; 128 times (--quick: 8)
 *   big-heap  the same mix of calls on one heap 128 times larger: 2M blocks (--quick:
 *           128K) allocated (about 1 GiB live: 16,000 of region's regions, say),
 *           2M replacements, all freed. big-heap / medium is how a call's cost
 *           grows with the heap (medium's 128 ends of a phase included: region
 *           sets up its regions again at each)
 *   many-large  1,024 slots of 40..200 KiB filled, then 20,000 replacements of a
 *           random one; after every 100th, a burst of 2,048 blocks of 16..1,024 B
 *           allocated and freed in shuffled order (a phase of small blocks beside
 *           the large ones: region gives its regions back at each burst's end).
 *           Where many large blocks live, a walk over them shows (large has 16)
 * Every request is 16-byte aligned (what malloc gives), sizes come from a generator
 * seeded the same way for every allocator, and every block is touched. The arrays
 * of realloc-grow hold values that are checked when they are freed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bench.h"

#define ALIGN 16

static size_t quick_div(const bench_run *r, size_t n)
{
    return r->quick ? n / 16 : n;
}

typedef struct slot {
    void *p;
    size_t size;
} slot;

static slot slots[8192];

/* Sizes: 7/8 of 1..small_max, 1/8 of 1..big_max. */
static size_t size_between(bench_rng *g, size_t small_max, size_t big_max)
{
    uint64_t x = bench_random(g);
    /* reduced in 64 bits, so that wasm32 draws the same sizes */
    return (size_t)(1 + (x >> 8) % ((x & 7) ? small_max : big_max));
}

static void free_slots(bench_run *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (slots[i].p) {
            bench_free(r, slots[i].p, slots[i].size, ALIGN);
            slots[i].p = NULL;
        }
}

/* Replace a random slot's block `replacements` times; sizes from size_between. */
static bool replace_random(bench_run *r, size_t n_slots, size_t replacements, size_t small_max, size_t big_max,
                           uint64_t seed)
{
    bench_rng g = {seed};
    memset(slots, 0, sizeof slots);
    for (size_t i = 0; i < replacements && !bench_stopped(r); i++) {
        slot *s = &slots[bench_random(&g) % n_slots];
        if (s->p)
            bench_free(r, s->p, s->size, ALIGN);
        s->size = size_between(&g, small_max, big_max);
        s->p = bench_alloc(r, s->size, ALIGN);
    }
    free_slots(r, n_slots);
    return true;
}

static bool mixed(bench_run *r)
{
    return replace_random(r, 8192, quick_div(r, 2000000), 128, 4096, 42);
}

static bool small(bench_run *r)
{
    return replace_random(r, 8192, quick_div(r, 2000000), 128, 128, 43);
}

static bool churn(bench_run *r)
{
    return replace_random(r, 512, quick_div(r, 2000000), 512, 512, 44);
}

/* Rounds of `batch` blocks allocated, then all freed in reverse or in order. */
static bool stack_or_queue(bench_run *r, bool reverse, uint64_t seed)
{
    enum { batch = 4096 };
    bench_rng g = {seed};
    size_t rounds = quick_div(r, 256);
    for (size_t round = 0; round < rounds && !bench_stopped(r); round++) {
        for (size_t i = 0; i < batch; i++) {
            slots[i].size = size_between(&g, 128, 4096);
            slots[i].p = bench_alloc(r, slots[i].size, ALIGN);
        }
        for (size_t k = 0; k < batch; k++) {
            size_t i = reverse ? batch - 1 - k : k;
            bench_free(r, slots[i].p, slots[i].size, ALIGN);
            slots[i].p = NULL;
        }
    }
    return true;
}

static bool lifo(bench_run *r)
{
    return stack_or_queue(r, true, 45);
}

static bool fifo(bench_run *r)
{
    return stack_or_queue(r, false, 46);
}

/* realloc-grow: arrays of uint64_t whose element i holds i + tag. */
static bool realloc_grow(bench_run *r)
{
    enum { arrays = 256, elements = 512, doubled_max = 64 * 1024 };
    static uint64_t *a[arrays];
    bool ok = true;
    size_t rounds = r->quick ? 1 : 8;
    for (size_t round = 0; round < rounds && !bench_stopped(r); round++) {
        /* one element at a time, round-robin, so that the arrays interleave */
        size_t n = 0;
        memset(a, 0, sizeof a);
        for (; n < elements && !bench_stopped(r); n++)
            for (size_t k = 0; k < arrays; k++) {
                size_t bytes = (n + 1) * sizeof(uint64_t);
                a[k] = n ? bench_realloc(r, a[k], n * sizeof(uint64_t), bytes, ALIGN) : bench_alloc(r, bytes, ALIGN);
                a[k][n] = n + k;
            }
        for (size_t k = 0; k < arrays; k++) {
            ok = ok && a[k][0] == k && a[k][n - 1] == n - 1 + k;
            bench_free(r, a[k], n * sizeof(uint64_t), ALIGN);
        }
        /* by doubling */
        size_t bytes = 16;
        for (size_t k = 0; k < arrays; k++) {
            a[k] = bench_alloc(r, bytes, ALIGN);
            a[k][1] = k;
        }
        for (; bytes < doubled_max && !bench_stopped(r); bytes *= 2)
            for (size_t k = 0; k < arrays; k++) {
                a[k] = bench_realloc(r, a[k], bytes, bytes * 2, ALIGN);
                a[k][bytes * 2 / sizeof(uint64_t) - 1] = k;
            }
        for (size_t k = 0; k < arrays; k++) {
            ok = ok && a[k][1] == k && a[k][bytes / sizeof(uint64_t) - 1] == k;
            bench_free(r, a[k], bytes, ALIGN);
        }
    }
    return ok;
}

static bool large(bench_run *r)
{
    bench_rng g = {47};
    size_t n_slots = 16, replacements = quick_div(r, 20000);
    memset(slots, 0, sizeof slots);
    for (size_t i = 0; i < replacements && !bench_stopped(r); i++) {
        slot *s = &slots[bench_random(&g) % n_slots];
        if (s->p)
            bench_free(r, s->p, s->size, ALIGN);
        s->size = 32 * 1024 + (size_t)(bench_random(&g) % (1024 * 1024 - 32 * 1024 + 1));
        s->p = bench_alloc(r, s->size, ALIGN);
    }
    free_slots(r, n_slots);
    return true;
}

/* Free n blocks (n >= 1) in an order shuffled with g. */
static void free_shuffled(bench_run *r, bench_rng *g, slot *blocks, size_t n)
{
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(bench_random(g) % (i + 1));
        slot t = blocks[i];
        blocks[i] = blocks[j];
        blocks[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        bench_free(r, blocks[i].p, blocks[i].size, ALIGN);
}

static bool frame(bench_run *r)
{
    enum { persistent = 256, max_burst = 1500 };
    static slot burst[max_burst];
    bench_rng g = {48};
    size_t frames = quick_div(r, 2000);
    memset(slots, 0, sizeof slots);
    for (size_t i = 0; i < persistent; i++) {
        slots[i].size = size_between(&g, 256, 8192);
        slots[i].p = bench_alloc(r, slots[i].size, ALIGN);
    }
    for (size_t f = 0; f < frames && !bench_stopped(r); f++) {
        bench_frame_begin(r);
        size_t n = 500 + (size_t)(bench_random(&g) % (max_burst - 500 + 1));
        for (size_t i = 0; i < n; i++) {
            uint64_t x = bench_random(&g);
            burst[i].size = (size_t)((x & 31) ? 16 + (x >> 8) % (512 - 16 + 1) : 1 + (x >> 8) % 16384);
            burst[i].p = bench_alloc(r, burst[i].size, ALIGN);
            if (i % 128 == 64) { /* now and then a long-lived object changes */
                slot *s = &slots[bench_random(&g) % persistent];
                bench_free(r, s->p, s->size, ALIGN);
                s->size = size_between(&g, 256, 8192);
                s->p = bench_alloc(r, s->size, ALIGN);
            }
        }
        free_shuffled(r, &g, burst, n);
        bench_frame_end(r);
    }
    free_slots(r, persistent);
    return true;
}

/* n blocks of 16..1,024 B allocated, n replacements of a random one, all freed;
 * `rounds` times (big-heap, medium). */
static bool fill_replace_drain(bench_run *r, size_t n, size_t rounds)
{
    enum { BLOCKS = 1 << 21 };
    static slot held[BLOCKS]; /* static: the heap figure is the allocator's alone */
    bench_rng g = {49};
    for (size_t round = 0; round < rounds && !bench_stopped(r); round++) {
        for (size_t i = 0; i < n && !bench_stopped(r); i++) {
            held[i].size = 16 + (size_t)(bench_random(&g) % 1009);
            held[i].p = bench_alloc(r, held[i].size, ALIGN);
        }
        for (size_t i = 0; i < n && !bench_stopped(r); i++) {
            slot *s = &held[bench_random(&g) % n];
            if (!s->p)
                continue;
            bench_free(r, s->p, s->size, ALIGN);
            s->size = 16 + (size_t)(bench_random(&g) % 1009);
            s->p = bench_alloc(r, s->size, ALIGN);
        }
        for (size_t i = 0; i < n; i++)
            if (held[i].p) {
                bench_free(r, held[i].p, held[i].size, ALIGN);
                held[i].p = NULL;
            }
    }
    return true;
}

static bool big_heap(bench_run *r)
{
    return fill_replace_drain(r, quick_div(r, 1 << 21), 1);
}

static bool medium(bench_run *r)
{
    return fill_replace_drain(r, 1 << 14, quick_div(r, 128));
}

static bool many_large(bench_run *r)
{
    enum { n_slots = 1024, burst_every = 100, burst = 2048 };
    static slot small[burst];
    bench_rng g = {50};
    size_t replacements = quick_div(r, 20000);
    memset(slots, 0, sizeof slots);
    for (size_t i = 0; i < n_slots + replacements && !bench_stopped(r); i++) {
        slot *s = &slots[i < n_slots ? i : bench_random(&g) % n_slots];
        if (s->p)
            bench_free(r, s->p, s->size, ALIGN);
        s->size = 40 * 1024 + (size_t)(bench_random(&g) % (160 * 1024 + 1));
        s->p = bench_alloc(r, s->size, ALIGN);
        if (i < n_slots || (i - n_slots) % burst_every != burst_every - 1)
            continue;
        for (size_t k = 0; k < burst; k++) {
            small[k].size = 16 + (size_t)(bench_random(&g) % 1009);
            small[k].p = bench_alloc(r, small[k].size, ALIGN);
        }
        free_shuffled(r, &g, small, burst);
    }
    free_slots(r, n_slots);
    return true;
}

const bench_workload bench_workloads[] = {
    {"mixed", mixed, 2048},
    {"small", small, 2048},
    {"churn", churn, 2048},
    {"lifo", lifo, 2048},
    {"fifo", fifo, 2048},
    {"realloc-grow", realloc_grow, 1024},
    {"large", large, 32},
    {"frame", frame, 1024},
    {"medium", medium, 2048},
    {"big-heap", big_heap, 65536},
    {"many-large", many_large, 2048},
    {NULL, NULL, 0},
};
