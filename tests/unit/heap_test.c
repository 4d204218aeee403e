/* SPDX-License-Identifier: MIT */
/* The heap providers on their own: page sizes and alignment, the one-time claim of
 * the initial space, clean failure at the limit. */
#include <criterion/criterion.h>
#include <string.h>

#include "alloy/heap.h"

#define PAGE ALLOY_PAGE_SIZE

static _Alignas(65536) unsigned char array[5 * PAGE];

Test(static_heap, any_alignment_and_size)
{
    for (size_t skew = 0; skew < 40; skew += 3) {
        for (size_t bytes = 0; bytes < 4 * PAGE + 100; bytes += PAGE / 3 + skew) {
            alloy_static_heap h;
            alloy_heap *heap = alloy_static_heap_init(&h, array + skew, bytes);
            cr_assert(heap);
            char *lo = (char *)array + skew, *hi = lo + bytes;
            uintptr_t usable_lo = ((uintptr_t)lo + 15) & ~(uintptr_t)15, usable_hi = (uintptr_t)hi & ~(uintptr_t)15;
            size_t usable = usable_hi > usable_lo ? usable_hi - usable_lo : 0;
            size_t initial_bytes;
            char *initial = alloy_heap_claim_initial(heap, &initial_bytes);
            cr_assert_eq(initial_bytes, usable % PAGE, "the initial space is what whole pages leave");
            cr_assert_eq((uintptr_t)heap->start, usable_lo);
            if (initial)
                cr_assert_eq(initial, heap->start);
            /* pages follow the initial space without a gap, and stay inside the array */
            char *expect = heap->start + initial_bytes;
            size_t pages = 0;
            for (char *p; (p = alloy_heap_grow(heap, 1)); pages++, expect += PAGE) {
                cr_assert_eq(p, expect);
                cr_assert(p + PAGE <= hi);
                memset(p, 0xab, PAGE);
            }
            cr_assert_eq(pages, usable / PAGE);
        }
    }
}

Test(static_heap, initial_space_is_claimed_once)
{
    alloy_static_heap h;
    alloy_heap *heap = alloy_static_heap_init(&h, array + 5, 2 * PAGE + 1000);
    size_t bytes;
    cr_assert(alloy_heap_claim_initial(heap, &bytes));
    cr_assert_gt(bytes, 900);
    cr_assert_null(alloy_heap_claim_initial(heap, &bytes));
    cr_assert_eq(bytes, 0);
}

Test(static_heap, refuses_cleanly)
{
    alloy_static_heap h;
    alloy_heap *heap = alloy_static_heap_init(&h, array, 3 * PAGE);
    cr_assert_null(alloy_heap_grow(heap, 0));
    cr_assert_null(alloy_heap_grow(heap, 4));
    cr_assert_null(alloy_heap_grow(heap, SIZE_MAX));
    cr_assert_eq(alloy_heap_grow(heap, 2), (char *)array);
    cr_assert_null(alloy_heap_grow(heap, 2), "one page left");
    cr_assert_eq(alloy_heap_grow(heap, 1), (char *)array + 2 * PAGE, "a refusal changed nothing");
    cr_assert_null(alloy_heap_grow(heap, 1));
    cr_assert_null(alloy_static_heap_init(NULL, array, 1));
    cr_assert_null(alloy_static_heap_init(&h, NULL, 1));
    cr_assert_null(alloy_static_heap_init(&h, array, SIZE_MAX), "no array passes the address space's end");
    cr_assert_null(alloy_static_heap_init(&h, array + 16, UINTPTR_MAX - (uintptr_t)array - 15));
    cr_assert_str_eq(alloy_heap_name(heap), "static");
}

Test(mmap_heap, pages_in_order_up_to_the_maximum)
{
    alloy_mmap_heap h;
    alloy_heap *heap = alloy_mmap_heap_init(&h, 10 * PAGE - 1); /* rounds up to 10 pages */
    cr_assert(heap);
    size_t bytes;
    cr_assert_null(alloy_heap_claim_initial(heap, &bytes));
    cr_assert_eq(heap->start, heap->end);
    char *first = alloy_heap_grow(heap, 3);
    cr_assert(first);
    cr_assert_eq((uintptr_t)first % PAGE, 0);
    memset(first, 1, 3 * PAGE);
    cr_assert_eq(alloy_heap_grow(heap, 7), first + 3 * PAGE);
    memset(first + 3 * PAGE, 2, 7 * PAGE);
    cr_assert_null(alloy_heap_grow(heap, 1));
    cr_assert_null(alloy_heap_grow(heap, SIZE_MAX / PAGE));
    cr_assert_eq(heap->end, first + 10 * PAGE);
    cr_assert_str_eq(alloy_heap_name(heap), "mmap");
    alloy_mmap_heap_destroy(&h);
    alloy_mmap_heap_destroy(&h); /* harmless */
    alloy_mmap_heap_destroy(NULL);
}

