/* SPDX-License-Identifier: MIT */
/* The front end's checks and bookkeeping around a strategy's operations, written
 * once for every way of reaching a strategy: through an instance's table
 * (frontend.c, every alloy_* call), through a strategy's own calls in its handle
 * (region's, bumpfree's and tlsf's alloy_alloc and alloy_free), through a table the
 * compiler can see (malloc/program_malloc.c, where a constant table turns every call
 * into a direct one and lets the linker drop the operations a program never uses),
 * and from a wrapper (wrappers/checked.c). Internal: not installed. Contracts are in
 * alloy/alloy.h.
 *
 * Two layers. frontend_alloc, _free, _resize and _realloc take any request: they
 * check its arguments, count and answer what they refuse, and serve the rest. The
 * frontend_serve_* functions take only sound requests (sizes 1 .. ALLOY_MAX_SIZE,
 * an alignment that is a power of two up to ALLOY_MAX_ALIGN, ptr a live block with
 * exactly that size and alignment): they call the table, tell a memory checker,
 * and keep the shared figures. A wrapper's table (alloy_strategy.wrapper) gets
 * every call whole from both layers.
 *
 * `announce`: whether the blocks are told to a memory checker (-Dpoison,
 * alloy/poison.h). Every caller passes true but a wrapper for its own handle, whose
 * blocks lie inside blocks of its inner instance that were announced already:
 * memcheck's leak check cannot take a block inside a block. */
#ifndef ALLOY_FRONTEND_H
#define ALLOY_FRONTEND_H

#include <string.h>

#include "alloy/alloy.h"
#include "alloy/poison.h"
#include "counting.h"

/* The upkeep of the shared statistics, compiled out with ALLOY_STATS 0. */
#if ALLOY_STATS
#define COUNT(update) (update)
#else
#define COUNT(update) ((void)0)
#endif

#define ANNOUNCE(hook) do { if (announce) { hook; } } while (0)

/* A power of two from 1 to ALLOY_MAX_ALIGN (0 - 1 wraps past it). */
static inline bool frontend_align_ok(size_t align)
{
    return (align & (align - 1)) == 0 && align - 1 < ALLOY_MAX_ALIGN;
}

/* A (size, align) pair that alloy_alloc could have served: 1 <= size <= ALLOY_MAX_SIZE. */
static inline bool frontend_block_ok(size_t size, size_t align)
{
    return size - 1 < ALLOY_MAX_SIZE && frontend_align_ok(align);
}

/* --- sound requests ---------------------------------------------------------------- */

/* `a` is not NULL in all of these; `s` is its strategy. */

/* The upkeep of a block of `size` the strategy served at p: told to a memory checker,
 * counted (the malloc layer calls it too, for what a strategy serves inline). */
static inline void frontend_served(alloy_allocator *a, void *p, size_t size, bool announce)
{
    (void)a, (void)p, (void)size; /* with ALLOY_STATS 0 and no checker, nothing is done */
    ANNOUNCE(alloy_poison_block_allocated(p, size));
    COUNT(counting_allocated(&a->stats, size));
}

/* A failed allocation counted, out of line: in wasm, where the engine inlines no
 * call, the rare case inline made the engine keep more of alloy_alloc in its frame
 * around the strategy's call. */
static __attribute__((noinline, unused)) void frontend_failed(alloy_allocator *a, size_t size)
{
    (void)a, (void)size;
    COUNT(counting_failed(&a->stats, size));
}

/* (size may be above ALLOY_MAX_SIZE here: it fails as out of memory) */
static inline void *serve_alloc(alloy_allocator *a, const alloy_strategy *s, size_t size, size_t align, bool announce)
{
    void *p = size <= ALLOY_MAX_SIZE ? s->alloc(a, size, align) : NULL;
    if (p) {
        frontend_served(a, p, size, announce);
    } else {
        COUNT(frontend_failed(a, size));
    }
    return p;
}

