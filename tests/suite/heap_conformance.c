/* SPDX-License-Identifier: MIT */
/* The heap providers' conformance cases (heap_conformance.h). Each opens providers of
 * one kind on storage (and, for a provider that serves one, an array) from malloc,
 * misaligned on purpose, and calls them as strategies do: alloy_heap_grow and
 * alloy_heap_claim_initial. */
#include "heap_conformance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define PAGE ALLOY_PAGE_SIZE
/* What the cases open a provider with: whole pages, and room for an initial space
 * in front of them where a provider has one. */
#define HEAP_BYTES (12 * PAGE + 40000)
#define ARRAY_SKEW 5
#define MAX_RANGES 64

static void note(const provider_kind *kind, const char *what)
{
    snprintf(test_note, sizeof test_note, "provider %s, %s", kind->name, what);
}

typedef struct opened {
    const provider_kind *kind;
    void *storage;
    unsigned char *array;
    alloy_heap *heap;
} opened;

static bool open_heap(opened *o, const provider_kind *kind, size_t bytes)
{
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->storage = malloc(kind->bytes);
    o->array = kind->serves_array ? malloc(bytes + ARRAY_SKEW) : NULL;
    if (!o->storage || (kind->serves_array && !o->array))
        return false;
    o->heap = kind->open(o->storage, o->array ? o->array + ARRAY_SKEW : NULL, bytes);
    return o->heap != NULL;
}

static void close_heap(opened *o)
{
    if (o->heap && o->kind->close)
        o->kind->close(o->storage);
    free(o->storage);
    free(o->array);
    o->heap = NULL;
}

/* Memory handed out, [lo, hi). */
typedef struct range {
    uintptr_t lo, hi;
} range;

static range range_of(const void *p, size_t bytes)
{
    return (range){(uintptr_t)p, (uintptr_t)p + bytes};
}

/* Whether r overlaps none of the n ranges. */
static bool apart(const range *ranges, size_t n, range r)
{
    for (size_t i = 0; i < n; i++)
        if (r.lo < ranges[i].hi && ranges[i].lo < r.hi)
            return false;
    return true;
}

/* Write a word that names range i at both ends of it, so that memory handed out
 * twice, or not at all, shows when they are read back. */
static void mark(const range *r, size_t i)
{
    uint64_t word = UINT64_C(0x9e3779b97f4a7c15) * (i + 1);
    memcpy((void *)r->lo, &word, sizeof word);
    memcpy((void *)(r->hi - sizeof word), &word, sizeof word);
}

static bool marked(const range *r, size_t i)
{
    uint64_t word = UINT64_C(0x9e3779b97f4a7c15) * (i + 1), front, back;
    memcpy(&front, (const void *)r->lo, sizeof word);
    memcpy(&back, (const void *)(r->hi - sizeof word), sizeof word);
    return front == word && back == word;
}

/* Whether p lies a whole number of pages from `frame` (either side): the rule of
 * alloy/heap.h, by which memory divides into 64 KiB frames. */
static bool whole_pages_from(const void *p, uintptr_t frame)
{
    return ((uintptr_t)p - frame) % PAGE == 0;
}

/* The end a grow of `bytes` at p must leave: the highest end of anything handed out. */
static uintptr_t end_after(uintptr_t end, const void *p, size_t bytes)
{
    uintptr_t after = (uintptr_t)p + bytes;
    return after > end ? after : end;
}

