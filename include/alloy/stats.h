/** @file
 * alloy/stats.h - the statistics every allocator instance keeps.
 *
 * The shared figures (alloy_metrics) are kept by the front end (alloy.c) for every
 * strategy alike; each strategy adds its own figures beside them in alloy_statistics.
 * Byte counts are the sizes callers asked for, not what strategies rounded them to.
 * Every counter is 64-bit, also on wasm32 where size_t is 32-bit.
 */
#ifndef ALLOY_STATS_H
#define ALLOY_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloy/config.h"

/** ALLOY_STATS 1 (meson option stats, the default): the front end keeps the shared
 * statistics below. 0: it does not, which saves code and time; alloy_stats() then
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
typedef struct alloy_metrics {
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
} alloy_metrics;

/** Figures of the bump + unordered free list strategy. */
typedef struct alloy_bumpfree_stats {
    uint64_t free_blocks;    /**< blocks on the free list */
    uint64_t free_bytes;     /**< bytes on the free list */
    uint64_t bump_bytes;     /**< bytes left between the bump pointer and the area's end */
    uint64_t bump_areas;     /**< bump areas started (1 + growths that were not contiguous) */
    uint64_t live_bytes;     /**< bytes held by live blocks after rounding */
} alloy_bumpfree_stats;

/** Figures of the region/page-link strategy, as alloc_cat's AllocatorStats. Words are
 * 4 bytes. Region figures are summed over all regions. */
typedef struct alloy_region_stats {
    uint64_t regions;                     /**< regions (bump areas of at most 2 MiB) */
    uint64_t total_words;                 /**< their size, headers included */
    uint64_t allocated_words;             /**< held by live small blocks */
    uint64_t unused_words;                /**< above the bump pointer of the current region */
    uint64_t fragment_words;              /**< free, below the bump pointers */
    uint64_t fragments;                   /**< free blocks below the bump pointers */
    uint64_t total_large_pages;           /**< 64 KiB pages in runs for large blocks */
    uint64_t unused_large_pages;          /**< pages of free runs */
    uint64_t allocated_large_pages_words; /**< words in use in runs that are in use */
} alloy_region_stats;

/** Figures of the checked wrapper (alloy/checked.h). Its instance's statistics also
 * carry the wrapped instance's own strategy figures (bumpfree or region) and its
 * heap_bytes; the shared figures are those of the calls made on the wrapper. */
typedef struct alloy_checked_stats {
    const char *inner_strategy;  /**< the wrapped instance's strategy */
    uint64_t live_blocks;        /**< blocks in the live-block table */
    uint64_t guard_bytes;        /**< bytes around live blocks: guards and alignment */
    uint64_t table_bytes;        /**< bytes of the live-block table */
    uint64_t table_slots;        /**< its slots (a power of two, or 0) */
    uint64_t reports;            /**< reports made by free and resize (check changes
                                      nothing, and counts none) */
    uint64_t inner_bytes_in_use; /**< the wrapped instance's bytes in use: blocks, guards,
                                      table (and any blocks taken from it directly) */
} alloy_checked_stats;

/** What alloy_stats() reports: the shared figures, then the figures of the
 * instance's strategy (the others are zero). */
typedef struct alloy_statistics {
    const char *strategy;          /**< the strategy's name ("bumpfree", ...) */
    alloy_metrics shared;          /**< the shared figures */
    alloy_bumpfree_stats bumpfree; /**< a bumpfree instance's own figures */
    alloy_region_stats region;     /**< a region instance's own figures */
    alloy_checked_stats checked;   /**< a checked wrapper's own figures */
} alloy_statistics;

/** @name Keeping the metrics
 * The metrics operations below are what the front end and the strategies use;
 * programs read metrics through alloy_stats() and reset them with alloy_reset_trip().
 * None of them accepts NULL.
 * @{ */

/** A block of `size` bytes was handed out. */
void alloy_metrics_allocated(alloy_metrics *m, size_t size);
/** A block of `size` bytes was given back. */
void alloy_metrics_freed(alloy_metrics *m, size_t size);
/** A live block changed size from old_size to new_size (in place or moved). */
void alloy_metrics_resized(alloy_metrics *m, size_t old_size, size_t new_size);
/** A request of `size` bytes could not be served for lack of memory. */
void alloy_metrics_failed(alloy_metrics *m, size_t size);
/** Start a new trip: trip high waters become the current figures. */
void alloy_metrics_reset_trip(alloy_metrics *m);
/** The invariants that hold between the figures (high waters above current values, ...). */
bool alloy_metrics_consistent(const alloy_metrics *m);
/** @} */

#endif
