/* SPDX-License-Identifier: MIT */
/* frame_scratch.c - the frame pattern on bumpfree: a long-lived instance for what
 * outlives a frame, and a scratch instance that is emptied at once at every frame's
 * end with alloy_bumpfree_reset, so the frame's garbage is never freed block by block.
 *
 *   world    bumpfree on the platform's heap   entities that live for many frames,
 *                                               each freed when it leaves
 *   scratch  bumpfree on a fixed 64 KiB array  everything a frame builds, dropped
 *                                               together when the frame ends
 *
 * A frame moves the entities, spawns a few and retires those that leave the field
 * (world: allocated and freed one by one), then builds its scratch data: the
 * entities sorted by distance, a label for each, and a list of close pairs that
 * grows by realloc. None of it is freed; alloy_bumpfree_reset drops it all in O(1).
 *
 * The program counts what it holds from each instance (as it asked for it: that is
 * what bytes_in_use counts) and checks, every frame: the world's figures against its
 * count; the scratch's peak within the frame (its trip high water) against its count;
 * after the reset, that the scratch holds nothing, counts every block as freed, and
 * has its whole array as bump room again; that every frame's first scratch block
 * lies at the same address (bumping starts over) and the scratch's heap never grows;
 * and check() on both instances. On the first failure it says what failed and exits
 * 1. Built with -Dpoison=valgrind it skips itself: memcheck, told of every block by
 * alloy's front end, is not told that a reset drops them (alloy/bumpfree.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloy/bumpfree.h"
#include "alloy/default.h"

#define FRAMES 40
#define SCRATCH_BYTES (64 * 1024)
#define MAX_ENTITIES 200

static int frame;

static void expect(bool ok, const char *what, int line)
{
    if (ok)
        return;
    fflush(stdout);
    fprintf(stderr, "frame_scratch: FAILED in frame %d (frame_scratch.c:%d): %s\n", frame, line, what);
    exit(1);
}
#define EXPECT(cond) expect((cond), #cond, __LINE__)

/* An instance and the program's own count of the bytes it holds from it. */
typedef struct counted {
    alloy_allocator *a;
    uint64_t live, frame_peak;
} counted;

static void *take(counted *c, size_t size, size_t align)
{
    void *p = alloy_alloc(c->a, size, align);
    EXPECT(p != NULL);
    c->live += size;
    if (c->live > c->frame_peak)
        c->frame_peak = c->live;
    return p;
}

static void *grow(counted *c, void *p, size_t size, size_t align, size_t new_size)
{
    void *q = alloy_realloc(c->a, p, size, align, new_size);
    EXPECT(q != NULL);
    c->live = c->live - size + new_size;
    if (c->live > c->frame_peak)
        c->frame_peak = c->live;
    return q;
}

typedef struct entity {
    float x, y, vx, vy;
    uint32_t id;
    uint32_t name_bytes;
    char name[]; /* "entity <id>", zero-padded to name_bytes */
} entity;

typedef struct pair {
    uint32_t a, b;
} pair;

static entity *entities[MAX_ENTITIES];
static size_t entity_count;
static uint32_t next_id, random_state = 0x2545f491u;

static uint32_t next_random(void) /* xorshift32 */
{
    uint32_t x = random_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return random_state = x;
}

static size_t entity_bytes(const entity *e)
{
    return sizeof(entity) + e->name_bytes;
}

/* The long-lived part: spawn, move, retire - each entity freed when it leaves. */
static void step_world(counted *world)
{
    for (uint32_t n = next_random() % 8; n > 0 && entity_count < MAX_ENTITIES; n--) {
        uint32_t name_bytes = 16 + next_random() % 200;
        entity *e = take(world, sizeof(entity) + name_bytes, _Alignof(entity));
        *e = (entity){0, 0, (float)(next_random() % 9) - 4, (float)(next_random() % 9) - 4, next_id++, name_bytes};
        memset(e->name, 0, name_bytes);
        snprintf(e->name, name_bytes, "entity %u", (unsigned)e->id);
        entities[entity_count++] = e;
    }
    for (size_t i = 0; i < entity_count;) {
        entity *e = entities[i];
        e->x += e->vx;
        e->y += e->vy;
        if (e->x * e->x + e->y * e->y > 40.0f * 40.0f) {
            size_t bytes = entity_bytes(e);
            alloy_free(world->a, e, bytes, _Alignof(entity));
            world->live -= bytes;
            entities[i] = entities[--entity_count];
        } else {
            i++;
        }
    }
}

static int nearer_first(const void *x, const void *y)
{
    const entity *a = *(const entity *const *)x, *b = *(const entity *const *)y;
    float da = a->x * a->x + a->y * a->y, db = b->x * b->x + b->y * b->y;
    return (da > db) - (da < db);
}

/* The frame's scratch: a sorted view, a label per entity, the close pairs. Returns
 * the first block it took, and frees nothing. */
