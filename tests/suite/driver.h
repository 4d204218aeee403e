/* SPDX-License-Identifier: MIT */
/* The driver of the out-of-memory and edge cases (oom.c, edges.c, malloc_edges.c):
 * instances on one refusing heap (refusing_heap.h), a table of live blocks, and a
 * shadow count of each instance's shared statistics that every call is checked
 * against. Every heap here is bounded, so no case grows wasm memory far. Helpers
 * return false and append what failed, with its line, to test_note; the case bodies
 * CHECK them. */
#ifndef ALLOY_TEST_DRIVER_H
#define ALLOY_TEST_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blocks.h"
#include "conformance.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
/* 32 KiB: sizes either side of it exercise both paths of a strategy that serves small
 * and large blocks apart (ALLOY_REGION_SMALL_MAX, for one) */
#define SMALL_MAX ((size_t)32 * KiB)

/* Return false from the enclosing helper, noting the line and the condition. */
#define EXPECT(cond)                                 \
    do {                                             \
        if (!(cond))                                 \
            return failed_at(__LINE__, #cond);       \
    } while (0)

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

/* test_note: the kind and what the case does (and a number). */
void note(const fixture_kind *kind, const char *what);
void note_n(const fixture_kind *kind, const char *what, uint64_t n);
/* Append "line: what" to test_note; false. */
bool failed_at(int line, const char *what);
alloy_shared_stats shared_of(const alloy_allocator *a);
bool aligned(const void *p, size_t align);

/* `instances` instances of `kind` on a refusing heap of heap_bytes with `policy`. */
bool open_driver(driver *d, const fixture_kind *kind, size_t heap_bytes, refusing_policy policy, size_t instances,
                 uint64_t seed);
/* The instance's statistics equal its shadow count. */
bool counters_match(const instance *in);
bool every_block_intact(const driver *d);
/* What must hold after any refusal: statistics equal the shadow, every instance
 * passes its check, every live block holds its pattern. */
bool sound(const driver *d);

/* Calls on the instance that owns the slot, with the shadow kept and checked:
 * allocate into the empty slot (*served: whether it was), realloc or resize its
 * block (*done: whether it was resized in place), free it, free every block. */
bool d_alloc(driver *d, live_block *slot, size_t size, size_t align, bool *served);
bool d_realloc(driver *d, live_block *slot, size_t new_size, bool *served);
bool d_resize(driver *d, live_block *slot, size_t new_size, bool *done);
bool d_free(driver *d, live_block *slot);
bool free_all(driver *d);

/* Mostly small sizes, some up to SMALL_MAX, some runs of pages up to large_max;
 * mixed_size's go to 300,000. Alignments mostly up to 16, some to a page. */
size_t mixed_size_upto(test_rng *r, size_t large_max);
size_t mixed_size(test_rng *r);
size_t mixed_align(test_rng *r);
/* A random slot among the first n that is empty (want_live false) or live; NULL if none. */
live_block *pick_slot(driver *d, size_t n, bool want_live);

/* Sizes SIZE_MAX - k for k = 0 .. a little over two pages (ALLOY_MAX_SIZE is
 * SIZE_MAX - 2 pages): every k near the ends of pages and of 16-byte units, and a
 * stride through the rest. Returns false when done. */
bool next_k(size_t *k);

#endif
