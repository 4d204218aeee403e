/* The out-of-memory and bad-input cases of the conformance suite (hardening issue
 * [4/6]). Every case runs on every strategy x heap provider, natively and in wasm:
 *
 *   oom_matrix       the heap runs out, many times over, with mixed sizes and
 *                    alignments; every refusal is NULL, counted, harmless, and the
 *                    instance serves again after frees.
 *   growth_refused   the provider refuses the n-th grow, every grow from the n-th, or
 *                    every k-th (tests/refusing_heap.h), so growth fails in the middle
 *                    of a strategy's growth paths; the same properties, and the
 *                    instance serves once the provider accepts again.
 *   edge_sizes, edge_alignments, edge_zero_and_null
 *                    each rejected call gets the answer alloy/alloy.h documents and
 *                    moves exactly the counter it names (or none).
 *   malloc_edges, malloc_oom
 *                    the same for the malloc layer (alloy/malloc.h) over the instance.
 *
 * Every heap here is bounded (fixture_open_refusing gives the wasm provider a page
 * budget), so no case grows wasm memory far. Helpers return false and append what
 * failed, with its line, to test_note; the case bodies CHECK them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloy/malloc.h"
#include "blocks.h"
#include "check.h"
#include "conformance.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
/* alloy_region's small/large boundary; a size either side exercises both paths of
 * every strategy (bumpfree has one path, which is fine) */
#define SMALL_MAX ((size_t)32 * KiB)

static void note(const fixture_kind *kind, const char *what)
{
    snprintf(test_note, sizeof test_note, "%s on %s, %s", kind->strategy, kind->heap, what);
}

static void note_n(const fixture_kind *kind, const char *what, uint64_t n)
{
    snprintf(test_note, sizeof test_note, "%s on %s, %s %llu", kind->strategy, kind->heap, what,
             (unsigned long long)n);
}

static bool failed_at(int line, const char *what)
{
    size_t used = strlen(test_note);
    if (used < sizeof test_note)
        snprintf(test_note + used, sizeof test_note - used, " | line %d: %s", line, what);
    return false;
}

