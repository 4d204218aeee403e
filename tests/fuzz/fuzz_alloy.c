/* SPDX-License-Identifier: MIT */
/* libFuzzer target: one strategy (FUZZ_STRATEGY, its name as a token: meson builds
 * fuzz_NAME for every strategy NAME) on a small static heap, driven by a sequence of
 * operations decoded from the input; with FUZZ_CHECKED, the checked wrapper over
 * that strategy (fuzz_checked_NAME), whose misuse reports are fuzzed too. A broken
 * property prints what broke and calls abort(), which libFuzzer reports as a crash
 * and saves the input.
 *
 * Build and run (clang only; tests/fuzz/meson.build builds the targets when the
 * `fuzz` option is enabled):
 *
 *   CC=clang meson setup build/fuzz -Dfuzz=enabled -Db_sanitize=address,undefined \
 *       -Db_lundef=false -Dtests=disabled -Dbench=disabled
 *   meson compile -C build/fuzz
 *   build/fuzz/tests/fuzz/fuzz_NAME -max_total_time=60 new-inputs/ tests/fuzz/corpus/NAME \
 *       tests/fuzz/corpus/seeds
 *
 * tests/fuzz/README.md tells how the corpus is kept.
 *
 * Input format: a sequence of operations, each starting with one byte b:
 *   b % 5 is the operation, b >> 3 the slot (0..31) it works on;
 *   0 allocate    size (3 bytes), alignment (1 byte); an occupied slot is freed first
 *   1 free        (nothing more); an empty slot frees NULL
 *   2 resize      size (3 bytes): alloy_resize in place; an empty slot does nothing
 *   3 realloc     size (3 bytes), alignment (1 byte, used when the slot is empty)
 *   4 reset_trip  (nothing more); in the checked target, slots 24..31 are misuse
 *                 instead: (b >> 3) - 24 picks it, and one more byte v picks the
 *                 slot (v % 32) or the recent free (v % 32) it names (misuse() below)
 * A size is a kind byte and a 16-bit little-endian value v: kind % 8 picks tiny
 * (1..16), small (1..256), medium (1..4096), up to 32 KiB, around 32 KiB (32766..32769),
 * around whole pages (1..6 pages, -1..+1 byte), large (32 KiB .. 332 KiB), or special
 * (0, ALLOY_MAX_SIZE, ALLOY_MAX_SIZE + 1, SIZE_MAX). An alignment byte a gives
 * 1 << (a % 17) (1 .. 65536), or when a % 32 == 31 a bad alignment (3), which
 * allocate must refuse and count as invalid (the checked target takes alignments
 * above 4096 from a >= 0xe0 only: decode_align). A truncated operation ends the
 * input.
 *
 * After every operation: the block it made or changed is aligned, lies in the heap,
 * overlaps no other live block and holds its pattern in its probes (fuzz_support.h),
 * moved or resized contents came along, the live blocks next to it (or to the block
 * it freed) in memory hold theirs; the shared statistics equal a shadow count (bytes
 * in use, high water, trip high water, allocs, frees, reallocs, failed allocations,
 * invalid requests, largest request). Every FUZZ_FULL_EVERY operations, and at the
 * end: every live block is aligned, in the heap and holds its pattern, no two
 * overlap, alloy_check holds, and alloy_stats_get reports the shadow count, heap
 * bytes within the array and, for a strategy that keeps the figure live_bytes, at
 * least the shadow's sizes rounded up to 16, and 0 once every block is freed (the
 * checked wrapper: live_blocks and reports as the shadow counts them). At the end every block is freed
 * and the instance must be back to 0 bytes in use (the checked wrapper: and give its
 * table back, leaving the inner instance nothing in use).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloy/checked.h"
#include "alloy/strategies.h"
#include "blocks.h"
#include "fuzz_support.h"

#if !defined(FUZZ_STRATEGY)
#error "define FUZZ_STRATEGY to a strategy's name: -DFUZZ_STRATEGY=NAME"
#endif
#if !defined(FUZZ_CHECKED)
#define FUZZ_CHECKED 0
#endif
typedef ALLOY_PASTE(alloy_, FUZZ_STRATEGY, ) instance_state;
#define instance_init ALLOY_PASTE(alloy_, FUZZ_STRATEGY, _init)
#define STRINGIFY(x) #x
#define NAME_OF(x) STRINGIFY(x)

#define SLOTS 32
/* A few hundred KiB: an initial space of 40,000 bytes and 5 pages, so that running
 * out of memory is common. The array is misaligned on purpose. */
