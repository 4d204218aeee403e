/* The framework-free runner for wasm32-wasi (Criterion needs processes and threads):
 * runs every case of the heap providers' suite over every provider of the target,
 * and of the strategies' suite over every strategy x provider, in one process, and
 * ends with "alloy-tests: N passed, N failed". An argument, if given, runs only the
 * cases whose name contains it. */
#include "kinds.h"
#include "runner.h"

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : "";
    size_t count;
    const fixture_kind *kinds = alloy_fixture_kinds(&count);
    heap_conformance_run_cases(alloy_provider_kinds, alloy_provider_kind_count, filter);
    conformance_run_cases(kinds, count, filter);
    return conformance_summary();
}
