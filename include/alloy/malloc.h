/* SPDX-License-Identifier: MIT */
/** @file
 * alloy/malloc.h - the C allocation API (unsized free, realloc, usable size) bound to
 * any alloy instance, for libraries that take allocator hooks without sizes.
 *
 * Every result is aligned to 16 bytes (max_align_t) or more. An unsized free must
 * become a sized one: when the instance's strategy can tell a block's size from its
 * pointer (alloy_strategy::block_size: region, tlsf and the checked wrapper can), blocks
 * carry nothing more and each size is asked as the strategy fits it (alloy_strategy::fit:
 * tlsf asks the size + a word rounded up to 16, less the word), else rounded up to 16;
 * otherwise (a strategy that cannot, the locked wrapper) each block carries a 16-byte
 * header, in front of what
 * the caller gets, recording the size and alignment asked for. Instances are not thread-safe, so
 * neither are these functions.
 *
 * Statistics: these functions count through the instance's front end, each block at
 * the size asked of the instance: fitted or rounded up to 16, or with its header (16 bytes, or
 * the alignment when larger), so bytes_in_use is what the instance holds for them.
 * A request too large once rounded or given its header, or a calloc product that
 * overflows, is out of memory: one failed_allocs, as for alloy_alloc. A bad
 * alignment is refused before it reaches the front end and counts nothing.
 */
#ifndef ALLOY_MALLOC_H
#define ALLOY_MALLOC_H

#include "alloy/alloy.h"

/** malloc(size) on `a`: aligned to 16. size 0 returns a unique block (free it as any
 * other). NULL when a is NULL or memory runs out. */
void *alloy_malloc(alloy_allocator *a, size_t size);

/** calloc: n * size zeroed bytes; NULL when the product overflows, a is NULL or memory
 * runs out. A product of 0 gives a unique block as alloy_malloc(a, 0) does. */
void *alloy_malloc_calloc(alloy_allocator *a, size_t n, size_t size);

/** aligned_alloc: `align` must be a power of two (values below 16 give 16) up to
 * 65536; otherwise NULL. size 0 behaves as in alloy_malloc. NULL when a is NULL or
 * memory runs out. */
void *alloy_malloc_aligned(alloy_allocator *a, size_t align, size_t size);

/** free a block from the functions above on the same instance. A NULL p or a NULL a
 * is ignored (and p, if any, stays allocated). */
void alloy_malloc_free(alloy_allocator *a, void *p);

/** realloc: p NULL acts as alloy_malloc (so (NULL, 0) gives a unique block); size 0
 * frees p and returns NULL; on failure returns NULL and p is untouched. A NULL a
 * returns NULL and touches nothing, whatever size is (p is not freed). Contents are
 * kept, and alignment to 16. A stronger alignment (alloy_malloc_aligned) is kept
 * when the block changes size in place, and when the strategy keeps a header; a
 * block that moves is otherwise aligned to 16, as C's realloc promises. */
void *alloy_malloc_realloc(alloy_allocator *a, void *p, size_t size);

/** The bytes the block p of instance a can hold: at least the size it was last
 * allocated or reallocated with (that size as the strategy fits it, or rounded up to
 * 16, when the strategy tells sizes; exactly that size when it keeps a header). 0 for
 * a NULL a or p. */
size_t alloy_malloc_usable_size(alloy_allocator *a, const void *p);

/** With the alloy_malloc library linked (alloy as the program's malloc): the instance
 * behind malloc, free, calloc, realloc, aligned_alloc, posix_memalign,
 * malloc_usable_size and glibc's memalign, valloc and pvalloc, made on first use, for
 * reading its statistics or resetting its trip meter. NULL only if the default heap
 * cannot start. Those functions follow C11 and POSIX: failures set errno to ENOMEM
 * (EINVAL for a bad alignment, which for aligned_alloc includes any above 65536),
 * posix_memalign returns those errors instead (EINVAL only for an alignment POSIX
 * calls bad, ENOMEM for a power of two above 65536, which no memory here has),
 * realloc(p, 0) frees p and returns NULL, malloc(0) returns a unique block. The last
 * three act as glibc's, within alloy's alignments: memalign takes an alignment below
 * 16 as 16 and rounds one that is no power of two up to one, and fails with EINVAL
 * above 65536, as aligned_alloc does (glibc goes to
 * SIZE_MAX / 2 + 1); valloc aligns to the system's page (64 KiB in wasm), pvalloc
 * too and rounds the size up to whole pages, 0 to one page (glibc gives a minimum
 * block there). memalign and valloc of size 0 give a unique block, as malloc(0). */
alloy_allocator *alloy_malloc_instance(void);

/** The report at exit, for the malloc layer (the alloy_malloc library), which calls it
 * once, natively, as the program starts (never from inside malloc: atexit may call
 * it): when the environment variable ALLOY_STATS_AT_EXIT is "1" then, it registers
 * with atexit a handler that prints alloy_malloc_instance()'s statistics
 * report (alloy_stats_print) to stderr, and returns true; otherwise it does nothing
 * and returns false. The variable is read this once. Each call registers one more
 * handler. The report goes to stderr's descriptor when it is open at exit; when the
 * program has closed it (in an exit handler of its own, as coreutils do), to a copy
 * of it taken at the first such call (closed on exec), if that still names the same
 * file; else nowhere. The copy stays open while the program runs: a program that
 * detaches from its terminal (daemon()) keeps its first stderr open till it exits.
 * The report allocates nothing. Native builds only: a wasm module prints its report
 * itself, through a writer of its own. */
bool alloy_malloc_stats_at_exit(void);

#endif
