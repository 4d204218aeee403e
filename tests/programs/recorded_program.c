/* SPDX-License-Identifier: MIT */
/* tests/programs/recorded_program.c - calls every allocating function that the trace
 * recorder (bench/trace_recorder.c) records, once each, and frees every block: the
 * trace_recorder test (tests/scripts/trace_recorder.py) runs it under the recorder
 * and checks the trace line by line. No alloy here: glibc serves it. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    void *p[8] = {0};
    p[0] = malloc(100);
    p[1] = calloc(3, 40);
    p[2] = realloc(NULL, 50);
    p[2] = realloc(p[2], 500);
    p[3] = aligned_alloc(64, 128);
    p[4] = memalign(24, 100); /* glibc rounds the alignment up to 32 */
    if (posix_memalign(&p[5], 256, 300))
        return 1;
    p[6] = valloc(1000);
    p[7] = pvalloc(5000);
    for (int i = 0; i < 8; i++) {
        if (!p[i])
            return 1;
        memset(p[i], i, 1); /* used, so that no call is left out */
    }
    for (int i = 0; i < 8; i++)
        free(p[i]);
    return 0;
}
