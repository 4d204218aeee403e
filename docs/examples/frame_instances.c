/* SPDX-License-Identifier: MIT */
/* frame_instances.c - several allocator instances in one program, one per subsystem
 * of a little game-like loop, each with its own statistics and per-frame meter.
 *
 *   physics  region on the platform's heap     bodies that live for many frames
 *   assets   region on the same heap           a small cache of loaded assets
 *   scratch  bumpfree on a fixed 48 KiB array  what a frame needs until its end
 *
 * Each frame starts with alloy_reset_trip on every instance, so that an instance's
 * trip high water then reports its peak within the frame; at the frame's end the
 * program prints, per subsystem, the bytes in use, the frame's peak and the all-time
 * peak. It keeps its own count of the bytes it holds from each instance (as it asked
 * for them: that is what bytes_in_use counts, not the strategies' rounded sizes) and
 * checks every figure against it, checks that working in one subsystem leaves the
 * others' figures alone, and checks the contents of every block it reads. On the
 * first failure it says what failed and exits 1.
 *
 * The platform's heap must hold what both region instances take at their peaks: each
 * takes whole pages (the largest asset, 38 KiB, needs one) and keeps them, since
 * pages do not move between instances. The static provider's default, 1 MiB, is
 * plenty; of the smaller static default heaps (-Dheap=static -Dheap_size=N) tried,
 * 75,000 to 330,000 bytes ran it, with -Dchecked=true too, but 70,000 and 200,000:
 * there the assets instance took all three pages, and the physics one had only the
 * 3,392 bytes left before the first page.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloy/bumpfree.h"
#include "alloy/default.h"
#include "alloy/region.h"

#define FRAMES 12
#define SCRATCH_BYTES (48 * 1024)
#define MAX_BODIES 48
#define CACHE_SLOTS 6
#define ASSET_IDS 16
/* what a failed allocation says (out of memory: see the top) */
#define NEEDS "the platform's heap holds more than one 64 KiB page (-Dheap_size=75000 ran this)"

static void expect(bool ok, const char *what, int frame, int line)
{
    if (ok)
        return;
    fflush(stdout);
    fprintf(stderr, "frame_instances: FAILED in frame %d (frame_instances.c:%d): %s\n", frame, line, what);
    exit(1);
}
/* every function that uses it has the frame number in `frame` */
#define EXPECT(cond) expect((cond), #cond, frame, __LINE__)

/* --- a subsystem: an instance and the program's own count of what it holds ------- */

typedef struct subsystem {
    const char *name;
    alloy_allocator *allocator;
    uint64_t live;      /* bytes held now, as asked for */
    uint64_t trip_peak; /* the most `live` has been since the frame began */
    uint64_t peak;      /* the most it has ever been */
} subsystem;

static void note(subsystem *s)
{
    if (s->live > s->trip_peak)
        s->trip_peak = s->live;
    if (s->live > s->peak)
        s->peak = s->live;
}

static void *take(subsystem *s, size_t size, size_t align)
{
    void *p = alloy_alloc(s->allocator, size, align);
    if (p) {
        s->live += size;
        note(s);
    }
    return p;
}

static void give_back(subsystem *s, void *p, size_t size, size_t align)
{
    alloy_free(s->allocator, p, size, align);
    s->live -= size;
}

/* alloy_realloc counts a block that changes size once, old size out and new size in,
 * even when it moves: the program's count does the same. */
static void *change_size(subsystem *s, void *p, size_t size, size_t align, size_t new_size)
{
    void *q = alloy_realloc(s->allocator, p, size, align, new_size);
    if (q) {
        s->live = s->live - size + new_size;
        note(s);
    }
    return q;
}

static void begin_frame(subsystem *s)
{
    alloy_reset_trip(s->allocator);
    s->trip_peak = s->live;
}

