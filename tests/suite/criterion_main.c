/* The conformance suites under Criterion: every case of the strategies' suite,
 * parameterized over every strategy x heap provider of the native target, and of
 * the heap providers' suite over every provider (kinds.h). The parameter is an index
 * into the kinds: Criterion runs each test in a freshly executed process, where
 * pointers in a parameter would not survive. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "conformance.h"
#include "heap_conformance.h"
#include "kinds.h"

#define CONFORMANCE_TEST(name)                                                        \
    ParameterizedTestParameters(conformance, name)                                    \
    {                                                                                 \
        size_t count;                                                                 \
        alloy_fixture_kinds(&count);                                                  \
        return cr_make_param_array(size_t, kind_indexes(count), count);               \
    }                                                                                 \
    ParameterizedTest(size_t *kind, conformance, name, .timeout = 600)                \
    {                                                                                 \
        size_t count;                                                                 \
        conformance_##name(&alloy_fixture_kinds(&count)[*kind]);                      \
    }

CONFORMANCE_CASES(CONFORMANCE_TEST)

#define HEAP_CONFORMANCE_TEST(name)                                                   \
    ParameterizedTestParameters(heap_conformance, name)                               \
    {                                                                                 \
        return cr_make_param_array(size_t, kind_indexes(alloy_provider_kind_count),   \
                                   alloy_provider_kind_count);                        \
    }                                                                                 \
    ParameterizedTest(size_t *kind, heap_conformance, name, .timeout = 60)            \
    {                                                                                 \
        heap_conformance_##name(&alloy_provider_kinds[*kind]);                        \
    }

HEAP_CONFORMANCE_CASES(HEAP_CONFORMANCE_TEST)