#define ARRAY_BYTES (5 * ALLOY_PAGE_SIZE + 40000 + 8)

#if FUZZ_CHECKED
/* The checked wrapper's reports, kept by the handler below. */
typedef struct reports {
    unsigned count;
    unsigned count_by_check; /* of those, made by alloy_check (which counts none) */
    alloy_checked_report last;
} reports;

/* A block the wrapper remembers as freed recently (the shadow of its ring). */
typedef struct freed {
    uintptr_t ptr;
    size_t size, align;
} freed;
#endif

typedef struct state {
    _Alignas(16) unsigned char array[ARRAY_BYTES];
    alloy_static_heap heap;
    instance_state instance;
#if FUZZ_CHECKED
    alloy_checked checked;
    reports got;
    freed recent[ALLOY_CHECKED_RECENT_FREES];
    size_t recent_next;
#endif
    alloy_allocator *a;
    fuzz_block slots[SLOTS];
    alloy_shared_stats expect;
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
        static const size_t special[] = {0, ALLOY_MAX_SIZE, ALLOY_MAX_SIZE + 1, SIZE_MAX};
        return special[v % 4];
    }
    }
}

static size_t decode_align(uint8_t a)
{
    if (a % 32 == 31)
        return 3;
#if FUZZ_CHECKED
    /* The wrapper is the subject here. Its front guard is as long as the alignment
     * and is read at every free, resize and check: alignments of 8 KiB and more,
     * which the plain targets give a strategy as often as any other, would take most
     * of the time. Here they come from the bytes 0xe0 and up only. */
    if (a % 17 > 12 && a < 0xe0)
        return (size_t)1 << (a % 13);
#endif
    return (size_t)1 << (a % 17);
}

static bool align_ok(size_t align)
{
    return align && (align & (align - 1)) == 0 && align <= ALLOY_MAX_ALIGN;
}

static size_t slot_index(const state *s, const fuzz_block *b)
{
    return (size_t)(b - s->slots);
}

static void retag(state *s, fuzz_block *b)
{
    b->tag = ++s->serial;
    probe_fill(b);
}

/* --- the checks ------------------------------------------------------------------- */

/* The block in slot i, after an operation made or changed it, and its neighbours. */
FUZZ_UNCOVERED static void check_block(const state *s, size_t i)
{
    const fuzz_block *b = &s->slots[i];
    if (!b->p)
        return;
    if ((uintptr_t)b->p % b->align)
        broken("slot %zu: %p is not aligned to %zu", i, (void *)b->p, b->align);
    if (!alloy_heap_holds(&s->heap.heap, b->p, b->size))
        broken("slot %zu: the block at %p (%zu bytes) is outside the heap", i, (void *)b->p, b->size);
    size_t other = overlapping(s->slots, SLOTS, i, b->p, b->size);
    if (other != SLOTS)
        broken("slot %zu (%p, %zu bytes) overlaps slot %zu (%p, %zu bytes)", i, (void *)b->p, b->size, other,
               (void *)s->slots[other].p, s->slots[other].size);
    if (!probe_intact(b, SIZE_MAX))
        broken("slot %zu: the block at %p (%zu bytes) was overwritten", i, (void *)b->p, b->size);
    neighbours_intact(s->slots, SLOTS, i, b->p, b->size);
}

/* The shared figures equal the shadow count. After every operation they are read
 * from the handle, where the front end keeps them (alloy/alloy.h), which costs
 * nothing; check_all reads them through alloy_stats_get, with the strategy's own. */
