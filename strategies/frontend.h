/* The front end's checks and bookkeeping around a strategy's operations, written
 * once for both ways of reaching a strategy: through an instance's table
 * (frontend.c, every alloy_* call) and through a table the compiler can see
 * (libc_malloc.c, where a constant table turns every call into a direct one and
 * lets the linker drop the operations a program never uses). Internal: not
 * installed. Contracts are in alloy/alloy.h. */
#ifndef ALLOY_FRONTEND_H
#define ALLOY_FRONTEND_H

#include <string.h>

#include "alloy/alloy.h"
#include "poison.h"

/* The upkeep of the shared statistics, compiled out with ALLOY_STATS 0. */
#if ALLOY_STATS
#define COUNT(update) (update)
#else
#define COUNT(update) ((void)0)
#endif

/* The front end tells a memory checker (-Dpoison, poison.h) about every block it
 * hands out or takes back, unless the file that includes this header defines
 * FRONTEND_ANNOUNCES 0 first: the checked wrapper does, because its blocks lie inside
 * blocks its inner instance's front end has announced already, and memcheck's leak
 * check cannot take a block inside a block. */
#ifndef FRONTEND_ANNOUNCES
#define FRONTEND_ANNOUNCES 1
#endif
#define ANNOUNCE(hook) do { if (FRONTEND_ANNOUNCES) { hook; } } while (0)

static inline bool frontend_align_ok(size_t align)
{
    return align != 0 && (align & (align - 1)) == 0 && align <= ALLOY_MAX_ALIGN;
}

/* A (size, align) pair that alloy_alloc could have served. */
static inline bool frontend_block_ok(size_t size, size_t align)
{
    return size != 0 && size <= ALLOY_MAX_SIZE && frontend_align_ok(align);
}

/* `a` is not NULL in all of these; `s` is its strategy. A wrapper's table (s->realloc
 * set) gets every call whole. */

static inline void *frontend_alloc(alloy_allocator *a, const alloy_strategy *s, size_t size, size_t align)
{
    if (s->realloc)
        return s->alloc(a, size, align);
    if (!frontend_align_ok(align)) {
        COUNT(a->stats.invalid_requests++);
        return NULL;
    }
    if (size == 0)
        return NULL;
    void *p = size <= ALLOY_MAX_SIZE ? s->alloc(a, size, align) : NULL;
    if (p) {
        ANNOUNCE(poison_block_allocated(p, size));
        COUNT(alloy_stats_allocated(&a->stats, size));
    } else {
        COUNT(alloy_stats_failed(&a->stats, size));
    }
    return p;
}

static inline void frontend_free(alloy_allocator *a, const alloy_strategy *s, void *ptr, size_t size, size_t align)
{
    if (s->realloc) {
        s->free(a, ptr, size, align);
        return;
    }
    if (!frontend_block_ok(size, align)) {
        COUNT(a->stats.invalid_requests++);
        return;
    }
    ANNOUNCE(poison_block_freed(ptr, size)); /* first: the strategy may keep records in it */
    s->free(a, ptr, size, align);
    COUNT(alloy_stats_freed(&a->stats, size));
}

static inline bool frontend_resize(alloy_allocator *a, const alloy_strategy *s, void *ptr, size_t size, size_t align,
                                   size_t new_size)
{
    if (s->realloc)
        return s->resize(a, ptr, size, align, new_size);
    if (!frontend_block_ok(size, align) || new_size == 0) {
        COUNT(a->stats.invalid_requests++);
        return false;
    }
    if (new_size > ALLOY_MAX_SIZE) {
        COUNT(alloy_stats_failed(&a->stats, new_size));
        return false;
    }
    /* a shrink hides the tail first: the strategy may keep records in it */
    bool shrink = new_size < size;
    if (shrink)
        ANNOUNCE(poison_block_resized(ptr, size, new_size));
    if (!s->resize(a, ptr, size, align, new_size)) {
        if (shrink) {
            ANNOUNCE(poison_block_resized(ptr, new_size, size));
            ANNOUNCE(poison_expose((char *)ptr + new_size, size - new_size)); /* its contents stand */
        }
        return false;
    }
    if (!shrink)
        ANNOUNCE(poison_block_resized(ptr, size, new_size));
    COUNT(alloy_stats_resized(&a->stats, size, new_size));
    return true;
}

/* ptr is not NULL and new_size not 0: the caller has taken those cases. */
static inline void *frontend_realloc(alloy_allocator *a, const alloy_strategy *s, void *ptr, size_t size,
                                     size_t align, size_t new_size)
{
    if (s->realloc)
        return s->realloc(a, ptr, size, align, new_size);
    if (frontend_resize(a, s, ptr, size, align, new_size))
        return ptr;
    /* frontend_resize has vetted the arguments; only a refusal to grow in place, or
     * an impossible new_size (already counted), leads here. */
    if (!frontend_block_ok(size, align) || new_size > ALLOY_MAX_SIZE)
        return NULL;
    void *moved = s->alloc(a, new_size, align);
    if (!moved) {
        COUNT(alloy_stats_failed(&a->stats, new_size));
        return NULL;
    }
    ANNOUNCE(poison_block_allocated(moved, new_size));
    memcpy(moved, ptr, size < new_size ? size : new_size);
    ANNOUNCE(poison_block_freed(ptr, size));
    s->free(a, ptr, size, align);
    COUNT(alloy_stats_resized(&a->stats, size, new_size));
    return moved;
}

#endif
