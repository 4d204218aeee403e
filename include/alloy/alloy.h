/* SPDX-License-Identifier: MIT */
/** @file
 * alloy/alloy.h - the allocator interface and its front end.
 *
 * An allocator is a handle (alloy_allocator) over a const table of functions
 * (alloy_strategy). Every strategy instance begins with the handle, lives in memory
 * its creator provides, and takes its memory from a heap provider (alloy/heap.h).
 *
 * Programs call the front-end functions below, never the table: the front end checks
 * every argument and keeps the shared statistics, so a strategy only ever sees
 * clean requests: 1 <= size <= ALLOY_MAX_SIZE and a power-of-two alignment of at
 * most ALLOY_MAX_ALIGN.
 *
 * Frees are sized: the caller passes back the size and alignment it asked for, as
 * with Rust's GlobalAlloc or Zig's Allocator, so blocks carry no header. Passing a
 * different size or alignment, or a pointer the instance never gave out, is
 * undefined. Instances are not thread-safe.
 *
 * The strategies. alloy/config.h lists the build's strategies: ALLOY_STRATEGIES(X)
 * expands to X(NAME) for each, in the order of meson.build's list, and
 * ALLOY_DEFAULT_STRATEGY is the default one's name as a token
 * (ALLOY_DEFAULT_STRATEGY_NAME as a string). Every strategy NAME follows one
 * convention, so that code can be written once for all of them (alloy/default.h,
 * the malloc layer, test fixtures, benchmarks): its public header alloy/NAME.h
 * defines its instance type alloy_NAME and `alloy_allocator *alloy_NAME_init(alloy_NAME
 * *self, alloy_heap *heap)`, invokes ALLOY_STRATEGY_OPERATIONS(NAME), and either
 * ALLOY_STRATEGY_BLOCK_SIZE(NAME) or, for a strategy that cannot tell a block's
 * size from its pointer, `#define alloy_NAME_block_size NULL` and `#define
 * alloy_NAME_free_unsized NULL`; strategies/NAME.c defines them. A strategy that
 * tells sizes declares `size_t alloy_NAME_fit(size_t size)` (alloy_strategy::fit)
 * or `#define alloy_NAME_fit NULL`; one that cannot, the NULL. alloy/strategies.h
 * includes every strategy's header.
 *
 * Wrappers. A wrapper is an instance that serves its calls from another instance,
 * its inner one (alloy/checked.h, alloy/locked.h); its table sets
 * alloy_strategy::wrapper. The front end passes every call on a wrapper's handle to
 * its table whole: it checks no argument, counts nothing in the handle's figures and
 * tells a memory checker nothing; alloy_realloc and alloy_reset_trip go to the
 * table's realloc and reset_trip; alloy_stats_get fills in only the table's name and
 * figure names, and stats the rest of the report, shared figures included. The
 * rule every wrapper keeps: each call is checked once, and counted once in the
 * figures of each instance it touches. Either the wrapper hands the call to the inner
 * instance's front end, which checks and counts it, and reports the inner instance's
 * figures as its handle's (locked); or it checks the call and keeps its handle's
 * figures itself, once, and then makes only sound requests of the inner instance,
 * which counts them in its own figures (checked).
 */
#ifndef ALLOY_ALLOY_H
#define ALLOY_ALLOY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloy/config.h"
#include "alloy/heap.h"
#include "alloy/stats.h"

/** The largest alignment alloy honours: one page. */
#define ALLOY_MAX_ALIGN ((size_t)65536)
/** The largest size alloy accepts: larger requests fail as out of memory, so that no
 * strategy's rounding can overflow. */
#define ALLOY_MAX_SIZE (SIZE_MAX - 2 * ALLOY_PAGE_SIZE)

typedef struct alloy_allocator alloy_allocator;

/** What a strategy implements. The front end guarantees for every call:
 * self != NULL; 1 <= size <= ALLOY_MAX_SIZE; align is a power of two <= ALLOY_MAX_ALIGN;
 * ptr is a live block that this instance handed out with exactly (size, align). */
