/* SPDX-License-Identifier: MIT */
/* The C allocation API over an instance (alloy/malloc.h), written once for calls
 * through the instance's table (instance_malloc.c) and for direct calls
 * (program_malloc.c); see frontend/frontend.h. Internal: not installed.
 *
 * free(p) has no size, and alloy's frees are sized. Two ways to find it:
 * - The strategy tells a block's size from its pointer (alloy_strategy::block_size,
 *   e.g. region, and the checked wrapper from its table): blocks carry nothing
 *   more. Sizes are asked as the strategy fits them (alloy_strategy::fit; rounded
 *   up to 16 when it has none), so that block_size gives back exactly what was
 *   asked of the instance, and it is all the block holds. A strategy whose table
 *   also has free_unsized (region, tlsf) frees in that one call: it finds the block once, where
 *   block_size and free would each find it.
 * - It cannot (a strategy without block_size, the locked wrapper): each block
 *   carries a 16-byte header in front of what the caller gets, holding the size and
 *   alignment asked for:
 *
 *   | padding (align - 16 bytes, when align > 16) | header: size, align | user block |
 *   ^ the instance's block, aligned to max(align, 16)                   ^ returned
 *
 * Either way every result is aligned to 16 bytes (max_align_t) or more, and the
 * instance is given back exactly what was asked of it. */
#ifndef ALLOY_MALLOC_LAYER_H
#define ALLOY_MALLOC_LAYER_H

#include "frontend.h"

#define HEADER ((size_t)16)

typedef struct header {
    size_t size;  /* requested by the caller */
    size_t align; /* the alignment the user block was given: 16 or more, and so also the
                   * block's front, the bytes the instance gave in front of it (the
                   * header's room, which keeps the user block aligned) */
} header;

_Static_assert(sizeof(header) <= HEADER, "the header fits its 16 bytes");

static inline header *header_of(const void *p)
{
    return (header *)(void *)((char *)p - HEADER);
}

/* The user block in the instance's `block`, its header written: what the caller asked,
 * `size` at `align` (16 or more: the block's front). */
static inline void *header_put(void *block, size_t size, size_t align)
{
    char *p = (char *)block + align;
    *header_of(p) = (header){size, align};
    return p;
}

/* size rounded up to a multiple of 16; 0 when that wraps. (A macro: as a function,
 * clang -Oz compiled its callers 33 bytes larger.) */
#define UP_TO_16(size) (((size) + HEADER - 1) & ~(HEADER - 1))

/* A size as asked of strategy s, which tells sizes: as it fits them, else rounded up
 * to 16, 16 for 0 (a unique block); SIZE_MAX past ALLOY_MAX_SIZE, which the front end
 * refuses as out of memory (counted in failed_allocs, as alloy_alloc counts it). */
static inline size_t fitted(const alloy_strategy *s, size_t size)
{
    if (size > ALLOY_MAX_SIZE)
        return SIZE_MAX;
    if (s->fit)
        return s->fit(size);
    return size ? UP_TO_16(size) : HEADER;
}

/* The same with a header in front: size + front, or SIZE_MAX past ALLOY_MAX_SIZE. */
static inline size_t with_header(size_t size, size_t front)
{
    return size <= ALLOY_MAX_SIZE - front ? size + front : SIZE_MAX;
}

/* In all of these `a` is not NULL and `s` is its strategy. */

/* Inline where speed is asked for, so that malloc's constant alignment folds its
 * checks away; one copy where size is (-Os, -Oz). */
#if defined(__OPTIMIZE_SIZE__)
#define ALLOCATE_INLINE
#else
#define ALLOCATE_INLINE __attribute__((always_inline))
#endif

/* align is a power of two up to ALLOY_MAX_ALIGN (frontend_align_ok): the callers
 * check what they are given, so the request the instance gets is sound (size >= 1)
 * and goes to the front end's second layer. */
static inline ALLOCATE_INLINE void *malloc_alloc(alloy_allocator *a, const alloy_strategy *s, size_t align, size_t size)
{
    if (align < HEADER)
        align = HEADER;
    if (s->block_size)
        return frontend_serve_alloc_on(a, s, fitted(s, size), align);
    void *block = frontend_serve_alloc_on(a, s, with_header(size, align), align);
    return block ? header_put(block, size, align) : NULL;
}

/* n * size, or SIZE_MAX when that overflows: too large, it fails as out of memory. */
static inline size_t array_bytes(size_t n, size_t size)
{
    return size && n > SIZE_MAX / size ? SIZE_MAX : n * size;
}

static inline void *malloc_calloc(alloy_allocator *a, const alloy_strategy *s, size_t n, size_t size)
{
    size = array_bytes(n, size);
    void *p = malloc_alloc(a, s, HEADER, size);
    if (p)
        memset(p, 0, size);
    return p;
}

static inline void malloc_free(alloy_allocator *a, const alloy_strategy *s, void *p)
{
    if (!p)
        return;
    if (s->free_unsized) {
        size_t size = s->free_unsized(a, p);
        (void)size; /* with ALLOY_STATS 0, nothing is counted */
        COUNT(counting_freed(&a->stats, size));
        return;
    }
    if (s->block_size) {
        size_t align, size = s->block_size(a, p, &align);
        frontend_free(a, s, p, size, align, true);
        return;
    }
    /* the layer wrote this header itself: a sound request, unless the program wrote
     * over it (undefined, as in C; the checked wrapper is the tool for that) */
    header h = *header_of(p);
    size_t front = h.align;
    frontend_serve_free_on(a, s, (char *)p - front, h.size + front, h.align);
}

static inline void *malloc_realloc(alloy_allocator *a, const alloy_strategy *s, void *p, size_t size)
{
    if (!p)
        return malloc_alloc(a, s, HEADER, size);
    if (size == 0) {
        malloc_free(a, s, p);
        return NULL;
    }
    if (s->block_size) {
        size_t align, old = s->block_size(a, p, &align), asked = fitted(s, size);
        if (!s->wrapper && asked == old) { /* it has that size already (a wrapper checks p) */
            COUNT(counting_resized(&a->stats, old, old));
            return p;
        }
        if (!old && !s->wrapper) { /* no block at p (a freed one): refused (a wrapper reports it) */
            COUNT(a->stats.invalid_requests++);
            return NULL;
        }
        /* moved, a block is aligned to 16, as C's realloc promises */
        return frontend_serve_realloc_on(a, s, p, old, align, asked, HEADER);
    }
    header h = *header_of(p);
    size_t front = h.align;
    char *block = frontend_serve_realloc_on(a, s, (char *)p - front, h.size + front, h.align,
                                            with_header(size, front), h.align);
    if (!block)
        return NULL;
    char *moved = block + front;
    header_of(moved)->size = size;
    return moved;
}

static inline size_t malloc_usable_size_of(alloy_allocator *a, const alloy_strategy *s, const void *p)
{
    size_t align;
    if (!p)
        return 0;
    return s->block_size ? s->block_size(a, p, &align) : header_of(p)->size;
}

#endif
