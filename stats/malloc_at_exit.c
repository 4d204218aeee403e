/* SPDX-License-Identifier: MIT */
/* The malloc layer's report at exit (alloy/malloc.h): when ALLOY_STATS_AT_EXIT=1 is
 * in the environment as the malloc layer makes its instance, the instance's
 * statistics report goes to stderr as the program exits. It keeps no state: the
 * handler asks the malloc layer for its instance, and the malloc layer calls this
 * once. Part of the alloy_malloc library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloy/malloc.h"

static void print_report(void)
{
    alloy_stats_print(alloy_malloc_instance(), alloy_stats_file_writer, stderr);
}

bool alloy_malloc_stats_at_exit(void)
{
    const char *asked = getenv("ALLOY_STATS_AT_EXIT");
    return asked && strcmp(asked, "1") == 0 && atexit(print_report) == 0;
}
