/* The block header of the C allocation API over an instance (alloy/malloc.h), and
 * the API itself, written once for calls through the instance's table
 * (instance_malloc.c) and for direct calls (program_malloc.c); see
 * frontend/frontend.h. Internal: not installed.
 *
 *   | padding (align - 16 bytes, when align > 16) | header: size, align | user block |
 *   ^ the instance's block, aligned to max(align, 16)                   ^ returned
 *
 * The header sits right in front of what the caller gets, so free finds it there and
 * gives the instance back exactly what was asked of it. */
#ifndef ALLOY_MALLOC_BLOCK_HEADER_H
#define ALLOY_MALLOC_BLOCK_HEADER_H

#include "frontend.h"

#define HEADER ((size_t)16)

typedef struct header {
    size_t size;  /* requested by the caller */
    size_t align; /* the alignment the user block was given: 16 or more */
} header;

_Static_assert(sizeof(header) <= HEADER, "the header fits its 16 bytes");

static inline header *header_of(const void *p)
{
    return (header *)(void *)((char *)p - HEADER);
}

/* What the instance is asked for: the user block, and room in front for the header
 * that keeps the user block aligned. */
static inline size_t front_of(size_t align)
{
    return align > HEADER ? align : HEADER;
}

/* In all of these `a` is not NULL and `s` is its strategy. */

static inline void *header_alloc(alloy_allocator *a, const alloy_strategy *s, size_t align, size_t size)
{
    if (!frontend_align_ok(align))
        return NULL;
    if (align < HEADER)
        align = HEADER;
    size_t front = front_of(align);
    if (size > ALLOY_MAX_SIZE - front)
        return NULL;
    char *block = frontend_alloc(a, s, size + front, align, true);
    if (!block)
        return NULL;
    char *p = block + front;
    *header_of(p) = (header){size, align};
    return p;
}

static inline void *header_calloc(alloy_allocator *a, const alloy_strategy *s, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = header_alloc(a, s, HEADER, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

static inline void header_free(alloy_allocator *a, const alloy_strategy *s, void *p)
{
    if (!p)
        return;
    header h = *header_of(p);
    size_t front = front_of(h.align);
    frontend_free(a, s, (char *)p - front, h.size + front, h.align, true);
}

static inline void *header_realloc(alloy_allocator *a, const alloy_strategy *s, void *p, size_t size)
{
    if (!p)
        return header_alloc(a, s, HEADER, size);
    if (size == 0) {
        header_free(a, s, p);
        return NULL;
    }
    header h = *header_of(p);
    size_t front = front_of(h.align);
    if (size > ALLOY_MAX_SIZE - front)
        return NULL;
    char *block = frontend_realloc(a, s, (char *)p - front, h.size + front, h.align, size + front, true);
    if (!block)
        return NULL;
    char *moved = block + front;
    header_of(moved)->size = size;
    return moved;
}

static inline size_t header_usable_size(const void *p)
{
    return p ? header_of(p)->size : 0;
}

#endif
