/* bank_heap.h - an example heap provider over two memory banks, written against
 * alloy's public headers only (docs/writing-a-heap-provider.md walks through it).
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
 *   slow bank: |pad| page | page | ... | page | rest (< 64 KiB, unused) |pad|
 *                   handed out, in address order, when a grow no longer fits the fast bank
 *
 * What alloy_heap's fields mean here:
 * - initial space: what is left of the fast bank after its whole pages, at its front,
 *   so that a strategy bumping through it grows straight on into the fast pages. The
 *   slow bank has none: only one initial space fits alloy_heap, and the slow bank's
 *   odd bytes are left at its back unused.
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
 * The provider keeps its state in the bank_heap the caller gives it; there is no
 * global state. Like alloy's own providers it is not thread-safe.
 *
 * The region strategy keeps its links as 32-bit counts of 16-byte units from start,
 * so its small blocks can use only memory within 64 GiB of start; pages beyond
 * serve its large blocks only. On a 32-bit board and in wasm everything is that
 * close; on a 64-bit host, take both banks from the same kind of storage (two static
 * arrays, say, not one static and one mmap).
 */
#ifndef BANK_HEAP_H
#define BANK_HEAP_H

#include <stddef.h>

#include "alloy/heap.h"

/* One bank's pages. Read-only for callers. */
typedef struct bank_heap_bank {
    char *next;  /* the next page to hand out */
    char *limit; /* the end of the bank's last whole page */
} bank_heap_bank;

/* The provider. alloy_heap comes first: strategies get &h->heap, and the provider's
 * grow turns that pointer back into the bank_heap around it. Read-only for callers. */
typedef struct bank_heap {
    alloy_heap heap;
    bank_heap_bank fast; /* pages are handed out from here first */
    bank_heap_bank slow; /* and from here when a grow does not fit the fast bank */
} bank_heap;

/* Serve pages from `fast` (fast_bytes long), then from `slow` (slow_bytes long), as
 * described above. Either bank may have any alignment and any size, 0 included: a
 * fast bank smaller than a page is all initial space, a slow bank smaller than a
 * page gives nothing. Returns &h->heap, or NULL, with *h untouched, when h, fast or
 * slow is NULL, when a bank runs past the end of the address space, or when the
 * banks overlap (they would hand out the same memory twice). The banks must outlive
 * every instance built on the provider. */
alloy_heap *bank_heap_init(bank_heap *h, void *fast, size_t fast_bytes, void *slow, size_t slow_bytes);

/* The whole pages a bank (&h->fast or &h->slow) has left to hand out; 0 for NULL. */
size_t bank_heap_pages_left(const bank_heap_bank *bank);

#endif
