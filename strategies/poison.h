/* Telling a memory checker which bytes a program may touch (meson option `poison`).
 * Internal: not installed.
 *
 * With poison=valgrind, memcheck learns of every block the front end hands out or
 * takes back (client requests MALLOCLIKE / FREELIKE / RESIZEINPLACE), so it reports
 * use after free, reads of freed memory and leaks inside alloy's heap as it does for
 * malloc. With poison=asan (an AddressSanitizer build), freed blocks are poisoned by
 * hand, so ASan reports any access to them as use-after-poison. Without either,
 * everything here is empty.
 *
 * The rule both follow: a freed block is off limits, except the records a strategy
 * keeps inside free blocks (its list links, footers, page-run trailers). A strategy
 * calls poison_expose on such a record before it touches it, and poison_hide on the
 * rest of a free block once its records are written. Because the front end hides a
 * block before the strategy frees it, and the strategy then exposes what it writes,
 * the order is always: user block hidden, records exposed. Records stay exposed while
 * their block is free, so an access to the first 16 bytes (or last 8) of a free
 * block goes unreported: the price of keeping the records where they are.
 *
 * Offsets and lengths are multiples of 8 where ASan needs it (its shadow byte covers
 * 8 bytes): the callers expose whole 16-byte units and 8-byte footers. */
#ifndef ALLOY_POISON_H
#define ALLOY_POISON_H

#include <stddef.h>

#include "alloy/config.h"

#if ALLOY_POISON_VALGRIND
#include <valgrind/memcheck.h>
/* the front end; valgrind's requests are statements */
#define poison_block_allocated(p, size) do { VALGRIND_MALLOCLIKE_BLOCK((p), (size), 0, 0); } while (0)
#define poison_block_freed(p, size) do { (void)(size); VALGRIND_FREELIKE_BLOCK((p), 0); } while (0)
#define poison_block_resized(p, size, new_size) \
    do { VALGRIND_RESIZEINPLACE_BLOCK((p), (size), (new_size), 0); } while (0)
/* strategies: records are written before they are read, so exposed means defined */
#define poison_expose(p, bytes) do { (void)VALGRIND_MAKE_MEM_DEFINED((p), (bytes)); } while (0)
#define poison_hide(p, bytes) do { (void)VALGRIND_MAKE_MEM_NOACCESS((p), (bytes)); } while (0)
/* bytes a program must write before it reads them, whatever a fill put there */
#define poison_undefined(p, bytes) do { (void)VALGRIND_MAKE_MEM_UNDEFINED((p), (bytes)); } while (0)
#elif ALLOY_POISON_ASAN
#include <sanitizer/asan_interface.h>
#define poison_block_allocated(p, size) ASAN_UNPOISON_MEMORY_REGION((p), (size))
#define poison_block_freed(p, size) ASAN_POISON_MEMORY_REGION((p), (size))
#define poison_block_resized(p, size, new_size)                                     \
    ((new_size) > (size) ? ASAN_UNPOISON_MEMORY_REGION((p), (new_size))              \
                         : ASAN_POISON_MEMORY_REGION((char *)(p) + (new_size), (size) - (new_size)))
#define poison_expose(p, bytes) ASAN_UNPOISON_MEMORY_REGION((p), (bytes))
#define poison_hide(p, bytes) ASAN_POISON_MEMORY_REGION((p), (bytes))
#define poison_undefined(p, bytes) ((void)0)
#else
#define poison_block_allocated(p, size) ((void)0)
#define poison_block_freed(p, size) ((void)0)
#define poison_block_resized(p, size, new_size) ((void)0)
#define poison_expose(p, bytes) ((void)0)
#define poison_hide(p, bytes) ((void)0)
#define poison_undefined(p, bytes) ((void)0)
#endif

#endif
