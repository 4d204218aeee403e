/* The framework-free runner for wasm32-wasi (Criterion needs processes and threads):
 * runs every conformance case over every strategy x heap provider of the target in
 * one process and ends with "alloy-tests: N passed, N failed". An argument, if
 * given, runs only the cases whose name contains it. */
#include "kinds.h"
#include "runner.h"

int main(int argc, char **argv)
{
    size_t count;
    const fixture_kind *kinds = alloy_fixture_kinds(&count);
    return conformance_run(kinds, count, argc > 1 ? argv[1] : "");
}
