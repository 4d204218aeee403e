#include "fixture.h"

#include <stdlib.h>
#include <string.h>

const fixture_kind fixture_kinds[] = {
#if defined(__wasm__)
    {"region", "wasm", false},
    {"bumpfree", "wasm", false},
#else
    {"region", "mmap", false},
    {"bumpfree", "mmap", false},
#endif
    {"region", "static", false},
    {"bumpfree", "static", false},
    /* the checked wrapper on the static heap: bounded, so exhaustion runs in wasm too */
    {"region", "static", true},
    {"bumpfree", "static", true},
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
        void *storage = &f->instances[f->instance_count];
        alloy_allocator *a = NULL;
        if (strcmp(f->kind->strategy, "region") == 0)
            a = alloy_region_init(storage, f->heap);
        else if (strcmp(f->kind->strategy, "bumpfree") == 0)
            a = alloy_bumpfree_init(storage, f->heap);
        if (a && f->kind->checked)
            a = alloy_checked_init(&f->checked[f->instance_count], a);
        if (!a)
            return NULL;
        f->instance_count++;
    }
    return f->kind->checked ? &f->checked[i].base : (alloy_allocator *)&f->instances[i];
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
}
