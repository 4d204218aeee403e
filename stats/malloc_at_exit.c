/* SPDX-License-Identifier: MIT */
/* The malloc layer's report at exit (alloy/malloc.h): when ALLOY_STATS_AT_EXIT=1 is
 * in the environment as the malloc layer makes its instance, the instance's
 * statistics report goes to stderr as the program exits. Its one piece of state is
 * where the report goes: a descriptor of its own for the standard error the program
 * had when the handler was registered. Programs close stderr in their own exit
 * handlers (coreutils' close_stdout, xz, mawk), which run before this one, registered
 * first: on stderr itself their reports were lost. It writes with write(), not
 * stdio, so that the report allocates nothing from the instance it describes. The
 * handler asks the malloc layer for its instance, and the malloc layer calls this
 * once. Native only (POSIX); part of the alloy_malloc library. */
#define _POSIX_C_SOURCE 200809L /* fcntl's F_DUPFD_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloy/malloc.h"

static int report_fd = -1;

/* alloy_stats_print's writer: all of the text (a write may take part of it), as far
 * as the descriptor takes it */
static void write_report(void *context, const char *text, size_t length)
{
    (void)context;
    while (length) {
        ssize_t written = write(report_fd, text, length);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return;
        text += written;
        length -= (size_t)written;
    }
}

static void print_report(void)
{
    alloy_stats_print(alloy_malloc_instance(), write_report, NULL);
}

bool alloy_malloc_stats_at_exit(void)
{
    const char *asked = getenv("ALLOY_STATS_AT_EXIT");
    if (!asked || strcmp(asked, "1") != 0)
        return false;
    if (report_fd < 0) {
        /* not inherited by the programs this one runs; stderr's own when it cannot
         * be copied */
        report_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        if (report_fd < 0)
            report_fd = STDERR_FILENO;
    }
    return atexit(print_report) == 0;
}
