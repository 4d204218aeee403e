/* SPDX-License-Identifier: MIT */
/** @file
 * alloy/poison.h - telling a memory checker which bytes a program may touch (meson
 * option `poison`), for the front end, the heap providers and every strategy,
 * alloy's or yours.
 *
 * With poison=valgrind, memcheck learns of every block the front end hands out or
 * takes back (client requests MALLOCLIKE / FREELIKE / RESIZEINPLACE), so it reports
 * use after free, reads of freed memory and leaks inside alloy's heap as it does for
 * malloc. With poison=asan (an AddressSanitizer build), freed blocks are poisoned by
 * hand, so ASan reports any access to them as use-after-poison. Without either
 * (alloy/config.h says which), every hook here is empty and costs nothing.
 *
 * The rule all of alloy follows: a freed block is off limits, except the records a
 * strategy keeps inside free blocks (its list links, footers, page-run trailers). A
 * strategy calls alloy_poison_expose on such a record before it touches it, and
 * alloy_poison_hide on the rest of a free block once its records are written.
 * Because the front end hides a block before the strategy frees it, and the strategy
 * then exposes what it writes, the order is always: user block hidden, records
 * exposed. Records stay exposed while their block is free, so an access to them goes
 * unreported: the price of keeping the records where they are. Memory a strategy
 * takes from another instance's free space (a slab from a fallback, say) may be off
 * limits too: expose what you write there.
 *
 * Offsets and lengths must be multiples of 8 where ASan needs it (its shadow byte
 * covers 8 bytes): alloy's strategies expose whole 16-byte units and 8-byte footers.
 * Each hook is a statement-like macro; p and bytes are evaluated at most once.
 */
#ifndef ALLOY_POISON_H
#define ALLOY_POISON_H

#include <stddef.h>

#include "alloy/config.h"

#if ALLOY_POISON_VALGRIND && !defined(ALLOY_DOXYGEN)
#include <valgrind/memcheck.h>
/* the front end; valgrind's requests are statements */
#define alloy_poison_block_allocated(p, size) do { VALGRIND_MALLOCLIKE_BLOCK((p), (size), 0, 0); } while (0)
#define alloy_poison_block_freed(p, size) do { (void)(size); VALGRIND_FREELIKE_BLOCK((p), 0); } while (0)
#define alloy_poison_block_resized(p, size, new_size) \
    do { VALGRIND_RESIZEINPLACE_BLOCK((p), (size), (new_size), 0); } while (0)
/* strategies: records are written before they are read, so exposed means defined */
#define alloy_poison_expose(p, bytes) do { (void)VALGRIND_MAKE_MEM_DEFINED((p), (bytes)); } while (0)
#define alloy_poison_hide(p, bytes) do { (void)VALGRIND_MAKE_MEM_NOACCESS((p), (bytes)); } while (0)
/* bytes a program must write before it reads them, whatever a fill put there */
#define alloy_poison_undefined(p, bytes) do { (void)VALGRIND_MAKE_MEM_UNDEFINED((p), (bytes)); } while (0)
#elif ALLOY_POISON_ASAN && !defined(ALLOY_DOXYGEN)
#include <sanitizer/asan_interface.h>
#define alloy_poison_block_allocated(p, size) ASAN_UNPOISON_MEMORY_REGION((p), (size))
#define alloy_poison_block_freed(p, size) ASAN_POISON_MEMORY_REGION((p), (size))
#define alloy_poison_block_resized(p, size, new_size)                                  \
    ((new_size) > (size) ? ASAN_UNPOISON_MEMORY_REGION((p), (new_size))                 \
                         : ASAN_POISON_MEMORY_REGION((char *)(p) + (new_size), (size) - (new_size)))
#define alloy_poison_expose(p, bytes) ASAN_UNPOISON_MEMORY_REGION((p), (bytes))
#define alloy_poison_hide(p, bytes) ASAN_POISON_MEMORY_REGION((p), (bytes))
#define alloy_poison_undefined(p, bytes) ((void)0)
#else
/** For the front end (and a wrapper that is a front end of its own): the block of
 * `size` bytes at p was handed out; the program may use it. */
#define alloy_poison_block_allocated(p, size) ((void)0)
/** For the front end: the block of `size` bytes at p was given back, before the
 * strategy frees it; it is off limits from now on. */
#define alloy_poison_block_freed(p, size) ((void)0)
/** For the front end: the live block at p changed size in place, from `size` to
 * `new_size` bytes (a shrink before the strategy's resize, a growth after it). */
#define alloy_poison_block_resized(p, size, new_size) ((void)0)
/** For strategies and providers: the program may touch `bytes` at p again - a
 * record the strategy keeps in free space, or pages a provider hands out. */
#define alloy_poison_expose(p, bytes) ((void)0)
/** For strategies: `bytes` at p are free space nobody may touch. */
#define alloy_poison_hide(p, bytes) ((void)0)
/** `bytes` at p may be touched, but hold nothing a program may read before it
 * writes them (memcheck only: a fill the program did not ask for, say). */
#define alloy_poison_undefined(p, bytes) ((void)0)
#endif

#endif
