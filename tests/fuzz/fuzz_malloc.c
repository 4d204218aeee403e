/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the C allocation API over an instance (alloy/malloc.h:
 * alloy_malloc, alloy_malloc_calloc, alloy_malloc_realloc, alloy_malloc_aligned,
 * alloy_malloc_free, alloy_malloc_usable_size) of one strategy (FUZZ_STRATEGY: meson
 * builds fuzz_malloc_NAME for every strategy NAME) on a small static heap, driven by
 * operations decoded from the input. Built and run as fuzz_alloy.c tells; a broken
 * property aborts, which libFuzzer saves as a crash.
 *
 * Input format: a sequence of operations, each starting with one byte b:
 *   b % 6 is the operation, b >> 3 the slot (0..31) it works on (an occupied slot is
 *   freed first by the operations that make a block);
 *   0 malloc        size (3 bytes)
 *   1 free          (nothing more); an empty slot frees NULL
 *   2 calloc        count (1 byte), size (3 bytes)
 *   3 realloc       size (3 bytes); an empty slot reallocs NULL
 *   4 aligned_alloc alignment (1 byte), size (3 bytes)
 *   5 use all       (nothing more): write the pattern over every usable byte
 * A size is a kind byte and a 16-bit little-endian value v, as in fuzz_alloy.c, but
 * for the specials: 0, SIZE_MAX, SIZE_MAX - 15, ALLOY_MAX_SIZE and ALLOY_MAX_SIZE - 16
 * (only 0 may give a block). A count byte c is c % 128 when c < 128, else SIZE_MAX >>
 * (c % 8), so that count x size often overflows. An alignment byte a gives 1 << (a %
 * 17), or when a % 32 == 31 one that is not a power of two (3), or when a % 32 == 30
 * one too large (1 << 17): both must be refused.
 *
 * After every operation: a block made or changed is aligned to 16 (aligned_alloc:
 * to its alignment, when larger; realloc keeps a block's in place, 16 when it
 * moves it), lies in the heap,
 * overlaps no live block and has an address no other live block has (size 0
 * included), its usable size is at least what was asked, calloc's holds zeros,
 * realloc kept the contents up to the smaller size, and the live blocks next to it
 * in memory hold their patterns (fuzz_support.h); the instance's statistics count
 * as many live blocks (allocs - frees) as the shadow and at least the bytes asked
 * for. Every FUZZ_FULL_EVERY operations, and at the end: every block holds its
 * pattern, no two overlap, alloy_check holds. At the end every block is freed:
 * nothing in use, allocs = frees.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloy/malloc.h"
#include "alloy/strategies.h"
#include "fuzz_support.h"

#if !defined(FUZZ_STRATEGY)
#error "define FUZZ_STRATEGY to a strategy's name: -DFUZZ_STRATEGY=NAME"
#endif
typedef ALLOY_PASTE(alloy_, FUZZ_STRATEGY, ) instance_state;
#define instance_init ALLOY_PASTE(alloy_, FUZZ_STRATEGY, _init)
#define STRINGIFY(x) #x
#define NAME_OF(x) STRINGIFY(x)

#define SLOTS 32
#define ARRAY_BYTES (5 * ALLOY_PAGE_SIZE + 40000 + 8)
#define MIN_ALIGN ((size_t)16) /* what malloc's blocks are aligned to: max_align_t */

typedef struct state {
    _Alignas(16) unsigned char array[ARRAY_BYTES];
    alloy_static_heap heap;
    instance_state instance;
    alloy_allocator *a;
    fuzz_block slots[SLOTS]; /* size: the bytes that hold the pattern */
    size_t asked[SLOTS];     /* the size each block was asked for */
    uint64_t live;           /* blocks live */
    uint64_t asked_bytes;    /* their sizes asked for */
    uint32_t serial;
} state;

