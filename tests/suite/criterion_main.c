/* The conformance suite under Criterion: every case, parameterized over every
 * strategy x heap provider of the native target (kinds.h). The parameter is an index
 * into the kinds: Criterion runs each test in a freshly executed process, where
 * pointers in a parameter would not survive. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "conformance.h"
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