Test(mmap_heap, bad_arguments)
{
    alloy_mmap_heap h;
    cr_assert_null(alloy_mmap_heap_init(NULL, PAGE));
    cr_assert_null(alloy_mmap_heap_init(&h, 0));
    cr_assert_null(alloy_mmap_heap_init(&h, SIZE_MAX));
    cr_assert_null(alloy_mmap_heap_init(&h, SIZE_MAX / 2 + 1));
}

/* A failed init or open leaves the provider empty, whatever *h held: destroying it
 * then gives back nothing (it used to unmap whatever h->mapping held). */
Test(mmap_heap, a_failure_leaves_nothing_to_destroy)
{
    static char other[PAGE];
    alloy_mmap_heap h;
    for (int way = 0; way < 3; way++) {
        memset(&h, 0, sizeof h);
        h.mapping = other; /* garbage that names memory the provider does not own */
        h.mapping_bytes = sizeof other;
        alloy_heap *heap = way == 0   ? alloy_mmap_heap_init(&h, 0)
                           : way == 1 ? alloy_mmap_heap_open(&h, NULL, SIZE_MAX)
                                      : alloy_mmap_heap_open(&h, other, PAGE);
        cr_assert_null(heap);
        cr_assert_null(h.mapping, "way %d: nothing to give back", way);
        alloy_mmap_heap_close(&h);
        memset(other, 7, sizeof other); /* still mapped: not given back by close */
    }
}

/* The uniform constructors (alloy/heap.h) of the native providers: what they add to
 * the inits. (The wasm provider's, with its budget, is held to the heap providers'
 * conformance suite in wasm.) */

Test(static_heap, open_is_init_and_close_leaves_the_array)
{
    alloy_static_heap h;
    alloy_heap *heap = alloy_static_heap_open(&h, array + 5, 2 * PAGE + 1000);
    cr_assert_eq(heap, &h.heap);
    size_t bytes;
    cr_assert(alloy_heap_claim_initial(heap, &bytes));
    cr_assert_eq(alloy_heap_grow(heap, 2), heap->start + bytes);
    cr_assert_null(alloy_static_heap_open(&h, NULL, PAGE));
    alloy_static_heap_close(&h);
    alloy_static_heap_close(NULL);
    memset(array, 0x5a, sizeof array); /* still the caller's */
}

Test(mmap_heap, open_takes_no_array_and_defaults_to_what_region_can_reach)
{
    static unsigned char mine[PAGE];
    alloy_mmap_heap h;
    cr_assert_null(alloy_mmap_heap_open(&h, mine, PAGE), "it serves no array");
    alloy_heap *heap = alloy_mmap_heap_open(&h, NULL, 0);
    cr_assert(heap);
    size_t reserved = (size_t)(h.limit - heap->start);
    /* 64 GiB where the system grants it (not under valgrind): else the largest halving
     * it grants */
    cr_assert(reserved <= ALLOY_MMAP_HEAP_DEFAULT_SIZE && reserved >= ALLOY_MMAP_HEAP_SMALLEST_DEFAULT);
    cr_assert_eq(ALLOY_MMAP_HEAP_DEFAULT_SIZE % reserved, 0);
    if (reserved < ALLOY_MMAP_HEAP_DEFAULT_SIZE) {
        alloy_mmap_heap twice;
        cr_assert_null(alloy_mmap_heap_init(&twice, reserved * 2), "a larger reservation was possible");
    }
    cr_assert(alloy_heap_grow(heap, reserved / PAGE));
    cr_assert_null(alloy_heap_grow(heap, 1));
    alloy_mmap_heap_close(&h);
    cr_assert_null(h.mapping, "closed: the reservation is given back");
    alloy_mmap_heap_close(&h); /* harmless */
    heap = alloy_mmap_heap_open(&h, NULL, 3 * PAGE);
    cr_assert(heap && alloy_heap_grow(heap, 3) && !alloy_heap_grow(heap, 1));
    alloy_mmap_heap_close(&h);
}
