/* SPDX-License-Identifier: MIT */
/* checked: a wrapper over any alloy instance that catches misuse of it - frees and
 * resizes that name no live block, or name one with the wrong size or alignment,
 * double frees, and writes just past the end or before the start of a block.
 *
 * Algorithm
 *   Every block the program gets is carved from a larger block of the inner instance,
 *   with guards around it. A table of live blocks (pointer, size, alignment) decides
 *   whether a free or resize names a live block; the pointer itself is never read
 *   through, so a pointer into unmapped memory is reported, not followed. A pointer
 *   that is not live is called a double free when it is among the last
 *   ALLOY_CHECKED_RECENT_FREES frees (a ring in the instance), else unknown. A call
 *   naming a block wrongly is reported and does nothing; a free of a live block
 *   whose guards are damaged is reported and then frees it, a resize of one is
 *   reported and refused. check verifies the table, every live block's guards and
 *   the figures, then the inner instance. Reports go to the instance's handler; the
 *   default prints one line and aborts.
 *
 * Memory layout
 *   block:  | front guard             | the program's block      | back guard |
 *           ^outer (aligned to align)  ^ptr (aligned to align)   ^ptr + size
 *           front = max(16, align) bytes of GUARD, size bytes, 16 bytes of GUARD;
 *           the inner instance serves front + size + 16 bytes aligned to align, and
 *           is given back the same. Fresh blocks are filled with FRESH (0xCD), the
 *           whole outer block with FREED (0xDD) before it goes back. A shrink by
 *           resize releases the old tail to the inner instance unfilled: on failure
 *           it would have to be unchanged, and after success it is not ours.
 *   table:  an array of {ptr, size, align} slots from the inner instance, a power of
 *           two of them (16 at least), at most 3/4 full; linear probing from the top
 *           bits of ptr times 2^64/phi. Removal shifts later members of the probe run
 *           back, so there are no tombstones. It doubles when full (the new one is
 *           allocated before the old one is freed) and does not shrink while blocks
 *           are live: it stays the size their peak needed, so that a program cycling
 *           through the same blocks while others stay live does not reallocate it
 *           (and, on strategies that never merge free blocks, fragment the heap with
 *           old tables). When the last
 *           live block is freed the table goes back to the inner instance, so that a
 *           program that frees everything leaves the inner instance empty: a phase of
 *           small blocks must not keep the next phase's large ones out (a bump
 *           strategy starts over only when nothing is live).
 *
 * Out of memory
 *   The table grows before the block is allocated (so that on bump strategies the
 *   block, not the table, ends at the bump pointer and can grow in place). A table
 *   that cannot grow fails the allocation with nothing taken. When the block then
 *   does not fit, a grown table stays for the next allocation, unless no block is
 *   live: then it is given back, and the wrapper holds nothing of the inner instance.
 *
 * Costs
 *   alloc: the inner alloc, filling the whole outer block, a table insert (O(1)
 *   expected; O(live) when it doubles, amortized O(1)). free: a lookup, reading the
 *   guards, filling the outer block, the inner free. resize: a lookup, the guards,
 *   the inner resize. check: O(table slots + guard bytes) and the inner check.
 *   Memory: max(16, align) + 16 bytes per block, and 4/3 .. 8/3 table slots (3 words
 *   each) per block at the peak of live blocks, twice that while the table doubles;
 *   ALLOY_CHECKED_RECENT_FREES records in the instance. The fills write every page of
 *   a block, so the system commits all of it, used or not. Single-threaded, like
 *   every instance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloy/checked.h"
#include "frontend.h"

#define GUARD ALLOY_CHECKED_GUARD_SIZE
#define MIN_SLOTS ((size_t)16)
#define FIB_MULTIPLIER UINT64_C(0x9E3779B97F4A7C15) /* 2^64 / golden ratio */

typedef alloy_checked_block entry;

static alloy_checked *checked_of(alloy_allocator *a)
{
    return (alloy_checked *)a;
}

static const alloy_checked *const_checked_of(const alloy_allocator *a)
{
    return (const alloy_checked *)a;
}

