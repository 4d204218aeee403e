/* SPDX-License-Identifier: MIT */
/* Several threads allocate, free, resize and reallocate on one alloy_locked instance
 * (an instance of any strategy on an mmap heap). Each thread fills its blocks with a pattern
 * seeded by its own id and verifies it before every free or reallocation and
 * periodically for all its blocks, outside the lock: a block handed to two threads at
 * once shows up as a broken pattern (and, under ThreadSanitizer, as a race on the
 * block's bytes). Through enter/leave, every operation is also checked, inside the
 * same critical section, against a shadow count of the shared statistics kept by all
 * threads together, and alloy_check runs every few operations. At the end the blocks
 * of all threads must be disjoint, alloy_check hold, and the statistics match the
 * threads' shadow counts. Worker threads never assert: they record the first failure
 * and stop, and the caller reports it. */
#include "locked_stress.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloy/locked.h"
#include "blocks.h"

#define SLOTS 48
#define HEAP_BYTES ((size_t)512 << 20)

typedef struct shared {
    alloy_locked locked;
    alloy_allocator *handle;
    const stress_config *config;
    alloy_shared_stats expect; /* THROUGH_ENTER: the shadow count, changed under the mutex */
} shared;

typedef struct worker {
    shared *s;
    unsigned id;
    test_rng rng;
    live_block slots[SLOTS];
    uint64_t in_use;  /* bytes this thread holds */
    uint64_t live;    /* blocks this thread holds */
    uint32_t serial;  /* tags: id in the top byte, a serial number below */
    bool failed;
    char why[200];
} worker;

static bool fail(worker *w, const char *format, ...)
{
    if (!w->failed) {
        int n = snprintf(w->why, sizeof w->why, "thread %u: ", w->id);
        va_list args;
        va_start(args, format);
        vsnprintf(w->why + n, sizeof w->why - (size_t)n, format, args);
        va_end(args);
        w->failed = true;
    }
    return false;
}

static uint32_t next_tag(worker *w)
{
    return (uint32_t)w->id << 24 | (w->serial++ & 0xffffffu);
}

static size_t random_size(test_rng *r, bool large)
{
    uint64_t pick = rng_next(r) % 64;
    if (pick == 0)
        return large ? rng_range(r, 32769, 100000) /* large blocks */
                     : rng_range(r, 8193, 32768);
    if (pick < 8)
        return rng_range(r, 129, 8192);
    return rng_range(r, 1, 128);
}

static size_t random_align(test_rng *r)
{
    uint64_t pick = rng_next(r) % 64;
    if (pick == 0)
        return (size_t)1 << rng_range(r, 5, 16);
    return (size_t)1 << rng_range(r, 0, 4);
}

/* Inside the critical section: the shared figures equal the shadow count. */
static bool matches_shadow(worker *w, alloy_allocator *inner)
{
    if (!shadow_matches(inner, &w->s->expect)) {
        alloy_stats st;
        alloy_stats_get(inner, &st);
        return fail(w, "statistics differ from the shadow count: bytes_in_use %llu, expected %llu",
                    (unsigned long long)st.shared.bytes_in_use,
                    (unsigned long long)w->s->expect.bytes_in_use);
    }
    return true;
}

/* One operation on slot b. Through enter/leave it runs, with its shadow update and
 * checks, inside one critical section. */