void heap_conformance_grows_aligned_and_disjoint(const provider_kind *kind)
{
    note(kind, "grows_aligned_and_disjoint");
    opened o;
    CHECK(open_heap(&o, kind, HEAP_BYTES));
    range taken[MAX_RANGES];
    size_t n = 0, bytes;
    void *initial = alloy_heap_claim_initial(o.heap, &bytes);
    if (initial)
        taken[n++] = range_of(initial, bytes);
    /* grows of 1, 2 and 3 pages in turn, until the provider has no more */
    for (size_t pages = 1; n < MAX_RANGES; pages = pages % 3 + 1) {
        void *p = alloy_heap_grow(o.heap, pages);
        if (!p && pages > 1)
            continue; /* a smaller grow may still fit */
        if (!p)
            break;
        range r = range_of(p, pages * PAGE);
        CHECK(r.lo % 16 == 0);
        CHECK(alloy_heap_holds(o.heap, p, pages * PAGE));
        CHECK(apart(taken, n, r));
        taken[n++] = r;
    }
    CHECK(n >= 6); /* 12 pages handed out as 1, 2, 3, 1, 2, 3 */
    for (size_t i = 0; i < n; i++)
        mark(&taken[i], i);
    for (size_t i = 0; i < n; i++)
        CHECK(marked(&taken[i], i));
    close_heap(&o);
}

/* Whether the provider's storage still holds what `before` does. */
static bool unchanged(const opened *o, const unsigned char *before)
{
    return memcmp(o->storage, before, o->kind->bytes) == 0;
}

void heap_conformance_refusal_changes_nothing(const provider_kind *kind)
{
    note(kind, "refusal_changes_nothing");
    opened o;
    CHECK(open_heap(&o, kind, HEAP_BYTES));
    unsigned char *before = malloc(kind->bytes);
    CHECK(before != NULL);
    memcpy(before, o.storage, kind->bytes);
    /* no pages, a count whose bytes overflow, a count far beyond any provider, one
     * just beyond this one (which may round its bytes up to a whole page) */
    static const size_t refused[] = {0, SIZE_MAX, SIZE_MAX / PAGE + 1, SIZE_MAX / PAGE, HEAP_BYTES / PAGE + 2};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        CHECK(alloy_heap_grow(o.heap, refused[i]) == NULL);
        CHECK(unchanged(&o, before));
    }
    /* grow until it refuses, then it refuses the same way again */
    size_t grows = 0;
    while (grows < MAX_RANGES && alloy_heap_grow(o.heap, 1)) {
        grows++;
        memcpy(before, o.storage, kind->bytes);
    }
    CHECK(grows > 0 && grows < MAX_RANGES);
    CHECK(unchanged(&o, before));
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        CHECK(alloy_heap_grow(o.heap, refused[i] ? refused[i] : 1) == NULL);
    CHECK(unchanged(&o, before));
    free(before);
    close_heap(&o);
}

void heap_conformance_initial_space_claimed_once(const provider_kind *kind)
{
    note(kind, "initial_space_claimed_once");
    opened o;
    CHECK(open_heap(&o, kind, HEAP_BYTES));
    size_t bytes = 1;
    char *space = alloy_heap_claim_initial(o.heap, &bytes);
    if (space) {
        CHECK((uintptr_t)space % 16 == 0);
        CHECK(bytes > 0 && bytes % 16 == 0);
        CHECK(alloy_heap_holds(o.heap, space, bytes));
        memset(space, 0x5a, bytes);
    } else {
        CHECK(bytes == 0);
    }
    CHECK(o.heap->initial == NULL && o.heap->initial_bytes == 0);
    bytes = 1;
    CHECK(alloy_heap_claim_initial(o.heap, &bytes) == NULL && bytes == 0);
    char *page = alloy_heap_grow(o.heap, 1);
    CHECK(page != NULL);
    CHECK(!space || apart(&(range){(uintptr_t)space, (uintptr_t)space + bytes}, 1, range_of(page, PAGE)));
    bytes = 1;
    CHECK(alloy_heap_claim_initial(o.heap, &bytes) == NULL && bytes == 0);
    close_heap(&o);
}

