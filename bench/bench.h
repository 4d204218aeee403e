/* SPDX-License-Identifier: MIT */
/* bench/bench.h - what the bench programs share: the allocator adapter every
 * workload is written against, the run record the harness keeps while a workload
 * runs, and the workloads themselves.
 *
 * A workload is written once, against bench_allocator, and runs unchanged on every
 * allocator: alloy's strategies through alloy_alloc/alloy_free/alloy_realloc,
 * glibc malloc, jemalloc, mimalloc, wasi-libc's dlmalloc. It calls the allocator
 * only through bench_alloc/bench_free/bench_realloc below, which also keep a shadow
 * count of the bytes it holds live (what the program asked for), count operations
 * and, every so often, call bench_checkpoint: the harness then samples the
 * allocator's heap and checks the operation limit (--max-ops). A workload polls
 * bench_stopped() in its loops and, once the limit is reached, frees what it holds
 * and returns.
 */
#ifndef ALLOY_BENCH_H
#define ALLOY_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One allocator under test. The workloads only use alloc, free and realloc; the
 * harness reads the heap through heap_bytes and, where the allocator keeps one, its
 * trip meter. */
typedef struct bench_allocator {
    const char *name;
    /* Set up a fresh instance; false when impossible. Called once per process. */
    bool (*open)(void);
    void *(*alloc)(size_t size, size_t align);
    void (*free)(void *p, size_t size, size_t align);
    /* Move or resize a live block of old_size bytes (allocated with `align`) to
     * new_size bytes, keeping its contents; NULL when out of memory. */
    void *(*realloc)(void *p, size_t old_size, size_t new_size, size_t align);
    /* Bytes the allocator holds from the system or its heap provider now. */
    uint64_t (*heap_bytes)(void);
    /* alloy only (NULL elsewhere): alloy_reset_trip, and the trip high water. */
    void (*reset_trip)(void);
    uint64_t (*trip_high_water)(void);
} bench_allocator;

/* The allocators of this program, ending with a NULL name (adapter_*.c). */
extern const bench_allocator bench_allocators[];

/* The state of one run of one workload. */
typedef struct bench_run {
    const bench_allocator *a;
    uint64_t ops;        /* allocator calls made */
    uint64_t live;       /* shadow: bytes the workload holds */
    uint64_t peak_live;  /* the most it held at once */
    uint64_t peak_heap;  /* the most heap_bytes seen at a checkpoint */
    uint64_t next_checkpoint;
    uint64_t sample_every; /* ops between heap samples; 0: none */
    uint64_t next_sample;
    void *samples;       /* FILE * of "ops live heap" lines, or NULL */
    uint64_t max_ops;    /* the calls after which a run stops (--max-ops); 0: none */
    bool stopped;        /* max_ops calls were made: the workload returns */
    bool quick;          /* reduced sizes */
    /* frame workload: per-frame trip high waters (shadow, and the allocator's) */
    uint64_t frames;
    uint64_t trip_live;  /* shadow peak since the frame began */
    uint64_t trip_max, trip_sum;
    uint64_t meter_max;  /* the allocator's own trip high water, max over frames */
    bool meter_mismatch; /* the allocator's trip meter disagreed with the shadow */
} bench_run;

/* Monotonic seconds. */
double bench_now(void);

/* Sample the heap and check the operation limit (harness.c); bench_count calls it. */
void bench_checkpoint(bench_run *r);

/* Report out of memory and exit: a benchmark cannot go on without its block. */
_Noreturn void bench_out_of_memory(const bench_run *r, size_t size);

static inline bool bench_stopped(const bench_run *r)
{
    return r->stopped;
}

static inline void bench_count(bench_run *r)
{
    if (++r->ops >= r->next_checkpoint)
        bench_checkpoint(r);
}

static inline void bench_grew(bench_run *r, uint64_t size)
{
    r->live += size;
    if (r->live > r->peak_live)
        r->peak_live = r->live;
    if (r->live > r->trip_live)
        r->trip_live = r->live;
}

static inline void *bench_alloc(bench_run *r, size_t size, size_t align)
{
    void *p = r->a->alloc(size, align);
    if (!p)
        bench_out_of_memory(r, size);
    *(volatile unsigned char *)p = 1; /* touch it, as a program would */
    bench_grew(r, size);
    bench_count(r);
    return p;
}

static inline void bench_free(bench_run *r, void *p, size_t size, size_t align)
{
    r->a->free(p, size, align);
    r->live -= size;
    bench_count(r);
}

static inline void *bench_realloc(bench_run *r, void *p, size_t old_size, size_t new_size, size_t align)
{
    void *q = r->a->realloc(p, old_size, new_size, align);
    if (!q)
        bench_out_of_memory(r, new_size);
    r->live -= old_size;
    bench_grew(r, new_size);
    bench_count(r);
    return q;
}

/* Frame boundaries for the frame workload: reset the trip meters, and record them. */
void bench_frame_begin(bench_run *r);
void bench_frame_end(bench_run *r);

/* A deterministic generator (splitmix64): every allocator sees the same requests. */
typedef struct bench_rng {
    uint64_t state;
} bench_rng;

static inline uint64_t bench_random(bench_rng *g)
{
    uint64_t z = (g->state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* A workload: runs once on r's allocator, freeing everything it allocated before
 * it returns (also when stopped). Returns false when it found its data damaged. */
typedef struct bench_workload {
    const char *name;
    bool (*run)(bench_run *r);
    uint64_t sample_every; /* ops between heap samples in the memory pass (full size) */
} bench_workload;

/* The synthetic workloads (workloads.c), ending with a NULL name. */
extern const bench_workload bench_workloads[];

/* Trace replay (trace_replay.c): load a trace file before the runs (its number of
 * operations, or 0 with a message when it cannot be read), then replay it as a
 * workload. */
size_t bench_trace_load(const char *path);
bool bench_trace_replay(bench_run *r);

#endif
