/* SPDX-License-Identifier: MIT */
/* libFuzzer target: one strategy (FUZZ_STRATEGY, its name as a token: meson builds
 * fuzz_NAME for every strategy NAME) on a small static heap, driven by a sequence of
 * operations decoded from the input, with every property checked after every
 * operation. A broken property prints what broke and calls abort(), which libFuzzer
 * reports as a crash and saves the input.
 *
 * Build and run (clang only; tests/fuzz/meson.build builds the targets when the
 * `fuzz` option is enabled):
 *
 *   CC=clang meson setup build/fuzz -Dfuzz=enabled -Db_sanitize=address,undefined \
 *       -Db_lundef=false -Dtests=disabled -Dbench=disabled
 *   meson compile -C build/fuzz
 *   build/fuzz/tests/fuzz/fuzz_NAME -max_total_time=60 new-inputs/ tests/fuzz/corpus/seeds
 *
 * The seeds (tests/fuzz/corpus/seeds, written by make_corpus.py) are the same for
 * every target; inputs that once crashed a target stay in tests/fuzz/corpus/NAME.
 * libFuzzer adds what it finds to the first directory, so name a new one there, as
 * `meson test` does. A saved crash replays with
 * `build/fuzz/tests/fuzz/fuzz_NAME crash-<sha1>`.
 *
 * Input format: a sequence of operations, each starting with one byte b:
 *   b % 5 is the operation, b >> 3 the slot (0..31) it works on;
 *   0 allocate    size (3 bytes), alignment (1 byte); an occupied slot is freed first
 *   1 free        (nothing more); an empty slot frees NULL
 *   2 resize      size (3 bytes): alloy_resize in place; an empty slot does nothing
 *   3 realloc     size (3 bytes), alignment (1 byte, used when the slot is empty)
 *   4 reset_trip  (nothing more)
 * A size is a kind byte and a 16-bit little-endian value v: kind % 8 picks tiny
 * (1..16), small (1..256), medium (1..4096), up to 32 KiB, around 32 KiB (32766..32769),
 * around whole pages (1..6 pages, -1..+1 byte), large (32 KiB .. 332 KiB), or special
 * (0, ALLOY_MAX_SIZE, ALLOY_MAX_SIZE + 1, SIZE_MAX). An alignment byte a gives
 * 1 << (a % 17) (1 .. 65536), or when a % 32 == 31 a bad alignment (3), which
 * allocate must refuse and count as invalid. A truncated operation ends the input.
 *
 * After every operation: each live block is aligned and holds its pattern; no two
 * live blocks overlap; the shared statistics equal a shadow count (bytes in use,
 * high water, trip high water, allocs, frees, reallocs, failed allocations, invalid
 * requests, largest request) and heap bytes stay within the array; a strategy's
 * figure live_bytes, if it keeps one, is at least the shadow's sizes rounded up to
 * 16 (the bytes its blocks hold), and 0 once every block is freed; alloy_check
 * holds. At the end every block is freed and the instance must be back to 0 bytes in
 * use.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloy/strategies.h"
#include "blocks.h"

#if !defined(FUZZ_STRATEGY)
#error "define FUZZ_STRATEGY to a strategy's name: -DFUZZ_STRATEGY=NAME"
#endif
typedef ALLOY_PASTE(alloy_, FUZZ_STRATEGY, ) instance_state;
#define instance_init ALLOY_PASTE(alloy_, FUZZ_STRATEGY, _init)

#define SLOTS 32
/* A few hundred KiB: an initial space of 40,000 bytes and 5 pages, so that running
 * out of memory is common. The array is misaligned on purpose. */
#define ARRAY_BYTES (5 * ALLOY_PAGE_SIZE + 40000 + 8)

typedef struct state {
    _Alignas(16) unsigned char array[ARRAY_BYTES];
    alloy_static_heap heap;
    instance_state instance;
    alloy_allocator *a;
    live_block slots[SLOTS];
    alloy_shared_stats expect;
    uint32_t serial;
    size_t op;
} state;

