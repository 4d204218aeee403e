/* SPDX-License-Identifier: MIT */
/* The malloc layer's report at exit (alloy_malloc_stats_at_exit, stats/malloc_at_exit.c),
 * apart from the malloc layer: this program stands in for it, with an instance of its
 * own as alloy_malloc_instance(), calls alloy_malloc_stats_at_exit() as the malloc
 * layer does once, allocates 100, 200 and 300 bytes, frees the 200 and exits. With the
 * argument close-stderr it closes stderr as it exits, in a handler of its own that
 * runs before the report's (as coreutils' close_stdout does); with close-all FILE it
 * does that too, and first closes descriptors 3 to 63, as a daemon does, then writes
 * "data" to FILE, opened on the lowest free descriptor.
 * tests/scripts/stats_at_exit.py runs it with and without ALLOY_STATS_AT_EXIT=1 and
 * reads the report on stderr. Prints whether the handler was registered. */
#define _POSIX_C_SOURCE 200809L /* open, close, write */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloy/malloc.h"
#include "alloy/region.h"

static unsigned char arena[1 << 20];
static alloy_static_heap heap;
static alloy_region storage;
static alloy_allocator *instance;

alloy_allocator *alloy_malloc_instance(void)
{
    if (!instance)
        instance = alloy_region_init(&storage, alloy_static_heap_init(&heap, arena, sizeof arena));
    return instance;
}

static void close_stderr(void)
{
    fclose(stderr);
}

int main(int argc, char **argv)
{
    alloy_allocator *a = alloy_malloc_instance();
    printf("registered: %s\n", alloy_malloc_stats_at_exit() ? "yes" : "no");
    bool close_all = argc > 2 && strcmp(argv[1], "close-all") == 0;
    if (close_all) {
        for (int fd = 3; fd < 64; fd++)
            close(fd);
        int file = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (file < 0 || write(file, "data", 4) != 4)
            return 1;
    }
    bool closes_stderr = close_all || (argc > 1 && strcmp(argv[1], "close-stderr") == 0);
    if (closes_stderr && atexit(close_stderr) != 0)
        return 1;
    void *kept[2] = {alloy_alloc(a, 100, 16), alloy_alloc(a, 300, 16)};
    void *freed = alloy_alloc(a, 200, 16);
    alloy_free(a, freed, 200, 16);
    return kept[0] && kept[1] && freed ? 0 : 1;
}
