/* SPDX-License-Identifier: MIT */
/* alloy's conformance suite over the pool of pool.c: every case, on each heap
 * provider of the target and under the checked wrapper, as the author of a strategy
 * outside alloy's tree runs it (docs/writing-a-strategy.md, "Testing it"). Natively the cases are Criterion tests
 * (built with -DALLOY_TEST_CRITERION, like tests/suite/criterion_main.c); in wasm,
 * where Criterion does not run, tests/suite/runner.c runs them in one process. */
#include "alloy/pool.h"
#include "conformance.h"
#include "kinds.h"

/* What the fixture builds for each instance: a pool of ALLOY_POOL_BLOCK_SIZE blocks
 * on the fixture's heap. */
static alloy_allocator *make_pool(void *storage, alloy_heap *heap)
{
    return alloy_pool_init(storage, heap);
}

static const strategy_kind pool_kind = {"pool", make_pool, sizeof(alloy_pool)};

/* The pool on each of alloy's heap providers (kinds.h), and under the checked wrapper
 * on the first: fixture_combine makes the list. */
static const fixture_kind *pool_kinds(size_t *count)
{
    static fixture_kind kinds[FIXTURE_MAX_KINDS];
    static size_t made;
    if (!made)
        made = fixture_combine(&pool_kind, 1, alloy_provider_kinds, alloy_provider_kind_count, kinds);
    *count = made;
    return kinds;
}

#if defined(ALLOY_TEST_CRITERION)
#include "criterion_cases.h"

#define POOL_TEST(name) CONFORMANCE_TEST(pool_conformance, pool_kinds, name)
CONFORMANCE_CASES(POOL_TEST)

#else
#include "runner.h"

int main(int argc, char **argv)
{
    size_t count;
    const fixture_kind *kinds = pool_kinds(&count);
    conformance_run_cases(kinds, count, argc - 1, argv + 1);
    return conformance_summary();
}
#endif