typedef struct alloy_strategy {
    const char *name; /**< the name alloy_name returns: a strategy's name in the registry */
    /** A block of `size` bytes aligned to `align`, or NULL. */
    void *(*alloc)(alloy_allocator *self, size_t size, size_t align);
    /** Make the block `new_size` bytes long without moving it; false leaves it as it was. */
    bool (*resize)(alloy_allocator *self, void *ptr, size_t size, size_t align, size_t new_size);
    /** Give the block back. */
    void (*free)(alloy_allocator *self, void *ptr, size_t size, size_t align);
    /** The names of the strategy's own figures (its header lists them), in an array
     * that NULL ends; NULL for none. alloy_stats_get enters them into the report with
     * the value 0, in this order, before it calls stats: figure i is out->figures[i]. */
    const char *const *figures;
    /** Set the values of the strategy's figures in *out, whose shared figures the
     * front end has filled in. A strategy may add figures beyond `figures` with
     * alloy_stats_add. */
    void (*stats)(const alloy_allocator *self, alloy_stats *out);
    /** Verify every internal invariant; false when one is broken. */
    bool (*check)(const alloy_allocator *self);
    /** NULL for a strategy that cannot tell a block's size from its pointer. Else the
     * size of the live block at ptr, for callers that keep no sizes (the malloc layer,
     * alloy/malloc.h, which then needs no header in front of each block), and in
     * *align an alignment that free and resize take for it. The promise: for a block
     * allocated with a size that `fit` answers (a multiple of 16 when fit is NULL), and
     * any alignment, the answer is that size, and free(ptr, size, *align) and
     * resize(ptr, size, *align, n) act on the block as with the alignment it was
     * allocated with. */
    size_t (*block_size)(const alloy_allocator *self, const void *ptr, size_t *align);
    /** NULL, or (with block_size) the size to ask alloc for so that a block holds
     * `size` bytes (<= ALLOY_MAX_SIZE; 0 too) and block_size answers exactly what was
     * asked: at least size and 1, the same size again for its own answers, and all the
     * block holds (but for bytes a split may leave the block: tlsf's 16 on 64-bit
     * targets), so that callers that keep no sizes (the malloc layer) give the program
     * the bytes its block takes. NULL stands for `size` rounded up to 16 (16
     * for 0), for a strategy whose blocks take sizes in steps of 16 with nothing
     * beside them (region). tlsf's blocks carry a word: it asks the size + a word,
     * rounded up to 16, less the word. The answer may pass ALLOY_MAX_SIZE, where alloc
     * fails. */
    size_t (*fit)(size_t size);
    /** NULL, or (with block_size) free for callers that keep no sizes, in one call:
     * give back the live block at ptr (never NULL: the caller takes NULL) and return
     * its size. It must act exactly as
     * block_size(self, ptr, &align) and then free(self, ptr, size, align), and tell a
     * memory checker that the block is freed (alloy_poison_block_freed) before it
     * writes into the block; the caller counts the free in the shared figures. The
     * malloc layer's free calls it when it is set, block_size and free otherwise. */
    size_t (*free_unsized)(alloy_allocator *self, void *ptr);
    /** false for a strategy. true for a wrapper (see the top of this header), whose
     * table gets every call whole, and must set realloc and reset_trip. */
    bool wrapper;
    /** A wrapper's alloy_realloc, called whatever the arguments; NULL for a strategy,
     * whose alloy_realloc the front end makes of resize, alloc and free. */
    void *(*realloc)(alloy_allocator *self, void *ptr, size_t size, size_t align, size_t new_size);
    /** A wrapper's alloy_reset_trip; NULL for a strategy, whose trip meter the front
     * end resets. */
    void (*reset_trip)(alloy_allocator *self);
} alloy_strategy;

/** How alloy.h declares its inline functions (alloy_alloc, alloy_free): C99's
 * `inline`, whose external definition the library holds; under GNU89 inline rules
 * (-std=gnu89, -fgnu89-inline) the same meaning is `extern inline` with gnu_inline. */
#if defined(__GNUC_GNU_INLINE__)
#define ALLOY_INLINE extern inline __attribute__((gnu_inline))
#else
#define ALLOY_INLINE inline
#endif

/** The handle: the first member of every strategy instance. */
struct alloy_allocator {
    const alloy_strategy *strategy; /**< the instance's table of functions */
    /** What alloy_alloc calls when a is not NULL: a function that acts as alloy_alloc
     * does on this instance. alloy_allocator_init sets the front end's, which checks
     * and counts the request around the table's alloc; an instance's init may set one
     * of its own that does the same in one call (region's, bumpfree's and tlsf's do,
     * in builds for speed). */
    void *(*alloc)(alloy_allocator *self, size_t size, size_t align);
    /** What alloy_free calls when a and ptr are not NULL, likewise. */
    void (*free)(alloy_allocator *self, void *ptr, size_t size, size_t align);
    alloy_shared_stats stats; /**< kept by the front end; strategies add heap_bytes */
};

/** Allocate `size` bytes aligned to `align` (a power of two from 1 to 65536).
 * Returns NULL, and counts it, when: align is bad (invalid_requests, whatever the
 * size); a is NULL (nothing counted);
 * size > ALLOY_MAX_SIZE or memory runs out (failed_allocs). size 0 returns NULL and
 * counts nothing: there is nothing to allocate, and alloy_free takes NULL back.
 * After a NULL every block already allocated is intact and the instance is usable.
 * (Inline: a call through the handle's alloc; the library has it as a function too.) */
