/* SPDX-License-Identifier: MIT */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t fixture_combine(const strategy_kind *strategies, size_t strategy_count, const provider_kind *providers,
                       size_t provider_count, fixture_kind *out)
{
    size_t n = 0;
    for (size_t s = 0; s < strategy_count; s++)
        for (size_t p = 0; p < provider_count && n < FIXTURE_MAX_KINDS; p++)
            out[n++] = (fixture_kind){strategies[s], providers[p], false};
    for (size_t s = 0; s < strategy_count && provider_count && n < FIXTURE_MAX_KINDS; s++)
        out[n++] = (fixture_kind){strategies[s], providers[0], true};
    return n;
}

void fixture_describe(const fixture_kind *kind, char *out, size_t size)
{
    snprintf(out, size, "%s%s on %s", kind->checked ? "checked " : "", kind->strategy.name, kind->heap.name);
}

/* Misalign the array a provider serves: providers must cope with any alignment. */
#define ARRAY_SKEW 3

static bool open_provider(fixture *f, const fixture_kind *kind, size_t heap_bytes)
{
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->provider = malloc(kind->heap.bytes);
    if (!f->provider)
        return false;
    if (kind->heap.serves_array) {
        f->array = malloc(heap_bytes + ARRAY_SKEW);
        if (f->array)
            f->heap = kind->heap.open(f->provider, f->array + ARRAY_SKEW, heap_bytes);
    } else {
        f->heap = kind->heap.open(f->provider, NULL, heap_bytes);
    }
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
    f->heap = refusing_heap_init(&f->refusing, f->heap, policy);
    return f->heap && fixture_instance(f, 0);
}

alloy_allocator *fixture_instance(fixture *f, size_t i)
{
    if (i >= FIXTURE_INSTANCES)
        return NULL;
    while (f->instance_count <= i) {
        size_t n = f->instance_count;
        f->made[n] = malloc(f->kind->strategy.bytes);
        alloy_allocator *a = f->made[n] ? f->kind->strategy.make(f->made[n], f->heap) : NULL;
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
    return kind->checked ? "checked" : kind->strategy.name;
}

void fixture_close(fixture *f)
{
    if (f->provider && f->heap && f->kind->heap.close)
        f->kind->heap.close(f->provider);
    free(f->provider);
    free(f->array);
    f->provider = NULL;
    f->array = NULL;
    for (size_t i = 0; i < FIXTURE_INSTANCES; i++) {
        free(f->made[i]);
        f->made[i] = NULL;
    }
}
