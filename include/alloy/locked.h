/* SPDX-License-Identifier: MIT */
/** @file
 * alloy/locked.h - one instance shared by several threads (native only).
 *
 * Strategies and heap providers are single-threaded and stay so: they keep no lock
 * and pay for none. To share one instance between threads, wrap it: an alloy_locked
 * holds a pthread mutex and the instance it guards (the "inner" instance, of any
 * strategy, on any provider), and every call that reaches the inner instance
 * through the wrapper holds that mutex for the inner call and nothing else.
 *
 * Two ways in:
 *
 *   - alloy_locked_enter / alloy_locked_leave: enter takes the mutex and hands back
 *     the inner instance, on which the thread calls alloy_alloc, alloy_free,
 *     alloy_realloc, alloy_stats, alloy_reset_trip, alloy_check, ... as it likes;
 *     leave gives the mutex back. Everything, the shared statistics included, is
 *     then touched by one thread at a time. This is the way to share an instance
 *     between threads.
 *
 *         alloy_allocator *a = alloy_locked_enter(&shared);
 *         void *p = alloy_alloc(a, 100, 8);
 *         alloy_locked_leave(&shared);
 *
 *   - The handle alloy_locked_init returns is an alloy_allocator too, safe to call
 *     from any number of threads: alloy_alloc, alloy_free, alloy_resize,
 *     alloy_realloc, alloy_reset_trip, alloy_stats and alloy_check on it lock, call
 *     the same function on the inner instance, and unlock. The handle keeps no
 *     figures of its own: alloy_stats reports the inner instance (its strategy's
 *     name, its statistics), and argument errors are the inner instance's answers,
 *     counted there.
 *
 *     Blocks from the handle and from enter/leave are the same blocks: free them
 *     either way. A thread that calls the handle between its own enter and leave
 *     would wait for itself: the call is refused instead, as on a destroyed wrapper
 *     (alloy_locked_destroy says how).
 *
 * While a wrapper is in use, nobody may call the inner instance except through it.
 * The wrapper keeps no global state; any number of wrappers may exist.
 */
#ifndef ALLOY_LOCKED_H
#define ALLOY_LOCKED_H

#include "alloy/alloy.h"

#if !defined(__wasm__) || defined(ALLOY_DOXYGEN)
#include <pthread.h>

/** One wrapper. Its members are private; the struct is public so that callers can
 * place it where they like (static, stack, another allocator's block). */
typedef struct alloy_locked {
    /** @privatesection */
    alloy_allocator base;
    alloy_allocator *inner; /* NULL once destroyed */
    pthread_mutex_t mutex;
} alloy_locked;

/** Make *l a wrapper serializing every call to `inner`, and return its handle.
 * Returns NULL when l or inner is NULL, when inner is l's own handle (&l->base), or
 * when the mutex cannot be initialised (pthread_mutex_init failed); *l (when not NULL)
 * is then marked destroyed, so that alloy_locked_destroy on it is harmless. The inner
 * instance is not touched. */
alloy_allocator *alloy_locked_init(alloy_locked *l, alloy_allocator *inner);

/** Destroy the wrapper's mutex. No thread may be using the wrapper, or be inside
 * enter/leave, at that moment: while a thread holds the mutex, destroy does nothing
 * (the wrapper stays usable). The inner instance and its blocks stay as they were,
 * usable single-threaded. NULL, a wrapper whose init failed and destroying twice are
 * harmless. Afterwards the handle refuses every call: alloc and realloc return NULL,
 * resize and check false, free and reset_trip do nothing, and alloy_stats_get
 * gives the name "locked" and zero figures. */
void alloy_locked_destroy(alloy_locked *l);

/** Take the mutex and return the inner instance, for the calling thread alone until it
 * calls alloy_locked_leave. Not recursive: NULL when the calling thread holds the
 * mutex already (it entered and has not left); NULL too (and no mutex held) when l is
 * NULL, destroyed, or locking fails. */
alloy_allocator *alloy_locked_enter(alloy_locked *l);

/** Give back the mutex taken by a successful alloy_locked_enter of the same thread.
 * Ignored when l is NULL or destroyed. A leave the calling thread does not owe (it
 * holds no mutex) is the caller's mistake: the mutex, which checks its owner, refuses
 * it and nothing changes, though thread checkers (ThreadSanitizer, helgrind) report
 * it. */
void alloy_locked_leave(alloy_locked *l);

#endif /* !__wasm__ */

#endif
