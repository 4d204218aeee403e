/* SPDX-License-Identifier: MIT */
/* bench/trace_replay.c - replays a recorded allocation trace as a workload.
 *
 * Trace format (text, one operation per line; bench/trace_recorder.c writes it):
 *
 *   # comment lines start with '#'; blank lines are skipped
 *   a ID SIZE ALIGN    allocate SIZE bytes aligned to ALIGN as block ID
 *                      (malloc and calloc: ALIGN 16; aligned_alloc, posix_memalign,
 *                      memalign: theirs, at least 16 and rounded up to a power of
 *                      two; valloc and pvalloc: the page's, with pvalloc's SIZE
 *                      rounded up to whole pages)
 *   r ID SIZE ALIGN    resize block ID to SIZE bytes, moving it if need be (realloc);
 *                      ALIGN repeats the block's alignment
 *   f ID SIZE ALIGN    free block ID; SIZE and ALIGN repeat the block's, so that a
 *                      sized free can be replayed
 *
 * IDs are small integers (below 2^19) naming the blocks live at one time: an ID is
 * reused after its block is freed. Sizes are below 2^32; size 0 replays as 1 byte.
 * The whole trace is read and checked before any run (every ID freed or resized is
 * live with the size and alignment given, no ID is allocated twice), so replay does
 * no parsing. A replay frees whatever the trace leaves live, in ID order, at its end
 * (recordings are cut off after so many operations). Each block's first byte is
 * written at allocation; contents are not otherwise touched. --quick replays the
 * first eighth of the trace.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define MAX_OPS ((size_t)1 << 20)
#define MAX_IDS ((size_t)1 << 19)

typedef struct trace_op {
    uint32_t id;
    uint32_t size;
    uint32_t align;
    char op;
} trace_op;

typedef struct trace_block {
    void *p;
    uint32_t size;
    uint32_t align;
} trace_block;

static trace_op ops[MAX_OPS];
static size_t op_count;
static trace_block blocks[MAX_IDS];
static size_t id_limit; /* 1 + the highest ID used */

size_t bench_trace_load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 0;
    }
    char line[256];
    unsigned long line_no = 0;
    bool ok = true;
    memset(blocks, 0, sizeof blocks);
    while (ok && fgets(line, sizeof line, f)) {
        line_no++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char op;
        unsigned long id, size, align;
        if (sscanf(line, " %c %lu %lu %lu", &op, &id, &size, &align) != 4 || (op != 'a' && op != 'r' && op != 'f') ||
            id >= MAX_IDS || size > UINT32_MAX || align == 0 || align > 65536 || (align & (align - 1)) ||
            op_count == MAX_OPS) {
            fprintf(stderr, "%s:%lu: not a trace operation, or too many\n", path, line_no);
            ok = false;
            break;
        }
        if (size == 0)
            size = 1;
        /* blocks[].p marks liveness while loading: any non-NULL value */
        trace_block *b = &blocks[id];
        bool live = b->p != NULL;
        if (op == 'a' ? live : (!live || (op == 'f' && b->size != size) || b->align != align)) {
            fprintf(stderr, "%s:%lu: block %lu is %s\n", path, line_no, id,
                    live ? "live already, or named with another size or alignment" : "not live");
            ok = false;
            break;
        }
        b->p = op == 'f' ? NULL : (void *)blocks;
        b->size = (uint32_t)size;
        b->align = (uint32_t)align;
        ops[op_count++] = (trace_op){(uint32_t)id, (uint32_t)size, (uint32_t)align, op};
        if (id + 1 > id_limit)
            id_limit = id + 1;
    }
    fclose(f);
    memset(blocks, 0, sizeof blocks);
    if (ok && op_count == 0) {
        fprintf(stderr, "%s: no operations\n", path);
        ok = false;
    }
    return ok ? op_count : 0;
}

bool bench_trace_replay(bench_run *r)
{
    size_t count = r->quick ? op_count / 8 : op_count;
    for (size_t i = 0; i < count; i++) {
        const trace_op *o = &ops[i];
        trace_block *b = &blocks[o->id];
        if (o->op == 'a') {
            b->p = bench_alloc(r, o->size, o->align);
            b->size = o->size;
            b->align = o->align;
        } else if (o->op == 'r') {
            b->p = bench_realloc(r, b->p, b->size, o->size, b->align);
            b->size = o->size;
        } else {
            bench_free(r, b->p, b->size, b->align);
            b->p = NULL;
        }
        if (i % 1024 == 0 && bench_stopped(r))
            break;
    }
    for (size_t id = 0; id < id_limit; id++)
        if (blocks[id].p) {
            bench_free(r, blocks[id].p, blocks[id].size, blocks[id].align);
            blocks[id].p = NULL;
        }
    return true;
}
