/* SPDX-License-Identifier: MIT */
/* bench/adapter_libc.c - the program's malloc behind the bench adapter (bench.h):
 * glibc's natively, jemalloc's when the program is linked with it (built with
 * BENCH_JEMALLOC: jemalloc then is the program's malloc), wasi-libc's dlmalloc in
 * wasm, or alloy's malloc layer over one of its strategies (built with
 * BENCH_ALLOY_MALLOC="NAME-malloc" and linked with malloc/program_malloc.c: alloy
 * then is the program's malloc, in wasm from __heap_base on, as dlmalloc is).
 * Requests aligned to at most 16 bytes go to malloc/realloc/free, larger ones to
 * aligned_alloc. The heap figure is what the allocator holds from the system, less
 * what the program held before the run:
 *   glibc     mallinfo2(): sbrk arena + mmapped chunks
 *   jemalloc  mallctl "stats.resident" (pages of data, metadata and dirty free pages)
 *   dlmalloc  the end of wasm memory (memory.size) less __heap_base, where its heap
 *             begins (so a few KiB of stdio buffers count too)
 *   alloy     the malloc instance's heap_bytes (in wasm, likewise from __heap_base)
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#if defined(BENCH_ALLOY_MALLOC)
#include "alloy/malloc.h"
#define NAME BENCH_ALLOY_MALLOC
#elif defined(BENCH_JEMALLOC)
#include <jemalloc/jemalloc.h>
#define NAME "jemalloc"
#elif defined(__wasm__)
#define NAME "dlmalloc"
#else
#include <malloc.h>
#define NAME "glibc"
#endif

static uint64_t in_use_before; /* what the program held when the run began */

static uint64_t system_bytes(void)
{
#if defined(BENCH_ALLOY_MALLOC)
    alloy_allocator *a = alloy_malloc_instance();
    if (a->strategy->wrapper) { /* a wrapper's handle keeps no heap figure of its own */
        alloy_stats s;
        alloy_stats_get(a, &s);
        return s.shared.heap_bytes;
    }
    return a->stats.heap_bytes; /* not alloy_stats_get: see adapter_alloy.c */
#elif defined(BENCH_JEMALLOC)
    uint64_t epoch = 1;
    size_t resident = 0, len = sizeof resident;
    mallctl("epoch", NULL, NULL, &epoch, sizeof epoch);
    mallctl("stats.resident", &resident, &len, NULL, 0);
    return resident;
#elif defined(__wasm__)
    extern unsigned char __heap_base;
    return (uint64_t)__builtin_wasm_memory_size(0) * 65536u - (uint64_t)(uintptr_t)&__heap_base;
#else
    struct mallinfo2 m = mallinfo2();
    return m.arena + m.hblkhd;
#endif
}

static bool open_libc(void)
{
#if defined(BENCH_ALLOY_MALLOC)
    alloy_stats s;
    alloy_stats_get(alloy_malloc_instance(), &s);
    in_use_before = s.shared.bytes_in_use;
#elif defined(BENCH_JEMALLOC)
    uint64_t epoch = 1;
    size_t allocated = 0, len = sizeof allocated;
    mallctl("epoch", NULL, NULL, &epoch, sizeof epoch);
    if (mallctl("stats.allocated", &allocated, &len, NULL, 0) != 0)
        return false;
    in_use_before = allocated;
#elif !defined(__wasm__)
    in_use_before = mallinfo2().uordblks;
#endif
    return true;
}

static void *alloc(size_t size, size_t align)
{
    if (align <= 16)
        return malloc(size);
    return aligned_alloc(align, (size + align - 1) & ~(align - 1));
}

static void release(void *p, size_t size, size_t align)
{
    (void)size;
    (void)align;
    free(p);
}

static void *reallocate(void *p, size_t old_size, size_t new_size, size_t align)
{
    if (align <= 16)
        return realloc(p, new_size);
    void *q = alloc(new_size, align);
    if (q) {
        memcpy(q, p, old_size < new_size ? old_size : new_size);
        free(p);
    }
    return q;
}

static uint64_t heap_bytes(void)
{
    uint64_t bytes = system_bytes();
    return bytes > in_use_before ? bytes - in_use_before : 0;
}

const bench_allocator bench_allocators[] = {
    {NAME, open_libc, alloc, release, reallocate, heap_bytes, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