FUZZ_UNCOVERED static void same_counts(const alloy_shared_stats *m, const alloy_shared_stats *e)
{
#define SAME(field)                                                                                  \
    if (m->field != e->field)                                                                        \
    broken("statistics: " #field " is %llu, the shadow count %llu", (unsigned long long)m->field, \
           (unsigned long long)e->field)
    SAME(bytes_in_use);
    SAME(high_water);
    SAME(trip_high_water);
    SAME(allocs);
    SAME(frees);
    SAME(reallocs);
    SAME(failed_allocs);
    SAME(invalid_requests);
    SAME(largest_request);
#undef SAME
}

FUZZ_UNCOVERED static void check_counts(const state *s)
{
    same_counts(&s->a->stats, &s->expect);
}

/* The whole report: the shared figures, heap bytes, the strategy's figures. */
FUZZ_UNCOVERED static void check_stats(const state *s)
{
    uint64_t rounded = 0;
    size_t live_blocks = 0;
    for (size_t i = 0; i < SLOTS; i++)
        if (s->slots[i].p) {
            rounded += (s->slots[i].size + 15) / 16 * 16;
            live_blocks++;
        }
    alloy_stats st;
    alloy_stats_get(s->a, &st);
    const alloy_shared_stats *m = &st.shared;
    same_counts(m, &s->expect);
    if (m->heap_bytes > ARRAY_BYTES)
        broken("statistics: %llu heap bytes from a %zu-byte array", (unsigned long long)m->heap_bytes,
               (size_t)ARRAY_BYTES);
    const alloy_stat *live = alloy_stats_find(&st, "live_bytes");
    if (live && live->value < rounded)
        broken("statistics: live_bytes %llu, the rounded shadow %llu", (unsigned long long)live->value,
               (unsigned long long)rounded);
#if FUZZ_CHECKED
    /* the inner instance also holds the wrapper's table and guards */
    const alloy_stat *count = alloy_stats_find(&st, "live_blocks");
    if (!count || count->value != live_blocks)
        broken("statistics: live_blocks %llu, the shadow %zu", count ? (unsigned long long)count->value : 0ull,
               live_blocks);
    const alloy_stat *made = alloy_stats_find(&st, "reports");
    if (!made || made->value != s->got.count - s->got.count_by_check)
        broken("statistics: reports %llu, the handler saw %u from free, resize and realloc",
               made ? (unsigned long long)made->value : 0ull, s->got.count - s->got.count_by_check);
#else
    if (live && rounded == 0 && live->value != 0)
        broken("statistics: live_bytes %llu with no block live", (unsigned long long)live->value);
    (void)live_blocks;
#endif
}

FUZZ_UNCOVERED static void check_all(const state *s)
{
    for (size_t i = 0; i < SLOTS; i++) {
        const fuzz_block *b = &s->slots[i];
        if (!b->p)
            continue;
        if ((uintptr_t)b->p % b->align)
            broken("slot %zu: %p is not aligned to %zu", i, (void *)b->p, b->align);
        if (!probe_intact(b, SIZE_MAX))
            broken("slot %zu: the block at %p (%zu bytes) was overwritten", i, (void *)b->p, b->size);
        if (!alloy_heap_holds(&s->heap.heap, b->p, b->size))
            broken("slot %zu: the block at %p (%zu bytes) is outside the heap", i, (void *)b->p, b->size);
    }
    if (!all_disjoint(s->slots, SLOTS))
        broken("two live blocks overlap");
    check_stats(s);
    if (!alloy_check(s->a))
        broken("alloy_check failed");
}

/* --- the operations --------------------------------------------------------------- */

#if FUZZ_CHECKED
static void remember_freed(state *s, const fuzz_block *b)
{
    s->recent[s->recent_next] = (freed){(uintptr_t)b->p, b->size, b->align};
    s->recent_next = (s->recent_next + 1) % ALLOY_CHECKED_RECENT_FREES;
}
#else
#define remember_freed(s, b) ((void)0)
#endif

