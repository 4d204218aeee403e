/* SPDX-License-Identifier: MIT */
/* The checked wrapper: every misuse it promises to catch is caught and reported as
 * what it is, the instance stays consistent after a report, fresh and freed blocks
 * hold their patterns, the table's growth fails cleanly, each call is counted once
 * in each instance's figures, and the default handler prints its line and aborts.
 * The inner instance is a stack written here, so that what it holds follows from
 * the wrapper's requests alone; the conformance suite runs the wrapper over every
 * strategy through every general case. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloy/checked.h"
#include "blocks.h"

#define FRESH ALLOY_CHECKED_FRESH_BYTE
#define FREED ALLOY_CHECKED_FREED_BYTE
#define GUARD_BYTE ALLOY_CHECKED_GUARD_BYTE
#define GUARD ALLOY_CHECKED_GUARD_SIZE
#define MAX_REPORTS 8

/* A handler that keeps what it is told. */
typedef struct recorder {
    alloy_checked_report reports[MAX_REPORTS];
    size_t count;
} recorder;

static void record(void *context, const alloy_checked_report *report)
{
    recorder *rec = context;
    if (rec->count < MAX_REPORTS)
        rec->reports[rec->count] = *report;
    rec->count++;
}

/* --- the inner instance: a stack ------------------------------------------------- */

/* alloc bumps the top; free and resize move it only for the block that ends there,
 * and any block shrinks in place; it never writes into memory it serves. Its one
 * figure, room, is what is left above the top. */
typedef struct stack {
    alloy_allocator base;
    unsigned char *start, *top, *end;
} stack;

static stack *stack_of(alloy_allocator *a)
{
    return (stack *)a;
}

static void *stack_alloc(alloy_allocator *a, size_t size, size_t align)
{
    stack *s = stack_of(a);
    size_t pad = (size_t)(-(uintptr_t)s->top & (align - 1)), room = (size_t)(s->end - s->top);
    if (pad > room || size > room - pad)
        return NULL;
    unsigned char *p = s->top + pad;
    s->top = p + size;
    return p;
}

static void stack_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    stack *s = stack_of(a);
    (void)align;
    if ((unsigned char *)ptr + size == s->top)
        s->top = ptr;
}

static bool stack_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    stack *s = stack_of(a);
    unsigned char *p = ptr;
    (void)align;
    if (p + size != s->top)
        return new_size <= size;
    if (new_size > (size_t)(s->end - p))
        return false;
    s->top = p + new_size;
    return true;
}

static const char *const stack_figures[] = {"room", NULL};

static void stack_stats(const alloy_allocator *a, alloy_stats *out)
{
    const stack *s = (const stack *)a;
    out->figures[0].value = (uint64_t)(s->end - s->top);
}

static bool stack_check(const alloy_allocator *a)
{
    const stack *s = (const stack *)a;
    return s->start <= s->top && s->top <= s->end;
}

static const alloy_strategy stack_strategy = {
    .name = "stack",
    .alloc = stack_alloc,
    .resize = stack_resize,
    .free = stack_free,
    .figures = stack_figures,
    .stats = stack_stats,
    .check = stack_check,
};

static alloy_allocator *stack_init(stack *s, void *array, size_t bytes)
{
    alloy_allocator_init(&s->base, &stack_strategy);
    s->start = s->top = array;
    s->end = s->start + bytes;
    s->base.stats.heap_bytes = bytes;
    return &s->base;
}

/* --- the bench ------------------------------------------------------------------- */

#define BENCH_BYTES ((size_t)16 << 20)

typedef struct bench {
    unsigned char *array;
    stack inner_state;
    alloy_checked checked;
    alloy_allocator *inner; /* the wrapped instance */
    alloy_allocator *a;     /* the wrapper */
    recorder rec;
} bench;

/* A wrapper over a fresh stack of 16 MiB; reports go to b->rec unless
 * `default_handler`. */
static void open_bench(bench *b, bool default_handler)
{
    memset(b, 0, sizeof *b);
    b->array = malloc(BENCH_BYTES);
    cr_assert(b->array);
    b->inner = stack_init(&b->inner_state, b->array, BENCH_BYTES);
    b->a = alloy_checked_init(&b->checked, b->inner);
    cr_assert(b->a);
    if (!default_handler)
        alloy_checked_set_handler(&b->checked, record, &b->rec);
}

static void close_bench(bench *b)
{
    free(b->array);
}

static alloy_stats stats_of(const alloy_allocator *a)
{
    alloy_stats s;
    alloy_stats_get(a, &s);
    return s;
}

/* A figure of the instance's report (stat_value). */
static uint64_t figure(const alloy_allocator *a, const char *name)
{
    alloy_stats s = stats_of(a);
    return stat_value(&s, name);
}

static live_block take(alloy_allocator *a, size_t size, size_t align, uint32_t tag)
{
    live_block b = {alloy_alloc(a, size, align), size, align, tag};
    cr_assert(b.p, "alloc %zu, %zu", size, align);
    cr_assert_eq((uintptr_t)b.p % align, 0);
    block_fill(&b);
    return b;
}

static bool all_bytes(const unsigned char *p, size_t n, unsigned char byte)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != byte)
            return false;
    return true;
}