typedef struct reader {
    const uint8_t *p;
    size_t left;
} reader;

static bool take(reader *r, size_t n, const uint8_t **out)
{
    if (r->left < n)
        return false;
    *out = r->p;
    r->p += n;
    r->left -= n;
    return true;
}

static void broken(const state *s, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "fuzz_%s: operation %zu: ", alloy_name(s->a), s->op);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    abort();
}

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
    return a % 32 == 31 ? 3 : (size_t)1 << (a % 17);
}

static bool align_ok(size_t align)
{
    return align && (align & (align - 1)) == 0 && align <= ALLOY_MAX_ALIGN;
}

/* The pattern: 8-byte words that depend on the block's tag and on their position, so
 * that a block overwritten by another, or moved without its contents, or shifted,
 * shows. Word-wise (rather than blocks.c's byte-wise pattern) because every live
 * block is verified after every operation. */
static uint64_t pattern_word(uint32_t tag, size_t k)
{
    return ((uint64_t)tag + 1) * 0x9e3779b97f4a7c15u ^ (uint64_t)k * 0x100000001b3u;
}

static void fill(const live_block *b)
{
    size_t k = 0;
    for (; 8 * k + 8 <= b->size; k++) {
        uint64_t w = pattern_word(b->tag, k);
        memcpy(b->p + 8 * k, &w, 8);
    }
    uint64_t w = pattern_word(b->tag, k);
    memcpy(b->p + 8 * k, &w, b->size - 8 * k);
}

/* Whether the first `size` bytes hold the pattern. */
static bool intact(const live_block *b, size_t size)
{
    size_t k = 0;
    for (; 8 * k + 8 <= size; k++) {
        uint64_t w = pattern_word(b->tag, k), v;
        memcpy(&v, b->p + 8 * k, 8);
        if (v != w)
            return false;
    }
    uint64_t w = pattern_word(b->tag, k);
    return memcmp(b->p + 8 * k, &w, size - 8 * k) == 0;
}

static void retag(state *s, live_block *b)
{
    b->tag = ++s->serial;
    fill(b);
}

static void do_alloc(state *s, live_block *b, size_t size, size_t align)
{
    alloy_shared_stats *e = &s->expect;
    void *p = alloy_alloc(s->a, size, align);
    if (!align_ok(align)) {
        if (p)
            broken(s, "alloy_alloc(%zu, %zu) served a bad alignment", size, align);
        e->invalid_requests++;
        return;
    }
    if (size == 0) {
        if (p)
            broken(s, "alloy_alloc(0) returned a block");
        return;
    }
    if (p) {
        *b = (live_block){p, size, align, 0};
        retag(s, b);
        e->allocs++;
        e->bytes_in_use += size;
    } else {
        e->failed_allocs++;
    }
    shadow_peak(e, size);
}

static void do_free(state *s, live_block *b)
{
    alloy_free(s->a, b->p, b->size, b->align);
    if (b->p) {
        s->expect.frees++;
        s->expect.bytes_in_use -= b->size;
    }
    b->p = NULL;
}

static void do_resize(state *s, live_block *b, size_t size)
{
    if (!b->p)
        return;
    alloy_shared_stats *e = &s->expect;
    live_block was = *b;
    bool done = alloy_resize(s->a, b->p, b->size, b->align, size);
    if (size == 0 || size > ALLOY_MAX_SIZE) {
        if (done)
            broken(s, "alloy_resize to %zu succeeded", size);
        if (size == 0) {
            e->invalid_requests++;
        } else {
            e->failed_allocs++;
            shadow_peak(e, size);
        }
        return;
    }
    if (!done)
        return;
    if (!intact(&was, size < was.size ? size : was.size))
        broken(s, "alloy_resize from %zu to %zu bytes lost contents", was.size, size);
    e->reallocs++;
    e->bytes_in_use = e->bytes_in_use - b->size + size;
    b->size = size;
    retag(s, b);
    shadow_peak(e, size);
}

