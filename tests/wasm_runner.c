/* The framework-free runner for wasm32-wasi (Criterion needs processes and threads):
 * runs every conformance case over every strategy x heap provider of the target in
 * one process and ends with "alloy-tests: N passed, N failed". An argument, if
 * given, runs only the cases whose name contains it. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "conformance.h"

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

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : "";
    unsigned passed = 0, failed = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        if (!strstr(cases[c].name, filter))
            continue;
        for (size_t k = 0; k < fixture_kind_count; k++) {
            const fixture_kind *kind = &fixture_kinds[k];
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
