/* SPDX-License-Identifier: MIT */
/** @file
 * alloy/bank_heap.h - an example heap provider over two memory banks, written against
 * alloy's public headers only, and named after alloy's conventions (alloy/heap.h) so
 * that it can join alloy's tree as it is (docs/writing-a-heap-provider.md walks
 * through both).
 *
 * Many boards have two kinds of RAM: a little fast on-chip SRAM and a larger, slower
 * external RAM. This provider hands out 64 KiB pages from the fast bank while a grow
 * fits there, then from the slow bank, so that the instances built on it use the fast
 * memory first and spill into the slow memory only when they need more. Each bank is
 * an array of the caller's (on a board, an address from the linker script), of any
 * alignment; the provider trims it to 16-byte boundaries.
 *
 *   fast bank: |pad| initial space (< 64 KiB) | page | page | ... | page |pad|
 *                   claimed once               handed out first, in address order
 *   slow bank: |pad| skip | page | page | ... | page | rest (< 64 KiB, unused) |pad|
 *                          handed out, in address order, when a grow no longer fits the fast bank
 *
 * What alloy_heap's fields mean here:
 * - initial space: what is left of the fast bank after its whole pages, at its front,
 *   so that a strategy bumping through it grows straight on into the fast pages. The
 *   slow bank has none: only one initial space fits alloy_heap, and the slow bank's
 *   odd bytes are left unused: at its back, and at its front the skip (less than a
 *   page) that puts its pages a whole number of pages from the fast bank's, as
 *   alloy/heap.h asks of every provider.
 * - start: the lower of the two banks' first usable bytes, whichever bank that is.
 *   It never changes. (The region strategy counts its offsets from it.)
 * - end: the highest end of anything handed out so far. It starts at the end of the
 *   initial space (the fast bank's first page when there is none) and only rises:
 *   after a grow from the lower bank it stays where it was. So [start, end) covers
 *   every byte handed out, which alloy_heap_holds, and with it the strategies'
 *   integrity checks, rely on.
 *
 * Two grows give adjacent pages only within one bank: the first page from the slow
 * bank never follows the last one from the fast bank, and the strategies see that
 * and start a new area there. A grow takes its pages from the fast bank when they fit
 * there, else from the slow one, so a large grow may go to the slow bank while a few
 * fast pages stay for later, smaller grows. A grow of 0 pages, of a count whose bytes
 * overflow, or of more pages than either bank has left returns NULL and changes
 * nothing. Pages are 16-byte aligned (more only if the caller's banks are).
 *
 * The provider keeps its state in the alloy_bank_heap the caller gives it; there is no
 * global state. Like alloy's own providers it is not thread-safe.
 *
 * Code written for every provider (alloy/default.h, the test fixtures) opens it as
 * it opens any: alloy_bank_heap_open cuts one array into two banks.
 *
 * The region strategy keeps its links as 32-bit counts of 16-byte units from start,
 * so its small blocks can use only memory within 64 GiB of start; pages beyond
 * serve its large blocks only. On a 32-bit board and in wasm everything is that
 * close; on a 64-bit host, take both banks from the same kind of storage (two static
 * arrays, say, not one static and one mmap).
 */
#ifndef ALLOY_BANK_HEAP_H
#define ALLOY_BANK_HEAP_H

#include <stddef.h>

#include "alloy/heap.h"

/** The bytes alloy_bank_heap_open is given by alloy/default.h, for the array it
 * holds, when the bank provider is the default and the meson option heap_size is 0:
 * 1 MiB. */
#define ALLOY_BANK_HEAP_DEFAULT_SIZE ((size_t)1 << 20)

/** One bank's pages. Read-only for callers. */
typedef struct alloy_bank_heap_bank {
    char *next;  /**< the next page to hand out */
    char *limit; /**< the end of the bank's last whole page */
} alloy_bank_heap_bank;

/** The provider. alloy_heap comes first: strategies get &h->heap, and the provider's
 * grow turns that pointer back into the alloy_bank_heap around it. Read-only for
 * callers. */
typedef struct alloy_bank_heap {
    alloy_heap heap;           /**< the provider, as alloy_bank_heap_init returns it */
    alloy_bank_heap_bank fast; /**< pages are handed out from here first */
    alloy_bank_heap_bank slow; /**< and from here when a grow does not fit the fast bank */
} alloy_bank_heap;

/** Serve pages from `fast` (fast_bytes long), then from `slow` (slow_bytes long), as
 * described above. Either bank may have any alignment and any size, 0 included: a
 * fast bank smaller than a page is all initial space, a slow bank smaller than a
 * page gives nothing. Returns &h->heap, or NULL, with *h untouched, when h, fast or
 * slow is NULL, when a bank runs past the end of the address space, or when the
 * banks overlap (they would hand out the same memory twice). The banks must outlive
 * every instance built on the provider. */
alloy_heap *alloy_bank_heap_init(alloy_bank_heap *h, void *fast, size_t fast_bytes, void *slow, size_t slow_bytes);

/** The uniform constructor (alloy/heap.h): two banks cut from one array of `bytes`,
 * the first quarter the fast bank, and the rest, 16 bytes further on as separate RAM
 * would be, the slow one. Returns what alloy_bank_heap_init returns for them; NULL
 * when array is NULL or `bytes` is below 64. */
alloy_heap *alloy_bank_heap_open(alloy_bank_heap *h, void *array, size_t bytes);

/** The uniform destructor (alloy/heap.h): nothing to give back, the array is the
 * caller's. h may be NULL. */
void alloy_bank_heap_close(alloy_bank_heap *h);

/** The whole pages a bank (&h->fast or &h->slow) has left to hand out; 0 for NULL. */
size_t alloy_bank_heap_pages_left(const alloy_bank_heap_bank *bank);

#endif
