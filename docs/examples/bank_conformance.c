/* SPDX-License-Identifier: MIT */
/* bank_conformance.c - alloy's conformance suites over the bank provider of bank.c,
 * as the author of a provider outside alloy's tree runs them
 * (docs/writing-a-heap-provider.md, "Testing a provider"): the heap providers' suite
 * over the provider, and the strategies' suite over every strategy of alloy's on it
 * (and under the checked wrapper). Natively the cases are Criterion tests (built with
 * -DALLOY_TEST_CRITERION, like tests/suite/criterion_main.c); in wasm, where Criterion
 * does not run, tests/suite/runner.c runs them in one process. */
#include "alloy/bank_heap.h"
#include "conformance.h"
#include "heap_conformance.h"
#include "kinds.h"

/* What the fixtures build: a bank provider over an array they give it. */
static alloy_heap *open_bank(void *storage, void *array, size_t bytes)
{
    return alloy_bank_heap_open(storage, array, bytes);
}

static const provider_kind bank_kind = {"bank", open_bank, NULL, sizeof(alloy_bank_heap), true};

/* Every strategy of alloy's (kinds.h) on the provider, and under the checked wrapper. */
static const fixture_kind *bank_kinds(size_t *count)
{
    static fixture_kind kinds[FIXTURE_MAX_KINDS];
    static size_t made;
    if (!made)
        made = fixture_combine(alloy_strategy_kinds, alloy_strategy_kind_count, &bank_kind, 1, kinds);
    *count = made;
    return kinds;
}

#if defined(ALLOY_TEST_CRITERION)
#include "criterion_cases.h"

#define BANK_HEAP_TEST(name)                                                          \
    Test(bank_heap_conformance, name)                                                 \
    {                                                                                 \
        heap_conformance_##name(&bank_kind);                                          \
    }

HEAP_CONFORMANCE_CASES(BANK_HEAP_TEST)

#define BANK_TEST(name) CONFORMANCE_TEST(bank_conformance, bank_kinds, name)
CONFORMANCE_CASES(BANK_TEST)

#else
#include "runner.h"

int main(int argc, char **argv)
{
    size_t count;
    const fixture_kind *kinds = bank_kinds(&count);
    heap_conformance_run_cases(&bank_kind, 1, argc - 1, argv + 1);
    conformance_run_cases(kinds, count, argc - 1, argv + 1);
    return conformance_summary();
}
#endif
