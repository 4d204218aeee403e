/* SPDX-License-Identifier: MIT */
/** @file
 * alloy/stats.h - the statistics every allocator instance keeps.
 *
 * alloy_stats_get() (alloy/alloy.h) fills an alloy_stats report: the shared figures
 * (alloy_shared_stats), which the front end (frontend/frontend.c) keeps for every
 * strategy alike, then named figures that the instance's strategy adds, which each
 * strategy's header lists. Byte counts are the sizes callers asked for, not what
 * strategies rounded them to. Every counter is 64-bit, also on wasm32 where size_t is
 * 32-bit.
 */
#ifndef ALLOY_STATS_H
#define ALLOY_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloy/config.h"

/** ALLOY_STATS 1 (meson option stats, the default): the front end keeps the shared
 * statistics below. 0: it does not, which saves code and time; alloy_stats_get() then
 * reports them as zeros, except heap_bytes, and the strategies' own figures remain.
 * A translation unit may define it before including alloy headers to override. */
#ifndef ALLOY_STATS
#define ALLOY_STATS ALLOY_STATS_DEFAULT
#endif

#if ALLOY_AUDIT_SIZES || defined(ALLOY_DOXYGEN)
/** One row of the per-size audit table: live blocks of one size class.
 * Class k holds requests of 2^(k-1)+1 .. 2^k bytes (class 0 holds size 1). */
typedef struct alloy_size_audit {
    uint64_t live;            /**< blocks of this class alive now */
    uint64_t high_water;      /**< most blocks of this class alive at once */
    uint64_t trip_high_water; /**< the same since the last alloy_reset_trip */
} alloy_size_audit;

/** Rows of the audit table: class 0 and one class per bit of a size_t. */
#define ALLOY_AUDIT_CLASSES (sizeof(size_t) * 8 + 1)
#endif

/** The shared figures, kept by the front end for every instance alike (with
 * -Dstats=false only heap_bytes). */
typedef struct alloy_shared_stats {
    uint64_t bytes_in_use;     /**< sum of the sizes of live blocks */
    uint64_t high_water;       /**< most bytes_in_use ever */
    uint64_t trip_high_water;  /**< most bytes_in_use since the last reset_trip */
    uint64_t allocs;           /**< blocks handed out (alloy_alloc, alloy_realloc of NULL) */
    uint64_t frees;            /**< blocks given back (alloy_free, alloy_realloc to 0) */
    uint64_t reallocs;         /**< blocks resized, in place or moved: allocs - frees stays
                                    the number of live blocks */
    uint64_t failed_allocs;    /**< allocations and growths refused for lack of memory */
    uint64_t invalid_requests; /**< calls rejected for bad arguments (bad alignment, ...) */
    uint64_t largest_request;  /**< largest size ever asked for, served or not */
    uint64_t heap_bytes;       /**< bytes obtained from the heap provider */
#if ALLOY_AUDIT_SIZES || defined(ALLOY_DOXYGEN)
    /** With -Daudit_sizes=true: the per-size audit table. */
    alloy_size_audit audit[ALLOY_AUDIT_CLASSES];
#endif
} alloy_shared_stats;

/** One figure of a strategy's own: a name, which the strategy's header documents,
 * and its value. */
typedef struct alloy_stat {
    uint64_t value;   /**< its value */
    const char *name; /**< the figure's name ("regions", "free_blocks", ...): a string
                           constant of the strategy's, valid for the program's life */
} alloy_stat;

/** The most named figures one report holds. The largest report of alloy's own is the
 * checked wrapper's (6 figures of its own) over the strategy with the most (9); the
 * rest is room for strategies from outside, and for a wrapper over a wrapper. */
#define ALLOY_STATS_FIGURES 24

/** The most instances below a wrapper that one report names: two, as for a checked
 * wrapper over another over a strategy. A deeper one's figures are left out. */
#define ALLOY_STATS_INNER 2

