/* SPDX-License-Identifier: MIT */
/* Every Criterion test program ends with the line the top-level summary counts. */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <stdio.h>

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    printf("alloy-tests: %zu passed, %zu failed\n", stats->tests_passed,
           stats->tests_failed);
    fflush(stdout);
}
