/* The framework-free way to run the conformance suites (wasm32-wasi has no Criterion:
 * it needs processes and threads): every case over a list of kinds, in one process.
 * wasm_main.c runs alloy's own kinds with it; a strategy or provider from outside
 * alloy runs its kinds (docs/examples/pool_conformance.c, bank_conformance.c). */
#ifndef ALLOY_TEST_RUNNER_H
#define ALLOY_TEST_RUNNER_H

#include "conformance.h"
#include "heap_conformance.h"

/* Run every case of the strategies' suite whose name contains `filter` ("" for
 * all) over each of the `count` kinds, printing a line per case and kind. */
void conformance_run_cases(const fixture_kind *kinds, size_t count, const char *filter);
/* The same for the heap providers' suite, over providers. */
void heap_conformance_run_cases(const provider_kind *kinds, size_t count, const char *filter);
/* Print "alloy-tests: N passed, N failed" for every case run so far, the line the
 * top-level summary counts, and return the exit status: 0 when nothing failed,
 * else 1. */
int conformance_summary(void);

/* conformance_run_cases, then conformance_summary. */
int conformance_run(const fixture_kind *kinds, size_t count, const char *filter);

#endif
