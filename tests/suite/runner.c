/* Runs the conformance suite without a test framework; see runner.h. CHECK
 * (check.h) reports through test_failed and returns from the case. */
#include "runner.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

static int current_failed;

void test_failed(const char *file, int line, const char *what)
{
    printf("    %s:%d: %s [%s]\n", file, line, what, test_note);
    current_failed = 1;
}

typedef struct test_case {
    const char *name;
    void (*run)(const fixture_kind *);
} test_case;

#define CASE_ENTRY(name) {#name, conformance_##name},
static const test_case cases[] = {CONFORMANCE_CASES(CASE_ENTRY)};

int conformance_run(const fixture_kind *kinds, size_t count, const char *filter)
{
    unsigned passed = 0, failed = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        if (!strstr(cases[c].name, filter))
            continue;
        for (size_t k = 0; k < count; k++) {
            current_failed = 0;
            test_note[0] = 0;
            cases[c].run(&kinds[k]);
            char what[96];
            fixture_describe(&kinds[k], what, sizeof what);
            printf("[%s] conformance::%s (%s)\n", current_failed ? "FAIL" : " ok ", cases[c].name, what);
            current_failed ? failed++ : passed++;
        }
    }
    printf("alloy-tests: %u passed, %u failed\n", passed, failed);
    return failed != 0;
}
