/* SPDX-License-Identifier: MIT */
/* two_banks.c - the bank heap provider (alloy/bank_heap.h) on its own and under alloy's
 * strategies: region alone, bumpfree alone, and both sharing one provider, on two
 * memory layouts (the fast bank below the slow one, and above it).
 *
 * It checks what docs/writing-a-heap-provider.md promises: the provider's answers
 * (pages, initial space, start and end, refusals that change nothing), and under the
 * strategies that every block lies in a bank, that no two blocks overlap, that
 * contents survive and alignment holds, that allocations spill into the slow bank
 * only once the fast one is full, that running out answers NULL and leaves every
 * instance usable and sound (alloy_check), and that freed memory is reused.
 * Prints one line per case; on the first failure it says what failed and exits 1.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloy/bumpfree.h"
#include "alloy/region.h"
#include "alloy/bank_heap.h"

#define PAGE ALLOY_PAGE_SIZE

/* The board, simulated: one array holds both banks, at odd addresses and with a gap
 * between them, so that their pages are never adjacent and their ends need trimming.
 * On a real board the banks would be addresses from the linker script. */
#define FAST_BYTES (4 * PAGE + 3000 + 7) /* 4 pages and an initial space of ~3 KB */
#define SLOW_BYTES (9 * PAGE + 100)      /* 8 pages in step with the fast bank's; the rest unused */
#define GAP 4099
#define BOARD_BYTES (FAST_BYTES + SLOW_BYTES + GAP + 64)

#define MAX_BLOCKS 65536

typedef struct layout {
    const char *name;
    unsigned char *fast, *slow;
} layout;

/* A block the program holds: where, what it asked for, whose, and the byte it is
 * filled with. */
typedef struct block {
    unsigned char *p;
    size_t size, align;
    alloy_allocator *owner;
    unsigned char fill;
} block;

typedef struct ledger {
    block *blocks; /* MAX_BLOCKS of them */
    size_t count;
    unsigned char next_fill;
} ledger;

static void expect(bool ok, const char *what, const char *context, int line)
{
    if (ok)
        return;
    fflush(stdout);
    fprintf(stderr, "two_banks: FAILED in %s (two_banks.c:%d): %s\n", context, line, what);
    exit(1);
}
/* every function that uses it has a `context` naming the case */
#define EXPECT(cond) expect((cond), #cond, context, __LINE__)

static uint32_t next_random(uint32_t *state) /* xorshift32 */
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static uintptr_t align_up(const void *p)
{
    return ((uintptr_t)p + 15) & ~(uintptr_t)15;
}

static bool inside(const void *p, size_t bytes, const unsigned char *array, size_t array_bytes)
{
    uintptr_t q = (uintptr_t)p, lo = (uintptr_t)array;
    return q >= lo && q - lo <= array_bytes && bytes <= array_bytes - (q - lo);
}

static bool in_fast(const layout *board, const void *p, size_t bytes)
{
    return inside(p, bytes, board->fast, FAST_BYTES);
}

static bool in_slow(const layout *board, const void *p, size_t bytes)
{
    return inside(p, bytes, board->slow, SLOW_BYTES);
}

/* The initial space the provider must find: what the fast bank's whole pages leave
 * of its 16-byte aligned part. */
static size_t initial_space_bytes(const layout *board)
{
    uintptr_t lo = align_up(board->fast), hi = ((uintptr_t)board->fast + FAST_BYTES) & ~(uintptr_t)15;
    return (size_t)(hi - lo) % PAGE;
}

/* Where the slow bank's pages begin: its first address a whole number of pages from
 * the fast bank's pages. */
static uintptr_t slow_pages_start(const layout *board)
{
    uintptr_t fast_pages = align_up(board->fast) + initial_space_bytes(board), lo = align_up(board->slow);
    return lo + ((fast_pages - lo) & (PAGE - 1));
}

/* --- the provider on its own ------------------------------------------------------ */