/* The one report the last call should have made. */
static const alloy_checked_report *only_report(const bench *b, alloy_checked_problem problem, const char *operation,
                                               const void *ptr)
{
    cr_assert_eq(b->rec.count, 1, "one report, not %zu", b->rec.count);
    const alloy_checked_report *r = &b->rec.reports[0];
    cr_assert_eq(r->problem, problem, "problem %d, not %d", (int)r->problem, (int)problem);
    cr_assert_str_eq(r->operation, operation);
    cr_assert_eq(r->ptr, ptr);
    cr_assert(r->what && *r->what);
    return r;
}

/* After a report: both instances hold together and the live blocks are intact. */
static void assert_consistent(const bench *b, const live_block *blocks, size_t n)
{
    cr_assert(alloy_check(b->inner), "the inner instance is consistent");
    cr_assert(alloy_check(b->a), "the wrapper is consistent");
    for (size_t i = 0; i < n; i++)
        cr_assert(!blocks[i].p || block_intact(&blocks[i], blocks[i].size), "block %zu intact", i);
}

static void forget_reports(bench *b)
{
    b->rec.count = 0;
}

/* --- patterns and layout --------------------------------------------------------- */

Test(checked_patterns, fresh_blocks_are_filled_and_guarded)
{
    bench b;
    open_bench(&b, false);
    static const size_t sizes[] = {1, 15, 16, 100, 4000, 70000};
    for (size_t k = 0; k <= 16; k += 2) {
        size_t align = (size_t)1 << k;
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            unsigned char *p = alloy_alloc(b.a, sizes[s], align);
            cr_assert(p && (uintptr_t)p % align == 0);
            size_t front = align > GUARD ? align : GUARD;
            cr_assert(all_bytes(p, sizes[s], FRESH), "fresh %zu, %zu", sizes[s], align);
            cr_assert(all_bytes(p - front, front, GUARD_BYTE), "front guard %zu, %zu", sizes[s], align);
            cr_assert(all_bytes(p + sizes[s], GUARD, GUARD_BYTE), "back guard %zu, %zu", sizes[s], align);
            memset(p, 0x11, sizes[s]); /* the whole block is the program's */
            cr_assert(alloy_check(b.a));
            alloy_free(b.a, p, sizes[s], align);
        }
    }
    cr_assert_eq(b.rec.count, 0);
    close_bench(&b);
}

Test(checked_patterns, freed_blocks_are_filled)
{
    if (ALLOY_POISON_ASAN || ALLOY_POISON_VALGRIND)
        cr_skip_test("it reads freed memory, which -Dpoison makes a reported error");
    bench b;
    open_bench(&b, false);
    unsigned char *p = alloy_alloc(b.a, 100, 16);
    void *wall = alloy_alloc(b.a, 16, 16); /* p is not at the top: the stack keeps it */
    cr_assert(p && wall);
    memset(p, 0x22, 100);
    alloy_free(b.a, p, 100, 16);
    /* the whole outer block, guards included, as the wrapper left it (a strategy may
     * then write its records over it; the stack writes nothing) */
    cr_assert(all_bytes(p - GUARD, GUARD + 100 + GUARD, FREED));
    alloy_free(b.a, wall, 16, 16);
    cr_assert_eq(b.rec.count, 0);
    close_bench(&b);
}

Test(checked_patterns, resize_fills_growth_and_moves_the_guard)
{
    bench b;
    open_bench(&b, false);
    unsigned char *p = alloy_alloc(b.a, 100, 16); /* at the stack's top: it can grow */
    cr_assert(p);
    memset(p, 'a', 100);
    cr_assert(alloy_resize(b.a, p, 100, 16, 300));
    cr_assert(all_bytes(p, 100, 'a'));
    cr_assert(all_bytes(p + 100, 200, FRESH));
    cr_assert(all_bytes(p + 300, GUARD, GUARD_BYTE));
    cr_assert(alloy_resize(b.a, p, 300, 16, 50));
    cr_assert(all_bytes(p, 50, 'a'));
    cr_assert(all_bytes(p + 50, GUARD, GUARD_BYTE));
    cr_assert(alloy_check(b.a));
    p[49] = 'z';
    alloy_free(b.a, p, 50, 16);
    cr_assert_eq(b.rec.count, 0, "a shrunk block's new guard holds");
    close_bench(&b);
}

Test(checked_patterns, realloc_moves_and_remembers_the_old_block)
{
    bench b;
    open_bench(&b, false);
    live_block x = take(b.a, 40, 8, 1);
    live_block wall = take(b.a, 16, 16, 2); /* x cannot grow in place */
    unsigned char *old = x.p;
    x.p = alloy_realloc(b.a, x.p, 40, 8, 4000);
    cr_assert(x.p && x.p != old);
    cr_assert(block_intact(&x, 40));
    cr_assert(all_bytes(x.p + 40, 4000 - 40, FRESH));
    alloy_free(b.a, old, 40, 8);
    only_report(&b, ALLOY_CHECKED_DOUBLE_FREE, "free", old);
    x.size = 4000;
    block_fill(&x);
    live_block live[] = {x, wall};
    assert_consistent(&b, live, 2);
    close_bench(&b);
}

/* --- misuse of free and resize --------------------------------------------------- */

