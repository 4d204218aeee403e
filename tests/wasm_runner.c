/* The framework-free runner for wasm32-wasi (Criterion needs processes and threads):
 * runs every conformance case over every strategy x heap provider of the target in
 * one process and ends with "alloy-tests: N passed, N failed". An argument, if
 * given, runs only the cases whose name contains it. */
#include "conformance_runner.h"

int main(int argc, char **argv)
{
    return conformance_run(fixture_kinds, fixture_kind_count, argc > 1 ? argv[1] : "");
}
