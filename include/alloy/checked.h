/* SPDX-License-Identifier: MIT */
/** @file
 * alloy/checked.h - the checked wrapper: an instance that wraps any other alloy
 * instance and catches misuse of it. Every free and resize must name a live block
 * with the size and alignment it was allocated with; double frees, pointers the
 * wrapper never gave out and writes just past the end (or before the start) of a
 * block are caught and reported through a handler the program can replace. Fresh
 * and freed blocks are filled with the byte patterns below, all of them (not the
 * tail a shrink in place gives back), so a program that allocates a large buffer and
 * uses little of it has it all resident under the wrapper (a block of 512 MiB of
 * which the program touched 1 MiB: all of it resident, 2 MB without the wrapper).
 *
 * The wrapper is itself an alloy_allocator: programs call alloy_alloc, alloy_free,
 * alloy_resize, alloy_realloc, alloy_stats_get and alloy_check on it. Bad arguments
 * (NULL, size 0, bad alignment, impossible sizes) get the front end's answers, as
 * for any strategy, counted as alloy/alloy.h says (an impossible size asked for as a
 * failed allocation, the rest as invalid requests or not at all), and are never
 * reported.
 * How it works, and what it costs, is told in wrappers/checked.c.
 *
 * Its statistics (alloy_stats_get): the shared figures are those of the calls made on
 * the wrapper, but for heap_bytes, the inner instance's; inner[0] names the inner
 * instance's strategy (and when that instance is a checked wrapper too, inner[1] the
 * one below it). Its own figures come first:
 * - live_blocks: blocks in the live-block table
 * - guard_bytes: bytes around live blocks: guards and alignment
 * - table_bytes: bytes of the live-block table
 * - table_slots: its slots (a power of two, or 0)
 * - reports: reports made by free and resize (check changes nothing, and counts none)
 * - inner_bytes_in_use: the inner instance's bytes in use: blocks, guards, table (and
 *   any blocks taken from it directly); its shared figure, so 0 in builds without
 *   statistics (-Dstats=false), as every shared figure but heap_bytes
 *
 * and the inner instance's own figures follow them (its report's, whole: for a checked
 * wrapper below, its own figures and then those of the instance below it; the report
 * names ALLOY_STATS_INNER instances below the top at most, and leaves out the figures
 * of any deeper one).
 */
#ifndef ALLOY_CHECKED_H
#define ALLOY_CHECKED_H

#include "alloy/alloy.h"

/** Every byte of a block the wrapper hands out (alloy_alloc, and the new bytes of a
 * block grown by alloy_resize) starts as this. */
#define ALLOY_CHECKED_FRESH_BYTE 0xCD
/** A freed block, guards included, is filled with this before the inner instance
 * gets it back (the inner instance may then write its own records over it). */
#define ALLOY_CHECKED_FREED_BYTE 0xDD
/** The guards in front of and behind every live block hold this. */
#define ALLOY_CHECKED_GUARD_BYTE 0xFD
/** Bytes of the guard behind every block, and the least in front of it. */
#define ALLOY_CHECKED_GUARD_SIZE ((size_t)16)
/** How many recent frees an instance remembers, to tell a double free from a pointer
 * it never gave out. */
#define ALLOY_CHECKED_RECENT_FREES 32

/** What went wrong. */
typedef enum alloy_checked_problem {
    ALLOY_CHECKED_DOUBLE_FREE,     /**< free or resize of a block that was freed already */
    ALLOY_CHECKED_UNKNOWN_POINTER, /**< a pointer that is not a live block of this instance
                                        (never given out, inside a block, freed long ago) */
    ALLOY_CHECKED_WRONG_SIZE,      /**< a live block, passed with another size */
    ALLOY_CHECKED_WRONG_ALIGN,     /**< a live block, passed with another alignment */
    ALLOY_CHECKED_OVERRUN,         /**< the guard behind the block was written */
    ALLOY_CHECKED_UNDERRUN,        /**< the guard in front of the block was written */
} alloy_checked_problem;

