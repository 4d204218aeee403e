/* Runs the conformance suite without a test framework; see conformance_runner.h.
 * CHECK (check.h) reports through test_failed and returns from the case. */
#include "conformance_runner.h"

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
    bool needs_bounded_heap;
} test_case;

#define CASE_ENTRY(name, bounded) {#name, conformance_##name, bounded},
static const test_case cases[] = {CONFORMANCE_CASES(CASE_ENTRY)};

int conformance_run(const fixture_kind *kinds, size_t count, const char *filter)
{
    unsigned passed = 0, failed = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        if (!strstr(cases[c].name, filter))
            continue;
        for (size_t k = 0; k < count; k++) {
            const fixture_kind *kind = &kinds[k];
            if (cases[c].needs_bounded_heap && strcmp(kind->heap, "wasm") == 0)
                continue; /* wasm memory cannot be exhausted in test time */
            current_failed = 0;
            test_note[0] = 0;
            cases[c].run(kind);
            printf("[%s] conformance::%s (%s%s on %s)\n", current_failed ? "FAIL" : " ok ", cases[c].name,
                   kind->checked ? "checked " : "", kind->strategy, kind->heap);
            current_failed ? failed++ : passed++;
        }
    }
    printf("alloy-tests: %u passed, %u failed\n", passed, failed);
    return failed != 0;
}
