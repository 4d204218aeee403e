/* SPDX-License-Identifier: MIT */
/* The front end of every allocator: checks each argument before a strategy sees it,
 * turns impossible requests into their documented answers, and keeps the shared
 * statistics, here for calls through an instance's table (see frontend.h).
 * Contracts are in alloy/alloy.h. */
#include <string.h>

#include "frontend.h"

void *alloy_frontend_alloc(alloy_allocator *a, size_t size, size_t align)
{
    return frontend_alloc(a, a->strategy, size, align, true);
}

void alloy_frontend_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    frontend_free(a, a->strategy, ptr, size, align, true);
}

void alloy_allocator_init(alloy_allocator *a, const alloy_strategy *strategy)
{
    memset(a, 0, sizeof *a);
    a->strategy = strategy;
    a->alloc = alloy_frontend_alloc;
    a->free = alloy_frontend_free;
}

/* alloy.h's inline functions, as functions of the library */
extern inline void *alloy_alloc(alloy_allocator *a, size_t size, size_t align);
extern inline void alloy_free(alloy_allocator *a, void *ptr, size_t size, size_t align);

bool alloy_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    return a && ptr && frontend_resize(a, a->strategy, ptr, size, align, new_size, true);
}

void *alloy_realloc(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    if (a && a->strategy->wrapper)
        return a->strategy->realloc(a, ptr, size, align, new_size);
    if (!ptr)
        return alloy_alloc(a, new_size, align);
    if (new_size == 0) {
        alloy_free(a, ptr, size, align);
        return NULL;
    }
    return a ? frontend_realloc(a, a->strategy, ptr, size, align, new_size, true) : NULL;
}

void alloy_stats_get(const alloy_allocator *a, alloy_stats *out)
{
    if (!a || !out)
        return;
    memset(out, 0, sizeof *out);
    const alloy_strategy *s = a->strategy;
    out->strategy = s->name;
    if (!s->wrapper)
        out->shared = a->stats;
    for (const char *const *name = s->figures; name && *name; name++)
        alloy_stats_add(out, *name, 0);
    s->stats(a, out);
}

void alloy_reset_trip(alloy_allocator *a)
{
    if (a && a->strategy->wrapper)
        a->strategy->reset_trip(a);
    else if (a)
        COUNT(alloy_stats_reset_trip(&a->stats));
}

bool alloy_check(const alloy_allocator *a)
{
    return a && (!ALLOY_STATS || alloy_stats_consistent(&a->stats)) && a->strategy->check(a);
}

const char *alloy_name(const alloy_allocator *a)
{
    return a ? a->strategy->name : "";
}
