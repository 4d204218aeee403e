#include "fixture.h"

#include <stdlib.h>
#include <string.h>

const fixture_kind fixture_kinds[] = {
#if defined(__wasm__)
    {.strategy = "region", .heap = "wasm"},
    {.strategy = "bumpfree", .heap = "wasm"},
#else
    {.strategy = "region", .heap = "mmap"},
    {.strategy = "bumpfree", .heap = "mmap"},
#endif
    {.strategy = "region", .heap = "static"},
    {.strategy = "bumpfree", .heap = "static"},
    /* the checked wrapper on the static heap: bounded, so exhaustion runs in wasm too */
    {.strategy = "region", .heap = "static", .checked = true},
    {.strategy = "bumpfree", .heap = "static", .checked = true},
};
const size_t fixture_kind_count = sizeof fixture_kinds / sizeof fixture_kinds[0];

/* Misalign the static array: providers must cope with any alignment. */
#define ARRAY_SKEW 3

static bool open_provider(fixture *f, const fixture_kind *kind, size_t heap_bytes)
{
    memset(f, 0, sizeof *f);
    f->kind = kind;
    if (strcmp(kind->heap, "static") == 0) {
        f->array = malloc(heap_bytes + ARRAY_SKEW);
        if (f->array)
            f->heap = alloy_static_heap_init(&f->provider.static_heap, f->array + ARRAY_SKEW, heap_bytes);
    }
#if defined(__wasm__)
    else if (strcmp(kind->heap, "wasm") == 0)
        f->heap = alloy_wasm_heap_init(&f->provider.wasm_heap, false);
#else
    else if (strcmp(kind->heap, "mmap") == 0)
        f->heap = alloy_mmap_heap_init(&f->provider.mmap_heap, heap_bytes);
#endif
    return f->heap != NULL;
}

bool fixture_open(fixture *f, const fixture_kind *kind, size_t heap_bytes)
{
    return open_provider(f, kind, heap_bytes) && fixture_instance(f, 0);
}

bool fixture_open_refusing(fixture *f, const fixture_kind *kind, size_t heap_bytes, refusing_policy policy)
{
    if (!open_provider(f, kind, heap_bytes))
        return false;
    if (strcmp(kind->heap, "wasm") == 0 && policy.page_budget == 0)
        policy.page_budget = heap_bytes / ALLOY_PAGE_SIZE;
    f->heap = refusing_heap_init(&f->refusing, f->heap, policy);
    return f->heap && fixture_instance(f, 0);
}

alloy_allocator *fixture_instance(fixture *f, size_t i)
{
    if (i >= FIXTURE_INSTANCES)
        return NULL;
    while (f->instance_count <= i) {
        size_t n = f->instance_count;
        void *storage = &f->instances[n];
        alloy_allocator *a = NULL;
        if (f->kind->make) {
            f->made[n] = malloc(f->kind->make_bytes);
            a = f->made[n] ? f->kind->make(f->made[n], f->heap) : NULL;
        } else if (strcmp(f->kind->strategy, "region") == 0) {
            a = alloy_region_init(storage, f->heap);
        } else if (strcmp(f->kind->strategy, "bumpfree") == 0) {
            a = alloy_bumpfree_init(storage, f->heap);
        }
        if (a && f->kind->checked)
            a = alloy_checked_init(&f->checked[n], a);
        if (!a) {
            free(f->made[n]); /* a later try makes it anew */
            f->made[n] = NULL;
            return NULL;
        }
        f->handles[n] = a;
        f->instance_count++;
    }
    return f->handles[i];
}

const char *fixture_strategy_name(const fixture_kind *kind)
{
    return kind->checked ? "checked" : kind->strategy;
}

bool fixture_heap_is_bounded(const fixture *f)
{
    return strcmp(f->kind->heap, "wasm") != 0;
}

void fixture_close(fixture *f)
{
#if !defined(__wasm__)
    if (strcmp(f->kind->heap, "mmap") == 0)
        alloy_mmap_heap_destroy(&f->provider.mmap_heap);
#endif
    free(f->array);
    f->array = NULL;
    for (size_t i = 0; i < FIXTURE_INSTANCES; i++) {
        free(f->made[i]);
        f->made[i] = NULL;
    }
}
