/* SPDX-License-Identifier: MIT */
/* The two-bank heap provider: pages from a fast bank first, then from a slow one.
 * The design, and what start, end and the initial space mean, are in
 * alloy/bank_heap.h. */
#include <stdbool.h>
#include <stdint.h>

#include "alloy/bank_heap.h"

/* Hand out `pages` pages from one bank, or NULL, changing nothing, when they do not
 * fit. Dividing the room, rather than multiplying the count, keeps a huge count
 * from overflowing. */
static char *take_pages(alloy_bank_heap_bank *bank, size_t pages)
{
    if (pages == 0 || pages > (size_t)(bank->limit - bank->next) / ALLOY_PAGE_SIZE)
        return NULL;
    char *first = bank->next;
    bank->next += pages * ALLOY_PAGE_SIZE;
    return first;
}

static void *bank_grow(alloy_heap *heap, size_t pages)
{
    alloy_bank_heap *h = (alloy_bank_heap *)(void *)heap; /* heap is the first member of an alloy_bank_heap */
    char *first = take_pages(&h->fast, pages);
    if (!first)
        first = take_pages(&h->slow, pages);
    if (!first)
        return NULL;
    char *after = first + pages * ALLOY_PAGE_SIZE;
    if ((uintptr_t)after > (uintptr_t)heap->end) /* the banks are two arrays: compare addresses */
        heap->end = after;
    return first;
}

/* Only the name and grow: the table is constant, shared by every alloy_bank_heap. */
static const alloy_heap_ops bank_ops = {"bank", bank_grow};

/* The usable part of an array: [*lo, *hi) trimmed to 16-byte boundaries. An array
 * holding no aligned 16 bytes gives an empty part at its end (lo == hi). */
static void usable_part(void *array, size_t bytes, char **lo, char **hi)
{
    uintptr_t first = (uintptr_t)array, last = first + bytes; /* init has checked: no wrap */
    uintptr_t aligned_lo = bytes < 16 ? last : (first + 15) & ~(uintptr_t)15;
    uintptr_t aligned_hi = last & ~(uintptr_t)15;
    if (aligned_hi <= aligned_lo)
        aligned_lo = aligned_hi = last;
    /* step from the caller's pointer rather than turn integers back into pointers */
    *lo = (char *)array + (aligned_lo - first);
    *hi = (char *)array + (aligned_hi - first);
}

static bool overlap(uintptr_t a, size_t a_bytes, uintptr_t b, size_t b_bytes)
{
    return a_bytes != 0 && b_bytes != 0 && a < b + b_bytes && b < a + a_bytes;
}

alloy_heap *alloy_bank_heap_init(alloy_bank_heap *h, void *fast, size_t fast_bytes, void *slow, size_t slow_bytes)
{
    if (!h || !fast || !slow)
        return NULL;
    uintptr_t fast_at = (uintptr_t)fast, slow_at = (uintptr_t)slow;
    if (fast_bytes > UINTPTR_MAX - fast_at || slow_bytes > UINTPTR_MAX - slow_at ||
        overlap(fast_at, fast_bytes, slow_at, slow_bytes))
        return NULL;

    char *fast_lo, *fast_hi, *slow_lo, *slow_hi;
    usable_part(fast, fast_bytes, &fast_lo, &fast_hi);
    usable_part(slow, slow_bytes, &slow_lo, &slow_hi);
    size_t fast_pages = (size_t)(fast_hi - fast_lo) / ALLOY_PAGE_SIZE;
    size_t slow_pages;
    size_t initial_bytes = (size_t)(fast_hi - fast_lo) - fast_pages * ALLOY_PAGE_SIZE;

    /* fast: the initial space in front, then the pages; slow: its pages in step with
     * the fast bank's, a whole number of pages away from them (alloy/heap.h), so
     * they begin up to a page into the slow bank */
    h->fast.next = fast_lo + initial_bytes;
    h->fast.limit = fast_hi;
    size_t skip = (size_t)(((uintptr_t)h->fast.next - (uintptr_t)slow_lo) & (ALLOY_PAGE_SIZE - 1));
    slow_pages = skip <= (size_t)(slow_hi - slow_lo) ? (size_t)(slow_hi - slow_lo - skip) / ALLOY_PAGE_SIZE : 0;
    h->slow.next = slow_pages ? slow_lo + skip : slow_lo;
    h->slow.limit = h->slow.next + slow_pages * ALLOY_PAGE_SIZE;

    /* start: the lower of the banks that have anything to give. end: the end of the
     * initial space, which is where the fast bank's first page is when there is none;
     * a fast bank with nothing at all leaves end at start. */
    bool fast_gives = fast_hi != fast_lo, slow_gives = slow_pages != 0;
    bool slow_first = slow_gives && (!fast_gives || (uintptr_t)slow_lo < (uintptr_t)fast_lo);
    h->heap.ops = &bank_ops;
    h->heap.start = slow_first ? h->slow.next : fast_lo;
    h->heap.end = fast_gives ? fast_lo + initial_bytes : h->heap.start;
    h->heap.initial = initial_bytes ? fast_lo : NULL;
    h->heap.initial_bytes = initial_bytes;
    return &h->heap;
}

alloy_heap *alloy_bank_heap_open(alloy_bank_heap *h, void *array, size_t bytes)
{
    if (!array || bytes < 64)
        return NULL;
    size_t fast_bytes = bytes / 4, gap = 16;
    return alloy_bank_heap_init(h, array, fast_bytes, (char *)array + fast_bytes + gap, bytes - fast_bytes - gap);
}

void alloy_bank_heap_close(alloy_bank_heap *h)
{
    (void)h; /* the array is the caller's */
}

size_t alloy_bank_heap_pages_left(const alloy_bank_heap_bank *bank)
{
    return bank ? (size_t)(bank->limit - bank->next) / ALLOY_PAGE_SIZE : 0;
}