Test(checked_misuse, double_free)
{
    bench b;
    open_bench(&b, false);
    live_block keep = take(b.a, 300, 16, 1);
    void *p = alloy_alloc(b.a, 64, 32);
    cr_assert(p);
    alloy_free(b.a, p, 64, 32);
    alloy_free(b.a, p, 64, 32);
    const alloy_checked_report *r = only_report(&b, ALLOY_CHECKED_DOUBLE_FREE, "free", p);
    cr_assert_eq(r->recorded_size, 64);
    cr_assert_eq(r->recorded_align, 32);
    cr_assert_eq(r->passed_size, 64);
    cr_assert_eq(r->passed_align, 32);
    alloy_stats s = stats_of(b.a);
    cr_assert_eq(s.shared.allocs - s.shared.frees, 1, "the refused free is not counted");
    cr_assert_eq(s.shared.bytes_in_use, 300);
    cr_assert_eq(stat_value(&s, "reports"), 1);
    assert_consistent(&b, &keep, 1);
    close_bench(&b);
}

/* Blocks allocated and freed at one address in turn, more than the ring of recent
 * frees holds: a second free names the last of them. */
Test(checked_misuse, double_free_names_the_last_block_freed_there)
{
    bench b;
    open_bench(&b, false);
    void *at = NULL;
    size_t last = 0;
    for (size_t k = 0; k < ALLOY_CHECKED_RECENT_FREES + 8; k++) {
        last = 8 + 8 * k;
        void *p = alloy_alloc(b.a, last, 16);
        cr_assert(p && (!at || p == at), "the stack gives the same address each time");
        at = p;
        alloy_free(b.a, p, last, 16);
    }
    alloy_free(b.a, at, last, 16);
    const alloy_checked_report *r = only_report(&b, ALLOY_CHECKED_DOUBLE_FREE, "free", at);
    cr_assert_eq(r->recorded_size, last);
    cr_assert_eq(r->passed_size, last);
    assert_consistent(&b, NULL, 0);
    close_bench(&b);
}

Test(checked_misuse, resize_of_a_freed_block)
{
    bench b;
    open_bench(&b, false);
    void *p = alloy_alloc(b.a, 64, 16);
    cr_assert(p);
    alloy_free(b.a, p, 64, 16);
    cr_assert(!alloy_resize(b.a, p, 64, 16, 32));
    only_report(&b, ALLOY_CHECKED_DOUBLE_FREE, "resize", p);
    cr_assert_eq(stats_of(b.a).shared.reallocs, 0);
    assert_consistent(&b, NULL, 0);
    close_bench(&b);
}

Test(checked_misuse, foreign_pointers_are_reported_without_being_read)
{
    bench b;
    open_bench(&b, false);
    live_block keep = take(b.a, 200, 16, 3);
    /* a page mapped PROT_NONE: reading there would crash */
    unsigned char *unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert(unmapped != MAP_FAILED);
    alloy_free(b.a, unmapped, 32, 16);
    const alloy_checked_report *r = only_report(&b, ALLOY_CHECKED_UNKNOWN_POINTER, "free", unmapped);
    cr_assert_eq(r->recorded_size, 0);
    cr_assert_eq(r->passed_size, 32);
    forget_reports(&b);
    cr_assert(!alloy_resize(b.a, unmapped, 32, 16, 64));
    only_report(&b, ALLOY_CHECKED_UNKNOWN_POINTER, "resize", unmapped);
    forget_reports(&b);

    /* inside a live block */
    alloy_free(b.a, keep.p + 16, 100, 16);
    only_report(&b, ALLOY_CHECKED_UNKNOWN_POINTER, "free", keep.p + 16);
    forget_reports(&b);

    /* a block of the inner instance, taken from it directly */
    live_block direct = take(b.inner, 48, 16, 4);
    alloy_free(b.a, direct.p, 48, 16);
    only_report(&b, ALLOY_CHECKED_UNKNOWN_POINTER, "free", direct.p);

    alloy_stats s = stats_of(b.a);
    cr_assert_eq(s.shared.allocs - s.shared.frees, 1);
    cr_assert_eq(s.shared.bytes_in_use, 200);
    cr_assert_eq(stat_value(&s, "reports"), 3 + 1);
    live_block live[] = {keep, direct};
    assert_consistent(&b, live, 2);
    alloy_free(b.inner, direct.p, 48, 16);
    munmap(unmapped, 4096);
    close_bench(&b);
}

Test(checked_misuse, wrong_size_on_free)
{
    bench b;
    open_bench(&b, false);
    live_block x = take(b.a, 100, 16, 5);
    alloy_free(b.a, x.p, 101, 16);
    const alloy_checked_report *r = only_report(&b, ALLOY_CHECKED_WRONG_SIZE, "free", x.p);
    cr_assert_eq(r->recorded_size, 100);
    cr_assert_eq(r->passed_size, 101);
    cr_assert_eq(r->recorded_align, 16);
    alloy_stats s = stats_of(b.a);
    cr_assert_eq(s.shared.allocs - s.shared.frees, 1);
    cr_assert_eq(s.shared.bytes_in_use, 100);
    cr_assert_eq(stat_value(&s, "live_blocks"), 1, "the block stays live");
    assert_consistent(&b, &x, 1);
    forget_reports(&b);
    alloy_free(b.a, x.p, 100, 16); /* the right free still works */
    cr_assert_eq(b.rec.count, 0);
    cr_assert_eq(figure(b.a, "live_blocks"), 0);
    assert_consistent(&b, NULL, 0);
    close_bench(&b);
}