static void *step_scratch(counted *scratch)
{
    size_t n = entity_count ? entity_count : 1;
    entity **order = take(scratch, n * sizeof *order, _Alignof(entity *));
    memcpy(order, entities, entity_count * sizeof *order);
    qsort(order, entity_count, sizeof *order, nearer_first);

    for (size_t i = 0; i < entity_count; i++) {
        char *label = take(scratch, 48, 1);
        snprintf(label, 48, "%u: %s at (%.0f, %.0f)", (unsigned)i, order[i]->name, (double)order[i]->x,
                 (double)order[i]->y);
        EXPECT(strncmp(label + strlen(label) - 1, ")", 1) == 0);
    }

    pair *pairs = NULL;
    size_t count = 0, capacity = 0;
    for (size_t i = 0; i < entity_count; i++)
        for (size_t j = i + 1; j < entity_count; j++) {
            float dx = order[i]->x - order[j]->x, dy = order[i]->y - order[j]->y;
            if (dx * dx + dy * dy > 6.0f * 6.0f)
                continue;
            if (count == capacity) {
                size_t more = capacity ? 2 * capacity : 4;
                pairs = grow(scratch, pairs, capacity * sizeof *pairs, _Alignof(pair), more * sizeof *pairs);
                capacity = more;
            }
            pairs[count++] = (pair){(uint32_t)i, (uint32_t)j};
        }
    for (size_t k = 0; k < count; k++) /* the list is intact after growing */
        EXPECT(pairs[k].a < pairs[k].b && pairs[k].b < entity_count);
    return order;
}

int main(void)
{
#if ALLOY_POISON_VALGRIND
    printf("frame_scratch: built for memcheck, which a reset would mislead; skipped\n");
    return 77; /* meson: skipped */
#endif
    static alloy_default_heap platform; /* wasm memory, an mmap reservation or an array */
    static _Alignas(16) unsigned char scratch_memory[SCRATCH_BYTES];
    static alloy_static_heap scratch_heap;
    static alloy_bumpfree world_state, scratch_state;

    alloy_heap *heap = alloy_default_heap_init(&platform);
    EXPECT(heap != NULL);
    counted world = {alloy_bumpfree_init(&world_state, heap), 0, 0};
    counted scratch = {alloy_bumpfree_init(&scratch_state, alloy_static_heap_init(&scratch_heap, scratch_memory,
                                                                                  sizeof scratch_memory)),
                       0, 0};
    EXPECT(world.a != NULL && scratch.a != NULL);

    void *first_block = NULL;
    uint64_t blocks_dropped = 0;
    for (frame = 1; frame <= FRAMES; frame++) {
        alloy_reset_trip(scratch.a);
        scratch.frame_peak = scratch.live;
        step_world(&world);
        void *first = step_scratch(&scratch);
        if (frame == 1)
            first_block = first;
        EXPECT(first == first_block); /* every frame bumps from the same place */

        alloy_stats s;
        alloy_stats_get(scratch.a, &s);
        if (ALLOY_STATS) {
            EXPECT(s.shared.bytes_in_use == scratch.live);
            EXPECT(s.shared.trip_high_water == scratch.frame_peak);
            blocks_dropped += s.shared.allocs - s.shared.frees;
        }
        uint64_t held = alloy_stats_find(&s, "live_bytes")->value;
        printf("frame %2d  %3zu entities  world %6llu bytes  scratch peak %6llu bytes (%llu held), reset\n", frame,
               entity_count, (unsigned long long)world.live, (unsigned long long)scratch.frame_peak,
               (unsigned long long)held);

        /* the frame is over: drop everything scratch handed out, at once */
        alloy_bumpfree_reset(&scratch_state);
        scratch.live = 0;
        alloy_stats_get(scratch.a, &s);
        EXPECT(alloy_stats_find(&s, "live_bytes")->value == 0 && alloy_stats_find(&s, "free_blocks")->value == 0);
        EXPECT(alloy_stats_find(&s, "bump_bytes")->value == s.shared.heap_bytes); /* the whole array again */
        EXPECT(s.shared.heap_bytes == SCRATCH_BYTES);         /* it never grew */
        if (ALLOY_STATS)
            EXPECT(s.shared.bytes_in_use == 0 && s.shared.frees == s.shared.allocs);
        EXPECT(alloy_check(scratch.a));

        alloy_stats_get(world.a, &s);
        if (ALLOY_STATS)
            EXPECT(s.shared.bytes_in_use == world.live);
        EXPECT(alloy_check(world.a));
    }

    /* the end: the world's entities go back one by one, and it is empty and sound */
    while (entity_count > 0) {
        entity *e = entities[--entity_count];
        size_t bytes = entity_bytes(e);
        alloy_free(world.a, e, bytes, _Alignof(entity));
        world.live -= bytes;
    }
    alloy_stats s;
    alloy_stats_get(world.a, &s);
    EXPECT(alloy_stats_find(&s, "live_bytes")->value == 0 && alloy_check(world.a));
#if ALLOY_DEFAULT_HEAP_MMAP
    alloy_mmap_heap_destroy(&platform);
#endif
    printf("frame_scratch: %d frames, %llu scratch blocks dropped by reset, every figure as counted\n", FRAMES,
           (unsigned long long)blocks_dropped);
    return 0;
}
