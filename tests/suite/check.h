/* SPDX-License-Identifier: MIT */
/* CHECK: the one assertion the shared test bodies use. Under Criterion it is
 * cr_assert; in the wasm runner it reports and returns from the test function, so it
 * may only be used in functions returning void. test_note says what a failure
 * needs to be reproduced (a seed, a fixture); it is printed with every failure. */
#ifndef ALLOY_TEST_CHECK_H
#define ALLOY_TEST_CHECK_H

extern char test_note[256];

#if defined(ALLOY_TEST_CRITERION)
#include <criterion/criterion.h>
#define CHECK(cond) cr_assert((cond), "%s:%d: %s [%s]", __FILE__, __LINE__, #cond, test_note)
#else
void test_failed(const char *file, int line, const char *what);
#define CHECK(cond)                                      \
    do {                                                 \
        if (!(cond)) {                                   \
            test_failed(__FILE__, __LINE__, #cond);      \
            return;                                      \
        }                                                \
    } while (0)
#endif

#endif
