/* The conformance suite under Criterion: every case, parameterized over every
 * strategy x heap provider of the native target. The parameter is an index into
 * fixture_kinds: Criterion runs each test in a freshly executed process, where
 * pointers in a parameter would not survive. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "conformance.h"

static size_t *kind_indexes(void)
{
    static size_t indexes[16];
    for (size_t i = 0; i < fixture_kind_count; i++)
        indexes[i] = i;
    return indexes;
}

#define CONFORMANCE_TEST(name, bounded)                                               \
    ParameterizedTestParameters(conformance, name)                                    \
    {                                                                                 \
        return cr_make_param_array(size_t, kind_indexes(), fixture_kind_count);       \
    }                                                                                 \
    ParameterizedTest(size_t *kind, conformance, name, .timeout = 600)                \
    {                                                                                 \
        conformance_##name(&fixture_kinds[*kind]);                                    \
    }

CONFORMANCE_CASES(CONFORMANCE_TEST)
