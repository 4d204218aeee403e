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

/* Seconds a case may run (every test of a program alike: Criterion 2.4.1 leaks 48
 * bytes, which LeakSanitizer reports, when a program's tests have different
 * timeouts). */
#define CASE_TIMEOUT 600

/* Called first in a parameterized case, in the process that runs it: should the case
 * crash, or still run 10 s before `timeout`, "[case] TEST (KIND): crashed" or "...:
 * still running ..." goes to stderr, so that the failure names what Criterion's
 * report does not: the strategy and provider (report.c). */
void criterion_case_started(const char *test, const char *kind, unsigned timeout);

/* The test `name` of the Criterion suite `suite`: the case conformance_##name over
 * every kind of kinds_fn(&count). An assertion that fails names the kind through
 * test_note (check.h); a crash or a timeout through criterion_case_started. */
#define CONFORMANCE_TEST(suite, kinds_fn, name)                                       \
    ParameterizedTestParameters(suite, name)                                          \
    {                                                                                 \
        size_t count;                                                                 \
        kinds_fn(&count);                                                             \
        return cr_make_param_array(size_t, kind_indexes(count), count);               \
    }                                                                                 \
    ParameterizedTest(size_t *kind, suite, name, .timeout = CASE_TIMEOUT)             \
    {                                                                                 \
        size_t count;                                                                 \
        const fixture_kind *chosen = &kinds_fn(&count)[*kind];                        \
        char what[96];                                                                \
        fixture_describe(chosen, what, sizeof what);                                  \
        criterion_case_started(#suite "::" #name, what, CASE_TIMEOUT);                \
        conformance_##name(chosen);                                                   \
    }

#endif