static inline void serve_free(alloy_allocator *a, const alloy_strategy *s, void *ptr, size_t size, size_t align,
                              bool announce)
{
    ANNOUNCE(alloy_poison_block_freed(ptr, size)); /* first: the strategy may keep records in it */
    /* counted before the call, which then ends the function: nothing of it is kept
     * across the call */
    COUNT(counting_freed(&a->stats, size));
    s->free(a, ptr, size, align);
}

static inline bool serve_resize(alloy_allocator *a, const alloy_strategy *s, void *ptr, size_t size, size_t align,
                                size_t new_size, bool announce)
{
    /* a shrink hides the tail first: the strategy may keep records in it */
    bool shrink = new_size < size;
    if (shrink)
        ANNOUNCE(alloy_poison_block_resized(ptr, size, new_size));
    if (!s->resize(a, ptr, size, align, new_size)) {
        if (shrink) {
            ANNOUNCE(alloy_poison_block_resized(ptr, new_size, size));
            ANNOUNCE(alloy_poison_expose((char *)ptr + new_size, size - new_size)); /* its contents stand */
        }
        return false;
    }
    if (!shrink)
        ANNOUNCE(alloy_poison_block_resized(ptr, size, new_size));
    COUNT(counting_resized(&a->stats, size, new_size));
    return true;
}

/* In place if the strategy can, else allocate (aligned to new_align), copy and free;
 * when that allocation fails, in place once more: failing, it may have made room (region
 * merges the blocks it keeps whole, which may lie behind this one, before it gives up). */
static inline void *serve_realloc(alloy_allocator *a, const alloy_strategy *s, void *ptr, size_t size,
                                  size_t align, size_t new_size, size_t new_align, bool announce)
{
    void *moved = NULL;
    for (bool again = false; !moved; again = true) { /* (one call of each: less code) */
        if (serve_resize(a, s, ptr, size, align, new_size, announce))
            return ptr;
        if (again) {
            COUNT(counting_failed(&a->stats, new_size));
            return NULL;
        }
        moved = s->alloc(a, new_size, new_align);
    }
    ANNOUNCE(alloy_poison_block_allocated(moved, new_size));
    memcpy(moved, ptr, size < new_size ? size : new_size);
    ANNOUNCE(alloy_poison_block_freed(ptr, size));
    s->free(a, ptr, size, align);
    COUNT(counting_resized(&a->stats, size, new_size));
    return moved;
}

/* The same, for a table that may be a wrapper's, which gets the call whole. */

/* (on table s, which the caller may know better than a->strategy: malloc's direct one) */
static inline void *frontend_serve_alloc_on(alloy_allocator *a, const alloy_strategy *s, size_t size, size_t align)
{
    return s->wrapper ? s->alloc(a, size, align) : serve_alloc(a, s, size, align, true);
}

static inline void *frontend_serve_alloc(alloy_allocator *a, size_t size, size_t align)
{
    return frontend_serve_alloc_on(a, a->strategy, size, align);
}

static inline void frontend_serve_free_on(alloy_allocator *a, const alloy_strategy *s, void *ptr, size_t size,
                                          size_t align)
{
    if (s->wrapper)
        s->free(a, ptr, size, align);
    else
        serve_free(a, s, ptr, size, align, true);
}

static inline void frontend_serve_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    frontend_serve_free_on(a, a->strategy, ptr, size, align);
}

static inline bool frontend_serve_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    const alloy_strategy *s = a->strategy;
    return s->wrapper ? s->resize(a, ptr, size, align, new_size) : serve_resize(a, s, ptr, size, align, new_size, true);
}

/* --- any request ------------------------------------------------------------------- */

/* The handle's alloc and free that alloy_allocator_init sets (frontend.c): alloy_alloc
 * and alloy_free through the instance's table. Not part of the interface: they have
 * alloy_'s prefix because the shared library exports them. */
void *alloy_frontend_alloc(alloy_allocator *a, size_t size, size_t align);
void alloy_frontend_free(alloy_allocator *a, void *ptr, size_t size, size_t align);

