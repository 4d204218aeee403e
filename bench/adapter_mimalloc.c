/* SPDX-License-Identifier: MIT */
/* bench/adapter_mimalloc.c - mimalloc behind the bench adapter (bench.h), called
 * through its own API (mi_malloc, mi_malloc_aligned, mi_realloc, mi_free), so that
 * it runs beside glibc's malloc rather than replacing it. The heap figure is the
 * process's resident memory (/proc/self/statm, read without stdio) less what was
 * resident when the run began: mimalloc commits its 32 MiB arena whole, so its own
 * commit count (which mi_process_info also reports as resident) says nothing about
 * use; pages become resident as they are touched. The bench program's own arrays
 * are resident by then, but for the workload's slot arrays (at most 200 KiB).
 */
#define _POSIX_C_SOURCE 200112L
#include <fcntl.h>
#include <unistd.h>

#include <mimalloc.h>

#include "bench.h"

static uint64_t resident_before;

static uint64_t resident(void)
{
    char text[128];
    int fd = open("/proc/self/statm", O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return 0;
    text[n] = 0;
    uint64_t pages = 0;
    const char *c = text;
    while (*c && *c != ' ') /* the first field is the size; the second, resident pages */
        c++;
    while (*c == ' ')
        c++;
    for (; *c >= '0' && *c <= '9'; c++)
        pages = pages * 10 + (uint64_t)(*c - '0');
    return pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

static bool open_mimalloc(void)
{
    resident_before = resident();
    return true;
}

static void *alloc(size_t size, size_t align)
{
    return align <= 16 ? mi_malloc(size) : mi_malloc_aligned(size, align);
}

static void release(void *p, size_t size, size_t align)
{
    (void)size;
    (void)align;
    mi_free(p);
}

static void *reallocate(void *p, size_t old_size, size_t new_size, size_t align)
{
    (void)old_size;
    return align <= 16 ? mi_realloc(p, new_size) : mi_realloc_aligned(p, new_size, align);
}

static uint64_t heap_bytes(void)
{
    uint64_t now = resident();
    return now > resident_before ? now - resident_before : 0;
}

const bench_allocator bench_allocators[] = {
    {"mimalloc", open_mimalloc, alloc, release, reallocate, heap_bytes, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
