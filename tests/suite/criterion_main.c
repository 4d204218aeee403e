/* SPDX-License-Identifier: MIT */
/* The conformance suites under Criterion: every case of the strategies' suite,
 * parameterized over every strategy x heap provider of the native target, and of
 * the heap providers' suite over every provider (kinds.h). The parameter is an index
 * into the kinds (see criterion_cases.h). */
#include "criterion_cases.h"
#include "heap_conformance.h"

#define ALLOY_CASE(name) CONFORMANCE_TEST(conformance, alloy_fixture_kinds, name)
CONFORMANCE_CASES(ALLOY_CASE)

/* (every test with the same timeout: Criterion 2.4.1 leaks 48 bytes, which
 * LeakSanitizer reports, when a program's tests have different timeouts) */
#define HEAP_CONFORMANCE_TEST(name)                                                   \
    ParameterizedTestParameters(heap_conformance, name)                               \
    {                                                                                 \
        return cr_make_param_array(size_t, kind_indexes(alloy_provider_kind_count),   \
                                   alloy_provider_kind_count);                        \
    }                                                                                 \
    ParameterizedTest(size_t *kind, heap_conformance, name, .timeout = 600)           \
    {                                                                                 \
        heap_conformance_##name(&alloy_provider_kinds[*kind]);                        \
    }

HEAP_CONFORMANCE_CASES(HEAP_CONFORMANCE_TEST)