/* The instance's figures must be the program's own, to the byte. */
static void end_frame(const subsystem *s, int frame)
{
    alloy_stats st;
    alloy_stats_get(s->allocator, &st);
    EXPECT(st.shared.bytes_in_use == s->live);
    EXPECT(st.shared.trip_high_water == s->trip_peak);
    EXPECT(st.shared.high_water == s->peak);
    EXPECT(alloy_check(s->allocator));
    printf("frame %2d  %-8s %-8s in use %6llu  frame peak %6llu  all-time peak %6llu\n", frame, s->name,
           alloy_name(s->allocator), (unsigned long long)st.shared.bytes_in_use,
           (unsigned long long)st.shared.trip_high_water, (unsigned long long)st.shared.high_water);
}

/* --- the game: bodies, assets, and a frame's scratch ------------------------------ */

typedef struct body {
    float x, y, vx, vy;
    uint32_t id;
    uint32_t shape_bytes;
    unsigned char shape[]; /* every byte is (unsigned char)id */
} body;

typedef struct asset {
    uint32_t id;
    size_t bytes;
    unsigned char *data; /* every byte is (unsigned char)(id ^ 0xa5); NULL: a free slot */
    int last_used;
} asset;

typedef struct contact {
    uint32_t a, b; /* two bodies' places in world.bodies, a < b */
} contact;

typedef struct world {
    subsystem physics, assets, scratch;
    body *bodies[MAX_BODIES];
    size_t body_count;
    uint32_t next_id;
    asset cache[CACHE_SLOTS];
    uint32_t random;
} world;

static uint32_t next_random(world *w) /* xorshift32 */
{
    uint32_t x = w->random;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return w->random = x;
}

static size_t body_size(const body *b)
{
    return sizeof(body) + b->shape_bytes;
}

/* New bodies come in, every body moves, and those that leave the field go. */
static void step_physics(world *w, int frame)
{
    for (uint32_t n = next_random(w) % 5; n > 0 && w->body_count < MAX_BODIES; n--) {
        uint32_t shape_bytes = 32 + next_random(w) % 480;
        body *b = take(&w->physics, sizeof(body) + shape_bytes, _Alignof(body));
        expect(b != NULL, "a body fits: " NEEDS, frame, __LINE__);
        *b = (body){0, 0, (float)(next_random(w) % 21) - 10, (float)(next_random(w) % 21) - 10, w->next_id++,
                    shape_bytes};
        memset(b->shape, (unsigned char)b->id, shape_bytes);
        w->bodies[w->body_count++] = b;
    }
    for (size_t i = 0; i < w->body_count;) {
        body *b = w->bodies[i];
        for (uint32_t k = 0; k < b->shape_bytes; k++)
            EXPECT(b->shape[k] == (unsigned char)b->id);
        b->x += b->vx;
        b->y += b->vy;
        if (b->x * b->x + b->y * b->y > 60.0f * 60.0f) {
            give_back(&w->physics, b, body_size(b), _Alignof(body));
            w->bodies[i] = w->bodies[--w->body_count];
        } else {
            i++;
        }
    }
}

static int nearer_first(const void *x, const void *y)
{
    const body *a = *(const body *const *)x, *b = *(const body *const *)y;
    float da = a->x * a->x + a->y * a->y, db = b->x * b->x + b->y * b->y;
    return (da > db) - (da < db);
}

/* The frame's bodies in drawing order, nearest first; their contacts (pairs close
 * together) in a list that grows as it is filled; a line of text about them. All in
 * scratch, and all freed at the frame's end. */
