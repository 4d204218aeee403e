/* SPDX-License-Identifier: MIT */
/* The framework-free runner of alloy's own kinds: runs every case of the heap
 * providers' suite over every provider of the target, and of the strategies' suite
 * over every strategy x provider, in one process, and ends with "alloy-tests: N
 * passed, N failed". It is the conformance test in wasm, where Criterion does not
 * run; natively it is built on demand (tests/scripts/recipe.py uses it). Arguments,
 * if given, are filters (runner.h): "runner_main exhaustion", "runner_main 'on
 * static)'". */
#include "kinds.h"
#include "runner.h"

int main(int argc, char **argv)
{
    size_t count;
    const fixture_kind *kinds = alloy_fixture_kinds(&count);
    heap_conformance_run_cases(alloy_provider_kinds, alloy_provider_kind_count, argc - 1, argv + 1);
    conformance_run_cases(kinds, count, argc - 1, argv + 1);
    return conformance_summary();
}
