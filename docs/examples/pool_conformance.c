/* alloy's conformance suite over the pool of pool.c: every case, on each heap
 * provider of the target and under the checked wrapper, as a strategy author runs it
 * (docs/writing-a-strategy.md, "Testing it"). Natively the cases are Criterion tests
 * (built with -DALLOY_TEST_CRITERION, like tests/conformance_criterion.c); in wasm,
 * where Criterion does not run, tests/conformance_runner.c runs them in one process. */
#include "alloy/region.h"
#include "conformance.h"
#include "pool.h"

/* What the fixture builds for each instance: a pool of 256-byte blocks, with a region
 * instance of its own on the same heap as the fallback. */
typedef struct pool_with_fallback {
    pool pool;
    alloy_region fallback;
} pool_with_fallback;

static alloy_allocator *make_pool(void *storage, alloy_heap *heap)
{
    pool_with_fallback *s = storage;
    return pool_init(&s->pool, 256, alloy_region_init(&s->fallback, heap));
}

#define POOL_KIND(heap_name, wrapped) \
    {.strategy = "pool", .heap = heap_name, .checked = wrapped, .make = make_pool, .make_bytes = sizeof(pool_with_fallback)}

static const fixture_kind pool_kinds[] = {
#if defined(__wasm__)
    POOL_KIND("wasm", false),
#else
    POOL_KIND("mmap", false),
#endif
    POOL_KIND("static", false),
    POOL_KIND("static", true),
};
#define POOL_KIND_COUNT (sizeof pool_kinds / sizeof pool_kinds[0])

#if defined(ALLOY_TEST_CRITERION)
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

/* The parameter is an index into pool_kinds: Criterion runs each test in a new
 * process, where a pointer in a parameter would not survive. */
static size_t *kind_indexes(void)
{
    static size_t indexes[POOL_KIND_COUNT];
    for (size_t i = 0; i < POOL_KIND_COUNT; i++)
        indexes[i] = i;
    return indexes;
}

#define POOL_TEST(name, bounded)                                                     \
    ParameterizedTestParameters(pool_conformance, name)                              \
    {                                                                                \
        return cr_make_param_array(size_t, kind_indexes(), POOL_KIND_COUNT);         \
    }                                                                                \
    ParameterizedTest(size_t *kind, pool_conformance, name, .timeout = 600)          \
    {                                                                                \
        conformance_##name(&pool_kinds[*kind]);                                      \
    }

CONFORMANCE_CASES(POOL_TEST)

#else
#include "conformance_runner.h"

int main(int argc, char **argv)
{
    return conformance_run(pool_kinds, POOL_KIND_COUNT, argc > 1 ? argv[1] : "");
}
#endif
