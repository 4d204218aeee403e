/* SPDX-License-Identifier: MIT */
/* The stress of alloy_locked (locked_stress.c) without a test framework, for the
 * ThreadSanitizer build: Debian's Criterion 2.4.1 crashes under TSan before running
 * a test (SEGV inside libcriterion.so), and its runner threads are no help when the
 * point is what TSan says about ours.
 * Exits non-zero on any failure; TSan itself makes the program exit with 66 when it
 * reports a race. Prints the "alloy-tests: N passed, N failed" line tests/summary.py
 * counts.
 *
 * It runs 4 and 8 threads over every strategy, through alloy_locked_enter/leave and
 * through the handle (alloy_alloc on the wrapper): all must be race-free. ALLOY_SEED
 * and ALLOY_LOCKED_OPS (operations per thread) override the defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "locked_stress.h"

static uint64_t env_number(const char *name, uint64_t fallback)
{
    const char *text = getenv(name);
    return text && *text ? strtoull(text, NULL, 0) : fallback;
}

int main(void)
{
    uint64_t seed = env_number("ALLOY_SEED", 7);
    unsigned ops = (unsigned)env_number("ALLOY_LOCKED_OPS", 5000);
    static const struct {
        unsigned threads;
        stress_path path;
    } runs[] = {{4, THROUGH_ENTER}, {8, THROUGH_ENTER}, {4, THROUGH_HANDLE}, {8, THROUGH_HANDLE}};
    unsigned passed = 0, failed = 0;
    for (size_t s = 0; s < alloy_strategy_kind_count; s++) {
        for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
            stress_config c = {&alloy_strategy_kinds[s], runs[i].path, runs[i].threads, ops, true, seed};
            char why[256] = "";
            bool ok = locked_stress(&c, why, sizeof why);
            printf("%s: %s, %u threads x %u ops, %s, ALLOY_SEED=%llu%s%s\n", ok ? "ok" : "FAILED",
                   c.strategy->name, c.threads, c.ops, c.path == THROUGH_ENTER ? "enter/leave" : "handle",
                   (unsigned long long)seed, ok ? "" : ": ", why);
            if (ok)
                passed++;
            else
                failed++;
        }
    }
    printf("alloy-tests: %u passed, %u failed\n", passed, failed);
    fflush(stdout);
    return failed ? 1 : 0;
}