Test(checked_misuse, wrong_alignment_on_free)
{
    bench b;
    open_bench(&b, false);
    live_block x = take(b.a, 100, 32, 6);
    alloy_free(b.a, x.p, 100, 16);
    const alloy_checked_report *r = only_report(&b, ALLOY_CHECKED_WRONG_ALIGN, "free", x.p);
    cr_assert_eq(r->recorded_align, 32);
    cr_assert_eq(r->passed_align, 16);
    cr_assert_eq(r->recorded_size, 100);
    cr_assert_eq(stats_of(b.a).shared.bytes_in_use, 100);
    assert_consistent(&b, &x, 1);
    close_bench(&b);
}

Test(checked_misuse, wrong_size_on_resize)
{
    bench b;
    open_bench(&b, false);
    live_block x = take(b.a, 100, 16, 7); /* at the top: a right resize would succeed */
    cr_assert(!alloy_resize(b.a, x.p, 99, 16, 200));
    const alloy_checked_report *r = only_report(&b, ALLOY_CHECKED_WRONG_SIZE, "resize", x.p);
    cr_assert_eq(r->recorded_size, 100);
    cr_assert_eq(r->passed_size, 99);
    cr_assert_eq(stats_of(b.a).shared.reallocs, 0);
    cr_assert(all_bytes(x.p + 100, GUARD, GUARD_BYTE), "the block keeps its size");
    assert_consistent(&b, &x, 1);
    forget_reports(&b);
    cr_assert(alloy_resize(b.a, x.p, 100, 16, 200));
    cr_assert_eq(b.rec.count, 0);
    close_bench(&b);
}

Test(checked_misuse, wrong_alignment_on_resize)
{
    bench b;
    open_bench(&b, false);
    live_block x = take(b.a, 100, 64, 8);
    cr_assert(!alloy_resize(b.a, x.p, 100, 128, 50));
    only_report(&b, ALLOY_CHECKED_WRONG_ALIGN, "resize", x.p);
    assert_consistent(&b, &x, 1);
    close_bench(&b);
}

Test(checked_misuse, realloc_with_a_wrong_size_keeps_the_old_block)
{
    bench b;
    open_bench(&b, false);
    live_block x = take(b.a, 100, 16, 17);
    alloy_stats before = stats_of(b.a);
    /* a larger wrong size too: nothing is read at the pointer, so nothing overreads */
    cr_assert_null(alloy_realloc(b.a, x.p, 5000, 16, 8000), "refused, not moved");
    const alloy_checked_report *r = only_report(&b, ALLOY_CHECKED_WRONG_SIZE, "realloc", x.p);
    cr_assert_eq(r->recorded_size, 100);
    cr_assert_eq(r->passed_size, 5000);
    forget_reports(&b);
    cr_assert_null(alloy_realloc(b.a, x.p, 60, 16, 0), "realloc to 0 of a misnamed block");
    only_report(&b, ALLOY_CHECKED_WRONG_SIZE, "realloc", x.p);
    forget_reports(&b);
    char foreign[64];
    cr_assert_null(alloy_realloc(b.a, foreign, 64, 16, 128));
    only_report(&b, ALLOY_CHECKED_UNKNOWN_POINTER, "realloc", foreign);
    alloy_stats s = stats_of(b.a);
    cr_assert_eq(stat_value(&s, "live_blocks"), 1, "the block is still live, where it was");
    cr_assert_eq(s.shared.allocs, before.shared.allocs, "nothing counted");
    cr_assert_eq(s.shared.frees, before.shared.frees);
    cr_assert_eq(s.shared.reallocs, before.shared.reallocs);
    cr_assert_eq(s.shared.bytes_in_use, 100);
    assert_consistent(&b, &x, 1);
    forget_reports(&b);
    live_block moved = {alloy_realloc(b.a, x.p, 100, 16, 5000), 5000, 16, 17};
    cr_assert(moved.p && b.rec.count == 0, "the right size still works");
    cr_assert(block_intact(&moved, 100), "and keeps the contents");
    cr_assert_eq(stats_of(b.a).shared.bytes_in_use, 5000);
    alloy_free(b.a, moved.p, 5000, 16);
    close_bench(&b);
}

/* --- guards ---------------------------------------------------------------------- */

Test(checked_guards, overrun_by_one_caught_at_free)
{
    bench b;
    open_bench(&b, false);
    live_block keep = take(b.a, 50, 8, 9);
    unsigned char *p = alloy_alloc(b.a, 37, 1);
    cr_assert(p);
    p[37] = 0; /* one past the end */
    alloy_free(b.a, p, 37, 1);
    const alloy_checked_report *r = only_report(&b, ALLOY_CHECKED_OVERRUN, "free", p);
    cr_assert_eq(r->damage_offset, 37);
    cr_assert_eq(r->recorded_size, 37);
    cr_assert_eq(r->passed_size, 37);
    alloy_stats s = stats_of(b.a);
    cr_assert_eq(stat_value(&s, "live_blocks"), 1, "the damaged block is freed all the same");
    cr_assert_eq(s.shared.frees, 1);
    assert_consistent(&b, &keep, 1);
    close_bench(&b);
}