/* Bytes in front of a block aligned to `align`: a multiple of align, 16 at least. */
static size_t front_bytes(size_t align)
{
    return align > GUARD ? align : GUARD;
}

static unsigned char *outer_of(uintptr_t ptr, size_t align)
{
    return (unsigned char *)(ptr - front_bytes(align));
}

static size_t outer_size(size_t size, size_t align)
{
    return front_bytes(align) + size + GUARD;
}

/* --- the table of live blocks ------------------------------------------------------ */

static size_t home_slot(const alloy_checked *c, uintptr_t ptr)
{
    return (size_t)(((uint64_t)ptr * FIB_MULTIPLIER) >> c->table_shift);
}

/* The slot holding ptr, or table_slots when it is not live. */
static size_t find_slot(const alloy_checked *c, uintptr_t ptr)
{
    size_t mask = c->table_slots - 1;
    size_t i = c->table ? home_slot(c, ptr) : 0;
    /* at most every slot once: a table that a stray write filled cannot hang it */
    for (size_t probes = 0; probes < c->table_slots; probes++, i = (i + 1) & mask) {
        if (c->table[i].ptr == ptr)
            return i;
        if (c->table[i].ptr == 0)
            break;
    }
    return c->table_slots;
}

/* Put a block that is not in the table into it; there is room. */
static void place(alloy_checked *c, entry e)
{
    size_t mask = c->table_slots - 1;
    size_t i = home_slot(c, e.ptr);
    while (c->table[i].ptr)
        i = (i + 1) & mask;
    c->table[i] = e;
}

/* Empty slot i, moving back the later members of its probe run whose home slot
 * does not lie cyclically in (i, j], so that every lookup still finds them. */
static void remove_slot(alloy_checked *c, size_t i)
{
    size_t mask = c->table_slots - 1;
    for (size_t j = (i + 1) & mask; c->table[j].ptr; j = (j + 1) & mask) {
        size_t home = home_slot(c, c->table[j].ptr);
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            c->table[i] = c->table[j];
            i = j;
        }
    }
    c->table[i].ptr = 0;
}

static unsigned log2_of(size_t power_of_two)
{
    unsigned bits = 0;
    while (((size_t)1 << bits) < power_of_two)
        bits++;
    return bits;
}

static void release_table(alloy_checked *c)
{
    frontend_serve_free(c->inner, c->table, c->table_slots * sizeof(entry), _Alignof(entry));
    c->table = NULL;
    c->table_slots = 0;
    c->table_shift = 0;
}

/* Make room for one more live block: double the table when it would be more than
 * 3/4 full. False, with nothing changed, when the inner instance cannot serve it. */
static bool make_room(alloy_checked *c)
{
    if ((c->live_blocks + 1) * 4 <= c->table_slots * 3)
        return true;
    size_t slots = c->table_slots ? 2 * c->table_slots : MIN_SLOTS;
    if (slots > ALLOY_MAX_SIZE / sizeof(entry))
        return false;
    entry *table = frontend_serve_alloc(c->inner, slots * sizeof(entry), _Alignof(entry));
    if (!table)
        return false;
    memset(table, 0, slots * sizeof(entry));
    entry *old = c->table;
    size_t old_slots = c->table_slots;
    c->table = table;
    c->table_slots = slots;
    c->table_shift = 64 - log2_of(slots);
    for (size_t i = 0; i < old_slots; i++)
        if (old[i].ptr)
            place(c, old[i]);
    if (old)
        frontend_serve_free(c->inner, old, old_slots * sizeof(entry), _Alignof(entry));
    return true;
}

/* --- guards and reports ------------------------------------------------------------ */

/* The index of the first byte of p[0 .. n) that is not `byte`, or n. */
static size_t first_other(const unsigned char *p, size_t n, unsigned char byte)
{
    /* eight bytes at a time, then byte by byte from the first word that differs
     * (front guards are up to 64 KiB, scanned on every free and check) */
    const uint64_t all = byte * UINT64_C(0x0101010101010101);
    size_t i = 0;
    for (uint64_t word; i + 8 <= n; i += 8) {
        memcpy(&word, p + i, 8);
        if (word != all)
            break;
    }
    while (i < n && p[i] == byte)
        i++;
    return i;
}

