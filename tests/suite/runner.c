/* SPDX-License-Identifier: MIT */
/* Runs the conformance suites without a test framework; see runner.h. CHECK
 * (check.h) reports through test_failed and returns from the case. */
#include "runner.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

static int current_failed;
static unsigned passed, failed;

void test_failed(const char *file, int line, const char *what)
{
    printf("FAIL\n    %s:%d: %s [%s]\n", file, line, what, test_note);
    current_failed = 1;
}

/* Start a case: its line, "SUITE::CASE (KIND) ... ", goes out before it runs, so that
 * a case that traps (the engine ends the program) is named by the last line; then
 * finish it with "ok", or test_failed with "FAIL" and what failed. */
static void start(const char *suite, const char *name, const char *what)
{
    current_failed = 0;
    test_note[0] = 0;
    printf("%s::%s (%s) ... ", suite, name, what);
    fflush(stdout);
}

/* Whether "name (what)" contains one of the filters; with none, everything does. */
static bool chosen(const char *name, const char *what, int filter_count, char **filters)
{
    char line[160];
    snprintf(line, sizeof line, "%s (%s)", name, what);
    for (int i = 0; i < filter_count; i++)
        if (strstr(line, filters[i]))
            return true;
    return filter_count == 0;
}

static void finish(void)
{
    if (!current_failed)
        printf("ok\n");
    current_failed ? failed++ : passed++;
}

typedef struct test_case {
    const char *name;
    void (*run)(const fixture_kind *);
} test_case;

#define CASE_ENTRY(name) {#name, conformance_##name},
static const test_case cases[] = {CONFORMANCE_CASES(CASE_ENTRY)};

void conformance_run_cases(const fixture_kind *kinds, size_t count, int filter_count, char **filters)
{
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (size_t k = 0; k < count; k++) {
            char what[96];
            fixture_describe(&kinds[k], what, sizeof what);
            if (!chosen(cases[c].name, what, filter_count, filters))
                continue;
            start("conformance", cases[c].name, what);
            cases[c].run(&kinds[k]);
            finish();
        }
    }
}

typedef struct heap_case {
    const char *name;
    void (*run)(const provider_kind *);
} heap_case;

#define HEAP_CASE_ENTRY(name) {#name, heap_conformance_##name},
static const heap_case heap_cases[] = {HEAP_CONFORMANCE_CASES(HEAP_CASE_ENTRY)};

void heap_conformance_run_cases(const provider_kind *kinds, size_t count, int filter_count, char **filters)
{
    for (size_t c = 0; c < sizeof heap_cases / sizeof heap_cases[0]; c++) {
        for (size_t k = 0; k < count; k++) {
            if (!chosen(heap_cases[c].name, kinds[k].name, filter_count, filters))
                continue;
            start("heap_conformance", heap_cases[c].name, kinds[k].name);
            heap_cases[c].run(&kinds[k]);
            finish();
        }
    }
}

int conformance_summary(void)
{
    printf("alloy-tests: %u passed, %u failed\n", passed, failed);
    return failed != 0;
}