static void init_refusals(unsigned char *memory)
{
    const char *context = "alloy_bank_heap_init's refusals";
    alloy_bank_heap h, before;
    memset(&h, 0x5a, sizeof h);
    before = h;
    EXPECT(alloy_bank_heap_init(NULL, memory, 100, memory + 200, 100) == NULL);
    EXPECT(alloy_bank_heap_init(&h, NULL, 100, memory + 200, 100) == NULL);
    EXPECT(alloy_bank_heap_init(&h, memory, 100, NULL, 100) == NULL);
    EXPECT(alloy_bank_heap_init(&h, memory, 300, memory + 200, 100) == NULL); /* overlapping */
    EXPECT(alloy_bank_heap_init(&h, memory + 200, 100, memory + 150, 51) == NULL);
    void *near_the_top = (void *)(UINTPTR_MAX - 99); /* never read: init refuses first */
    EXPECT(alloy_bank_heap_init(&h, memory, 100, near_the_top, 100) == NULL);
    EXPECT(memcmp(&h, &before, sizeof h) == 0); /* a refusal leaves *h as it was */

    /* touching banks are not overlapping ones; empty banks are allowed */
    EXPECT(alloy_bank_heap_init(&h, memory, 200, memory + 200, 100) == &h.heap);
    EXPECT(alloy_bank_heap_init(&h, memory + 1, 0, memory + 300, 0) == &h.heap);
    EXPECT(alloy_heap_grow(&h.heap, 1) == NULL);

    /* banks smaller than a page: the fast one is all initial space, the slow one
     * gives nothing */
    EXPECT(alloy_bank_heap_init(&h, memory + 3, 1000, memory + 2000, 1000) == &h.heap);
    size_t bytes;
    char *initial = alloy_heap_claim_initial(&h.heap, &bytes);
    EXPECT((uintptr_t)initial == align_up(memory + 3) && bytes % 16 == 0 && bytes >= 1000 - 30);
    EXPECT(alloy_bank_heap_pages_left(&h.fast) == 0 && alloy_bank_heap_pages_left(&h.slow) == 0);
    EXPECT(alloy_heap_grow(&h.heap, 1) == NULL);
    EXPECT(alloy_bank_heap_pages_left(NULL) == 0);
    printf("ok: alloy_bank_heap_init refuses what it must and takes small banks\n");
}

