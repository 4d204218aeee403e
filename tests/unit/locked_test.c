/* SPDX-License-Identifier: MIT */
/* The locking wrapper: its contract single-threaded, over the default strategy, and
 * the multi-threaded stress (locked_stress.c) over every strategy. The same stress
 * runs under ThreadSanitizer in tests/programs/locked_tsan.c. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "alloy/default.h"
#include "alloy/locked.h"
#include "blocks.h"
#include "kinds.h"
#include "locked_stress.h"

/* Every strategy, with 4 and 8 threads through enter/leave and 8 through the
 * handle. The parameter is an index into alloy_strategy_kinds (kinds.h): Criterion
 * runs each test in a new process, where a pointer would not survive. */
typedef struct stress_run {
    size_t strategy;
    unsigned threads;
    stress_path path;
} stress_run;

ParameterizedTestParameters(locked, stress)
{
    static stress_run runs[3 * 16];
    size_t n = 0;
    for (size_t i = 0; i < alloy_strategy_kind_count && n + 3 <= sizeof runs / sizeof runs[0]; i++) {
        runs[n++] = (stress_run){i, 4, THROUGH_ENTER};
        runs[n++] = (stress_run){i, 8, THROUGH_ENTER};
        runs[n++] = (stress_run){i, 8, THROUGH_HANDLE};
    }
    return cr_make_param_array(stress_run, runs, n);
}

ParameterizedTest(stress_run *run, locked, stress, .timeout = 300)
{
    stress_config c = {&alloy_strategy_kinds[run->strategy], run->path, run->threads, 20000, true, 7};
    char why[256] = "";
    cr_assert(locked_stress(&c, why, sizeof why), "%s, %u threads, %s: %s", c.strategy->name, c.threads,
              c.path == THROUGH_ENTER ? "enter/leave" : "handle", why);
}

typedef struct bench {
    _Alignas(16) unsigned char array[4 * ALLOY_PAGE_SIZE];
    alloy_static_heap heap;
    alloy_default_strategy inner_state;
    alloy_locked locked;
    alloy_allocator *inner, *a;
} bench;

static void open_bench(bench *b)
{
    b->inner = alloy_default_init(&b->inner_state, alloy_static_heap_init(&b->heap, b->array, sizeof b->array));
    cr_assert(b->inner);
    b->a = alloy_locked_init(&b->locked, b->inner);
    cr_assert_eq(b->a, &b->locked.base);
}

Test(locked, handle_forwards_every_call)
{
    static bench b;
    open_bench(&b);
    cr_assert_str_eq(alloy_name(b.a), "locked");
    live_block x = {alloy_alloc(b.a, 100, 32), 100, 32, 1};
    cr_assert(x.p && (uintptr_t)x.p % 32 == 0);
    block_fill(&x);
    /* within the block's rounding (region's 7 units, bumpfree's 7 grains): both resize
     * that in place, whatever the default strategy, which a shrink to 40 was not */
    cr_assert(alloy_resize(b.a, x.p, 100, 32, 112));
    void *wall = alloy_alloc(b.a, 16, 16);
    unsigned char *moved = alloy_realloc(b.a, x.p, 112, 32, 40000); /* the wall is in the way: moves */
    cr_assert(moved);
    x.p = moved;
    cr_assert(block_intact(&x, 100));

    alloy_stats via_handle, direct;
    alloy_stats_get(b.a, &via_handle);
    alloy_stats_get(b.inner, &direct);
    cr_assert_str_eq(via_handle.strategy, alloy_name(b.inner), "the statistics are the inner instance's");
    cr_assert_eq(memcmp(&via_handle.shared, &direct.shared, sizeof direct.shared), 0);
    cr_assert_eq(via_handle.count, direct.count);
    cr_assert_eq(memcmp(via_handle.figures, direct.figures, sizeof direct.figures), 0);
    cr_assert_eq(direct.shared.bytes_in_use, 40000 + 16);
    /* the handle passed the realloc on whole: the inner instance counts one realloc */
    cr_assert_eq(direct.shared.allocs, 2);
    cr_assert_eq(direct.shared.frees, 0);
    cr_assert_eq(direct.shared.reallocs, 2); /* the resize and the move */
    cr_assert(alloy_check(b.a));

    cr_assert_null(alloy_alloc(b.a, 1u << 20, 16), "out of memory: NULL");
    cr_assert_null(alloy_alloc(b.a, 16, 3), "a bad alignment: the inner instance's answer");
    alloy_reset_trip(b.a);
    alloy_stats_get(b.a, &via_handle);
    cr_assert_eq(via_handle.shared.failed_allocs, 1);
    cr_assert_eq(via_handle.shared.invalid_requests, 1);
    cr_assert_eq(via_handle.shared.trip_high_water, via_handle.shared.bytes_in_use, "reset_trip reached it");
    cr_assert_eq(b.locked.base.stats.allocs, 0, "the handle keeps no figures of its own");

    alloy_free(b.a, x.p, 40000, 32);
    alloy_free(b.a, wall, 16, 16);
    alloy_stats_get(b.a, &via_handle);
    cr_assert_eq(via_handle.shared.bytes_in_use, 0);
    cr_assert(alloy_check(b.a));
    alloy_locked_destroy(&b.locked);
    cr_assert(alloy_check(b.inner), "the inner instance outlives its wrapper");
}