static void step_scratch(world *w, int frame)
{
    const body **order = NULL;
    if (w->body_count > 0) {
        order = take(&w->scratch, w->body_count * sizeof *order, _Alignof(body *));
        EXPECT(order != NULL);
        memcpy(order, w->bodies, w->body_count * sizeof *order);
        qsort(order, w->body_count, sizeof *order, nearer_first);
    }

    contact *contacts = NULL;
    size_t count = 0, capacity = 0;
    for (size_t i = 0; i < w->body_count; i++) {
        for (size_t j = i + 1; j < w->body_count; j++) {
            float dx = w->bodies[i]->x - w->bodies[j]->x, dy = w->bodies[i]->y - w->bodies[j]->y;
            if (dx * dx + dy * dy > 15.0f * 15.0f)
                continue;
            if (count == capacity) {
                size_t grown = capacity ? 2 * capacity : 8;
                contact *more = change_size(&w->scratch, contacts, capacity * sizeof(contact), _Alignof(contact),
                                            grown * sizeof(contact));
                EXPECT(more != NULL);
                contacts = more;
                capacity = grown;
            }
            contacts[count++] = (contact){(uint32_t)i, (uint32_t)j};
        }
    }
    char *line = take(&w->scratch, 96, 1);
    EXPECT(line != NULL);
    snprintf(line, 96, "%zu bodies, %zu contacts", w->body_count, count);
    for (size_t i = 0; i < count; i++) /* the list is intact after growing */
        EXPECT(contacts[i].a < contacts[i].b && contacts[i].b < w->body_count);

    /* the frame is over for scratch: everything goes back, last first */
    give_back(&w->scratch, line, 96, 1);
    if (contacts)
        give_back(&w->scratch, contacts, capacity * sizeof(contact), _Alignof(contact));
    if (order)
        give_back(&w->scratch, order, w->body_count * sizeof *order, _Alignof(body *));
}

static size_t asset_size(uint32_t id)
{
    return 1024 + (size_t)id * 2741 % (40 * 1024); /* some above 32 KiB: region gives them whole pages */
}

/* The least recently used asset in the cache; NULL when the cache is empty. */
static asset *oldest(world *w)
{
    asset *old = NULL;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (w->cache[i].data && (!old || w->cache[i].last_used < old->last_used))
            old = &w->cache[i];
    return old;
}

static void evict(world *w, asset *a)
{
    give_back(&w->assets, a->data, a->bytes, 64);
    a->data = NULL;
}

/* The scene uses a few assets: a cached one is checked, a missing one is loaded.
 * When the instance is out of memory (the platform's heap may be a small array),
 * the least recently used asset goes to make room; when the cache has no free slot
 * once the asset is loaded, the least recently used one goes too. */
static void step_assets(world *w, int frame)
{
    for (uint32_t n = 1 + next_random(w) % 3; n > 0; n--) {
        uint32_t id = next_random(w) % ASSET_IDS;
        asset *found = NULL;
        for (size_t i = 0; i < CACHE_SLOTS; i++)
            if (w->cache[i].data && w->cache[i].id == id)
                found = &w->cache[i];
        if (found) {
            for (size_t k = 0; k < found->bytes; k++)
                EXPECT(found->data[k] == (unsigned char)(id ^ 0xa5));
            found->last_used = frame;
            continue;
        }
        size_t bytes = asset_size(id);
        unsigned char *data = take(&w->assets, bytes, 64);
        for (asset *old; !data && (old = oldest(w));) {
            evict(w, old);
            data = take(&w->assets, bytes, 64);
        }
        /* (with the cache empty, only the physics instance holds pages of that heap) */
        expect(data != NULL, "an asset loads once the cache is empty: " NEEDS, frame, __LINE__);
        memset(data, id ^ 0xa5, bytes);
        /* loaded first, evicted after: for a moment both are held, and the frame's
         * peak shows it */
        asset *slot = NULL;
        for (size_t i = 0; i < CACHE_SLOTS && !slot; i++)
            if (!w->cache[i].data)
                slot = &w->cache[i];
        if (!slot) {
            slot = oldest(w);
            evict(w, slot);
        }
        *slot = (asset){id, bytes, data, frame};
    }
}