/* The fields strategies read, and the provider's answers, grow by grow. */
static void provider_contract(const layout *board)
{
    char context[96];
    snprintf(context, sizeof context, "the provider alone, %s", board->name);
    alloy_bank_heap h;
    alloy_heap *heap = alloy_bank_heap_init(&h, board->fast, FAST_BYTES, board->slow, SLOW_BYTES);
    EXPECT(heap == &h.heap);
    EXPECT(strcmp(alloy_heap_name(heap), "bank") == 0);

    uintptr_t fast_lo = align_up(board->fast), slow_lo = slow_pages_start(board);
    EXPECT((uintptr_t)heap->start == (fast_lo < slow_lo ? fast_lo : slow_lo));

    /* the initial space: the front of the fast bank, what its whole pages leave */
    size_t initial_bytes;
    char *initial = alloy_heap_claim_initial(heap, &initial_bytes);
    EXPECT((uintptr_t)initial == fast_lo && initial_bytes == initial_space_bytes(board) && initial_bytes >= 1024);
    EXPECT(heap->end == initial + initial_bytes);
    size_t again;
    EXPECT(alloy_heap_claim_initial(heap, &again) == NULL && again == 0);
    memset(initial, 0x11, initial_bytes);

    /* refusals change nothing: not zero pages, not counts whose bytes overflow, not
     * more than either bank holds; the provider's own grow refuses 0 too (strategies
     * never call it directly: alloy_heap_grow filters 0 and overflows first) */
    alloy_bank_heap before = h;
    EXPECT(alloy_heap_grow(heap, 0) == NULL);
    EXPECT(heap->ops->grow(heap, 0) == NULL);
    EXPECT(alloy_heap_grow(heap, SIZE_MAX) == NULL);
    EXPECT(alloy_heap_grow(heap, SIZE_MAX / PAGE) == NULL); /* reaches the provider */
    EXPECT(heap->ops->grow(heap, SIZE_MAX) == NULL);
    EXPECT(heap->ops->grow(heap, SIZE_MAX / PAGE + 2) == NULL); /* its bytes wrap to 1 page */
    EXPECT(alloy_heap_grow(heap, 9) == NULL); /* fast has 4 pages, slow 8 */
    EXPECT(memcmp(&h, &before, sizeof h) == 0);
    EXPECT(alloy_bank_heap_pages_left(&h.fast) == 4 && alloy_bank_heap_pages_left(&h.slow) == 8);

    /* the fast bank first, right behind the initial space */
    char *a = alloy_heap_grow(heap, 3);
    EXPECT(a == initial + initial_bytes && in_fast(board, a, 3 * PAGE));
    /* 2 pages do not fit the 1 the fast bank has left: the slow bank's first pages,
     * not adjacent to anything handed out before */
    char *b = alloy_heap_grow(heap, 2);
    EXPECT((uintptr_t)b == slow_lo && in_slow(board, b, 2 * PAGE) && b != a + 3 * PAGE);
    /* the fast bank's last page still goes to a grow that fits it */
    char *c = alloy_heap_grow(heap, 1);
    EXPECT(c == a + 3 * PAGE && in_fast(board, c, PAGE));
    EXPECT(alloy_bank_heap_pages_left(&h.fast) == 0);
    memset(a, 0x22, 3 * PAGE);
    memset(b, 0x33, 2 * PAGE);
    memset(c, 0x44, PAGE);

    /* then the slow bank, page after page, to the end; end is the highest end so far */
    char *highest = (uintptr_t)(b + 2 * PAGE) > (uintptr_t)(c + PAGE) ? b + 2 * PAGE : c + PAGE;
    EXPECT(heap->end == highest);
    char *expected = b + 2 * PAGE;
    size_t slow_pages = 2;
    for (char *p; (p = alloy_heap_grow(heap, 1)); slow_pages++, expected += PAGE) {
        EXPECT(p == expected && in_slow(board, p, PAGE) && (uintptr_t)p % 16 == 0);
        memset(p, 0x55, PAGE);
        if ((uintptr_t)(p + PAGE) > (uintptr_t)highest)
            highest = p + PAGE;
        EXPECT(heap->end == highest);
    }
    EXPECT(slow_pages == 8);
    /* [start, end) covers everything handed out, in either bank */
    EXPECT(alloy_heap_holds(heap, initial, initial_bytes) && alloy_heap_holds(heap, a, 4 * PAGE) &&
           alloy_heap_holds(heap, b, 8 * PAGE));
    before = h;
    EXPECT(alloy_heap_grow(heap, 1) == NULL && memcmp(&h, &before, sizeof h) == 0);
    printf("ok: %s\n", context);
}

/* --- the provider under strategies ------------------------------------------------ */

static void fill_block(ledger *l, unsigned char *p, size_t size, size_t align, alloy_allocator *owner)
{
    block *b = &l->blocks[l->count++];
    *b = (block){p, size, align, owner, l->next_fill};
    l->next_fill = (unsigned char)(l->next_fill * 5 + 17);
    memset(p, b->fill, size);
}

static int by_address(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)((const block *)x)->p, b = (uintptr_t)((const block *)y)->p;
    return (a > b) - (a < b);
}

/* Every block in a bank, aligned, its contents intact, and none overlapping the next
 * (the ledger is sorted by address on the way). */