/** An instance below a wrapper, in a report (alloy_stats.inner). */
typedef struct alloy_stats_inner {
    const char *strategy; /**< its strategy's name */
    size_t first;         /**< its figures are figures[first ..], up to the next inner
                               instance's first, or to count (so the firsts do not
                               decrease) */
} alloy_stats_inner;

/** What alloy_stats_get() reports: the strategy's name, the shared figures, and the
 * named figures of the instance's strategy, in the order the strategy adds them. */
typedef struct alloy_stats {
    const char *strategy;       /**< the strategy's name (alloy_name's; the locked wrapper
                                 * reports its inner instance's, unless it refuses the
                                 * call: alloy/locked.h) */
    /* (figures come before count and shared, and a figure's value before its name:
     * a strategy's stats sets the values, and small offsets from the report make
     * smaller wasm code) */
    alloy_stat figures[ALLOY_STATS_FIGURES]; /**< the strategy's own figures */
    size_t count;               /**< figures[0 .. count) are filled in */
    /** A wrapper that reports the instance it wraps (alloy/checked.h): inner[0] names
     * that instance, whose figures follow the wrapper's own, and when that one is such
     * a wrapper too, inner[1] the instance below it. */
    alloy_stats_inner inner[ALLOY_STATS_INNER];
    size_t inner_count; /**< inner[0 .. inner_count) are filled in: 0 for a strategy */
    alloy_shared_stats shared;  /**< the shared figures */
} alloy_stats;

/** The most bytes one call of an alloy_stats_writer gets: a line of the report, its
 * '\n' included. */
#define ALLOY_STATS_LINE_MAX 128

/** Where alloy_stats_print (alloy/alloy.h) sends its report: called once per line, in
 * order, with `length` bytes of `text` (not NUL-terminated), which end with '\n'
 * and are at most ALLOY_STATS_LINE_MAX; `context` is what the caller passed. The
 * text is the caller's only during the call. */
typedef void (*alloy_stats_writer)(void *context, const char *text, size_t length);

/** A writer for alloy_stats_print that writes each line to the stdio stream
 * `file` (a FILE *: stdout, stderr, an open file) with fwrite; errors are the
 * stream's (ferror). file must not be NULL. It is the only part of the report that
 * uses stdio: a program that prints through a writer of its own links none. */
void alloy_stats_file_writer(void *file, const char *text, size_t length);

/** For a strategy's stats operation: append the figure (name, value) to *out. A full
 * report (ALLOY_STATS_FIGURES figures) ignores it. `name` must outlive the report: a
 * string constant. None of the arguments may be NULL. */
void alloy_stats_add(alloy_stats *out, const char *name, uint64_t value);

/** The first figure of *s named `name`, or NULL when *s has none of that name (the
 * instance's strategy does not keep it), or when s or name is NULL. */
const alloy_stat *alloy_stats_find(const alloy_stats *s, const char *name);

/** @name Keeping the shared figures
 * The operations below are what the front end and the strategies use; programs
 * read the figures through alloy_stats_get() and reset them with alloy_reset_trip().
 * None of them accepts NULL.
 * @{ */

/** A block of `size` bytes was handed out. */
void alloy_stats_allocated(alloy_shared_stats *s, size_t size);
/** A block of `size` bytes was given back. */
void alloy_stats_freed(alloy_shared_stats *s, size_t size);
/** A live block changed size from old_size to new_size (in place or moved). */
void alloy_stats_resized(alloy_shared_stats *s, size_t old_size, size_t new_size);
/** A request of `size` bytes could not be served for lack of memory. */
void alloy_stats_failed(alloy_shared_stats *s, size_t size);
/** Every live block went at once (a strategy's reset): they count as freed, and
 * nothing is in use. */
void alloy_stats_dropped_all(alloy_shared_stats *s);
/** Start a new trip: trip high waters become the current figures. */
void alloy_stats_reset_trip(alloy_shared_stats *s);
/** The invariants that hold between the figures (high waters above current values, ...). */
bool alloy_stats_consistent(const alloy_shared_stats *s);
/** @} */

#endif