#define EXPECT(cond)                                 \
    do {                                             \
        if (!(cond))                                 \
            return failed_at(__LINE__, #cond);       \
    } while (0)

static alloy_shared_stats shared_of(const alloy_allocator *a)
{
    alloy_stats s;
    alloy_stats_get(a, &s);
    return s.shared;
}

static bool aligned(const void *p, size_t align)
{
    return (uintptr_t)p % align == 0;
}

/* --- the driver: instances, live blocks and a shadow count of each's statistics -- */

#define SLOTS 1024
#define INSTANCES 2

typedef struct instance {
    alloy_allocator *a;
    alloy_shared_stats expect; /* invalid_requests included; heap_bytes not kept */
} instance;

/* Slot i belongs to instance i % instance_count. */
typedef struct driver {
    fixture f;
    instance inst[INSTANCES];
    size_t instance_count;
    live_block b[SLOTS];
    test_rng r;
    uint32_t tag;
    uint64_t refusals; /* NULLs from alloc/realloc, falses from resize */
} driver;

static instance *owner(driver *d, const live_block *slot)
{
    return &d->inst[(size_t)(slot - d->b) % d->instance_count];
}

static bool open_driver(driver *d, const fixture_kind *kind, size_t heap_bytes, refusing_policy policy,
                        size_t instances, uint64_t seed)
{
    memset(d, 0, sizeof *d);
    EXPECT(fixture_open_refusing(&d->f, kind, heap_bytes, policy));
    for (size_t i = 0; i < instances; i++) {
        d->inst[i].a = fixture_instance(&d->f, i);
        EXPECT(d->inst[i].a != NULL);
    }
    d->instance_count = instances;
    d->r.state = seed;
    return true;
}

static bool counters_match(const instance *in)
{
    alloy_shared_stats m = shared_of(in->a);
    EXPECT(shadow_matches(in->a, &in->expect));
    EXPECT(m.invalid_requests == in->expect.invalid_requests);
    return true;
}

static bool every_block_intact(const driver *d)
{
    for (size_t i = 0; i < SLOTS; i++)
        EXPECT(!d->b[i].p || block_intact(&d->b[i], d->b[i].size));
    return true;
}

/* What must hold after any refusal: statistics equal the shadow, every instance
 * passes its check, every live block holds its pattern. */
static bool sound(const driver *d)
{
    for (size_t i = 0; i < d->instance_count; i++) {
        EXPECT(counters_match(&d->inst[i]));
        EXPECT(alloy_check(d->inst[i].a));
    }
    return every_block_intact(d);
}

/* Allocate into the empty slot; *served says whether it was served. */
static bool d_alloc(driver *d, live_block *slot, size_t size, size_t align, bool *served)
{
    instance *in = owner(d, slot);
    void *p = alloy_alloc(in->a, size, align);
    *served = p != NULL;
    if (p) {
        EXPECT(aligned(p, align));
        *slot = (live_block){p, size, align, d->tag++};
        block_fill(slot);
        in->expect.allocs++;
        in->expect.bytes_in_use += size;
    } else {
        d->refusals++;
        in->expect.failed_allocs++;
    }
    shadow_peak(&in->expect, size);
    return p ? counters_match(in) : sound(d);
}

static bool d_realloc(driver *d, live_block *slot, size_t new_size, bool *served)
{
    instance *in = owner(d, slot);
    void *p = alloy_realloc(in->a, slot->p, slot->size, slot->align, new_size);
    *served = p != NULL;
    if (p) {
        EXPECT(aligned(p, slot->align));
        live_block moved = *slot;
        moved.p = p;
        EXPECT(block_intact(&moved, slot->size < new_size ? slot->size : new_size));
        in->expect.reallocs++;
        in->expect.bytes_in_use = in->expect.bytes_in_use - slot->size + new_size;
        *slot = (live_block){p, new_size, slot->align, d->tag++};
        block_fill(slot);
    } else {
        d->refusals++;
        in->expect.failed_allocs++; /* the old block stays the caller's: sound() checks it */
    }
    shadow_peak(&in->expect, new_size);
    return p ? counters_match(in) : sound(d);
}

/* A resize that is refused counts nothing (new_size <= ALLOY_MAX_SIZE here). */
static bool d_resize(driver *d, live_block *slot, size_t new_size, bool *done)
{
    instance *in = owner(d, slot);
    void *before = slot->p;
    *done = alloy_resize(in->a, slot->p, slot->size, slot->align, new_size);
    if (!*done) { /* often refused for reasons of the strategy's own: check the block only */
        d->refusals++;
        EXPECT(counters_match(in));
        EXPECT(alloy_check(in->a));
        EXPECT(block_intact(slot, slot->size));
        return true;
    }
    EXPECT(slot->p == before);
    EXPECT(block_intact(slot, slot->size < new_size ? slot->size : new_size));
    in->expect.reallocs++;
    in->expect.bytes_in_use = in->expect.bytes_in_use - slot->size + new_size;
    slot->size = new_size;
    slot->tag = d->tag++;
    block_fill(slot);
    shadow_peak(&in->expect, new_size);
    return counters_match(in);
}

static bool d_free(driver *d, live_block *slot)
{
    instance *in = owner(d, slot);
    EXPECT(block_intact(slot, slot->size));
    alloy_free(in->a, slot->p, slot->size, slot->align);
    in->expect.frees++;
    in->expect.bytes_in_use -= slot->size;
    slot->p = NULL;
    return counters_match(in);
}

static bool free_all(driver *d)
{
    for (size_t i = 0; i < SLOTS; i++)
        if (d->b[i].p)
            EXPECT(d_free(d, &d->b[i]));
    for (size_t i = 0; i < d->instance_count; i++) {
        EXPECT(shared_of(d->inst[i].a).bytes_in_use == 0);
        EXPECT(alloy_check(d->inst[i].a));
    }
    return true;
}

/* Mostly small sizes, some up to the region strategy's small maximum, some runs of
 * pages; alignments mostly up to 16, some to a page. */
static size_t mixed_size_upto(test_rng *r, size_t large_max)
{
    uint64_t pick = rng_next(r) % 100;
    if (pick < 55)
        return rng_range(r, 1, 256);
    if (pick < 80)
        return rng_range(r, 257, 4096);
    if (pick < 92)
        return rng_range(r, 4097, SMALL_MAX);
    return rng_range(r, SMALL_MAX + 1, large_max);
}

static size_t mixed_size(test_rng *r)
{
    return mixed_size_upto(r, 300000);
}

static size_t mixed_align(test_rng *r)
{
    uint64_t pick = rng_next(r) % 100;
    if (pick < 70)
        return (size_t)1 << rng_range(r, 0, 4);
    if (pick < 95)
        return (size_t)1 << rng_range(r, 5, 12);
    return (size_t)1 << rng_range(r, 13, 16);
}

/* A random slot among the first n that is empty (want_live false) or live; NULL if none. */
static live_block *pick_slot(driver *d, size_t n, bool want_live)
{
    size_t start = rng_range(&d->r, 0, n - 1);
    for (size_t k = 0; k < n; k++) {
        live_block *s = &d->b[(start + k) % n];
        if ((s->p != NULL) == want_live)
            return s;
    }
    return NULL;
}

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
 * interleave, so pages are often not adjacent: new regions and new areas): mixed
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