static void do_alloc(state *s, fuzz_block *b, size_t size, size_t align)
{
    alloy_shared_stats *e = &s->expect;
    void *p = alloy_alloc(s->a, size, align);
    if (!align_ok(align)) {
        if (p)
            broken("alloy_alloc(%zu, %zu) served a bad alignment", size, align);
        e->invalid_requests++;
        return;
    }
    if (size == 0) {
        if (p)
            broken("alloy_alloc(0) returned a block");
        return;
    }
    if (p) {
        *b = (fuzz_block){p, size, align, 0};
        retag(s, b);
        e->allocs++;
        e->bytes_in_use += size;
    } else {
        e->failed_allocs++;
    }
    shadow_peak(e, size);
    check_block(s, slot_index(s, b));
}

static void do_free(state *s, fuzz_block *b)
{
    fuzz_block was = *b;
    alloy_free(s->a, b->p, b->size, b->align);
    if (!b->p)
        return;
    s->expect.frees++;
    s->expect.bytes_in_use -= b->size;
    remember_freed(s, b);
    b->p = NULL;
    neighbours_intact(s->slots, SLOTS, slot_index(s, b), was.p, was.size);
}

static void do_resize(state *s, fuzz_block *b, size_t size)
{
    if (!b->p)
        return;
    alloy_shared_stats *e = &s->expect;
    fuzz_block was = *b;
    bool done = alloy_resize(s->a, b->p, b->size, b->align, size);
    if (size == 0 || size > ALLOY_MAX_SIZE) {
        if (done)
            broken("alloy_resize to %zu succeeded", size);
        if (size == 0) {
            e->invalid_requests++;
        } else {
            e->failed_allocs++;
            shadow_peak(e, size);
        }
        return;
    }
    if (!done) {
        check_block(s, slot_index(s, b));
        return;
    }
    if (!probe_intact(&was, size))
        broken("alloy_resize from %zu to %zu bytes lost contents", was.size, size);
    e->reallocs++;
    e->bytes_in_use = e->bytes_in_use - b->size + size;
    b->size = size;
    retag(s, b);
    shadow_peak(e, size);
    check_block(s, slot_index(s, b));
    if (size < was.size) /* the tail it gave back is next to it */
        neighbours_intact(s->slots, SLOTS, slot_index(s, b), was.p, was.size);
}

static void do_realloc(state *s, fuzz_block *b, size_t size, size_t align)
{
    if (!b->p) {
        do_alloc(s, b, size, align);
        return;
    }
    fuzz_block was = *b;
    if (size == 0) { /* frees */
        void *p = alloy_realloc(s->a, b->p, b->size, b->align, 0);
        if (p)
            broken("alloy_realloc to 0 returned a block");
        s->expect.frees++;
        s->expect.bytes_in_use -= b->size;
        remember_freed(s, b);
        b->p = NULL;
        neighbours_intact(s->slots, SLOTS, slot_index(s, b), was.p, was.size);
        return;
    }
    alloy_shared_stats *e = &s->expect;
    void *p = alloy_realloc(s->a, b->p, b->size, b->align, size);
    if (!p) { /* even a shrink may have to move (a large block becoming a small one) and fail */
        e->failed_allocs++;
        shadow_peak(e, size);
        check_block(s, slot_index(s, b)); /* the old block stays the caller's, intact */
        return;
    }
    fuzz_block moved = {p, b->size, b->align, b->tag};
    if (!probe_intact(&moved, size))
        broken("alloy_realloc from %zu to %zu bytes lost contents", b->size, size);
    e->reallocs++;
    e->bytes_in_use = e->bytes_in_use - b->size + size;
    if (p != was.p)
        remember_freed(s, &was);
    b->p = p;
    b->size = size;
    retag(s, b);
    shadow_peak(e, size);
    check_block(s, slot_index(s, b));
    if (p != was.p)
        neighbours_intact(s->slots, SLOTS, slot_index(s, b), was.p, was.size);
}

#if FUZZ_CHECKED
/* The handler: count the report and keep it; the call that made it does nothing. */
static void keep_report(void *context, const alloy_checked_report *report)
{
    reports *got = context;
    got->count++;
    got->last = *report;
    if (strcmp(report->operation, "check") == 0)
        got->count_by_check++;
}