static void do_realloc(state *s, live_block *b, size_t size, size_t align)
{
    if (!b->p) {
        do_alloc(s, b, size, align);
        return;
    }
    if (size == 0) { /* frees */
        void *p = alloy_realloc(s->a, b->p, b->size, b->align, 0);
        if (p)
            broken(s, "alloy_realloc to 0 returned a block");
        s->expect.frees++;
        s->expect.bytes_in_use -= b->size;
        b->p = NULL;
        return;
    }
    alloy_shared_stats *e = &s->expect;
    void *p = alloy_realloc(s->a, b->p, b->size, b->align, size);
    if (!p) { /* even a shrink may have to move (a large block becoming a small one) and fail */
        e->failed_allocs++;
        shadow_peak(e, size);
        return; /* the old block is checked with all the others */
    }
    live_block moved = {p, b->size, b->align, b->tag};
    if (!intact(&moved, size < b->size ? size : b->size))
        broken(s, "alloy_realloc from %zu to %zu bytes lost contents", b->size, size);
    e->reallocs++;
    e->bytes_in_use = e->bytes_in_use - b->size + size;
    b->p = p;
    b->size = size;
    retag(s, b);
    shadow_peak(e, size);
}


static void check_all(state *s)
{
    uint64_t rounded = 0;
    for (size_t i = 0; i < SLOTS; i++) {
        const live_block *b = &s->slots[i];
        if (!b->p)
            continue;
        if ((uintptr_t)b->p % b->align)
            broken(s, "slot %zu: %p is not aligned to %zu", i, (void *)b->p, b->align);
        if (!intact(b, b->size))
            broken(s, "slot %zu: the block at %p (%zu bytes) was overwritten", i, (void *)b->p, b->size);
        if (!alloy_heap_holds(&s->heap.heap, b->p, b->size))
            broken(s, "slot %zu: the block at %p (%zu bytes) is outside the heap", i, (void *)b->p, b->size);
        rounded += (b->size + 15) / 16 * 16;
    }
    if (!blocks_disjoint(s->slots, SLOTS))
        broken(s, "two live blocks overlap");

    alloy_stats st;
    alloy_stats_get(s->a, &st);
    const alloy_shared_stats *m = &st.shared, *e = &s->expect;
#define SAME(field)                                                                             \
    if (m->field != e->field)                                                                   \
    broken(s, "statistics: " #field " is %llu, the shadow count %llu", (unsigned long long)m->field, \
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
    if (m->heap_bytes > ARRAY_BYTES)
        broken(s, "statistics: %llu heap bytes from a %zu-byte array", (unsigned long long)m->heap_bytes,
               (size_t)ARRAY_BYTES);
    const alloy_stat *live = alloy_stats_find(&st, "live_bytes");
    if (live && (live->value < rounded || (rounded == 0 && live->value != 0)))
        broken(s, "statistics: live_bytes %llu, the rounded shadow %llu", (unsigned long long)live->value,
               (unsigned long long)rounded);
    if (!alloy_check(s->a))
        broken(s, "alloy_check failed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static state s; /* 370 KiB: not for the stack; one input at a time */
    memset(&s.slots, 0, sizeof s.slots);
    memset(&s.expect, 0, sizeof s.expect);
    s.serial = 0;
    s.op = 0;
    s.a = instance_init(&s.instance, alloy_static_heap_init(&s.heap, s.array + 8, sizeof s.array - 8));
    if (!s.a)
        broken(&s, "no instance");

    reader r = {data, size};
    const uint8_t *b, *sz, *al;
    while (take(&r, 1, &b)) {
        s.op++;
        live_block *slot = &s.slots[(b[0] >> 3) % SLOTS];
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
            alloy_reset_trip(s.a);
            s.expect.trip_high_water = s.expect.bytes_in_use;
            break;
        }
        check_all(&s);
    }
done:
    s.op++;
    for (size_t i = 0; i < SLOTS; i++)
        do_free(&s, &s.slots[i]);
    check_all(&s);
    if (s.expect.bytes_in_use != 0)
        broken(&s, "%llu bytes in use after freeing everything", (unsigned long long)s.expect.bytes_in_use);
    return 0;
}