Test(locked, enter_hands_out_the_inner_instance)
{
    static bench b;
    open_bench(&b);
    alloy_allocator *a = alloy_locked_enter(&b.locked);
    cr_assert_eq(a, b.inner);
    void *p = alloy_alloc(a, 64, 16);
    alloy_reset_trip(a);
    alloy_locked_leave(&b.locked);
    alloy_stats s;
    alloy_stats_get(b.a, &s); /* the handle locks again: enter/leave released the mutex */
    cr_assert_eq(s.shared.bytes_in_use, 64);
    cr_assert_eq(s.shared.trip_high_water, 64);
    alloy_free(b.a, p, 64, 16);
    alloy_locked_destroy(&b.locked);
}

Test(locked, init_and_destroy_contract)
{
    static bench b;
    open_bench(&b);
    alloy_locked other;
    cr_assert_null(alloy_locked_init(NULL, b.inner));
    cr_assert_null(alloy_locked_init(&other, NULL));
    cr_assert_null(alloy_locked_init(&other, &other.base), "not over itself: a call would wait for itself");
    alloy_locked_destroy(&other); /* a failed init leaves nothing to destroy */
    cr_assert_null(alloy_locked_enter(&other));
    cr_assert_null(alloy_locked_enter(NULL));
    alloy_locked_destroy(NULL);
    alloy_locked_leave(NULL);

    alloy_locked_destroy(&b.locked);
    alloy_locked_destroy(&b.locked); /* twice: harmless */
    cr_assert_null(alloy_locked_enter(&b.locked));
    /* the destroyed wrapper's handle refuses every call */
    void *kept = alloy_alloc(b.inner, 64, 16), *gone = alloy_alloc(b.inner, 256, 16);
    cr_assert(kept && gone);
    alloy_free(b.inner, gone, 256, 16); /* a trip peak of 320 bytes, which no reset reaches */
    cr_assert_null(alloy_alloc(b.a, 64, 16));
    cr_assert_not(alloy_resize(b.a, kept, 64, 16, 48));
    cr_assert_null(alloy_realloc(b.a, kept, 64, 16, 128));
    alloy_free(b.a, kept, 64, 16);
    alloy_reset_trip(b.a);
    cr_assert_not(alloy_check(b.a));
    alloy_stats s;
    alloy_stats_get(b.a, &s);
    cr_assert_str_eq(s.strategy, "locked");
    cr_assert_eq(s.shared.allocs, 0);
    alloy_stats_get(b.inner, &s);
    cr_assert_eq(s.shared.bytes_in_use, 64, "nothing reached the inner instance");
    cr_assert_eq(s.shared.trip_high_water, 320);
    alloy_free(b.inner, kept, 64, 16);
    alloy_locked_leave(&b.locked); /* harmless */
    cr_assert(alloy_check(b.inner), "the inner instance is untouched");
    /* and the wrapper can be made again over the same instance */
    cr_assert(alloy_locked_init(&b.locked, b.inner));
    cr_assert(alloy_check(b.a));
    alloy_locked_destroy(&b.locked);
}

/* What would wait for itself is refused: entering twice, calling the handle from
 * inside enter/leave; and a leave without an enter is ignored. */
Test(locked, a_thread_never_waits_for_itself)
{
    static bench b;
    open_bench(&b);
    alloy_allocator *inner = alloy_locked_enter(&b.locked);
    cr_assert_eq(inner, b.inner);
    cr_assert_null(alloy_locked_enter(&b.locked), "entered already");
    cr_assert_null(alloy_alloc(b.a, 64, 16), "the handle, from inside enter/leave");
    cr_assert_not(alloy_check(b.a));
    void *p = alloy_alloc(inner, 64, 16);
    cr_assert(p, "the inner instance serves the thread that entered");
    alloy_locked_destroy(&b.locked); /* held: refused, the wrapper stays */
    alloy_locked_leave(&b.locked);
#if !defined(__SANITIZE_THREAD__) /* (a thread checker reports the mistake) */
    alloy_locked_leave(&b.locked); /* not held: ignored */
#endif
    cr_assert(alloy_check(b.a), "the mutex is free again, the wrapper not destroyed");
    alloy_free(b.a, p, 64, 16);
    alloy_stats s;
    alloy_stats_get(b.a, &s);
    cr_assert_eq(s.shared.bytes_in_use, 0);
    alloy_locked_destroy(&b.locked);
}