ALLOY_INLINE void *alloy_alloc(alloy_allocator *a, size_t size, size_t align)
{
    return a ? a->alloc(a, size, align) : NULL;
}

/** Free a block from alloy_alloc/alloy_realloc of this instance, passing the size and
 * alignment it was asked for with. ptr NULL is ignored (whatever the size), and so
 * is a NULL a (there is nowhere to count it). Size 0 or > ALLOY_MAX_SIZE with a
 * non-NULL ptr, or a bad align, is ignored and counted as invalid.
 *
 * Any other size or alignment than the block's, a pointer this instance did not
 * hand out, or a block already freed is undefined behaviour: the strategy trusts
 * the size it is given, so a 4096-byte free of a 24-byte block gives back memory
 * that other blocks hold, and bytes_in_use wraps. To catch such calls, put the
 * instance behind the checked wrapper (alloy/checked.h), which reports each one at
 * the call; the meson option `checked` does that for the default instance
 * (alloy/default.h) and the one behind malloc. (Inline, as alloy_alloc.) */
ALLOY_INLINE void alloy_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    if (a && ptr)
        (a->free)(a, ptr, size, align); /* (parenthesized: a program may define free() as a macro) */
}

/** Change a block's size without moving it: true when the block is now new_size bytes
 * long (contents up to the smaller size kept), false when it could not be done here
 * (the block is then unchanged; nothing is counted). False also for a NULL a or ptr;
 * for size or new_size 0, size > ALLOY_MAX_SIZE or a bad align (counted as invalid);
 * and for new_size > ALLOY_MAX_SIZE (counted as a failed allocation). */
bool alloy_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size);

/** Resize in place if possible, else move: allocate new_size bytes with the same
 * alignment, copy min(size, new_size) bytes, free the old block. Returns the block,
 * or NULL with the old block untouched and still owned by the caller when memory runs
 * out or new_size > ALLOY_MAX_SIZE (failed_allocs + 1, once). A shrink that the
 * strategy does not do in place moves too, and so may fail that way: region's large
 * block shrunk to 32 KiB or less, bumpfree's block shrunk to a smaller size class
 * away from the bump pointer. ptr NULL acts as alloy_alloc(a, new_size, align),
 * whatever size says. new_size 0 frees the block and returns NULL. A bad align, or
 * an old size of 0 or > ALLOY_MAX_SIZE with a non-NULL ptr, returns NULL, counts
 * invalid_requests and changes nothing (new_size 0 included: nothing is freed). A
 * NULL a returns NULL. */
void *alloy_realloc(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size);

/** Fill *out with the instance's statistics (alloy/stats.h): its strategy's name, the
 * shared figures and the strategy's own. Either NULL: nothing happens. Cost: the
 * strategy's figures may walk its free lists (see each strategy's Costs); a program
 * that reads the shared figures often (the trip high water every frame) can read
 * them from a strategy's handle, `a->stats`, for nothing (a wrapper's handle keeps
 * none there). */
void alloy_stats_get(const alloy_allocator *a, alloy_stats *out);

/** Print the instance's statistics report through `writer` (alloy/stats.h), one line
 * per call, with `context`: what alloy_stats_get reports, as text that people read
 * and programs can parse. Returns false, writing nothing, when a or writer is NULL.
 * Uses no stdio (alloy_stats_file_writer writes to a FILE) and no memory of any
 * allocator. The lines, in this order:
 *
 *     alloy statistics: STRATEGY              (or "STRATEGY over INNER" for a wrapper
 *                                              whose report holds its inner instance's,
 *                                              and "... over INNER over INNER2" when
 *                                              that one is such a wrapper too)
 *     shared figures:
 *       bytes_in_use                  VALUE   (then high_water, trip_high_water,
 *       ...                                    allocs, frees, reallocs, failed_allocs,
 *       heap_bytes                    VALUE    invalid_requests, largest_request)
 *     STRATEGY figures:                       (the strategy's own figures, by name,
 *       NAME                          VALUE    when it has any)
 *     INNER figures:                          (a wrapper's inner instance's, and
 *       NAME                          VALUE    so on for each instance the title
 *                                              names, when it has any)
 *     audit, blocks per size class (bytes: live high_water trip_high_water):
 *       LOW..HIGH                     LIVE HIGH_WATER TRIP_HIGH_WATER
 *
 * A figure line is two spaces, the figure's name (a C identifier: the member of
 * alloy_shared_stats or the name in alloy_stats), spaces, and its value in decimal.
 * Built with -Dstats=false, the shared section holds heap_bytes only and its heading
 * says so. The audit section is there with -Daudit_sizes=true: one line per size
 * class in which a block ever lived ("1", "2", "3..4", "5..8", ...). A name too
 * long for ALLOY_STATS_LINE_MAX is cut short, and what follows it (a value,
 * " figures:") stays whole; in the title each name leaves the rest of the line, less
 * the " over "s, to the names after it in equal shares. */
