/* The framework-free way to run the conformance suite (wasm32-wasi has no Criterion:
 * it needs processes and threads): every case over a list of fixture kinds, in one
 * process. wasm_main.c runs alloy's own kinds with it; a strategy or provider from
 * outside alloy runs its kinds (docs/examples/pool_conformance.c). */
#ifndef ALLOY_TEST_RUNNER_H
#define ALLOY_TEST_RUNNER_H

#include "conformance.h"

/* Run every case whose name contains `filter` ("" for all) over each of the `count`
 * kinds. Prints a line per case and kind, then "alloy-tests: N passed, N failed",
 * the line the top-level summary counts. Returns the exit status: 0 when nothing
 * failed, else 1. */
int conformance_run(const fixture_kind *kinds, size_t count, const char *filter);

#endif
