/* SPDX-License-Identifier: MIT */
/* locked: a wrapper that lets several threads share one instance of any strategy,
 * by serializing every call with a pthread mutex (native only). Contracts are in
 * alloy/locked.h.
 *
 * What it is
 *   A wrapper in the sense of alloy/alloy.h: its table sets wrapper, so the front
 *   end passes every call on whole and keeps no figures of its own for the handle. Each entry takes the mutex, calls the front end of the inner instance
 *   (alloy_alloc(inner, ...), ...) and gives the mutex back: the inner instance
 *   checks the arguments and keeps its shared statistics exactly as if it were used
 *   directly, only ever under the mutex, and the wrapper reports those.
 *   alloy_locked_enter/leave expose the same mutex to callers that want to call the
 *   inner instance themselves.
 *
 * Memory layout
 *   alloy_locked: | handle (alloy_allocator) | inner instance pointer | pthread_mutex_t |
 *   Nothing is allocated; the wrapper lives where its creator puts it and keeps no
 *   global state. The inner instance and its heap are the caller's.
 *
 * Costs
 *   One uncontended lock and unlock (two atomic operations on glibc; the mutex checks
 *   its owner, so that a thread that would wait for itself is refused) per call, on top
 *   of the inner call; under contention threads queue on the mutex, so the wrapper
 *   scales no better than one thread - it makes sharing safe, not parallel. The lock
 *   is held for the inner call only (alloy_realloc is one inner call, its copy
 *   included). alloy_check holds it for the whole inner check
 *   (linear in the inner instance's free blocks). Size: the handle, a pointer and the
 *   mutex: 136 bytes on x86_64 glibc (the handle's unused statistics are 80 of them).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* pthread_mutexattr_settype, PTHREAD_MUTEX_ERRORCHECK */
#endif
#include "alloy/locked.h"

static alloy_locked *locked_of(const alloy_allocator *a)
{
    /* The handle is the first member of a (non-const) alloy_locked: callbacks that
     * only get a const handle still have to take the mutex. */
    return (alloy_locked *)a;
}

/* Take the mutex; false (nothing held) when that fails: on a destroyed wrapper, or
 * when this thread holds it already (an error-checking mutex says so rather than
 * wait for itself: a call on the handle between enter and leave). */
static bool lock(alloy_locked *l)
{
    return l->inner && pthread_mutex_lock(&l->mutex) == 0;
}

static void unlock(alloy_locked *l)
{
    (void)pthread_mutex_unlock(&l->mutex);
}

static void *locked_alloc(alloy_allocator *self, size_t size, size_t align)
{
    alloy_locked *l = locked_of(self);
    if (!lock(l))
        return NULL;
    void *p = alloy_alloc(l->inner, size, align);
    unlock(l);
    return p;
}

static bool locked_resize(alloy_allocator *self, void *ptr, size_t size, size_t align, size_t new_size)
{
    alloy_locked *l = locked_of(self);
    if (!lock(l))
        return false;
    bool done = alloy_resize(l->inner, ptr, size, align, new_size);
    unlock(l);
    return done;
}

static void locked_free(alloy_allocator *self, void *ptr, size_t size, size_t align)
{
    alloy_locked *l = locked_of(self);
    if (!lock(l))
        return; /* the block stays allocated: better a leak than an unguarded free */
    alloy_free(l->inner, ptr, size, align);
    unlock(l);
}

/* The whole record is the inner instance's: its strategy name, shared figures and
 * strategy figures replace what the front end put in from the handle. */
static void locked_stats(const alloy_allocator *self, alloy_stats *out)
{
    alloy_locked *l = locked_of(self);
    if (!lock(l))
        return;
    alloy_stats_get(l->inner, out);
    unlock(l);
}

static void *locked_realloc(alloy_allocator *self, void *ptr, size_t size, size_t align, size_t new_size)
{
    alloy_locked *l = locked_of(self);
    if (!lock(l))
        return NULL; /* the block stays as it was */
    void *p = alloy_realloc(l->inner, ptr, size, align, new_size);
    unlock(l);
    return p;
}

static void locked_reset_trip(alloy_allocator *self)
{
    alloy_locked *l = locked_of(self);
    if (!lock(l))
        return;
    alloy_reset_trip(l->inner);
    unlock(l);
}

static bool locked_check(const alloy_allocator *self)
{
    alloy_locked *l = locked_of(self);
    if (!lock(l))
        return false;
    bool ok = alloy_check(l->inner);
    unlock(l);
    return ok;
}

static const alloy_strategy locked_strategy = {
    .name = "locked",
    .alloc = locked_alloc,
    .resize = locked_resize,
    .free = locked_free,
    .stats = locked_stats,
    .check = locked_check,
    .wrapper = true,
    .realloc = locked_realloc,
    .reset_trip = locked_reset_trip,
};

alloy_allocator *alloy_locked_init(alloy_locked *l, alloy_allocator *inner)
{
    if (!l)
        return NULL;
    l->inner = NULL; /* destroyed, until the mutex exists */
    if (!inner || inner == &l->base) /* (over itself, every call would wait for its own mutex) */
        return NULL;
    pthread_mutexattr_t attr;
    if (pthread_mutexattr_init(&attr) != 0)
        return NULL;
    bool made = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK) == 0 &&
                pthread_mutex_init(&l->mutex, &attr) == 0;
    (void)pthread_mutexattr_destroy(&attr);
    if (!made)
        return NULL;
    alloy_allocator_init(&l->base, &locked_strategy);
    l->inner = inner;
    return &l->base;
}

void alloy_locked_destroy(alloy_locked *l)
{
    if (!l || !l->inner)
        return;
    if (pthread_mutex_destroy(&l->mutex) != 0)
        return; /* held (EBUSY): the wrapper stays as it was, and usable */
    l->inner = NULL;
}

alloy_allocator *alloy_locked_enter(alloy_locked *l)
{
    if (!l || !lock(l)) /* (lock refuses a destroyed wrapper) */
        return NULL;
    return l->inner;
}

void alloy_locked_leave(alloy_locked *l)
{
    if (l && l->inner)
        unlock(l); /* (the mutex refuses, harmlessly, when this thread does not hold it) */
}