void heap_conformance_end_follows_every_grow(const provider_kind *kind)
{
    note(kind, "end_follows_every_grow");
    opened o;
    CHECK(open_heap(&o, kind, HEAP_BYTES));
    char *start = o.heap->start;
    CHECK((uintptr_t)start % 16 == 0);
    CHECK((uintptr_t)start <= (uintptr_t)o.heap->end);
    uintptr_t end = (uintptr_t)o.heap->end;
    size_t bytes;
    void *initial = alloy_heap_claim_initial(o.heap, &bytes);
    CHECK(!initial || alloy_heap_holds(o.heap, initial, bytes));
    CHECK((uintptr_t)o.heap->end == end); /* claiming hands nothing new out */
    size_t grows = 0;
    for (size_t pages = 2;; pages = 1) {
        void *p = alloy_heap_grow(o.heap, pages);
        if (!p)
            break;
        grows++;
        end = end_after(end, p, pages * PAGE);
        CHECK((uintptr_t)o.heap->end == end);
        CHECK(o.heap->start == start);
    }
    CHECK(grows > 1);
    CHECK((uintptr_t)o.heap->end == end); /* nor does a refusal move it */
    close_heap(&o);
}

void heap_conformance_grows_between_other_growth(const provider_kind *kind)
{
    note(kind, "grows_between_other_growth");
    opened one, two;
    CHECK(open_heap(&one, kind, HEAP_BYTES));
    CHECK(open_heap(&two, kind, HEAP_BYTES));
    range taken[MAX_RANGES];
    void *theirs[8] = {NULL};
    size_t n = 0;
    uintptr_t end_one = (uintptr_t)one.heap->end, end_two = (uintptr_t)two.heap->end;
    const uintptr_t frame_one = end_one, frame_two = end_two;
    /* each round: a page of one, a block of libc's malloc (which in wasm grows the
     * same memory), a page of two: neither provider's pages are contiguous */
    for (size_t round = 0; round < 8; round++) {
        void *p = alloy_heap_grow(one.heap, 1);
        theirs[round] = malloc(70000);
        void *q = alloy_heap_grow(two.heap, 1);
        CHECK(p && q && theirs[round]);
        range mine[] = {range_of(p, PAGE), range_of(q, PAGE)};
        CHECK(apart(taken, n, mine[0]) && apart(taken, n, mine[1]) && apart(&mine[0], 1, mine[1]));
        CHECK(apart(mine, 2, range_of(theirs[round], 70000)));
        taken[n++] = mine[0];
        taken[n++] = mine[1];
        taken[n++] = range_of(theirs[round], 70000);
        end_one = end_after(end_one, p, PAGE);
        end_two = end_after(end_two, q, PAGE);
        CHECK((uintptr_t)one.heap->end == end_one && (uintptr_t)two.heap->end == end_two);
        CHECK(alloy_heap_holds(one.heap, p, PAGE) && alloy_heap_holds(two.heap, q, PAGE));
        CHECK(whole_pages_from(p, frame_one) && whole_pages_from(q, frame_two));
    }
    for (size_t i = 0; i < n; i++)
        mark(&taken[i], i);
    for (size_t i = 0; i < n; i++)
        CHECK(marked(&taken[i], i));
    for (size_t round = 0; round < 8; round++)
        free(theirs[round]);
    close_heap(&one);
    close_heap(&two);
}

void heap_conformance_serves_at_most_its_bytes(const provider_kind *kind)
{
    note(kind, "serves_at_most_its_bytes");
    /* a few pages and a part of one: a provider that hands out whole pages only may
     * round its bytes up to the next page */
    const size_t asked = 5 * PAGE + 3000, limit = 6 * PAGE;
    opened o;
    CHECK(open_heap(&o, kind, asked));
    size_t initial_bytes, pages = 0;
    alloy_heap_claim_initial(o.heap, &initial_bytes);
    while (pages < MAX_RANGES && alloy_heap_grow(o.heap, 1))
        pages++;
    CHECK(pages > 0);
    CHECK(initial_bytes + pages * PAGE <= limit);
    close_heap(&o);
}

