/* The mixed workload, for every strategy and the platform's malloc in one run:
 * 8,192 live slots, 2M operations, 7/8 of sizes 1..128 B and 1/8 up to 4 KiB, each
 * operation replacing a random slot's block (seeded, so every allocator sees the same
 * requests). Prints the time per operation (median of 5 runs), its ratio to malloc
 * measured in the same run, and heap bytes obtained / peak live bytes. A run that
 * takes longer than RUN_LIMIT seconds stops there and is reported as not finished
 * (bumpfree on this workload: its free list grows without bound).
 * Usage: mixed [operations]. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloy/bumpfree.h"
#include "alloy/region.h"

#define SLOTS 8192
#define RUNS 5
#define RUN_LIMIT 20.0

typedef struct slot {
    void *p;
    size_t size;
} slot;

static slot slots[SLOTS];

static uint64_t rng_state;
static uint64_t next_random(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static size_t next_size(void)
{
    uint64_t r = next_random();
    return (r & 7) ? 1 + (size_t)(r >> 8) % 128 : 1 + (size_t)(r >> 8) % 4096;
}

/* One allocator under test: alloc/free through one indirect call each, as alloy's are. */
typedef struct subject {
    const char *name;
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *p, size_t size);
    void *ctx;
} subject;

static void *malloc_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void malloc_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    free(p);
}

static void *alloy_subject_alloc(void *ctx, size_t size)
{
    return alloy_alloc(ctx, size, 16);
}

static void alloy_subject_free(void *ctx, void *p, size_t size)
{
    alloy_free(ctx, p, size, 16);
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Run the workload once; returns ns per operation, or a negative count of the
 * operations done when it ran out of time. */
static double run(const subject *s, long ops)
{
    rng_state = 42;
    memset(slots, 0, sizeof slots);
    double start = seconds_now();
    for (long i = 0; i < ops; i++) {
        if (i % 4096 == 0 && seconds_now() - start > RUN_LIMIT) {
            ops = -i;
            break;
        }
        slot *sl = &slots[next_random() % SLOTS];
        if (sl->p)
            s->free(s->ctx, sl->p, sl->size);
        sl->size = next_size();
        sl->p = s->alloc(s->ctx, sl->size);
        if (!sl->p) {
            fprintf(stderr, "%s: out of memory\n", s->name);
            exit(1);
        }
        *(volatile char *)sl->p = 1;
    }
    double elapsed = seconds_now() - start;
    for (size_t i = 0; i < SLOTS; i++)
        if (slots[i].p)
            s->free(s->ctx, slots[i].p, slots[i].size);
    return ops < 0 ? (double)ops : elapsed * 1e9 / (double)ops;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_run(const subject *s, long ops)
{
    double t[RUNS];
    for (int i = 0; i < RUNS; i++)
        if ((t[i] = run(s, ops)) < 0)
            return t[i];
    qsort(t, RUNS, sizeof t[0], by_value);
    return t[RUNS / 2];
}

static alloy_heap *new_heap(void)
{
#if defined(__wasm__)
    static alloy_wasm_heap heaps[4];
    static int used;
    return alloy_wasm_heap_init(&heaps[used++], false);
#else
    static alloy_mmap_heap heaps[4];
    static int used;
    return alloy_mmap_heap_init(&heaps[used++], (size_t)1 << 32);
#endif
}

static void report_alloy(const char *name, alloy_allocator *a, long ops, double malloc_ns)
{
    subject s = {name, alloy_subject_alloc, alloy_subject_free, a};
    double ns = median_run(&s, ops);
    alloy_statistics st;
    alloy_stats(a, &st);
    double heap_ratio = (double)st.shared.heap_bytes / (double)st.shared.high_water;
    if (ns < 0)
        printf("%-10s did not finish: %.0f operations in %.0f s, heap/peak live %.2f\n", name, -ns, RUN_LIMIT,
               heap_ratio);
    else
        printf("%-10s %8.1f ns/op  %5.2fx malloc  heap/peak live %.2f\n", name, ns, ns / malloc_ns, heap_ratio);
}

int main(int argc, char **argv)
{
    long ops = argc > 1 ? atol(argv[1]) : 2000000;
    subject platform = {"malloc", malloc_alloc, malloc_free, NULL};
    double malloc_ns = median_run(&platform, ops);
    printf("%-10s %8.1f ns/op  %5.2fx malloc\n", "malloc", malloc_ns, 1.0);

    static alloy_region region;
    report_alloy("region", alloy_region_init(&region, new_heap()), ops, malloc_ns);
    static alloy_bumpfree bumpfree;
    report_alloy("bumpfree", alloy_bumpfree_init(&bumpfree, new_heap()), ops, malloc_ns);
    return 0;
}