/* Growth that fails while the small-block space keeps growing past one region (2 MiB
 * for the region strategy) and large blocks grow onto the end of the heap: a fill of
 * 5 MiB, refusing every 3rd grow, then every grow for a while, then none. */
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

/* Sizes SIZE_MAX - k for k = 0 .. a little over two pages (ALLOY_MAX_SIZE is
 * SIZE_MAX - 2 pages): every k near the ends of pages and of 16-byte units, and a
 * stride through the rest. Returns false when done. */
static bool next_k(size_t *k)
{
    static const size_t top = 2 * 65536 + 4096 + 64;
    size_t m = *k % 65536;
    if (m < 40 || m >= 65536 - 40)
        *k += 1;
    else
        *k += 4093 < 65536 - 40 - m ? 4093 : 65536 - 40 - m;
    return *k <= top;
}

void conformance_edge_sizes(const fixture_kind *kind)
{
    note(kind, "edge_sizes");
    static driver d;
    CHECK(open_driver(&d, kind, 1 * MiB, (refusing_policy){0}, 1, 51));
    bool ok;
    /* a small block, a run of pages with a page's alignment (on the static heap that
     * leaves padding in front), and the block allocated last (bumpfree grows it in place) */
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
        EXPECT(alloy_malloc_usable_size(blocks[i].p) == blocks[i].size);
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

    /* size 0: unique blocks of 0 usable bytes, from malloc, aligned_alloc, calloc
     * (a product of 0) and realloc of NULL (which acts as malloc) */
    void *zeros[8] = {alloy_malloc(a, 0), alloy_malloc(a, 0), alloy_malloc_aligned(a, 4096, 0),
                      alloy_malloc_aligned(a, 1, 0), alloy_malloc_calloc(a, 0, SIZE_MAX),
                      alloy_malloc_calloc(a, SIZE_MAX, 0), alloy_malloc_calloc(a, 0, 0),
                      alloy_malloc_realloc(a, NULL, 0)};
    for (size_t i = 0; i < 8; i++) {
        CHECK(zeros[i] != NULL && aligned(zeros[i], i == 2 ? 4096 : 16));
        CHECK(alloy_malloc_usable_size(zeros[i]) == 0);
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
                CHECK(aligned(p, align) && alloy_malloc_usable_size(p) == size);
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
                if (q) {
                    CHECK(aligned(q, v->align));
                    live_block moved = *v;
                    moved.p = q;
                    CHECK(block_intact(&moved, v->size));
                    *v = (live_block){q, grown, v->align, d.tag++};
                    block_fill(v);
                }
                CHECK(alloy_malloc_usable_size(v->p) == v->size);
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

/* --- found by this matrix ----------------------------------------------------------- */

/* A regression test for a region bug that oom_matrix and growth_refused found:
 * free_large merged the freed run with the run after it in the list, then the run
 * before it with what followed; but once that one had grown it could touch the run
 * before *it* in the list, which stayed unmerged (alloy_check failed, and the two
 * free runs could not serve a request that needed both).
 *
 * Runs: R (3 pages), then S (1 page, after R in memory, first in the list); free R;
 * X (1 page) splits R: X, then R's other 2 pages free behind it in the list; Y
 * (2 pages) takes those. The list is S, X, Y; memory X | Y | S. Free S, X, then Y:
 * X absorbs Y and now ends where S begins, but S precedes X in the list. */
void conformance_freed_runs_merge_across_the_list(const fixture_kind *kind)
{
    static driver d;
    CHECK(open_driver(&d, kind, 4 * MiB, (refusing_policy){0}, 1, 56));
    bool ok;
    live_block *r = &d.b[0], *s = &d.b[1], *x = &d.b[2], *y = &d.b[3];
    CHECK(d_alloc(&d, r, 2 * ALLOY_PAGE_SIZE + 1000, 16, &ok) && ok);
    CHECK(d_alloc(&d, s, 40000, 16, &ok) && ok);
    CHECK(d_free(&d, r));
    CHECK(d_alloc(&d, x, 40000, 16, &ok) && ok);
    CHECK(d_alloc(&d, y, 70000, 16, &ok) && ok);
    CHECK(d_free(&d, s));
    CHECK(alloy_check(d.inst[0].a));
    CHECK(d_free(&d, x));
    CHECK(alloy_check(d.inst[0].a));
    CHECK(d_free(&d, y));
    CHECK(alloy_check(d.inst[0].a)); /* region failed here */
    fixture_close(&d.f);
}
