/* The front end of every allocator: checks each argument before a strategy sees it,
 * turns impossible requests into their documented answers, and keeps the shared
 * statistics. Contracts are in alloy/alloy.h. */
#include <string.h>

#include "alloy/alloy.h"

/* The upkeep of the shared statistics, compiled out with ALLOY_STATS 0. */
#if ALLOY_STATS
#define COUNT(update) (update)
#else
#define COUNT(update) ((void)0)
#endif

static bool align_ok(size_t align)
{
    return align != 0 && (align & (align - 1)) == 0 && align <= ALLOY_MAX_ALIGN;
}

/* A (size, align) pair that alloy_alloc could have served. */
static bool block_ok(size_t size, size_t align)
{
    return size != 0 && size <= ALLOY_MAX_SIZE && align_ok(align);
}

void alloy_allocator_init(alloy_allocator *a, const alloy_strategy *strategy)
{
    memset(a, 0, sizeof *a);
    a->strategy = strategy;
}

void *alloy_alloc(alloy_allocator *a, size_t size, size_t align)
{
    if (!a)
        return NULL;
    if (!align_ok(align)) {
        COUNT(a->metrics.invalid_requests++);
        return NULL;
    }
    if (size == 0)
        return NULL;
    void *p = size <= ALLOY_MAX_SIZE ? a->strategy->alloc(a, size, align) : NULL;
    if (p)
        COUNT(alloy_metrics_allocated(&a->metrics, size));
    else
        COUNT(alloy_metrics_failed(&a->metrics, size));
    return p;
}

void alloy_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    if (!ptr)
        return;
    if (!a)
        return;
    if (!block_ok(size, align)) {
        COUNT(a->metrics.invalid_requests++);
        return;
    }
    a->strategy->free(a, ptr, size, align);
    COUNT(alloy_metrics_freed(&a->metrics, size));
}

bool alloy_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    if (!a || !ptr)
        return false;
    if (!block_ok(size, align) || new_size == 0) {
        COUNT(a->metrics.invalid_requests++);
        return false;
    }
    if (new_size > ALLOY_MAX_SIZE) {
        COUNT(alloy_metrics_failed(&a->metrics, new_size));
        return false;
    }
    if (!a->strategy->resize(a, ptr, size, align, new_size))
        return false;
    COUNT(alloy_metrics_resized(&a->metrics, size, new_size));
    return true;
}

void *alloy_realloc(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    if (!ptr)
        return alloy_alloc(a, new_size, align);
    if (new_size == 0) {
        alloy_free(a, ptr, size, align);
        return NULL;
    }
    if (alloy_resize(a, ptr, size, align, new_size))
        return ptr;
    /* alloy_resize has vetted the arguments; only a refusal to grow in place, or an
     * impossible new_size (already counted), leads here. */
    if (!a || !block_ok(size, align) || new_size > ALLOY_MAX_SIZE)
        return NULL;
    void *moved = a->strategy->alloc(a, new_size, align);
    if (!moved) {
        COUNT(alloy_metrics_failed(&a->metrics, new_size));
        return NULL;
    }
    memcpy(moved, ptr, size < new_size ? size : new_size);
    a->strategy->free(a, ptr, size, align);
    COUNT(alloy_metrics_resized(&a->metrics, size, new_size));
    return moved;
}

void alloy_stats(const alloy_allocator *a, alloy_statistics *out)
{
    if (!a || !out)
        return;
    memset(out, 0, sizeof *out);
    out->strategy = a->strategy->name;
    out->shared = a->metrics;
    a->strategy->stats(a, out);
}

void alloy_reset_trip(alloy_allocator *a)
{
    if (a)
        COUNT(alloy_metrics_reset_trip(&a->metrics));
}

bool alloy_check(const alloy_allocator *a)
{
    return a && (!ALLOY_STATS || alloy_metrics_consistent(&a->metrics)) && a->strategy->check(a);
}

const char *alloy_name(const alloy_allocator *a)
{
    return a ? a->strategy->name : "";
}