void heap_conformance_pages_whole_pages_apart(const provider_kind *kind)
{
    note(kind, "pages_whole_pages_apart");
    opened o;
    CHECK(open_heap(&o, kind, HEAP_BYTES));
    const uintptr_t frame = (uintptr_t)o.heap->end; /* end before any growth */
    size_t bytes;
    char *initial = alloy_heap_claim_initial(o.heap, &bytes);
    CHECK(!initial || (uintptr_t)initial + bytes == frame); /* it ends where a page would begin */
    /* grows of 1, 2 and 3 pages in turn, until the provider has no more */
    size_t grows = 0;
    char *last = NULL;
    for (size_t pages = 1; grows < MAX_RANGES; pages = pages % 3 + 1) {
        char *p = alloy_heap_grow(o.heap, pages);
        if (!p && pages > 1)
            continue;
        if (!p)
            break;
        CHECK(whole_pages_from(p, frame));
        CHECK(!last || whole_pages_from(p, (uintptr_t)last));
        last = p;
        grows++;
    }
    CHECK(grows >= 6);
    close_heap(&o);
}

/* Through the refusing wrapper (refusing_heap.h), which the strategies' suite runs
 * every provider under: after a budget of N pages every grow is refused and changes
 * nothing, in the wrapper or in the provider; lifted, the provider goes on as if
 * nothing had been refused. */
void heap_conformance_refuses_after_n_pages(const provider_kind *kind)
{
    note(kind, "refuses_after_n_pages");
    static const size_t budgets[] = {1, 3, 7};
    for (size_t b = 0; b < sizeof budgets / sizeof budgets[0]; b++) {
        const size_t n = budgets[b];
        opened o;
        CHECK(open_heap(&o, kind, HEAP_BYTES));
        alloy_heap *inner = o.heap;
        const uintptr_t frame = (uintptr_t)inner->end;
        void *inner_initial = inner->initial;
        size_t inner_initial_bytes = inner->initial_bytes;
        refusing_heap wrapper;
        alloy_heap *h = refusing_heap_init(&wrapper, inner, (refusing_policy){.page_budget = n});
        CHECK(h != NULL);
        /* the wrapper took the provider's initial space, and looks like it */
        CHECK(h->initial == inner_initial && h->initial_bytes == inner_initial_bytes);
        CHECK(inner->initial == NULL && h->start == inner->start && h->end == inner->end);
        range taken[MAX_RANGES];
        size_t count = 0;
        uintptr_t end = frame;
        for (size_t i = 0; i < n; i++) {
            char *p = alloy_heap_grow(h, 1);
            CHECK(p != NULL);
            CHECK(whole_pages_from(p, frame));
            CHECK(apart(taken, count, range_of(p, PAGE)));
            taken[count++] = range_of(p, PAGE);
            end = end_after(end, p, PAGE);
            CHECK((uintptr_t)inner->end == end && (uintptr_t)h->end == end);
        }
        unsigned char *before = malloc(kind->bytes);
        CHECK(before != NULL);
        memcpy(before, o.storage, kind->bytes);
        static const size_t refused[] = {1, 2, 1, 5};
        for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
            CHECK(alloy_heap_grow(h, refused[i]) == NULL);
            CHECK(unchanged(&o, before) && (uintptr_t)inner->end == end && (uintptr_t)h->end == end);
        }
        CHECK(wrapper.refused == sizeof refused / sizeof refused[0] && wrapper.failed == 0 && wrapper.pages == n);
        free(before);
        /* lifted: the next pages follow the rule and overlap nothing handed out */
        refusing_heap_set_policy(&wrapper, (refusing_policy){0});
        char *p = alloy_heap_grow(h, 2);
        CHECK(p != NULL);
        CHECK(whole_pages_from(p, frame) && apart(taken, count, range_of(p, 2 * PAGE)));
        end = end_after(end, p, 2 * PAGE);
        CHECK((uintptr_t)inner->end == end && (uintptr_t)h->end == end);
        close_heap(&o);
    }
}