static size_t decode_size(const uint8_t b[3])
{
    size_t v = (size_t)b[1] | (size_t)b[2] << 8;
    switch (b[0] % 8) {
    case 0: return 1 + v % 16;
    case 1: return 1 + v % 256;
    case 2: return 1 + v % 4096;
    case 3: return 1 + v % 32768;
    case 4: return 32766 + v % 4;
    case 5: return (1 + v % 6) * ALLOY_PAGE_SIZE + v / 6 % 3 - 1;
    case 6: return 32768 + v * 5;
    default: {
        static const size_t special[] = {0, SIZE_MAX, SIZE_MAX - 15, ALLOY_MAX_SIZE, ALLOY_MAX_SIZE - 16};
        return special[v % 5];
    }
    }
}

static size_t decode_count(uint8_t c)
{
    return c < 128 ? c : SIZE_MAX >> (c % 8);
}

static size_t decode_align(uint8_t a)
{
    if (a % 32 == 31)
        return 3;
    if (a % 32 == 30)
        return (size_t)1 << 17;
    return (size_t)1 << (a % 17);
}

static size_t slot_index(const state *s, const fuzz_block *b)
{
    return (size_t)(b - s->slots);
}

/* The usable size, which the layer tells from the instance. */
static size_t usable(const state *s, const void *p)
{
    return alloy_malloc_usable_size(s->a, p);
}

/* --- the checks ------------------------------------------------------------------- */

FUZZ_UNCOVERED static void check_block(const state *s, size_t i)
{
    const fuzz_block *b = &s->slots[i];
    if (!b->p)
        return;
    if ((uintptr_t)b->p % b->align)
        broken("slot %zu: %p is not aligned to %zu", i, (void *)b->p, b->align);
    size_t room = usable(s, b->p);
    if (room < s->asked[i])
        broken("slot %zu: usable size %zu, asked for %zu", i, room, s->asked[i]);
    if (room < b->size)
        broken("slot %zu: usable size %zu, %zu bytes were usable before", i, room, b->size);
    if (!alloy_heap_holds(&s->heap.heap, b->p, room))
        broken("slot %zu: the block at %p (%zu usable bytes) is outside the heap", i, (void *)b->p, room);
    for (size_t j = 0; j < SLOTS; j++)
        if (j != i && s->slots[j].p == b->p)
            broken("slots %zu and %zu have the same address %p", i, j, (void *)b->p);
    size_t other = overlapping(s->slots, SLOTS, i, b->p, room);
    if (other != SLOTS)
        broken("slot %zu (%p, %zu usable bytes) overlaps slot %zu (%p, %zu bytes)", i, (void *)b->p, room, other,
               (void *)s->slots[other].p, s->slots[other].size);
    if (!probe_intact(b, SIZE_MAX))
        broken("slot %zu: the block at %p (%zu bytes) was overwritten", i, (void *)b->p, b->size);
    neighbours_intact(s->slots, SLOTS, i, b->p, b->size);
}

/* The figures: after every operation as the front end keeps them in the handle (at
 * no cost), in check_all as alloy_stats_get reports them. */
FUZZ_UNCOVERED static void check_counts(const state *s, const alloy_shared_stats *m)
{
    if (m->allocs - m->frees != s->live)
        broken("statistics: %llu allocations less %llu frees, %llu blocks live", (unsigned long long)m->allocs,
               (unsigned long long)m->frees, (unsigned long long)s->live);
    if (m->bytes_in_use < s->asked_bytes || (s->live == 0 && m->bytes_in_use != 0))
        broken("statistics: %llu bytes in use, %llu asked for in %llu blocks", (unsigned long long)m->bytes_in_use,
               (unsigned long long)s->asked_bytes, (unsigned long long)s->live);
    if (m->heap_bytes > ARRAY_BYTES)
        broken("statistics: %llu heap bytes from a %zu-byte array", (unsigned long long)m->heap_bytes,
               (size_t)ARRAY_BYTES);
}