Test(checked_guards, overrun_caught_by_check)
{
    bench b;
    open_bench(&b, false);
    live_block keep = take(b.a, 500, 16, 10);
    live_block x = take(b.a, 20, 4, 11);
    cr_assert(alloy_check(b.a));
    x.p[20] = 'x';
    cr_assert(!alloy_check(b.a));
    const alloy_checked_report *r = only_report(&b, ALLOY_CHECKED_OVERRUN, "check", x.p);
    cr_assert_eq(r->damage_offset, 20);
    cr_assert_eq(r->recorded_size, 20);
    cr_assert_eq(r->passed_size, 0);
    cr_assert_eq(figure(b.a, "reports"), 0, "check counts nothing");
    forget_reports(&b);
    /* the last guard byte too */
    x.p[20] = GUARD_BYTE;
    x.p[20 + GUARD - 1] = 0;
    cr_assert(!alloy_check(b.a));
    cr_assert_eq(only_report(&b, ALLOY_CHECKED_OVERRUN, "check", x.p)->damage_offset, 20 + GUARD - 1);
    forget_reports(&b);
    alloy_free(b.a, x.p, 20, 4);
    only_report(&b, ALLOY_CHECKED_OVERRUN, "free", x.p);
    forget_reports(&b);
    assert_consistent(&b, &keep, 1);
    cr_assert_eq(b.rec.count, 0, "a clean check reports nothing");
    close_bench(&b);
}

Test(checked_guards, underrun_caught_at_check_and_free)
{
    bench b;
    open_bench(&b, false);
    live_block keep = take(b.a, 64, 16, 12);
    live_block x = take(b.a, 64, 16, 13);
    x.p[-1] = 0;
    cr_assert(!alloy_check(b.a));
    cr_assert_eq(only_report(&b, ALLOY_CHECKED_UNDERRUN, "check", x.p)->damage_offset, -1);
    forget_reports(&b);
    alloy_free(b.a, x.p, 64, 16);
    only_report(&b, ALLOY_CHECKED_UNDERRUN, "free", x.p);
    forget_reports(&b);
    assert_consistent(&b, &keep, 1);

    /* with a large alignment the whole front is guarded */
    live_block y = take(b.a, 10, 4096, 14);
    y.p[-4096] = 0;
    cr_assert(!alloy_check(b.a));
    cr_assert_eq(only_report(&b, ALLOY_CHECKED_UNDERRUN, "check", y.p)->damage_offset, -4096);
    close_bench(&b);
}

/* The guards are scanned a word at a time: a damaged byte at every offset of both
 * guards, of a block whose end is not on a word, is found where it is. */
Test(checked_guards, every_guard_byte_is_watched)
{
    bench b;
    open_bench(&b, false);
    live_block x = take(b.a, 21, 64, 16);
    for (ptrdiff_t at = -64; at < 21 + (ptrdiff_t)GUARD; at++) {
        if (at == 0)
            at = 21; /* the block itself */
        unsigned char kept = x.p[at];
        x.p[at] = (unsigned char)(kept ^ 0x5a);
        cr_assert(!alloy_check(b.a), "damage at %td", at);
        alloy_checked_problem problem = at < 0 ? ALLOY_CHECKED_UNDERRUN : ALLOY_CHECKED_OVERRUN;
        cr_assert_eq(only_report(&b, problem, "check", x.p)->damage_offset, at);
        forget_reports(&b);
        x.p[at] = kept;
    }
    cr_assert(alloy_check(b.a));
    cr_assert(block_intact(&x, 21));
    alloy_free(b.a, x.p, 21, 64);
    cr_assert_eq(b.rec.count, 0);
    close_bench(&b);
}

Test(checked_guards, damaged_block_refuses_resize)
{
    bench b;
    open_bench(&b, false);
    live_block x = take(b.a, 100, 16, 15);
    x.p[100] = 1;
    cr_assert(!alloy_resize(b.a, x.p, 100, 16, 200));
    only_report(&b, ALLOY_CHECKED_OVERRUN, "resize", x.p);
    cr_assert_eq(x.p[100], 1, "the evidence stays");
    cr_assert_eq(stats_of(b.a).shared.reallocs, 0);
    cr_assert(alloy_check(b.inner));
    cr_assert(block_intact(&x, 100));
    close_bench(&b);
}

Test(checked_guards, damaged_block_refuses_realloc)
{
    bench b;
    open_bench(&b, false);
    live_block x = take(b.a, 100, 16, 15);
    x.p[100] = 1;
    /* resize in place cannot serve 100 KiB: without the guard check, the block would
     * be moved and the old one freed and filled */
    cr_assert_null(alloy_realloc(b.a, x.p, 100, 16, 100 * 1024));
    only_report(&b, ALLOY_CHECKED_OVERRUN, "realloc", x.p);
    cr_assert_eq(x.p[100], 1, "the evidence stays");
    cr_assert(block_intact(&x, 100), "the block stays where it was, whole");
    cr_assert_eq(stats_of(b.a).shared.reallocs, 0);
    cr_assert(alloy_check(b.inner));
    close_bench(&b);
}

Test(checked_guards, both_guards_damaged_make_two_reports)
{
    bench b;
    open_bench(&b, false);
    live_block x = take(b.a, 30, 16, 16);
    x.p[-16] = 0;
    x.p[31] = 0;
    alloy_free(b.a, x.p, 30, 16);
    cr_assert_eq(b.rec.count, 2);
    cr_assert_eq(b.rec.reports[0].problem, ALLOY_CHECKED_UNDERRUN);
    cr_assert_eq(b.rec.reports[0].damage_offset, -16);
    cr_assert_eq(b.rec.reports[1].problem, ALLOY_CHECKED_OVERRUN);
    cr_assert_eq(b.rec.reports[1].damage_offset, 31);
    cr_assert_eq(figure(b.a, "reports"), 2);
    assert_consistent(&b, NULL, 0);
    close_bench(&b);
}

