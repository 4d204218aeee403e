/* SPDX-License-Identifier: MIT */
/* A real program with alloy as its malloc (the alloy_malloc layer linked in): stdio
 * with buffered files, strdup, qsort, printf of large strings, a growing array
 * through realloc. It checks its own results and ends with
 * "alloy-tests: N passed, N failed". On wasm32-wasi tests/no_dlmalloc.py then checks
 * the link map: wasi-libc's dlmalloc must not be in the module. Built with
 * -fno-builtin: clang 14 assumes that malloc and its family leave errno alone and
 * would answer the errno checks below from what the program stored before the call. */
#define _POSIX_C_SOURCE 200809L /* strdup, posix_memalign */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloy/malloc.h"

/* the page valloc and pvalloc align to: the system's natively, memory's in wasm */
#if defined(__wasi__)
#define ALIGNED_PAGE 65536
#else
#include <unistd.h>
#define ALIGNED_PAGE sysconf(_SC_PAGESIZE)
#endif

#ifndef STRATEGY
#define STRATEGY ALLOY_DEFAULT_STRATEGY_NAME
#endif

size_t malloc_usable_size(void *p);
/* glibc's older aligned allocators, which alloy defines too (<malloc.h> declares them
 * on glibc, nothing on wasi-libc) */
void *memalign(size_t align, size_t size);
void *valloc(size_t size);
void *pvalloc(size_t size);

static unsigned passed, failed;

static void expect(int ok, const char *what)
{
    printf("[%s] dropin::%s\n", ok ? " ok " : "FAIL", what);
    ok ? passed++ : failed++;
}

