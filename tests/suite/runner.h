/* SPDX-License-Identifier: MIT */
/* The framework-free way to run the conformance suites (wasm32-wasi has no Criterion:
 * it needs processes and threads): every case over a list of kinds, in one process.
 * runner_main.c runs alloy's own kinds with it (in wasm, and natively when asked); a
 * strategy or provider from outside alloy runs its kinds
 * (docs/examples/pool_conformance.c, bank_conformance.c). */
#ifndef ALLOY_TEST_RUNNER_H
#define ALLOY_TEST_RUNNER_H

#include "conformance.h"
#include "heap_conformance.h"

/* Run the strategies' suite over each of the `count` kinds, printing a line per case
 * and kind: "conformance::CASE (KIND) ... ok" (or "... FAIL" and what failed, on the
 * lines after), KIND as fixture_describe tells it; the name goes out before the
 * case runs, so a case that traps is the last line printed. A
 * case runs on a kind when that line's name and kind, "CASE (KIND)", contain one of
 * the filter_count `filters` (a program's arguments); with none, every case runs on
 * every kind. */
void conformance_run_cases(const fixture_kind *kinds, size_t count, int filter_count, char **filters);
/* The same for the heap providers' suite, over providers: "heap_conformance::CASE
 * (PROVIDER) ... ok". */
void heap_conformance_run_cases(const provider_kind *kinds, size_t count, int filter_count, char **filters);
/* Print "alloy-tests: N passed, N failed" for every case run so far, the line the
 * top-level summary counts, and return the exit status: 0 when nothing failed,
 * else 1. */
int conformance_summary(void);

#endif