/* --- the table, statistics, out of memory ---------------------------------------- */

Test(checked_table, grows_with_thousands_of_blocks_and_is_released)
{
    bench b;
    open_bench(&b, false);
    enum { N = 5000 };
    static live_block blocks[N];
    test_rng r = {17};
    for (size_t i = 0; i < N; i++)
        blocks[i] = take(b.a, rng_range(&r, 1, 300), (size_t)1 << rng_range(&r, 0, 7), (uint32_t)i);
    alloy_stats s = stats_of(b.a);
    cr_assert_eq(stat_value(&s, "live_blocks"), N);
    cr_assert_geq(stat_value(&s, "table_slots") * 3, (uint64_t)N * 4, "at most 3/4 full");
    cr_assert(blocks_disjoint(blocks, N));
    assert_consistent(&b, blocks, N);
    for (size_t i = 0; i < N; i++) {
        live_block *x = &blocks[(i * 7) % N];
        cr_assert(block_intact(x, x->size));
        alloy_free(b.a, x->p, x->size, x->align);
        x->p = NULL;
        if (i % 512 == 0)
            assert_consistent(&b, blocks, N);
    }
    s = stats_of(b.a);
    cr_assert_eq(stat_value(&s, "live_blocks"), 0);
    cr_assert_eq(stat_value(&s, "guard_bytes"), 0);
    cr_assert_eq(stat_value(&s, "table_bytes"), 0, "the table went with the last block");
    cr_assert_eq(stat_value(&s, "inner_bytes_in_use"), 0, "nothing of the inner instance is held");
    assert_consistent(&b, NULL, 0);
    /* and it starts again */
    live_block again = take(b.a, 10, 1, 99);
    cr_assert_eq(figure(b.a, "table_slots"), 16, "a new table for it");
    alloy_free(b.a, again.p, 10, 1);
    cr_assert_eq(b.rec.count, 0);
    close_bench(&b);
}

Test(checked_table, statistics)
{
    bench b;
    open_bench(&b, false);
    live_block x = take(b.a, 100, 16, 1), y = take(b.a, 10, 64, 2);
    alloy_free(b.a, x.p, 99, 16); /* one report */
    alloy_stats s = stats_of(b.a), inner = stats_of(b.inner);
    cr_assert_str_eq(s.strategy, "checked");
    cr_assert_eq(s.inner_count, 1);
    cr_assert_str_eq(s.inner[0].strategy, "stack");
    cr_assert_eq(stat_value(&s, "live_blocks"), 2);
    cr_assert_eq(stat_value(&s, "guard_bytes"), (16 + GUARD) + (64 + GUARD));
    cr_assert_eq(stat_value(&s, "table_slots"), 16);
    cr_assert_eq(stat_value(&s, "table_bytes"), 16 * sizeof(alloy_checked_block));
    cr_assert_eq(stat_value(&s, "reports"), 1);
    cr_assert_eq(stat_value(&s, "inner_bytes_in_use"),
                 (16 + 100 + GUARD) + (64 + 10 + GUARD) + stat_value(&s, "table_bytes"));
    cr_assert_eq(stat_value(&s, "inner_bytes_in_use"), inner.shared.bytes_in_use);
    cr_assert_eq(s.shared.bytes_in_use, 110, "the program's view");
    cr_assert_eq(s.shared.heap_bytes, inner.shared.heap_bytes);
    /* the wrapper's six figures, then the inner strategy's */
    cr_assert_eq(s.count, 6 + inner.count);
    for (size_t i = 0; i < inner.count; i++) {
        cr_assert_str_eq(s.figures[6 + i].name, inner.figures[i].name);
        cr_assert_eq(s.figures[6 + i].value, inner.figures[i].value, "the inner strategy's %s", inner.figures[i].name);
    }
    live_block live[] = {x, y};
    assert_consistent(&b, live, 2);
    close_bench(&b);
}

/* Through the wrapper each call is checked and counted once in each instance's
 * figures (alloy/alloy.h): the handle counts the program's calls, the inner instance
 * the blocks the wrapper takes from it, and a call the handle refuses reaches the
 * inner instance not at all. */
Test(checked_table, each_call_counted_once_per_instance)
{
    bench b;
    open_bench(&b, false);
    live_block x = take(b.a, 100, 16, 1), wall = take(b.a, 16, 16, 2);
    unsigned char *moved = alloy_realloc(b.a, x.p, 100, 16, 40000); /* the wall is in the way: moves */
    cr_assert(moved && moved != x.p);
    cr_assert(alloy_resize(b.a, moved, 40000, 16, 39000));
    cr_assert_null(alloy_alloc(b.a, 10, 3));             /* bad alignment */
    alloy_free(b.a, moved, 0, 16);                        /* size 0 */
    cr_assert_null(alloy_alloc(b.a, ALLOY_MAX_SIZE, 16)); /* too large with its guards */
    alloy_stats s = stats_of(b.a), in = stats_of(b.inner);
    cr_assert_eq(s.shared.allocs, 2);
    cr_assert_eq(s.shared.reallocs, 2, "the move and the resize");
    cr_assert_eq(s.shared.invalid_requests, 2);
    cr_assert_eq(s.shared.failed_allocs, 1);
    cr_assert_eq(s.shared.bytes_in_use, 16 + 39000);
    /* the inner instance: the table, x, the wall, the moved block (x freed), the moved
     * block resized; nothing invalid, nothing failed */
    cr_assert_eq(in.shared.allocs, 4);
    cr_assert_eq(in.shared.frees, 1);
    cr_assert_eq(in.shared.reallocs, 1);
    cr_assert_eq(in.shared.invalid_requests, 0);
    cr_assert_eq(in.shared.failed_allocs, 0);
    cr_assert_eq(in.shared.bytes_in_use,
                 stat_value(&s, "table_bytes") + (16 + 16 + GUARD) + (16 + 39000 + GUARD));
    alloy_free(b.a, moved, 39000, 16);
    alloy_free(b.a, wall.p, 16, 16);
    s = stats_of(b.a);
    in = stats_of(b.inner);
    cr_assert_eq(s.shared.frees, 2);
    cr_assert_eq(in.shared.frees, 4, "x, the moved block, the wall, and the table with the last block");
    cr_assert_eq(b.rec.count, 0);
    cr_assert(alloy_check(b.a));
    close_bench(&b);
}