/* Whether p is a live block's address. */
static bool is_live(const state *s, uintptr_t p)
{
    for (size_t i = 0; i < SLOTS; i++)
        if ((uintptr_t)s->slots[i].p == p)
            return true;
    return false;
}

/* The problem the wrapper must report for a call naming p, which is not a live block. */
static alloy_checked_problem not_live(const state *s, uintptr_t p)
{
    for (size_t i = 0; i < ALLOY_CHECKED_RECENT_FREES; i++)
        if (s->recent[i].ptr == p)
            return ALLOY_CHECKED_DOUBLE_FREE;
    return ALLOY_CHECKED_UNKNOWN_POINTER;
}

static void expect_report(state *s, unsigned before, alloy_checked_problem problem, const char *operation,
                          const void *ptr)
{
    const alloy_checked_report *r = &s->got.last;
    if (s->got.count != before + 1)
        broken("misuse in %s of %p: %u reports, not 1", operation, ptr, s->got.count - before);
    if (r->problem != problem || strcmp(r->operation, operation) != 0 || r->ptr != ptr)
        broken("misuse in %s of %p: reported as %s in %s of %p, not problem %d", operation, ptr, r->what,
               r->operation, r->ptr, (int)problem);
}

/* One of 8 kinds of misuse of the checked wrapper, each of which it must report once,
 * as what it is, changing nothing (the statistics are checked after it). */
static void misuse(state *s, unsigned kind, uint8_t v)
{
    fuzz_block *b = &s->slots[v % SLOTS];
    unsigned before = s->got.count;
    if (kind == 3) { /* free a block freed lately, not live again: a double free */
        const freed *f = &s->recent[v % ALLOY_CHECKED_RECENT_FREES];
        if (!f->ptr || is_live(s, f->ptr))
            return;
        alloy_free(s->a, (void *)f->ptr, f->size, f->align);
        expect_report(s, before, ALLOY_CHECKED_DOUBLE_FREE, "free", (void *)f->ptr);
        return;
    }
    if (!b->p)
        return;
    size_t i = slot_index(s, b);
    size_t other_align = b->align < ALLOY_MAX_ALIGN ? b->align * 2 : b->align / 2;
    switch (kind) {
    case 0: /* free with the wrong size */
        alloy_free(s->a, b->p, b->size + 1, b->align);
        expect_report(s, before, ALLOY_CHECKED_WRONG_SIZE, "free", b->p);
        break;
    case 1: /* free with the wrong alignment */
        alloy_free(s->a, b->p, b->size, other_align);
        expect_report(s, before, ALLOY_CHECKED_WRONG_ALIGN, "free", b->p);
        break;
    case 2: /* free a pointer inside a live block */
        if (b->size < 2)
            return;
        alloy_free(s->a, b->p + 1, 1, 1);
        expect_report(s, before, not_live(s, (uintptr_t)b->p + 1), "free", b->p + 1);
        break;
    case 4: /* resize with the wrong size */
        if (alloy_resize(s->a, b->p, b->size + 1, b->align, b->size + 2))
            broken("alloy_resize with the wrong size succeeded");
        expect_report(s, before, ALLOY_CHECKED_WRONG_SIZE, "resize", b->p);
        break;
    case 5:   /* a write past the end, which check finds */
    case 6: { /* a write before the start */
        unsigned char *guard = kind == 5 ? b->p + b->size : b->p - 1;
        *guard = (unsigned char)~ALLOY_CHECKED_GUARD_BYTE;
        if (alloy_check(s->a))
            broken("alloy_check missed a damaged guard");
        expect_report(s, before, kind == 5 ? ALLOY_CHECKED_OVERRUN : ALLOY_CHECKED_UNDERRUN, "check", b->p);
        ptrdiff_t offset = kind == 5 ? (ptrdiff_t)b->size : -1;
        if (s->got.last.damage_offset != offset)
            broken("damage reported at offset %td, not %td", s->got.last.damage_offset, offset);
        *guard = ALLOY_CHECKED_GUARD_BYTE; /* mended: the next full check must pass */
        break;
    }
    default: /* realloc with the wrong alignment */
        if (alloy_realloc(s->a, b->p, b->size, other_align, b->size + 1))
            broken("alloy_realloc with the wrong alignment returned a block");
        expect_report(s, before, ALLOY_CHECKED_WRONG_ALIGN, "realloc", b->p);
        break;
    }
    check_block(s, i);
}
#endif

