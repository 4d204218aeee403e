/* SPDX-License-Identifier: MIT */
/* A program with alloy as its malloc that frees a block twice. Built with the meson
 * option `checked` on, the malloc layer's instance is behind the checked wrapper,
 * whose default handler reports the double free on stderr and aborts: run by
 * tests/scripts/malloc_misuse.py, which expects exactly that. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    char *volatile p = malloc(24);
    if (!p)
        return 2;
    p[0] = 1;
    free(p);
    free(p);
    puts("the double free was not caught");
    return 0;
}