static int by_value(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    /* a growing array, one element at a time */
    int *numbers = NULL;
    size_t count = 0;
    uintptr_t first_block = 0;
    for (int i = 0; i < 100000; i++) {
        int *more = realloc(numbers, (count + 1) * sizeof *numbers);
        if (!more)
            break;
        if (!numbers)
            first_block = (uintptr_t)more;
        numbers = more;
        numbers[count++] = (int)((i * 7919u) % 100003u);
    }
    expect(count == 100000, "realloc grows an array to 100,000 elements");
    qsort(numbers, count, sizeof *numbers, by_value);
    int sorted = 1;
    for (size_t i = 1; i < count; i++)
        sorted &= numbers[i - 1] <= numbers[i];
    expect(sorted, "qsort sorts it");
    free(numbers);

    /* strings */
    char *copies[256];
    for (int i = 0; i < 256; i++) {
        char text[64];
        snprintf(text, sizeof text, "string number %d", i);
        copies[i] = strdup(text);
    }
    int same = 1;
    for (int i = 0; i < 256; i++) {
        char text[64];
        snprintf(text, sizeof text, "string number %d", i);
        same &= copies[i] && strcmp(copies[i], text) == 0;
        free(copies[i]);
    }
    expect(same, "strdup copies survive");

    /* printf of a large string (into a file: Node's WASI may cut writes to a pipe) */
    size_t big = 200000;
    char *line = malloc(big + 1);
    memset(line, 'x', big);
    line[big] = 0;
    FILE *out = fopen("dropin-big-" STRATEGY ".txt", "w+");
    int printed = out ? fprintf(out, "%s\n", line) : -1;
    long length = out && fseek(out, 0, SEEK_END) == 0 ? ftell(out) : -1;
    if (out)
        fclose(out);
    remove("dropin-big-" STRATEGY ".txt");
    expect(printed == (int)big + 1 && length == (long)big + 1, "printf of a 200 KB string");
    char *formatted = malloc(big + 64);
    expect(formatted && snprintf(formatted, big + 64, "<%s>", line) == (int)big + 2, "snprintf of it");
    free(formatted);
    free(line);

    /* a buffered file, written and read back */
    FILE *f = fopen("dropin-" STRATEGY ".txt", "w");
    expect(f != NULL, "fopen for writing");
    if (f) {
        char *buffer = malloc(4096);
        setvbuf(f, buffer, _IOFBF, 4096);
        for (int i = 0; i < 5000; i++)
            fprintf(f, "line %d of the file\n", i);
        fclose(f);
        free(buffer);
        f = fopen("dropin-" STRATEGY ".txt", "r");
        char text[64];
        int lines = 0, right = 1;
        while (f && fgets(text, sizeof text, f)) {
            char want[64];
            snprintf(want, sizeof want, "line %d of the file\n", lines++);
            right &= strcmp(text, want) == 0;
        }
        if (f)
            fclose(f);
        remove("dropin-" STRATEGY ".txt");
        expect(lines == 5000 && right, "the file reads back");
    }

    /* the rest of the family */
    int *zeros = calloc(1000, sizeof(int));
    int all_zero = zeros != NULL;
    for (int i = 0; zeros && i < 1000; i++)
        all_zero &= zeros[i] == 0;
    expect(all_zero, "calloc zeroes");
    free(zeros);
    /* volatile: compilers see the overflow, or drop an unused allocation and its test */
    volatile size_t huge = SIZE_MAX / 2;
    void *volatile refused = calloc(huge, 4);
    expect(refused == NULL, "calloc refuses an overflowing product");
    volatile size_t wraps = SIZE_MAX / 16 + 2; /* times 16: 16 past SIZE_MAX, so 16 */
    errno = 0;
    refused = calloc(wraps, 16);
    expect(refused == NULL && errno == ENOMEM, "calloc refuses a product that wraps to a small size");
    /* errno: what libc sets, the program reads (on wasm both go through the TLS model
     * alloy is compiled with), and what alloy sets, the program reads too */
    errno = 0;
    FILE *missing = fopen("no-such-dir/no-such-file", "r");
    expect(missing == NULL && errno == ENOENT, "errno set by libc reads back");
    errno = 0;
    void *volatile too_big = malloc(huge * 2 + 1);
    expect(too_big == NULL && errno == ENOMEM, "a refused malloc sets errno to ENOMEM");
    void *aligned = aligned_alloc(4096, 100);
    expect(aligned && (uintptr_t)aligned % 4096 == 0, "aligned_alloc(4096)");
    free(aligned);
    void *pm = NULL;
    expect(posix_memalign(&pm, 256, 1000) == 0 && (uintptr_t)pm % 256 == 0, "posix_memalign(256)");
    expect(posix_memalign(&pm, 3, 1000) == EINVAL, "posix_memalign refuses alignment 3");
    void *kept = pm;
    expect(posix_memalign(&pm, (size_t)1 << 20, 100) == ENOMEM && pm == kept,
           "posix_memalign(1 MiB), a sound alignment alloy has no memory for: ENOMEM, the pointer untouched");
    expect(posix_memalign(&pm, 64, huge * 2 + 1) == ENOMEM && pm == kept,
           "posix_memalign out of memory: ENOMEM, the pointer untouched");
    free(pm);
    errno = 0;
    volatile size_t odd = 24; /* (a constant: clang warns it is no power of two) */
    void *volatile bad = aligned_alloc(odd, 64);
    expect(bad == NULL && errno == EINVAL, "aligned_alloc refuses alignment 24 with EINVAL");
    /* memalign, valloc, pvalloc: alloy's blocks (counted in its instance, usable,
     * freed by its free), aligned as glibc's are: a page, whole pages for pvalloc */
    {
        alloy_allocator *instance = alloy_malloc_instance();
        alloy_stats before, during, after;
        alloy_stats_get(instance, &before);
        void *m = memalign(512, 1000), *m24 = memalign(24, 100), *m0 = memalign(0, 10);
        void *v = valloc(100), *pv = pvalloc(100), *pv0 = pvalloc(0);
        alloy_stats_get(instance, &during);
        size_t page = (size_t)ALIGNED_PAGE;
        expect(m && (uintptr_t)m % 512 == 0 && malloc_usable_size(m) >= 1000, "memalign(512)");
        expect(m24 && (uintptr_t)m24 % 32 == 0 && m0 && (uintptr_t)m0 % 16 == 0,
               "memalign rounds an alignment up to a power of two, 16 at least");
        expect(v && (uintptr_t)v % page == 0 && malloc_usable_size(v) >= 100, "valloc: a page's alignment");
        expect(pv && (uintptr_t)pv % page == 0 && malloc_usable_size(pv) >= page && pv0 &&
                   (uintptr_t)pv0 % page == 0 && malloc_usable_size(pv0) >= page,
               "pvalloc: whole pages, one for size 0");
        void *blocks[] = {m, m24, m0, v, pv, pv0};
        for (size_t k = 0; k < sizeof blocks / sizeof blocks[0]; k++)
            if (blocks[k])
                memset(blocks[k], 0x5A, malloc_usable_size(blocks[k]));
        expect(during.shared.allocs == before.shared.allocs + 6 &&
                   during.shared.bytes_in_use >= before.shared.bytes_in_use + 1000 + 100 + 10 + 100 + 2 * page,
               "memalign, valloc and pvalloc allocate from alloy's instance");
        for (size_t k = 0; k < sizeof blocks / sizeof blocks[0]; k++)
            free(blocks[k]);
        alloy_stats_get(instance, &after);
        expect(after.shared.bytes_in_use == before.shared.bytes_in_use && alloy_check(instance),
               "free takes their blocks back");
        errno = 0;
        void *volatile too_aligned = memalign((size_t)1 << 20, 10);
        expect(too_aligned == NULL && errno == EINVAL, "memalign refuses an alignment above 64 KiB with EINVAL");
        errno = 0;
        void *volatile wraps_pages = pvalloc(SIZE_MAX - 10);
        expect(wraps_pages == NULL && errno == ENOMEM, "pvalloc refuses a size whose pages wrap");
    }
    void *p = malloc(777);
    expect(p && (uintptr_t)p % 16 == 0 && malloc_usable_size(p) >= 777, "16-byte alignment, usable size");
    errno = 0;
    expect(realloc(p, 0) == NULL && errno == 0, "realloc to 0 frees, and is no failure (errno stays)");
    void *zero = malloc(0);
    expect(zero != NULL, "malloc(0) is a unique block");
    free(zero);
    free(NULL);

    /* and it was alloy all along */
    alloy_allocator *a = alloy_malloc_instance();
    alloy_stats s;
    alloy_stats_get(a, &s);

    /* malloc and free of small blocks, the ones a strategy may serve inline
     * (strategies/region_quick.h), beside larger ones: contents survive, every call is
     * counted, what was in use comes back to the same figure, and freed blocks serve
     * later rounds (the heap stops growing) */
    enum { held = 64, rounds = 2000 };
    unsigned char *blocks[held];
    size_t sizes[held];
    uint64_t heap_after_warmup = 0;
    int intact = 1;
    for (int round = 0; round < rounds; round++) {
        for (int i = 0; i < held; i++) {
            sizes[i] = 1 + (size_t)(i * 37 + round * 11) % (i % 8 == 0 ? 3000 : 600);
            blocks[i] = malloc(sizes[i]);
            intact &= blocks[i] != NULL;
            if (blocks[i])
                memset(blocks[i], i, sizes[i]);
        }
        for (int k = 0; k < held; k++) {
            int i = (k * 29 + round) % held; /* 29 is prime to 64: every block once */
            for (size_t b = 0; blocks[i] && b < sizes[i]; b++)
                intact &= blocks[i][b] == (unsigned char)i;
            free(blocks[i]);
        }
        if (round == 9) {
            alloy_stats w;
            alloy_stats_get(a, &w);
            heap_after_warmup = w.shared.heap_bytes;
        }
    }
    alloy_stats after;
    alloy_stats_get(a, &after);
    expect(intact, "small blocks are served and their contents survive malloc and free");
    expect(after.shared.allocs - s.shared.allocs == (uint64_t)held * rounds &&
               after.shared.frees - s.shared.frees == (uint64_t)held * rounds,
           "every malloc and free is counted");
    expect(after.shared.bytes_in_use == s.shared.bytes_in_use, "bytes in use come back to the same figure");
    expect(after.shared.heap_bytes == heap_after_warmup, "freed blocks serve later rounds: the heap stops growing");
    alloy_stats_get(a, &s);
    /* (with the meson option checked, the instance is the checked wrapper over it) */
    const char *served_by = ALLOY_DEFAULT_CHECKED ? s.inner[0].strategy : s.strategy;
    expect(served_by && strcmp(served_by, STRATEGY) == 0 && s.shared.allocs > 256 && s.shared.reallocs >= 99999,
           "alloy served every allocation");
    expect(alloy_check(a), "the instance checks out");
#if !defined(__wasm__)
    (void)first_block;
    /* the default reservation reaches as far as region's offsets (64 GiB), not 1 GiB:
     * 3 GiB is address space only, touched at both ends (the meson option heap_size
     * sets a reservation of its own: then 3 GiB is refused below it) */
    /* (not with -Dchecked=true: the checked wrapper fills every block it hands out and
     * takes back, so 3 GiB would be touched whole: 3 GiB resident and seconds of work) */
#if !ALLOY_DEFAULT_CHECKED
    size_t three_gib = (size_t)3 << 30;
    char *volatile beyond = malloc(three_gib);
    if (beyond)
        beyond[0] = beyond[three_gib - 1] = 1;
    size_t reserved = ALLOY_DEFAULT_HEAP_REQUEST;
    if (reserved == 0 || reserved > three_gib + ((size_t)1 << 30))
        expect(beyond != NULL, "malloc of 3 GiB (the default heap reserves 64 GiB)");
    else
        expect(beyond == NULL, "malloc of 3 GiB refused: more than the meson option heap_size reserves");
    free(beyond);
#endif
#else
    /* alloy is the sole allocator, so its heap starts at __heap_base */
    extern unsigned char __heap_base;
    uintptr_t base = (uintptr_t)&__heap_base;
    expect(first_block >= base && first_block < base + 70000, "the first block lies at __heap_base");
#endif
    printf("alloy-tests: %u passed, %u failed\n", passed, failed);
    return failed != 0;
}