static void report(const alloy_checked *c, alloy_checked_report r)
{
    c->handler(c->handler_context, &r);
}

static const char *problem_text(alloy_checked_problem problem)
{
    switch (problem) {
    case ALLOY_CHECKED_DOUBLE_FREE:
        return "double free";
    case ALLOY_CHECKED_UNKNOWN_POINTER:
        return "pointer not given out by this instance";
    case ALLOY_CHECKED_WRONG_SIZE:
        return "wrong size";
    case ALLOY_CHECKED_WRONG_ALIGN:
        return "wrong alignment";
    case ALLOY_CHECKED_OVERRUN:
        return "write past the end";
    case ALLOY_CHECKED_UNDERRUN:
        return "write before the start";
    }
    return "?";
}

static alloy_checked_report make_report(alloy_checked_problem problem, const char *operation, const entry *e)
{
    alloy_checked_report r = {0};
    r.problem = problem;
    r.what = problem_text(problem);
    r.operation = operation;
    r.ptr = (const void *)e->ptr;
    r.recorded_size = e->size;
    r.recorded_align = e->align;
    return r;
}

/* Report each damaged guard of live block e; the number of reports made (0: intact). */
static unsigned damaged_guards(const alloy_checked *c, const entry *e, const char *operation, size_t passed_size,
                          size_t passed_align)
{
    size_t front = front_bytes(e->align);
    const unsigned char *ptr = (const unsigned char *)e->ptr;
    size_t in_front = first_other(ptr - front, front, ALLOY_CHECKED_GUARD_BYTE);
    size_t behind = first_other(ptr + e->size, GUARD, ALLOY_CHECKED_GUARD_BYTE);
    if (in_front != front) {
        alloy_checked_report r = make_report(ALLOY_CHECKED_UNDERRUN, operation, e);
        r.passed_size = passed_size;
        r.passed_align = passed_align;
        r.damage_offset = (ptrdiff_t)in_front - (ptrdiff_t)front;
        report(c, r);
    }
    if (behind != GUARD) {
        alloy_checked_report r = make_report(ALLOY_CHECKED_OVERRUN, operation, e);
        r.passed_size = passed_size;
        r.passed_align = passed_align;
        r.damage_offset = (ptrdiff_t)(e->size + behind);
        report(c, r);
    }
    return (in_front != front) + (behind != GUARD);
}

/* The slot of the live block a free or resize names, or table_slots after reporting
 * why the call names none. */
static size_t named_block(alloy_checked *c, const char *operation, void *ptr, size_t size, size_t align)
{
    uintptr_t p = (uintptr_t)ptr;
    size_t slot = find_slot(c, p);
    entry named = {p, 0, 0};
    alloy_checked_problem problem;
    if (slot != c->table_slots) {
        named = c->table[slot];
        if (named.size == size && named.align == align)
            return slot;
        problem = named.size != size ? ALLOY_CHECKED_WRONG_SIZE : ALLOY_CHECKED_WRONG_ALIGN;
    } else {
        /* newest first: of the blocks freed at p in turn, the report names the last */
        problem = ALLOY_CHECKED_UNKNOWN_POINTER;
        for (size_t k = 1, n = ALLOY_CHECKED_RECENT_FREES; k <= n; k++) {
            const entry *e = &c->recent_frees[(c->recent_next + n - k) % n];
            if (e->ptr == p) {
                named = *e;
                problem = ALLOY_CHECKED_DOUBLE_FREE;
                break;
            }
        }
    }
    alloy_checked_report r = make_report(problem, operation, &named);
    r.passed_size = size;
    r.passed_align = align;
    c->reports++;
    report(c, r);
    return c->table_slots;
}

/* --- the operations on sound requests ------------------------------------------------ */

/* These run after the front end's checks, which the handle runs once per call (see
 * the wrapper's table below). The inner instance gets only sound requests, through
 * the front end's serving half: it counts them in its own figures, and tells a
 * memory checker about its blocks, inside which the wrapper's lie. */

