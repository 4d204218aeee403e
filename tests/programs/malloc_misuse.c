/* SPDX-License-Identifier: MIT */
/* A program with alloy as its malloc that frees a block twice (no argument), or
 * frees it and then reallocs it to a size it could have had (argument "realloc").
 * Built with the meson option `checked` on, the malloc layer's instance is behind
 * the checked wrapper, whose default handler reports the double free on stderr and
 * aborts: run by tests/scripts/malloc_misuse.py, which expects exactly that. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    char *volatile p = malloc(24);
    if (!p)
        return 2;
    p[0] = 1;
    free(p);
    if (argc > 1 && !strcmp(argv[1], "realloc"))
        p = realloc(p, 8); /* the size the wrapper tells an unknown pointer's block: 16 */
    else
        free(p);
    puts("the double free was not caught");
    return 0;
}
