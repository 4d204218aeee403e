/* SPDX-License-Identifier: MIT */
/* The strategies' conformance suite as Criterion tests over a list of kinds: one
 * test per case, parameterized over the kinds. The parameter is an index into the
 * list: Criterion runs each test in a freshly executed process, where a pointer in a
 * parameter would not survive, so the list is a function that makes it the same way
 * in every process (alloy_fixture_kinds, or one of a strategy or provider from
 * outside alloy). Compile with -DALLOY_TEST_CRITERION. */
#ifndef ALLOY_TEST_CRITERION_CASES_H
#define ALLOY_TEST_CRITERION_CASES_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "conformance.h"
#include "kinds.h"

/* The test `name` of the Criterion suite `suite`: the case conformance_##name over
 * every kind of kinds_fn(&count). */
#define CONFORMANCE_TEST(suite, kinds_fn, name)                                       \
    ParameterizedTestParameters(suite, name)                                          \
    {                                                                                 \
        size_t count;                                                                 \
        kinds_fn(&count);                                                             \
        return cr_make_param_array(size_t, kind_indexes(count), count);               \
    }                                                                                 \
    ParameterizedTest(size_t *kind, suite, name, .timeout = 600)                      \
    {                                                                                 \
        size_t count;                                                                 \
        conformance_##name(&kinds_fn(&count)[*kind]);                                 \
    }

#endif