FUZZ_UNCOVERED static void check_all(const state *s)
{
    for (size_t i = 0; i < SLOTS; i++)
        if (s->slots[i].p && !probe_intact(&s->slots[i], SIZE_MAX))
            broken("slot %zu: the block at %p (%zu bytes) was overwritten", i, (void *)s->slots[i].p,
                   s->slots[i].size);
    if (!all_disjoint(s->slots, SLOTS))
        broken("two live blocks overlap");
    alloy_stats st;
    alloy_stats_get(s->a, &st);
    check_counts(s, &st.shared);
    if (!alloy_check(s->a))
        broken("alloy_check failed");
}

/* --- the operations --------------------------------------------------------------- */

static void take_block(state *s, fuzz_block *b, void *p, size_t asked, size_t align)
{
    size_t i = slot_index(s, b);
    *b = (fuzz_block){p, asked, align, ++s->serial};
    s->asked[i] = asked;
    s->live++;
    s->asked_bytes += asked;
}

static void do_free(state *s, fuzz_block *b)
{
    fuzz_block was = *b;
    alloy_malloc_free(s->a, b->p);
    if (!b->p)
        return;
    s->live--;
    s->asked_bytes -= s->asked[slot_index(s, b)];
    b->p = NULL;
    neighbours_intact(s->slots, SLOTS, slot_index(s, b), was.p, was.size);
}

/* A request that must be refused: a size within the header's reach of SIZE_MAX,
 * beyond what the front end takes, or a bad alignment. */
static bool refused(size_t size, size_t align)
{
    return size > ALLOY_MAX_SIZE - 16 || (align & (align - 1)) || align > ALLOY_MAX_ALIGN || size > ARRAY_BYTES;
}

static void do_malloc(state *s, fuzz_block *b, size_t size, size_t align, bool aligned)
{
    void *p = aligned ? alloy_malloc_aligned(s->a, align, size) : alloy_malloc(s->a, size);
    if (!p) {
        if (size == 0 && align <= ALLOY_MAX_ALIGN && !(align & (align - 1)))
            check_all(s); /* malloc(0) may only fail for want of memory: the heap holds */
        return;
    }
    if (refused(size, aligned ? align : MIN_ALIGN))
        broken("alloy_malloc%s(%zu, align %zu) returned a block", aligned ? "_aligned" : "", size, align);
    take_block(s, b, p, size, align > MIN_ALIGN ? align : MIN_ALIGN);
    probe_fill(b);
    check_block(s, slot_index(s, b));
}

static void do_calloc(state *s, fuzz_block *b, size_t n, size_t size)
{
    void *p = alloy_malloc_calloc(s->a, n, size);
    if (!p)
        return;
    if (size && n > SIZE_MAX / size)
        broken("alloy_malloc_calloc(%zu, %zu) overflows but returned a block", n, size);
    if (refused(n * size, MIN_ALIGN))
        broken("alloy_malloc_calloc(%zu, %zu) returned a block", n, size);
    take_block(s, b, p, n * size, MIN_ALIGN);
    if (!probe_zero(b))
        broken("alloy_malloc_calloc(%zu, %zu): a byte is not zero", n, size);
    probe_fill(b);
    check_block(s, slot_index(s, b));
}