static void *checked_alloc(alloy_allocator *a, size_t size, size_t align)
{
    alloy_checked *c = checked_of(a);
    size_t front = front_bytes(align);
    if (size > ALLOY_MAX_SIZE - front - GUARD)
        return NULL;
    if (!make_room(c))
        return NULL;
    unsigned char *outer = frontend_serve_alloc(c->inner, outer_size(size, align), align);
    if (!outer) {
        if (c->live_blocks == 0)
            release_table(c); /* made for this block: a first failure leaves nothing */
        return NULL;
    }
    unsigned char *ptr = outer + front;
    memset(outer, ALLOY_CHECKED_GUARD_BYTE, front);
    memset(ptr, ALLOY_CHECKED_FRESH_BYTE, size);
    alloy_poison_undefined(ptr, size); /* to memcheck, still unwritten */
    memset(ptr + size, ALLOY_CHECKED_GUARD_BYTE, GUARD);
    place(c, (entry){(uintptr_t)ptr, size, align});
    c->live_blocks++;
    c->guard_bytes += front + GUARD;
    return ptr;
}

/* Free the live block in `slot`, which a free or realloc to 0 named with (size,
 * align): damaged guards are reported, and the block goes all the same. */
static void release(alloy_checked *c, size_t slot, size_t size, size_t align)
{
    entry e = c->table[slot];
    c->reports += damaged_guards(c, &e, "free", size, align);
    remove_slot(c, slot);
    c->live_blocks--;
    c->guard_bytes -= front_bytes(align) + GUARD;
    c->recent_frees[c->recent_next] = e;
    c->recent_next = (c->recent_next + 1) % ALLOY_CHECKED_RECENT_FREES;
    unsigned char *outer = outer_of(e.ptr, align);
    memset(outer, ALLOY_CHECKED_FREED_BYTE, outer_size(size, align));
    frontend_serve_free(c->inner, outer, outer_size(size, align), align);
    if (c->live_blocks == 0)
        release_table(c);
}

/* The old block of a realloc that moved: live, the handle has looked it up. */
static void checked_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    alloy_checked *c = checked_of(a);
    release(c, find_slot(c, (uintptr_t)ptr), size, align);
}

static bool checked_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    alloy_checked *c = checked_of(a);
    size_t slot = named_block(c, "resize", ptr, size, align);
    if (slot == c->table_slots)
        return false;
    unsigned damage = damaged_guards(c, &c->table[slot], "resize", size, align);
    if (damage) {
        c->reports += damage;
        return false;
    }
    if (new_size > ALLOY_MAX_SIZE - front_bytes(align) - GUARD)
        return false;
    unsigned char *outer = outer_of((uintptr_t)ptr, align);
    if (!frontend_serve_resize(c->inner, outer, outer_size(size, align), align, outer_size(new_size, align)))
        return false;
    unsigned char *block = ptr;
    if (new_size > size) {
        memset(block + size, ALLOY_CHECKED_FRESH_BYTE, new_size - size);
        alloy_poison_undefined(block + size, new_size - size);
    }
    memset(block + new_size, ALLOY_CHECKED_GUARD_BYTE, GUARD);
    c->table[slot].size = new_size;
    return true;
}

/* The wrapper's own figures, then the inner instance's (alloy/checked.h). */
static void checked_stats(const alloy_allocator *a, alloy_stats *out)
{
    const alloy_checked *c = const_checked_of(a);
    alloy_stats inner;
    alloy_stats_get(c->inner, &inner);
    out->shared = a->stats;
    out->shared.heap_bytes = inner.shared.heap_bytes;
    alloy_stats_add(out, "live_blocks", c->live_blocks);
    alloy_stats_add(out, "guard_bytes", c->guard_bytes);
    alloy_stats_add(out, "table_bytes", (uint64_t)c->table_slots * sizeof(entry));
    alloy_stats_add(out, "table_slots", c->table_slots);
    alloy_stats_add(out, "reports", c->reports);
    alloy_stats_add(out, "inner_bytes_in_use", inner.shared.bytes_in_use);
    /* the inner instance, and the ones its report names below it while there is room;
     * the figures of any deeper one are left out */
    size_t base = out->count, end = inner.count < ALLOY_STATS_FIGURES ? inner.count : ALLOY_STATS_FIGURES;
    out->inner[0] = (alloy_stats_inner){inner.strategy, base};
    out->inner_count = 1;
    for (size_t i = 0; i < inner.inner_count; i++) {
        if (out->inner_count == ALLOY_STATS_INNER) {
            end = inner.inner[i].first < end ? inner.inner[i].first : end;
            break;
        }
        out->inner[out->inner_count++] = (alloy_stats_inner){inner.inner[i].strategy, base + inner.inner[i].first};
    }
    for (size_t i = 0; i < end; i++)
        alloy_stats_add(out, inner.figures[i].name, inner.figures[i].value);
}