static bool one_operation(worker *w, live_block *b, uint64_t op)
{
    shared *s = w->s;
    bool enter = s->config->path == THROUGH_ENTER;
    test_rng *r = &w->rng;
    uint64_t action = rng_next(r) % 10;
    size_t size = random_size(r, s->config->large), align = random_align(r);
    if (action >= 7) { /* a small step either way */
        size = b->size + rng_range(r, 0, 64);
        size = size > 32 ? size - 32 : 1;
    }
    if (b->p && !block_intact(b, b->size))
        return fail(w, "op %llu: the block at %p (%zu bytes) was overwritten", (unsigned long long)op,
                    (void *)b->p, b->size);

    alloy_allocator *a = enter ? alloy_locked_enter(&s->locked) : s->handle;
    if (!a)
        return fail(w, "alloy_locked_enter failed");
    alloy_shared_stats unshared = {0}; /* through the handle there is no common shadow count */
    alloy_shared_stats *expect = enter ? &s->expect : &unshared;
    live_block was = *b;
    bool ok = true;
    if (!b->p) {
        b->p = alloy_alloc(a, size, align);
        if (b->p) {
            *b = (live_block){b->p, size, align, next_tag(w)};
            w->in_use += size;
            w->live++;
            expect->allocs++;
            expect->bytes_in_use += size;
        } else {
            expect->failed_allocs++;
        }
        shadow_peak(expect, size);
    } else if (action < 3) {
        alloy_free(a, b->p, b->size, b->align);
        w->in_use -= b->size;
        w->live--;
        expect->frees++;
        expect->bytes_in_use -= b->size;
        b->p = NULL;
    } else {
        bool in_place = action % 2 == 0;
        void *p = b->p;
        bool done = in_place ? alloy_resize(a, p, b->size, b->align, size)
                             : (p = alloy_realloc(a, b->p, b->size, b->align, size)) != NULL;
        if (done) {
            if (in_place && p != b->p)
                ok = fail(w, "op %llu: alloy_resize moved the block", (unsigned long long)op);
            b->p = p;
            expect->reallocs++;
            expect->bytes_in_use = expect->bytes_in_use - b->size + size;
            w->in_use = w->in_use - b->size + size;
            b->size = size;
            shadow_peak(expect, size);
        } else if (!in_place) {
            expect->failed_allocs++;
            shadow_peak(expect, size);
        }
    }
    if (enter) {
        ok = ok && matches_shadow(w, a);
        if (ok && op % 64 == 0 && !alloy_check(a))
            ok = fail(w, "op %llu: alloy_check failed", (unsigned long long)op);
        if (ok && op % 1024 == 0) {
            alloy_reset_trip(a);
            expect->trip_high_water = expect->bytes_in_use;
        }
        alloy_locked_leave(&s->locked);
    }
    if (!ok)
        return false;

    /* Outside the lock: what a block holds is its owner's business. */
    if (b->p) {
        if ((uintptr_t)b->p % b->align)
            return fail(w, "op %llu: %p is not aligned to %zu", (unsigned long long)op, (void *)b->p,
                        b->align);
        if (was.p) { /* resized or moved: the common part came along */
            live_block kept = {b->p, was.size, was.align, was.tag};
            if (!block_intact(&kept, was.size < b->size ? was.size : b->size))
                return fail(w, "op %llu: contents lost in a resize of %zu to %zu bytes",
                            (unsigned long long)op, was.size, b->size);
            b->tag = next_tag(w);
        }
        block_fill(b);
    }
    return true;
}

static void *work(void *arg)
{
    worker *w = arg;
    unsigned ops = w->s->config->ops;
    for (uint64_t op = 1; op <= ops; op++) {
        if (!one_operation(w, &w->slots[rng_next(&w->rng) % SLOTS], op))
            return NULL;
        for (size_t i = 0; op % 512 == 0 && i < SLOTS; i++)
            if (w->slots[i].p && !block_intact(&w->slots[i], w->slots[i].size)) {
                fail(w, "op %llu: slot %zu was overwritten", (unsigned long long)op, i);
                return NULL;
            }
    }
    return NULL;
}

static bool report(char *why, size_t why_size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(why, why_size, format, args);
    va_end(args);
    return false;
}