Test(checked_oom, first_table_does_not_fit)
{
    /* room for a small block with its guards, not for a 16-slot table */
    static _Alignas(16) unsigned char array[16 * sizeof(alloy_checked_block) - 16];
    stack inner_state;
    alloy_checked checked;
    alloy_allocator *inner = stack_init(&inner_state, array, sizeof array);
    alloy_allocator *a = alloy_checked_init(&checked, inner);
    cr_assert(a);
    cr_assert_null(alloy_alloc(a, 8, 8));
    alloy_stats s = stats_of(a), in = stats_of(inner);
    cr_assert_eq(s.shared.failed_allocs, 1);
    cr_assert_eq(stat_value(&s, "table_slots"), 0);
    cr_assert_eq(in.shared.bytes_in_use, 0, "nothing taken");
    cr_assert_eq(stat_value(&in, "room"), sizeof array, "all of the heap is free");
    cr_assert(alloy_check(a) && alloy_check(inner));
}

Test(checked_oom, first_block_does_not_fit)
{
    /* room for the table, not for the block: the table made for it goes back */
    static _Alignas(16) unsigned char array[2048];
    stack inner_state;
    alloy_checked checked;
    alloy_allocator *inner = stack_init(&inner_state, array, sizeof array);
    alloy_allocator *a = alloy_checked_init(&checked, inner);
    cr_assert(a);
    cr_assert_null(alloy_alloc(a, 2000, 8));
    alloy_stats s = stats_of(a), in = stats_of(inner);
    cr_assert_eq(stat_value(&s, "table_slots"), 0);
    cr_assert_eq(in.shared.bytes_in_use, 0);
    cr_assert_eq(stat_value(&in, "room"), sizeof array);
    cr_assert(alloy_check(a) && alloy_check(inner));
}

Test(checked_oom, table_growth_does_not_fit)
{
    static _Alignas(16) unsigned char array[4096];
    stack inner_state;
    alloy_checked checked;
    recorder rec = {0};
    alloy_allocator *inner = stack_init(&inner_state, array, sizeof array);
    alloy_allocator *a = alloy_checked_init(&checked, inner);
    cr_assert(a);
    alloy_checked_set_handler(&checked, record, &rec);
    live_block blocks[13] = {{0}};
    for (size_t i = 0; i < 12; i++) /* 12 of 16 slots: the 13th doubles the table */
        blocks[i] = take(a, 8, 8, (uint32_t)i);
    cr_assert_eq(figure(a, "table_slots"), 16);
    /* leave 64 bytes: enough for the block (16 + 8 + 16), not for 32 slots, which
     * are asked for first */
    size_t room = figure(inner, "room");
    cr_assert_gt(room, 64 + 16);
    void *filler = alloy_alloc(inner, room - 64, 16);
    cr_assert(filler);
    alloy_stats before = stats_of(inner);
    cr_assert_null(alloy_alloc(a, 8, 8));
    alloy_stats after = stats_of(inner);
    cr_assert_eq(after.shared.bytes_in_use, before.shared.bytes_in_use, "nothing leaks");
    cr_assert_eq(stat_value(&after, "room"), 64);
    cr_assert_eq(figure(a, "table_slots"), 16);
    cr_assert_eq(figure(a, "live_blocks"), 12);
    cr_assert_eq(stats_of(a).shared.failed_allocs, 1);
    cr_assert(alloy_check(a) && alloy_check(inner));
    for (size_t i = 0; i < 12; i++)
        cr_assert(block_intact(&blocks[i], 8));
    /* with room again, it grows */
    alloy_free(inner, filler, room - 64, 16);
    blocks[12] = take(a, 8, 8, 12);
    cr_assert_eq(figure(a, "table_slots"), 32);
    for (size_t i = 0; i < 13; i++) {
        cr_assert(block_intact(&blocks[i], 8));
        alloy_free(a, blocks[i].p, 8, 8);
    }
    cr_assert_eq(rec.count, 0);
    cr_assert_eq(stats_of(inner).shared.bytes_in_use, 0, "the table went with the last block");
    cr_assert(alloy_check(a) && alloy_check(inner));
}