static bool entry_sane(const alloy_checked *c, size_t slot)
{
    const entry *e = &c->table[slot];
    bool align_ok = e->align != 0 && (e->align & (e->align - 1)) == 0 && e->align <= ALLOY_MAX_ALIGN;
    return align_ok && e->size != 0 && e->size <= ALLOY_MAX_SIZE - front_bytes(e->align) - GUARD &&
           e->ptr % e->align == 0 && find_slot(c, e->ptr) == slot;
}

static bool checked_check(const alloy_allocator *a)
{
    const alloy_checked *c = const_checked_of(a);
    if ((c->table == NULL) != (c->table_slots == 0) || (c->table_slots & (c->table_slots - 1)) ||
        c->live_blocks * 4 > c->table_slots * 3)
        return false;
    size_t live = 0;
    uint64_t guard_bytes = 0, bytes = 0;
    bool guards_ok = true;
    for (size_t i = 0; i < c->table_slots; i++) {
        if (!c->table[i].ptr)
            continue;
        if (!entry_sane(c, i))
            return false;
        const entry *e = &c->table[i];
        live++;
        guard_bytes += front_bytes(e->align) + GUARD;
        bytes += e->size;
        if (damaged_guards(c, e, "check", 0, 0))
            guards_ok = false;
    }
    if (live != c->live_blocks || guard_bytes != c->guard_bytes || !guards_ok)
        return false;
#if ALLOY_STATS
    if (bytes != a->stats.bytes_in_use || live != a->stats.allocs - a->stats.frees)
        return false;
#else
    (void)bytes;
#endif
    return alloy_check(c->inner);
}

/* The operations above, as the front end's layers call a strategy: */
static const alloy_strategy checked_core = {
    .alloc = checked_alloc,
    .resize = checked_resize,
    .free = checked_free,
};

/* --- the wrapper's table ----------------------------------------------------------- */

/* The front end passes every call on the handle here whole (alloy/alloy.h), and each
 * runs the front end's checks and counting for the handle once, announcing nothing
 * (the inner instance announces the blocks these lie in). alloc and resize are the
 * front end's own, over the operations above; free and realloc look the block up
 * first, so that a misnamed block is refused before anything is counted or moved. */

static void *checked_handle_alloc(alloy_allocator *a, size_t size, size_t align)
{
    return frontend_alloc(a, &checked_core, size, align, false);
}

static void checked_handle_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    if (!frontend_block_ok(size, align)) {
        COUNT(a->stats.invalid_requests++);
        return;
    }
    alloy_checked *c = checked_of(a);
    size_t slot = named_block(c, "free", ptr, size, align);
    if (slot == c->table_slots)
        return; /* reported */
    release(c, slot, size, align);
    COUNT(alloy_stats_freed(&a->stats, size));
}

static bool checked_handle_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    return frontend_resize(a, &checked_core, ptr, size, align, new_size, false);
}