/* After the threads: everything consistent, every block disjoint from every other. */
static bool final_checks(shared *s, worker *workers, unsigned n, char *why, size_t why_size)
{
    live_block *all = malloc((size_t)n * SLOTS * sizeof *all);
    if (!all)
        return report(why, why_size, "out of test memory");
    uint64_t in_use = 0, live = 0;
    for (unsigned t = 0; t < n; t++) {
        memcpy(all + (size_t)t * SLOTS, workers[t].slots, sizeof workers[t].slots);
        in_use += workers[t].in_use;
        live += workers[t].live;
    }
    bool disjoint = blocks_disjoint(all, (size_t)n * SLOTS);
    free(all);
    if (!disjoint)
        return report(why, why_size, "blocks of different threads overlap");
    alloy_stats st;
    alloy_stats_get(s->handle, &st);
    if (strcmp(st.strategy, s->config->strategy->name) != 0)
        return report(why, why_size, "the statistics name %s, not %s", st.strategy, s->config->strategy->name);
    if (st.shared.bytes_in_use != in_use || st.shared.allocs - st.shared.frees != live)
        return report(why, why_size, "statistics: %llu bytes in %llu blocks, the threads hold %llu in %llu",
                      (unsigned long long)st.shared.bytes_in_use,
                      (unsigned long long)(st.shared.allocs - st.shared.frees),
                      (unsigned long long)in_use, (unsigned long long)live);
    if (!alloy_check(s->handle))
        return report(why, why_size, "alloy_check failed after the threads ended");
    /* Blocks go back the way they came (see alloy/locked.h). */
    bool enter = s->config->path == THROUGH_ENTER;
    alloy_allocator *a = enter ? alloy_locked_enter(&s->locked) : s->handle;
    if (!a)
        return report(why, why_size, "alloy_locked_enter failed");
    for (unsigned t = 0; t < n; t++)
        for (size_t i = 0; i < SLOTS; i++) {
            live_block *b = &workers[t].slots[i];
            if (b->p)
                alloy_free(a, b->p, b->size, b->align);
        }
    if (enter)
        alloy_locked_leave(&s->locked);
    alloy_stats_get(s->handle, &st);
    if (st.shared.bytes_in_use != 0 || st.shared.allocs != st.shared.frees || !alloy_check(s->handle))
        return report(why, why_size, "after freeing everything: %llu bytes in use, %llu allocs, %llu frees, check %s",
                      (unsigned long long)st.shared.bytes_in_use, (unsigned long long)st.shared.allocs,
                      (unsigned long long)st.shared.frees, alloy_check(s->handle) ? "ok" : "failed");
    return true;
}

bool locked_stress(const stress_config *c, char *why, size_t why_size)
{
    if (c->threads < 1 || c->threads > STRESS_MAX_THREADS)
        return report(why, why_size, "%u threads", c->threads);
    alloy_mmap_heap heap;
    if (!alloy_mmap_heap_init(&heap, HEAP_BYTES))
        return report(why, why_size, "no mmap heap");
    void *inner_state = malloc(c->strategy->bytes);
    alloy_allocator *inner = inner_state ? c->strategy->make(inner_state, &heap.heap) : NULL;
    static shared s; /* large enough that the stack is the wrong place; one stress at a time */
    memset(&s, 0, sizeof s);
    s.config = c;
    s.handle = alloy_locked_init(&s.locked, inner);
    worker *workers = calloc(c->threads, sizeof *workers);
    pthread_t threads[STRESS_MAX_THREADS];
    bool ok = s.handle && workers;
    if (!ok)
        report(why, why_size, "setup failed");
    unsigned started = 0;
    while (ok && started < c->threads) {
        worker *w = &workers[started];
        w->s = &s;
        w->id = started + 1;
        w->rng.state = c->seed * 1000003u + started;
        if (pthread_create(&threads[started], NULL, work, w) != 0)
            ok = report(why, why_size, "pthread_create failed");
        else
            started++;
    }
    for (unsigned t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    for (unsigned t = 0; ok && t < started; t++)
        if (workers[t].failed)
            ok = report(why, why_size, "%s", workers[t].why);
    if (ok)
        ok = final_checks(&s, workers, started, why, why_size);
    free(workers);
    alloy_locked_destroy(&s.locked);
    alloy_mmap_heap_destroy(&heap);
    free(inner_state);
    return ok;
}