Test(checked_oom, inner_out_of_memory_and_huge_sizes)
{
    bench b;
    open_bench(&b, false);
    cr_assert_null(alloy_alloc(b.a, 64 << 20, 16), "more than the 16 MiB reservation");
    cr_assert_null(alloy_alloc(b.a, ALLOY_MAX_SIZE - 20, 16), "no room for the guards");
    cr_assert_null(alloy_alloc(b.a, ALLOY_MAX_SIZE - ALLOY_MAX_ALIGN, ALLOY_MAX_ALIGN));
    cr_assert_eq(stats_of(b.a).shared.failed_allocs, 3);
    live_block x = take(b.a, 100, 16, 1);
    cr_assert(!alloy_resize(b.a, x.p, 100, 16, ALLOY_MAX_SIZE - 20));
    cr_assert(!alloy_resize(b.a, x.p, 100, 16, 64 << 20));
    cr_assert_eq(b.rec.count, 0, "refusals are no misuse");
    assert_consistent(&b, &x, 1);
    close_bench(&b);
}

/* --- instances and the interface ------------------------------------------------- */

Test(checked_api, init_and_handler_contracts)
{
    alloy_checked c;
    static _Alignas(16) unsigned char array[1 << 20];
    stack inner_state;
    alloy_allocator *inner = stack_init(&inner_state, array, sizeof array);
    cr_assert(inner);
    cr_assert_null(alloy_checked_init(NULL, inner));
    cr_assert_null(alloy_checked_init(&c, NULL));
    cr_assert_null(alloy_checked_init(&c, &c.base), "not over itself");
    alloy_allocator *a = alloy_checked_init(&c, inner);
    cr_assert_eq(a, &c.base);
    cr_assert_str_eq(alloy_name(a), "checked");
    cr_assert_eq(c.handler, alloy_checked_abort_handler);
    alloy_checked_set_handler(NULL, record, NULL);
    /* a wrapper over a wrapper */
    alloy_checked outer;
    alloy_allocator *twice = alloy_checked_init(&outer, a);
    live_block x = take(twice, 100, 16, 1);
    cr_assert(alloy_check(twice));
    alloy_free(twice, x.p, 100, 16);
    cr_assert_eq(stats_of(inner).shared.bytes_in_use, 0, "both tables went with the last block");
}

Test(checked_api, instances_keep_their_own_blocks)
{
    bench one, two;
    open_bench(&one, false);
    open_bench(&two, false);
    live_block x = take(one.a, 128, 16, 1), y = take(two.a, 128, 16, 2);
    alloy_free(two.a, x.p, 128, 16); /* the other instance's block */
    only_report(&two, ALLOY_CHECKED_UNKNOWN_POINTER, "free", x.p);
    cr_assert_eq(one.rec.count, 0);
    assert_consistent(&one, &x, 1);
    assert_consistent(&two, &y, 1);
    alloy_free(one.a, x.p, 128, 16);
    alloy_free(two.a, y.p, 128, 16);
    cr_assert_eq(one.rec.count, 0);
    close_bench(&one);
    close_bench(&two);
}

/* --- the default handler --------------------------------------------------------- */

Test(checked_default, aborts_on_double_free, .signal = SIGABRT)
{
    bench b;
    open_bench(&b, true);
    void *p = alloy_alloc(b.a, 32, 16);
    alloy_free(b.a, p, 32, 16);
    alloy_free(b.a, p, 32, 16);
}

Test(checked_default, null_handler_restores_it, .signal = SIGABRT)
{
    bench b;
    open_bench(&b, false);
    alloy_checked_set_handler(&b.checked, NULL, NULL);
    char on_the_stack[64];
    alloy_free(b.a, on_the_stack, 64, 1);
}

/* Run misuse(b, ptr) in a child with stderr on a pipe; assert that it died of
 * SIGABRT and return what it wrote. */
static void stderr_of_aborting_child(void (*misuse)(bench *, unsigned char *), bench *b, unsigned char *ptr,
                                     char *out, size_t out_size)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        misuse(b, ptr);
        _exit(0); /* not reached: the handler aborts */
    }
    close(fds[1]);
    size_t used = 0;
    ssize_t n;
    while (used < out_size - 1 && (n = read(fds[0], out + used, out_size - 1 - used)) > 0)
        used += (size_t)n;
    out[used] = 0;
    close(fds[0]);
    int status;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "the child aborted (status %#x)", status);
}

static void free_again(bench *b, unsigned char *p)
{
    alloy_free(b->a, p, 48, 16);
}

static void free_overrun(bench *b, unsigned char *p)
{
    p[21] = 0;
    alloy_free(b->a, p, 21, 4);
}

Test(checked_default, prints_one_line)
{
    char text[512], expect[512];
    bench b;
    open_bench(&b, true);
    /* the parent sets up, the child makes the bad call */
    unsigned char *p = alloy_alloc(b.a, 48, 16);
    cr_assert(p);
    alloy_free(b.a, p, 48, 16);
    stderr_of_aborting_child(free_again, &b, p, text, sizeof text);
    snprintf(expect, sizeof expect,
             "alloy checked: double free in free of %p (passed size 48, align 16; freed with size 48, align 16)\n",
             (void *)p);
    cr_assert_str_eq(text, expect);

    unsigned char *q = alloy_alloc(b.a, 21, 4);
    cr_assert(q);
    stderr_of_aborting_child(free_overrun, &b, q, text, sizeof text);
    snprintf(expect, sizeof expect,
             "alloy checked: write past the end in free of %p (size 21, align 4; first damaged byte at offset 21)\n",
             (void *)q);
    cr_assert_str_eq(text, expect);
    close_bench(&b);
}
