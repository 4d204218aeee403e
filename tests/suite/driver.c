/* SPDX-License-Identifier: MIT */
/* The shadow-counting driver of the out-of-memory and edge cases (driver.h). */
#include "driver.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

void note(const fixture_kind *kind, const char *what)
{
    char kind_text[96];
    fixture_describe(kind, kind_text, sizeof kind_text);
    snprintf(test_note, sizeof test_note, "%s, %s", kind_text, what);
}

void note_n(const fixture_kind *kind, const char *what, uint64_t n)
{
    char kind_text[96];
    fixture_describe(kind, kind_text, sizeof kind_text);
    snprintf(test_note, sizeof test_note, "%s, %s %llu", kind_text, what, (unsigned long long)n);
}

bool failed_at(int line, const char *what)
{
    size_t used = strlen(test_note);
    if (used < sizeof test_note)
        snprintf(test_note + used, sizeof test_note - used, " | line %d: %s", line, what);
    return false;
}

alloy_shared_stats shared_of(const alloy_allocator *a)
{
    alloy_stats s;
    alloy_stats_get(a, &s);
    return s.shared;
}

bool aligned(const void *p, size_t align)
{
    return (uintptr_t)p % align == 0;
}

/* --- the driver ------------------------------------------------------------------- */

static instance *owner(driver *d, const live_block *slot)
{
    return &d->inst[(size_t)(slot - d->b) % d->instance_count];
}

bool open_driver(driver *d, const fixture_kind *kind, size_t heap_bytes, refusing_policy policy, size_t instances,
                 uint64_t seed)
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

bool counters_match(const instance *in)
{
    alloy_shared_stats m = shared_of(in->a);
    EXPECT(shadow_matches(in->a, &in->expect));
    EXPECT(m.invalid_requests == in->expect.invalid_requests);
    return true;
}

bool every_block_intact(const driver *d)
{
    for (size_t i = 0; i < SLOTS; i++)
        EXPECT(!d->b[i].p || block_intact(&d->b[i], d->b[i].size));
    return true;
}

bool sound(const driver *d)
{
    for (size_t i = 0; i < d->instance_count; i++) {
        EXPECT(counters_match(&d->inst[i]));
        EXPECT(alloy_check(d->inst[i].a));
    }
    return every_block_intact(d);
}

/* Allocate into the empty slot; *served says whether it was served. */
bool d_alloc(driver *d, live_block *slot, size_t size, size_t align, bool *served)
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

bool d_realloc(driver *d, live_block *slot, size_t new_size, bool *served)
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
bool d_resize(driver *d, live_block *slot, size_t new_size, bool *done)
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

bool d_free(driver *d, live_block *slot)
{
    instance *in = owner(d, slot);
    EXPECT(block_intact(slot, slot->size));
    alloy_free(in->a, slot->p, slot->size, slot->align);
    in->expect.frees++;
    in->expect.bytes_in_use -= slot->size;
    slot->p = NULL;
    return counters_match(in);
}

bool free_all(driver *d)
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

size_t mixed_size_upto(test_rng *r, size_t large_max)
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

size_t mixed_size(test_rng *r)
{
    return mixed_size_upto(r, 300000);
}

size_t mixed_align(test_rng *r)
{
    uint64_t pick = rng_next(r) % 100;
    if (pick < 70)
        return (size_t)1 << rng_range(r, 0, 4);
    if (pick < 95)
        return (size_t)1 << rng_range(r, 5, 12);
    return (size_t)1 << rng_range(r, 13, 16);
}

live_block *pick_slot(driver *d, size_t n, bool want_live)
{
    size_t start = rng_range(&d->r, 0, n - 1);
    for (size_t k = 0; k < n; k++) {
        live_block *s = &d->b[(start + k) % n];
        if ((s->p != NULL) == want_live)
            return s;
    }
    return NULL;
}

bool next_k(size_t *k)
{
    static const size_t top = 2 * 65536 + 4096 + 64;
    size_t m = *k % 65536;
    if (m < 40 || m >= 65536 - 40)
        *k += 1;
    else
        *k += 4093 < 65536 - 40 - m ? 4093 : 65536 - 40 - m;
    return *k <= top;
}