/* The figures of every instance but `busy` stay what they were while `busy` works. */
static void expect_untouched(const world *w, const subsystem *busy, const alloy_stats before[3], int frame)
{
    const subsystem *all[3] = {&w->physics, &w->assets, &w->scratch};
    for (size_t k = 0; k < 3; k++) {
        if (all[k] == busy)
            continue;
        alloy_stats now;
        alloy_stats_get(all[k]->allocator, &now);
        EXPECT(now.shared.allocs == before[k].shared.allocs && now.shared.frees == before[k].shared.frees &&
               now.shared.reallocs == before[k].shared.reallocs &&
               now.shared.bytes_in_use == before[k].shared.bytes_in_use &&
               now.shared.heap_bytes == before[k].shared.heap_bytes);
    }
}

static void snapshot(const world *w, alloy_stats out[3])
{
    alloy_stats_get(w->physics.allocator, &out[0]);
    alloy_stats_get(w->assets.allocator, &out[1]);
    alloy_stats_get(w->scratch.allocator, &out[2]);
}

int main(void)
{
#if !ALLOY_STATS
    printf("frame_instances: alloy was built without statistics (-Dstats=false); nothing to show\n");
    return 77; /* meson: skipped */
#endif
    static alloy_default_heap platform;      /* wasm memory, an mmap reservation or an array */
    static unsigned char scratch_memory[SCRATCH_BYTES];
    static alloy_static_heap scratch_heap;
    static alloy_region physics_state, assets_state;
    static alloy_bumpfree scratch_state;
    static world w;
    int frame = 0;

    alloy_heap *heap = alloy_default_heap_init(&platform);
    EXPECT(heap != NULL);
    w.physics = (subsystem){"physics", alloy_region_init(&physics_state, heap), 0, 0, 0};
    w.assets = (subsystem){"assets", alloy_region_init(&assets_state, heap), 0, 0, 0};
    w.scratch = (subsystem){"scratch",
                            alloy_bumpfree_init(&scratch_state, alloy_static_heap_init(&scratch_heap, scratch_memory,
                                                                                       sizeof scratch_memory)),
                            0, 0, 0};
    w.random = 0x9e3779b9u;
    subsystem *all[3] = {&w.physics, &w.assets, &w.scratch};

    uint64_t scratch_heap_bytes = 0;
    for (frame = 1; frame <= FRAMES; frame++) {
        for (size_t k = 0; k < 3; k++)
            begin_frame(all[k]);
        alloy_stats before[3];
        snapshot(&w, before);
        step_physics(&w, frame);
        expect_untouched(&w, &w.physics, before, frame);
        snapshot(&w, before);
        step_scratch(&w, frame);
        expect_untouched(&w, &w.scratch, before, frame);
        snapshot(&w, before);
        step_assets(&w, frame);
        expect_untouched(&w, &w.assets, before, frame);
        for (size_t k = 0; k < 3; k++)
            end_frame(all[k], frame);

        /* scratch ends every frame empty and whole again: the next frame reuses the
         * same bytes from the start, and its heap never grows */
        alloy_stats s;
        alloy_stats_get(w.scratch.allocator, &s);
        EXPECT(s.shared.bytes_in_use == 0 && alloy_stats_find(&s, "bump_bytes")->value == s.shared.heap_bytes);
        if (frame == 1)
            scratch_heap_bytes = s.shared.heap_bytes;
        EXPECT(s.shared.heap_bytes == scratch_heap_bytes);
    }

    /* the game ends: everything goes back, and every instance is empty and sound */
    frame = FRAMES;
    while (w.body_count > 0) {
        body *b = w.bodies[--w.body_count];
        give_back(&w.physics, b, body_size(b), _Alignof(body));
    }
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (w.cache[i].data)
            give_back(&w.assets, w.cache[i].data, w.cache[i].bytes, 64);
    for (size_t k = 0; k < 3; k++) {
        alloy_stats s;
        alloy_stats_get(all[k]->allocator, &s);
        EXPECT(s.shared.bytes_in_use == 0 && all[k]->live == 0 && alloy_check(all[k]->allocator));
    }
#if ALLOY_DEFAULT_HEAP_MMAP
    alloy_mmap_heap_destroy(&platform);
#endif
    printf("frame_instances: %d frames, every figure as counted\n", FRAMES);
    return 0;
}
