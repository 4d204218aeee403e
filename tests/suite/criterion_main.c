/* SPDX-License-Identifier: MIT */
/* The conformance suites under Criterion: every case of the strategies' suite,
 * parameterized over every strategy x heap provider of the native target, and of
 * the heap providers' suite over every provider (kinds.h). The parameter is an index
 * into the kinds (see criterion_cases.h). */
#include "criterion_cases.h"
#include "heap_conformance.h"

#define ALLOY_CASE(name) CONFORMANCE_TEST(conformance, alloy_fixture_kinds, name)
CONFORMANCE_CASES(ALLOY_CASE)

#define HEAP_CONFORMANCE_TEST(test)                                                   \
    ParameterizedTestParameters(heap_conformance, test)                               \
    {                                                                                 \
        return cr_make_param_array(size_t, kind_indexes(alloy_provider_kind_count),   \
                                   alloy_provider_kind_count);                        \
    }                                                                                 \
    ParameterizedTest(size_t *kind, heap_conformance, test, .timeout = CASE_TIMEOUT)  \
    {                                                                                 \
        criterion_case_started("heap_conformance::" #test, alloy_provider_kinds[*kind].name, CASE_TIMEOUT); \
        heap_conformance_##test(&alloy_provider_kinds[*kind]);                        \
    }

HEAP_CONFORMANCE_CASES(HEAP_CONFORMANCE_TEST)