static void verify(ledger *l, const layout *board, const char *context)
{
    qsort(l->blocks, l->count, sizeof *l->blocks, by_address);
    for (size_t i = 0; i < l->count; i++) {
        const block *b = &l->blocks[i];
        EXPECT(in_fast(board, b->p, b->size) || in_slow(board, b->p, b->size));
        EXPECT((uintptr_t)b->p % b->align == 0);
        for (size_t k = 0; k < b->size; k++)
            EXPECT(b->p[k] == b->fill);
        if (i + 1 < l->count)
            EXPECT((uintptr_t)(b->p + b->size) <= (uintptr_t)l->blocks[i + 1].p);
    }
}

static void next_request(uint32_t *seed, bool small_only, size_t *size, size_t *align)
{
    static const size_t aligns[] = {1, 2, 8, 16, 16, 16, 64, 256, 4096};
    uint32_t r = next_random(seed);
    if (small_only) {
        *size = 16 + r % 1009;
        *align = aligns[r % 4];
        return;
    }
    uint32_t kind = r % 20;
    if (kind < 15)
        *size = 1 + r % 2048;
    else if (kind < 19)
        *size = 2048 + r % (14 * 1024);
    else
        *size = 33 * 1024 + r % (70 * 1024); /* region serves these as runs of pages */
    *align = aligns[next_random(seed) % (sizeof aligns / sizeof aligns[0])];
}