static void *checked_handle_realloc(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    if (!ptr)
        return checked_handle_alloc(a, new_size, align);
    if (!frontend_block_ok(size, align)) {
        COUNT(a->stats.invalid_requests++);
        return NULL;
    }
    alloy_checked *c = checked_of(a);
    size_t slot = named_block(c, "realloc", ptr, size, align);
    if (slot == c->table_slots)
        return NULL; /* reported; nothing is read, moved or freed */
    if (new_size == 0) {
        release(c, slot, size, align);
        COUNT(alloy_stats_freed(&a->stats, size));
        return NULL;
    }
    unsigned damage = damaged_guards(c, &c->table[slot], "realloc", size, align);
    if (damage) {
        c->reports += damage;
        return NULL; /* reported; the block, and the evidence, stay as they were */
    }
    if (new_size > ALLOY_MAX_SIZE) {
        COUNT(alloy_stats_failed(&a->stats, new_size));
        return NULL;
    }
    return serve_realloc(a, &checked_core, ptr, size, align, new_size, align, false);
}

static void checked_handle_reset_trip(alloy_allocator *a)
{
    COUNT(alloy_stats_reset_trip(&a->stats));
    (void)a;
}

/* The size and alignment the live block at ptr was allocated with, from the table,
 * for callers that keep no sizes (the malloc layer). A pointer that names no live
 * block gets a sound size (16) all the same, so that the free or resize the caller
 * makes with it reaches the checks and is reported as what it is (a double free, a
 * foreign pointer), not dropped as an invalid request. */
static size_t checked_block_size(const alloy_allocator *a, const void *ptr, size_t *align)
{
    const alloy_checked *c = (const alloy_checked *)a;
    size_t slot = find_slot(c, (uintptr_t)ptr);
    if (slot == c->table_slots) {
        *align = 16;
        return 16;
    }
    *align = c->table[slot].align;
    return c->table[slot].size;
}

static const alloy_strategy checked_strategy = {
    .name = "checked",
    .alloc = checked_handle_alloc,
    .resize = checked_handle_resize,
    .free = checked_handle_free,
    .stats = checked_stats,
    .check = checked_check,
    .block_size = checked_block_size,
    .wrapper = true,
    .realloc = checked_handle_realloc,
    .reset_trip = checked_handle_reset_trip,
};

/* --- the public functions ---------------------------------------------------------- */

void alloy_checked_abort_handler(void *context, const alloy_checked_report *r)
{
    (void)context;
    char line[320];
    int n = snprintf(line, sizeof line, "alloy checked: %s in %s of %p", r->what, r->operation,
                     (void *)(uintptr_t)r->ptr);
    size_t used = n > 0 && (size_t)n < sizeof line ? (size_t)n : 0;
    switch (r->problem) {
    case ALLOY_CHECKED_UNKNOWN_POINTER:
        snprintf(line + used, sizeof line - used, " (passed size %zu, align %zu)\n", r->passed_size,
                 r->passed_align);
        break;
    case ALLOY_CHECKED_DOUBLE_FREE:
    case ALLOY_CHECKED_WRONG_SIZE:
    case ALLOY_CHECKED_WRONG_ALIGN:
        snprintf(line + used, sizeof line - used, " (passed size %zu, align %zu; %s with size %zu, align %zu)\n",
                 r->passed_size, r->passed_align, r->problem == ALLOY_CHECKED_DOUBLE_FREE ? "freed" : "allocated",
                 r->recorded_size, r->recorded_align);
        break;
    case ALLOY_CHECKED_OVERRUN:
    case ALLOY_CHECKED_UNDERRUN:
        snprintf(line + used, sizeof line - used, " (size %zu, align %zu; first damaged byte at offset %td)\n",
                 r->recorded_size, r->recorded_align, r->damage_offset);
        break;
    }
    fputs(line, stderr);
    abort();
}

void alloy_checked_set_handler(alloy_checked *c, alloy_checked_handler handler, void *context)
{
    if (!c)
        return;
    c->handler = handler ? handler : alloy_checked_abort_handler;
    c->handler_context = handler ? context : NULL;
}

alloy_allocator *alloy_checked_init(alloy_checked *c, alloy_allocator *inner)
{
    if (!c || !inner || inner == &c->base)
        return NULL;
    memset(c, 0, sizeof *c);
    alloy_allocator_init(&c->base, &checked_strategy);
    c->inner = inner;
    alloy_checked_set_handler(c, NULL, NULL);
    return &c->base;
}