static inline void *frontend_alloc(alloy_allocator *a, const alloy_strategy *s, size_t size, size_t align,
                                   bool announce)
{
    if (s->wrapper)
        return s->alloc(a, size, align);
    if (!frontend_align_ok(align)) {
        COUNT(a->stats.invalid_requests++);
        return NULL;
    }
    if (size == 0)
        return NULL;
    return serve_alloc(a, s, size, align, announce);
}

/* The front end's part of a free before the strategy's: false for a request it
 * refuses (counted); true once a sound one is told to a memory checker and counted,
 * for the caller to serve as the table's free would. A strategy's own free in its
 * handle (alloy_allocator.free) calls it too. */
static inline bool frontend_free_begin(alloy_allocator *a, void *ptr, size_t size, size_t align, bool announce)
{
    (void)a, (void)ptr; /* with ALLOY_STATS 0 and no checker, nothing is done with them */
    if (!frontend_block_ok(size, align)) {
        COUNT(a->stats.invalid_requests++);
        return false;
    }
    ANNOUNCE(alloy_poison_block_freed(ptr, size)); /* first: the strategy may keep records in it */
    COUNT(counting_freed(&a->stats, size));
    return true;
}

static inline void frontend_free(alloy_allocator *a, const alloy_strategy *s, void *ptr, size_t size, size_t align,
                                 bool announce)
{
    if (s->wrapper)
        s->free(a, ptr, size, align);
    else if (frontend_free_begin(a, ptr, size, align, announce))
        s->free(a, ptr, size, align); /* (counted before the call, which then ends the function) */
}

/* Whether alloy_resize(a, ptr, size, align, new_size) may go on to the table;
 * counts what it may not. */
static inline bool frontend_resize_ok(alloy_allocator *a, size_t size, size_t align, size_t new_size)
{
    (void)a; /* with ALLOY_STATS 0, nothing is counted */
    if (!frontend_block_ok(size, align) || new_size == 0) {
        COUNT(a->stats.invalid_requests++);
        return false;
    }
    if (new_size > ALLOY_MAX_SIZE) {
        COUNT(counting_failed(&a->stats, new_size));
        return false;
    }
    return true;
}

static inline bool frontend_resize(alloy_allocator *a, const alloy_strategy *s, void *ptr, size_t size, size_t align,
                                   size_t new_size, bool announce)
{
    if (s->wrapper)
        return s->resize(a, ptr, size, align, new_size);
    return frontend_resize_ok(a, size, align, new_size) && serve_resize(a, s, ptr, size, align, new_size, announce);
}

/* ptr is not NULL and new_size not 0: the caller has taken those cases. A block that
 * moves gets new_align (a power of two up to ALLOY_MAX_ALIGN). */
static inline void *frontend_realloc_to(alloy_allocator *a, const alloy_strategy *s, void *ptr, size_t size,
                                        size_t align, size_t new_size, size_t new_align, bool announce)
{
    if (s->wrapper)
        return s->realloc(a, ptr, size, align, new_size);
    if (!frontend_resize_ok(a, size, align, new_size))
        return NULL;
    return serve_realloc(a, s, ptr, size, align, new_size, new_align, announce);
}

/* The same for a block the caller knows to be sound (the malloc layer: its sizes come
 * from its own header or from the strategy), so that only new_size is checked:
 * above ALLOY_MAX_SIZE it fails as out of memory. new_size is not 0. */
static inline void *frontend_serve_realloc_on(alloy_allocator *a, const alloy_strategy *s, void *ptr, size_t size,
                                              size_t align, size_t new_size, size_t new_align)
{
    if (s->wrapper)
        return s->realloc(a, ptr, size, align, new_size);
    if (new_size > ALLOY_MAX_SIZE) {
        COUNT(counting_failed(&a->stats, new_size));
        return NULL;
    }
    return serve_realloc(a, s, ptr, size, align, new_size, new_align, true);
}

/* The same, keeping the alignment. */
static inline void *frontend_realloc(alloy_allocator *a, const alloy_strategy *s, void *ptr, size_t size,
                                     size_t align, size_t new_size, bool announce)
{
    return frontend_realloc_to(a, s, ptr, size, align, new_size, align, announce);
}

#endif