static void strategies_on_banks(const layout *board, ledger *l, bool use_region, bool use_bumpfree)
{
    char context[96];
    snprintf(context, sizeof context, "%s%s%s, %s", use_region ? "region" : "", use_region && use_bumpfree ? " + " : "",
             use_bumpfree ? "bumpfree" : "", board->name);
    alloy_bank_heap h;
    alloy_heap *heap = alloy_bank_heap_init(&h, board->fast, FAST_BYTES, board->slow, SLOW_BYTES);
    EXPECT(heap != NULL);
    alloy_region region;
    alloy_bumpfree bumpfree;
    alloy_allocator *owners[2];
    size_t n = 0;
    if (use_region)
        owners[n++] = alloy_region_init(&region, heap);
    if (use_bumpfree)
        owners[n++] = alloy_bumpfree_init(&bumpfree, heap);
    l->count = 0;
    uint32_t seed = 0x2545f491u;

    /* Small blocks until one lands in the slow bank: by then the fast bank must be full. */
    size_t i = 0;
    for (bool spilled = false; !spilled; i++) {
        size_t size, align;
        next_request(&seed, true, &size, &align);
        unsigned char *p = alloy_alloc(owners[i % n], size, align);
        EXPECT(p != NULL && l->count < MAX_BLOCKS);
        fill_block(l, p, size, align, owners[i % n]);
        spilled = in_slow(board, p, size);
        if (spilled)
            EXPECT(alloy_bank_heap_pages_left(&h.fast) == 0);
        else
            EXPECT(in_fast(board, p, size));
    }
    verify(l, board, context);

    /* Mixed sizes and alignments until every instance is out of memory: an instance
     * is out when even 16 bytes fail after a refusal. */
    bool out[2] = {false, false};
    size_t running = n;
    for (; running > 0; i++) {
        size_t k = i % n;
        if (out[k])
            continue;
        size_t size, align;
        next_request(&seed, false, &size, &align);
        unsigned char *p = alloy_alloc(owners[k], size, align);
        if (!p) {
            size = 16;
            align = 16;
            p = alloy_alloc(owners[k], size, align);
        }
        if (!p) {
            out[k] = true;
            running--;
            continue;
        }
        EXPECT(l->count < MAX_BLOCKS);
        fill_block(l, p, size, align, owners[k]);
    }
    /* no page is left (a 16-byte request would have taken one), both banks hold blocks,
     * and every instance answered NULL, counted it, and is sound */
    EXPECT(alloy_bank_heap_pages_left(&h.fast) == 0 && alloy_bank_heap_pages_left(&h.slow) == 0);
    verify(l, board, context);
    size_t in_fast_bank = 0, in_slow_bank = 0;
    for (size_t b = 0; b < l->count; b++)
        in_fast(board, l->blocks[b].p, l->blocks[b].size) ? in_fast_bank++ : in_slow_bank++;
    EXPECT(in_fast_bank > 0 && in_slow_bank > 0);
    uint64_t heap_bytes = 0;
    for (size_t k = 0; k < n; k++) {
        alloy_stats s;
        alloy_stats_get(owners[k], &s);
        EXPECT(s.shared.failed_allocs >= 2 && alloy_check(owners[k]));
        EXPECT(alloy_alloc(owners[k], 16, 16) == NULL); /* still out, and still answering */
        heap_bytes += s.shared.heap_bytes;
    }
    /* every byte the provider had went to exactly one instance */
    EXPECT(heap_bytes == initial_space_bytes(board) + 12 * PAGE);
    size_t blocks_at_exhaustion = l->count;

    /* Free every other block and at once ask its instance for the same size again,
     * aligned to at most 16: the space just freed (alone or merged into a larger free
     * block or the bump room) then always fits. With no page left, each of these is
     * freed memory being reused. */
    size_t reused = 0;
    for (size_t b = 1; b < l->count; b += 2) {
        block was = l->blocks[b];
        alloy_free(was.owner, was.p, was.size, was.align);
        size_t align = was.align < 16 ? was.align : 16;
        unsigned char *p = alloy_alloc(was.owner, was.size, align);
        EXPECT(p != NULL);
        l->blocks[b] = (block){p, was.size, align, was.owner, (unsigned char)~was.fill};
        memset(p, l->blocks[b].fill, was.size);
        reused++;
    }
    EXPECT(alloy_bank_heap_pages_left(&h.fast) == 0 && alloy_bank_heap_pages_left(&h.slow) == 0);
    verify(l, board, context);
    for (size_t k = 0; k < n; k++)
        EXPECT(alloy_check(owners[k]));

    /* Free everything: nothing in use, sound, and usable again. */
    for (size_t b = 0; b < l->count; b++)
        alloy_free(l->blocks[b].owner, l->blocks[b].p, l->blocks[b].size, l->blocks[b].align);
    l->count = 0;
    for (size_t k = 0; k < n; k++) {
        alloy_stats s;
        alloy_stats_get(owners[k], &s);
        EXPECT(s.shared.bytes_in_use == 0 && alloy_check(owners[k]));
        unsigned char *p = alloy_alloc(owners[k], 1000, 16);
        EXPECT(p != NULL && (in_fast(board, p, 1000) || in_slow(board, p, 1000)));
        alloy_free(owners[k], p, 1000, 16);
    }
    printf("ok: %s: %zu blocks when the banks ran out, %zu freed and served again\n", context,
           blocks_at_exhaustion, reused);
}

int main(void)
{
    static _Alignas(4096) unsigned char board_memory[BOARD_BYTES];
    static block blocks[MAX_BLOCKS];
    ledger l = {blocks, 0, 1};
    /* fast bank below the slow one, and above it: start and end differ */
    layout fast_low = {"fast bank below slow bank", board_memory + 5, board_memory + 5 + FAST_BYTES + GAP};
    layout fast_high = {"fast bank above slow bank", board_memory + 9 + SLOW_BYTES + GAP, board_memory + 9};
    const layout *layouts[] = {&fast_low, &fast_high};
    setvbuf(stdout, NULL, _IOLBF, 0); /* each line out at once, also before a crash */

    init_refusals(board_memory);
    for (size_t i = 0; i < 2; i++) {
        provider_contract(layouts[i]);
        strategies_on_banks(layouts[i], &l, true, false);
        strategies_on_banks(layouts[i], &l, false, true);
        strategies_on_banks(layouts[i], &l, true, true);
    }
    printf("two_banks: all checks passed\n");
    return 0;
}