/* --- one input -------------------------------------------------------------------- */

static alloy_allocator *open_instance(state *s)
{
    alloy_allocator *a = instance_init(&s->instance, alloy_static_heap_init(&s->heap, s->array + 8, sizeof s->array - 8));
#if FUZZ_CHECKED
    memset(&s->got, 0, sizeof s->got);
    memset(s->recent, 0, sizeof s->recent);
    s->recent_next = 0;
    a = alloy_checked_init(&s->checked, a);
    alloy_checked_set_handler(&s->checked, keep_report, &s->got);
#endif
    return a;
}

/* After every block is freed: nothing in use, and the wrapper holds nothing. */
static void check_empty(state *s)
{
    if (s->expect.bytes_in_use != 0)
        broken("%llu bytes in use after freeing everything", (unsigned long long)s->expect.bytes_in_use);
#if FUZZ_CHECKED
    alloy_stats inner;
    alloy_stats_get(&s->instance.base, &inner);
    const alloy_stat *live = alloy_stats_find(&inner, "live_bytes");
    if (inner.shared.bytes_in_use != 0 || (live && live->value != 0))
        broken("the inner instance holds %llu bytes after the wrapper gave everything back",
               (unsigned long long)inner.shared.bytes_in_use);
    if (!alloy_check(&s->instance.base))
        broken("alloy_check of the inner instance failed");
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static state s; /* 370 KiB: not for the stack; one input at a time */
    fuzz_target = FUZZ_CHECKED ? "fuzz_checked_" NAME_OF(FUZZ_STRATEGY) : "fuzz_" NAME_OF(FUZZ_STRATEGY);
    memset(&s.slots, 0, sizeof s.slots);
    memset(&s.expect, 0, sizeof s.expect);
    s.serial = 0;
    fuzz_op = 0;
    s.a = open_instance(&s);
    if (!s.a)
        broken("no instance");

    reader r = {data, size};
    const uint8_t *b, *sz, *al;
    while (take(&r, 1, &b)) {
        fuzz_op++;
        fuzz_block *slot = &s.slots[(b[0] >> 3) % SLOTS];
        switch (b[0] % 5) {
        case 0:
            if (!take(&r, 3, &sz) || !take(&r, 1, &al))
                goto done;
            if (slot->p)
                do_free(&s, slot);
            do_alloc(&s, slot, decode_size(sz), decode_align(al[0]));
            break;
        case 1:
            do_free(&s, slot);
            break;
        case 2:
            if (!take(&r, 3, &sz))
                goto done;
            do_resize(&s, slot, decode_size(sz));
            break;
        case 3:
            if (!take(&r, 3, &sz) || !take(&r, 1, &al))
                goto done;
            do_realloc(&s, slot, decode_size(sz), decode_align(al[0]));
            break;
        default:
#if FUZZ_CHECKED
            if (b[0] >> 3 >= 24) {
                const uint8_t *v;
                if (!take(&r, 1, &v))
                    goto done;
                misuse(&s, (b[0] >> 3) - 24, v[0]);
                break;
            }
#endif
            alloy_reset_trip(s.a);
            s.expect.trip_high_water = s.expect.bytes_in_use;
            break;
        }
        check_counts(&s);
        if (fuzz_op % FUZZ_FULL_EVERY == 0)
            check_all(&s);
    }
done:
    check_all(&s);
    fuzz_op++;
    for (size_t i = 0; i < SLOTS; i++)
        do_free(&s, &s.slots[i]);
    check_all(&s);
    check_empty(&s);
    return 0;
}
