/* SPDX-License-Identifier: MIT */
/* A deliberately buggy program, for builds with -Dpoison=valgrind or -Dpoison=asan:
 * tests/scripts/poison_check.py runs it (under memcheck, or as it is with ASan) and
 * expects the checker's report of the bug the argument names:
 *
 *   use_after_free plain|checked   reads a byte of a freed 64-byte block
 *   leak plain|checked             drops the last pointer to a live 100-byte block
 *
 * on an instance of the strategy STRATEGY (a token: meson builds one program per
 * strategy) on an mmap heap, or with `checked`, under the checked wrapper, whose
 * blocks lie inside the instance's. Without the poison option alloy tells the
 * checker nothing and the bugs go unseen, which is what the option is for. */
#include <stdio.h>
#include <string.h>

#include "alloy/checked.h"
#include "alloy/strategies.h"

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    static alloy_mmap_heap heap;
    static ALLOY_PASTE(alloy_, STRATEGY, ) instance;
    static alloy_checked checked;
    alloy_heap *h = alloy_mmap_heap_init(&heap, 64 * ALLOY_PAGE_SIZE);
    alloy_allocator *a = ALLOY_PASTE(alloy_, STRATEGY, _init)(&instance, h);
    if (strcmp(argv[2], "checked") == 0)
        a = alloy_checked_init(&checked, a);
    if (!a)
        return 2;
    /* neighbours, so that the freed block is neither merged away nor at the bump edge */
    char *before = alloy_alloc(a, 64, 16), *block = alloy_alloc(a, 64, 16), *after = alloy_alloc(a, 64, 16);
    memset(block, 'x', 64);
    if (strcmp(argv[1], "use_after_free") == 0) {
        alloy_free(a, block, 64, 16);
        volatile char *stale = block;
        printf("read %d\n", stale[40]); /* the bug */
    } else if (strcmp(argv[1], "leak") == 0) {
        char *volatile lost = alloy_alloc(a, 100, 16);
        memset(lost, 'y', 100);
        lost = NULL; /* the bug: the block is still allocated */
        alloy_free(a, block, 64, 16);
    } else {
        return 2;
    }
    alloy_free(a, before, 64, 16);
    (void)after; /* live at exit: memcheck's leak check must cope with it (the checked
                    wrapper's blocks lie inside the instance's) */
    return 0;
}
