/* SPDX-License-Identifier: MIT */
#include "refusing_heap.h"

static bool refuses(const refusing_heap *h, uint64_t n, size_t pages)
{
    const refusing_policy *p = &h->policy;
    return p->refuse_all || (p->refuse_nth && n == p->refuse_nth) || (p->refuse_from && n >= p->refuse_from) ||
           (p->refuse_every && n % p->refuse_every == 0) ||
           (p->page_budget && (pages > p->page_budget || h->pages > p->page_budget - pages));
}

static void *refusing_grow(alloy_heap *heap, size_t pages)
{
    refusing_heap *h = (refusing_heap *)(void *)heap;
    uint64_t n = ++h->grows;
    if (refuses(h, n, pages)) {
        h->refused++;
        return NULL;
    }
    void *got = alloy_heap_grow(h->inner, pages);
    if (!got) {
        h->failed++;
        return NULL;
    }
    h->pages += pages;
    h->heap.end = h->inner->end;
    return got;
}

static const alloy_heap_ops refusing_ops = {"refusing", refusing_grow};

alloy_heap *refusing_heap_init(refusing_heap *h, alloy_heap *inner, refusing_policy policy)
{
    if (!h || !inner)
        return NULL;
    size_t initial_bytes;
    void *initial = alloy_heap_claim_initial(inner, &initial_bytes);
    h->heap.ops = &refusing_ops;
    h->heap.start = inner->start;
    h->heap.end = inner->end;
    h->heap.initial = initial;
    h->heap.initial_bytes = initial_bytes;
    h->inner = inner;
    h->policy = policy;
    h->grows = 0;
    h->refused = 0;
    h->failed = 0;
    h->pages = 0;
    return &h->heap;
}

void refusing_heap_set_policy(refusing_heap *h, refusing_policy policy)
{
    h->policy = policy;
}
