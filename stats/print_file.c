/* SPDX-License-Identifier: MIT */
/* The statistics report's writer for stdio streams (alloy/stats.h), apart from
 * stats/print.c so that a program printing through a writer of its own links no
 * stdio. */
#include <stdio.h>

#include "alloy/stats.h"

void alloy_stats_file_writer(void *file, const char *text, size_t length)
{
    fwrite(text, 1, length, (FILE *)file);
}
