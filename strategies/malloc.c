/* The C allocation API over any instance (alloy/malloc.h).
 *
 *   | padding (align - 16 bytes, when align > 16) | header: size, align | user block |
 *   ^ the instance's block, aligned to max(align, 16)                   ^ returned
 *
 * The header sits right in front of what the caller gets, so free finds it there and
 * gives the instance back exactly what was asked of it. */
#include <string.h>

#include "alloy/malloc.h"

#define HEADER ((size_t)16)

typedef struct header {
    size_t size;  /* requested by the caller */
    size_t align; /* the alignment the user block was given: 16 or more */
} header;

_Static_assert(sizeof(header) <= HEADER, "the header fits its 16 bytes");

static header *header_of(const void *p)
{
    return (header *)(void *)((char *)p - HEADER);
}

/* What the instance is asked for: the user block, and room in front for the header
 * that keeps the user block aligned. */
static size_t front_of(size_t align)
{
    return align > HEADER ? align : HEADER;
}

void *alloy_malloc_aligned(alloy_allocator *a, size_t align, size_t size)
{
    if (!a || align == 0 || (align & (align - 1)) || align > ALLOY_MAX_ALIGN)
        return NULL;
    if (align < HEADER)
        align = HEADER;
    size_t front = front_of(align);
    if (size > ALLOY_MAX_SIZE - front)
        return NULL;
    char *block = alloy_alloc(a, size + front, align);
    if (!block)
        return NULL;
    char *p = block + front;
    *header_of(p) = (header){size, align};
    return p;
}

void *alloy_malloc(alloy_allocator *a, size_t size)
{
    return alloy_malloc_aligned(a, HEADER, size);
}

void *alloy_malloc_calloc(alloy_allocator *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = alloy_malloc(a, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void alloy_malloc_free(alloy_allocator *a, void *p)
{
    if (!p)
        return;
    header h = *header_of(p);
    size_t front = front_of(h.align);
    alloy_free(a, (char *)p - front, h.size + front, h.align);
}

void *alloy_malloc_realloc(alloy_allocator *a, void *p, size_t size)
{
    if (!p)
        return alloy_malloc(a, size);
    if (size == 0) {
        alloy_malloc_free(a, p);
        return NULL;
    }
    header h = *header_of(p);
    size_t front = front_of(h.align);
    if (size > ALLOY_MAX_SIZE - front)
        return NULL;
    char *block = alloy_realloc(a, (char *)p - front, h.size + front, h.align, size + front);
    if (!block)
        return NULL;
    char *moved = block + front;
    header_of(moved)->size = size;
    return moved;
}

size_t alloy_malloc_usable_size(const void *p)
{
    return p ? header_of(p)->size : 0;
}
