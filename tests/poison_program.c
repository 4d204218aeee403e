/* A deliberately buggy program, for builds with -Dpoison=valgrind or -Dpoison=asan:
 * tests/poison_check.py runs it (under memcheck, or as it is with ASan) and expects
 * the checker's report of the bug the argument names:
 *
 *   use_after_free STRATEGY   reads a byte of a freed 64-byte block
 *   leak STRATEGY             drops the last pointer to a live 100-byte block
 *
 * STRATEGY is region or bumpfree, on an mmap heap, or checked: the checked wrapper
 * over region, whose blocks lie inside region's. Without the poison option alloy
 * tells the checker nothing and the bugs go unseen, which is what the option is for. */
#include <stdio.h>
#include <string.h>

#include "alloy/bumpfree.h"
#include "alloy/checked.h"
#include "alloy/region.h"

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    static alloy_mmap_heap heap;
    static alloy_region region;
    static alloy_bumpfree bumpfree;
    static alloy_checked checked;
    alloy_heap *h = alloy_mmap_heap_init(&heap, 64 * ALLOY_PAGE_SIZE);
    alloy_allocator *a = strcmp(argv[2], "bumpfree") == 0 ? alloy_bumpfree_init(&bumpfree, h)
                                                         : alloy_region_init(&region, h);
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
                    wrapper's blocks lie inside region's) */
    return 0;
}