/** One report: what, which block, in which call. */
typedef struct alloy_checked_report {
    alloy_checked_problem problem; /**< what went wrong */
    const char *what;       /**< the problem in words ("double free", ...) */
    const char *operation;  /**< "free", "resize", "realloc" or "check" */
    const void *ptr;        /**< the pointer the call named (check: the damaged block) */
    size_t recorded_size;   /**< the block's size as allocated (for a double free, as
                                 freed); 0 for an unknown pointer */
    size_t recorded_align;  /**< its alignment, recorded the same way */
    size_t passed_size;     /**< what the call passed; 0 for check */
    size_t passed_align;    /**< the alignment the call passed; 0 for check */
    ptrdiff_t damage_offset; /**< overrun/underrun: offset from ptr of the first damaged
                                  guard byte (>= size behind, < 0 in front); else 0 */
} alloy_checked_report;

/** A handler gets every report with the context it was installed with. When it
 * returns, the call that was reported does nothing harmful: a bad free is ignored,
 * a bad resize returns false, a bad realloc returns NULL, check returns false; none
 * of them is counted in the statistics.
 * A free of a live block whose guards are damaged still frees it (after the report);
 * a resize of one returns false and leaves the block, and the evidence, as it was.
 * check reports every damaged guard it finds. A handler must not call the instance
 * that reports; it may abort, exit or longjmp out.
 *
 * alloy_realloc of a block named wrongly is reported once (operation "realloc") and
 * returns NULL: nothing is read at ptr, moved or freed, and new_size 0 frees
 * nothing. alloy_realloc of a live block whose guards are damaged reports each
 * damaged guard (operation "realloc") and returns NULL, the block and the evidence
 * left as they were; with new_size 0 it frees the block, as free does. (The wrapper gets realloc whole from the front end: see alloy/alloy.h.) */
typedef void (*alloy_checked_handler)(void *context, const alloy_checked_report *report);

/** A block as the table of live blocks and the ring of recent frees record it. */
typedef struct alloy_checked_block {
    uintptr_t ptr; /**< the block's address; 0: the slot is empty */
    size_t size;   /**< the size it was allocated (or freed) with */
    size_t align;  /**< the alignment it was allocated (or freed) with */
} alloy_checked_block;

/** One instance. Its members are private; the struct is public so that callers can
 * place instances where they like (static, stack, another allocator's block). */
typedef struct alloy_checked {
    /** @privatesection */
    alloy_allocator base;
    alloy_allocator *inner;
    alloy_checked_block *table; /* live blocks, open addressing; NULL until the first */
    size_t table_slots;         /* a power of two, or 0 */
    unsigned table_shift;       /* 64 - log2(table_slots): the hash keeps the top bits */
    size_t live_blocks;
    uint64_t guard_bytes;       /* bytes around live blocks: guards and alignment */
    uint64_t reports;           /* reports made by free and resize */
    alloy_checked_handler handler;
    void *handler_context;
    alloy_checked_block recent_frees[ALLOY_CHECKED_RECENT_FREES]; /* a ring */
    size_t recent_next;
} alloy_checked;

/** Make *c a checked instance over `inner`, with the default handler, and return its
 * handle. Returns NULL when c or inner is NULL, or inner is c itself. The wrapper
 * takes every byte it uses from inner - blocks with their guards, and its table -
 * and nothing until the first allocation. Program code should use only the wrapper
 * for blocks it hands out; inner remains usable directly for other blocks.
 * alloy_alloc on the wrapper returns NULL when inner cannot serve the block with
 * its guards, or the wrapper's table cannot grow; no block is then taken from inner
 * (a table grown for the block may stay, for the next allocation). Sizes within
 * max(16, align) + 16 bytes of ALLOY_MAX_SIZE are refused the same way. The instance
 * needs no destruction: its table stays at the size the most blocks live at once
 * needed while any is live, and goes back to inner when the last live block is
 * freed, so that a wrapper with no live block holds nothing of inner. */
alloy_allocator *alloy_checked_init(alloy_checked *c, alloy_allocator *inner);

/** Send reports to `handler`, called with `context`. handler NULL restores the default,
 * alloy_checked_abort_handler. c NULL is ignored. */
void alloy_checked_set_handler(alloy_checked *c, alloy_checked_handler handler, void *context);

/** The default handler: prints one line to stderr - the problem, the call, the
 * pointer, the sizes and alignments passed and recorded - and aborts. context is
 * unused; report must not be NULL. */
void alloy_checked_abort_handler(void *context, const alloy_checked_report *report);

#endif
