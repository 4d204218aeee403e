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
 * and ALLOY_LOCKED_OPS (operations per thread) override the defaults. With
 * ALLOY_LOCKED_SECONDS=N (make hardening: 30) it repeats the whole round, each with
 * the next seed, until N seconds have passed; one round otherwise. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kinds.h"
#include "locked_stress.h"

static uint64_t env_number(const char *name, uint64_t fallback)
{
    const char *text = getenv(name);
    return text && *text ? strtoull(text, NULL, 0) : fallback;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void)
{
    uint64_t seed = env_number("ALLOY_SEED", 7);
    unsigned ops = (unsigned)env_number("ALLOY_LOCKED_OPS", 5000);
    double seconds = (double)env_number("ALLOY_LOCKED_SECONDS", 0), start = now();
    static const struct {
        unsigned threads;
        stress_path path;
    } runs[] = {{4, THROUGH_ENTER}, {8, THROUGH_ENTER}, {4, THROUGH_HANDLE}, {8, THROUGH_HANDLE}};
    unsigned passed = 0, failed = 0, rounds = 0;
    do {
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
        rounds++;
        seed++;
    } while (!failed && now() - start < seconds);
    printf("%u rounds in %.0f s\n", rounds, now() - start);
    printf("alloy-tests: %u passed, %u failed\n", passed, failed);
    fflush(stdout);
    return failed ? 1 : 0;
}
