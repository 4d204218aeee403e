/* SPDX-License-Identifier: MIT */
/* The malloc layer's report at exit (alloy/malloc.h): when ALLOY_STATS_AT_EXIT=1 is
 * in the environment as the malloc layer makes its instance, the instance's
 * statistics report goes to stderr as the program exits. Programs close stderr in
 * exit handlers of their own (coreutils' close_stdout, xz, mawk), which run before
 * this one, registered first: their reports were lost. So it keeps a copy of
 * stderr's descriptor, taken when it is registered, for when stderr is closed at
 * exit, and what that copy named then, so as never to write into a file the program
 * opened later on the same number. It writes with write(), not stdio, so that the
 * report allocates nothing from the instance it describes. The handler asks the
 * malloc layer for its instance, and the malloc layer calls this once. Native only
 * (POSIX); part of the alloy_malloc library. */
#define _POSIX_C_SOURCE 200809L /* fcntl's F_DUPFD_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloy/malloc.h"

/* stderr as the handler was registered: a copy of its descriptor (-1: none), and the
 * file it named */
static struct {
    int fd;
    dev_t device;
    ino_t inode;
} registered = {-1, 0, 0};

/* alloy_stats_print's writer: all of the text to the descriptor `fd` (a write may
 * take part of it), as far as it takes it */
static void write_report(void *fd, const char *text, size_t length)
{
    while (length) {
        ssize_t written = write((int)(intptr_t)fd, text, length);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return;
        text += written;
        length -= (size_t)written;
    }
}

/* stderr when it is open; else the copy, if it still names the file it did */
static int report_fd(void)
{
    struct stat now;
    if (fcntl(STDERR_FILENO, F_GETFD) != -1)
        return STDERR_FILENO;
    if (registered.fd >= 0 && fstat(registered.fd, &now) == 0 && now.st_dev == registered.device &&
        now.st_ino == registered.inode)
        return registered.fd;
    return -1;
}

static void print_report(void)
{
    int fd = report_fd();
    if (fd >= 0)
        alloy_stats_print(alloy_malloc_instance(), write_report, (void *)(intptr_t)fd);
}

bool alloy_malloc_stats_at_exit(void)
{
    const char *asked = getenv("ALLOY_STATS_AT_EXIT");
    if (!asked || strcmp(asked, "1") != 0)
        return false;
    struct stat then;
    if (registered.fd < 0 && (registered.fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) >= 0) {
        if (fstat(registered.fd, &then) == 0) {
            registered.device = then.st_dev;
            registered.inode = then.st_ino;
        } else {
            close(registered.fd);
            registered.fd = -1;
        }
    }
    return atexit(print_report) == 0;
}