static void do_realloc(state *s, fuzz_block *b, size_t size)
{
    size_t i = slot_index(s, b);
    if (!b->p) {
        void *p = alloy_malloc_realloc(s->a, NULL, size);
        if (!p)
            return;
        if (refused(size, MIN_ALIGN))
            broken("alloy_malloc_realloc(NULL, %zu) returned a block", size);
        take_block(s, b, p, size, MIN_ALIGN);
        probe_fill(b);
        check_block(s, i);
        return;
    }
    fuzz_block was = *b;
    void *p = alloy_malloc_realloc(s->a, b->p, size);
    if (size == 0) { /* frees */
        if (p)
            broken("alloy_malloc_realloc(p, 0) returned a block");
        s->live--;
        s->asked_bytes -= s->asked[i];
        b->p = NULL;
        neighbours_intact(s->slots, SLOTS, i, was.p, was.size);
        return;
    }
    if (!p) { /* the old block stays, intact */
        check_block(s, i);
        return;
    }
    if (refused(size, b->align))
        broken("alloy_malloc_realloc(p, %zu) returned a block", size);
    /* the contents came along, up to the smaller of the sizes asked for */
    size_t kept = size < s->asked[i] ? size : s->asked[i];
    fuzz_block moved = was;
    moved.p = p;
    if (!probe_intact(&moved, kept))
        broken("alloy_malloc_realloc from %zu to %zu bytes lost contents", s->asked[i], size);
    s->asked_bytes = s->asked_bytes - s->asked[i] + size;
    s->asked[i] = size;
    /* a block that moved keeps 16 (alloy/malloc.h): C's realloc promises no more */
    *b = (fuzz_block){p, size, p == was.p ? was.align : MIN_ALIGN, ++s->serial};
    probe_fill(b);
    check_block(s, i);
    if (p != was.p)
        neighbours_intact(s->slots, SLOTS, i, was.p, was.size);
}

/* Write the pattern over every usable byte: they are the caller's to use. */
static void use_all(state *s, fuzz_block *b)
{
    if (!b->p)
        return;
    b->size = usable(s, b->p);
    b->tag = ++s->serial;
    probe_fill(b);
    check_block(s, slot_index(s, b));
}

/* --- one input -------------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static state s; /* not for the stack; one input at a time */
    fuzz_target = "fuzz_malloc_" NAME_OF(FUZZ_STRATEGY);
    memset(&s.slots, 0, sizeof s.slots);
    s.live = s.asked_bytes = 0;
    s.serial = 0;
    fuzz_op = 0;
    s.a = instance_init(&s.instance, alloy_static_heap_init(&s.heap, s.array + 8, sizeof s.array - 8));
    if (!s.a)
        broken("no instance");

    reader r = {data, size};
    const uint8_t *b, *sz, *x;
    while (take(&r, 1, &b)) {
        fuzz_op++;
        fuzz_block *slot = &s.slots[(b[0] >> 3) % SLOTS];
        unsigned op = b[0] % 6;
        if ((op == 2 || op == 4) && !take(&r, 1, &x))
            goto done;
        if (op != 1 && op != 5 && !take(&r, 3, &sz))
            goto done;
        if ((op == 0 || op == 2 || op == 4) && slot->p)
            do_free(&s, slot);
        switch (op) {
        case 0: do_malloc(&s, slot, decode_size(sz), MIN_ALIGN, false); break;
        case 1: do_free(&s, slot); break;
        case 2: do_calloc(&s, slot, decode_count(x[0]), decode_size(sz)); break;
        case 3: do_realloc(&s, slot, decode_size(sz)); break;
        case 4: do_malloc(&s, slot, decode_size(sz), decode_align(x[0]), true); break;
        default: use_all(&s, slot); break;
        }
        check_counts(&s, &s.a->stats);
        if (fuzz_op % FUZZ_FULL_EVERY == 0)
            check_all(&s);
    }
done:
    check_all(&s);
    fuzz_op++;
    for (size_t i = 0; i < SLOTS; i++)
        do_free(&s, &s.slots[i]);
    check_all(&s);
    alloy_stats st;
    alloy_stats_get(s.a, &st);
    if (st.shared.bytes_in_use != 0 || st.shared.allocs != st.shared.frees)
        broken("after freeing everything: %llu bytes in use, %llu allocations, %llu frees",
               (unsigned long long)st.shared.bytes_in_use, (unsigned long long)st.shared.allocs,
               (unsigned long long)st.shared.frees);
    return 0;
}