bool alloy_stats_print(const alloy_allocator *a, alloy_stats_writer writer, void *context);

/** Start a new trip: trip high waters become the current bytes in use (and, with the
 * audit table, the current block counts), so afterwards they report the peak since
 * this call. NULL is ignored. */
void alloy_reset_trip(alloy_allocator *a);

/** Verify the instance: its statistics are consistent and the strategy's own
 * invariants hold (free space accounted exactly, links well formed). Cost is linear
 * in the instance's free blocks. NULL answers false. */
bool alloy_check(const alloy_allocator *a);

/** The name of the instance's table: a strategy's name in the registry (meson.build),
 * "checked" or "locked" for the wrappers; "" for NULL. */
const char *alloy_name(const alloy_allocator *a);

/** The version of the alloy library the program runs with, "MAJOR.MINOR.PATCH": the
 * ALLOY_VERSION_STRING of the alloy/config.h the library was compiled with. A
 * program linked with the shared library can compare it with the
 * ALLOY_VERSION_STRING it was compiled against to find out that it runs with
 * another release. Never NULL: a string constant. */
const char *alloy_version(void);

/** Initialise the handle at the front of a strategy instance: zeroed statistics, the
 * given table, and the front end's alloc and free, which reach the table through
 * `a->strategy` at each call. For strategy authors; a may not be NULL; strategy may,
 * for a table set later (`a->strategy = ...`), before any call of the front end. */
void alloy_allocator_init(alloy_allocator *a, const alloy_strategy *strategy);

/** `a##b##c`, after the macros in the arguments are expanded: names derived from
 * the lists in alloy/config.h, such as ALLOY_PASTE(alloy_, ALLOY_DEFAULT_STRATEGY,
 * _init), which is alloy_NAME_init for the default strategy NAME. */
#define ALLOY_PASTE(a, b, c) ALLOY_PASTE_(a, b, c)
/** ALLOY_PASTE's second step, which pastes. */
#define ALLOY_PASTE_(a, b, c) a##b##c

/** Declares a strategy's parts that code outside its .c may call by name, for a
 * strategy NAME whose public header (alloy/NAME.h) defines its instance type
 * alloy_NAME and invokes this once after it. strategies/NAME.c defines them, with
 * external linkage:
 * - `const alloy_strategy alloy_NAME_strategy`: its table, which alloy_NAME_init
 *   puts in the instance's handle;
 * - `void alloy_NAME_setup(alloy_NAME *self, alloy_heap *heap)`: what alloy_NAME_init
 *   does, but the handle's table, alloc and free are left NULL: an instance for calls
 *   of its operations by name (the malloc layer's), not for alloy_alloc and the rest
 *   of the front end, which need alloy_NAME_init; neither argument may be NULL;
 * - `alloy_NAME_alloc`, `alloy_NAME_resize`, `alloy_NAME_free`: the table's
 *   operations, under the front end's guarantees (alloy_strategy).
 *
 * The malloc layer (the alloy_malloc library) calls these directly rather than
 * through the table, so that a module links only the operations it uses. Programs
 * call alloy_NAME_init and the front end. */
#define ALLOY_STRATEGY_OPERATIONS(NAME)                                                                  \
    extern const alloy_strategy alloy_##NAME##_strategy;                                                 \
    void alloy_##NAME##_setup(alloy_##NAME *self, alloy_heap *heap);                                     \
    void *alloy_##NAME##_alloc(alloy_allocator *self, size_t size, size_t align);                        \
    bool alloy_##NAME##_resize(alloy_allocator *self, void *ptr, size_t size, size_t align, size_t new_size); \
    void alloy_##NAME##_free(alloy_allocator *self, void *ptr, size_t size, size_t align)

/** Declares `alloy_NAME_block_size` and `alloy_NAME_free_unsized`, the table's
 * block_size and free_unsized (alloy_strategy), for a strategy NAME that can tell a
 * block's size from its pointer; its header invokes it after
 * ALLOY_STRATEGY_OPERATIONS(NAME). The malloc layer calls them by name. */
#define ALLOY_STRATEGY_BLOCK_SIZE(NAME) \
    size_t alloy_##NAME##_block_size(const alloy_allocator *self, const void *ptr, size_t *align); \
    size_t alloy_##NAME##_free_unsized(alloy_allocator *self, void *ptr)

#endif
