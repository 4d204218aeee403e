/* SPDX-License-Identifier: MIT */
/* region: small blocks from one-page regions that coalesce at once, large blocks as
 * runs of whole pages linked through trailers - alloc_cat's shape, with its region
 * internals designed here - and one pool of pages that both kinds draw from.
 *
 * Frames
 *   A provider hands out 64 KiB pages, all congruent modulo 64 KiB (alloy/heap.h), so
 *   the heap divides into frames, [phase + k * 64 KiB, + 64 KiB), and the frame of
 *   any pointer is three instructions away. A frame holds one region or is part of a
 *   run of pages. That is what makes every small-block operation O(1), whatever the
 *   number of regions.
 *
 * Small blocks (up to 32 KiB): regions
 *   A region is one frame of 4,096 units of 16 bytes:
 *
 *     | header | blocks: units 1 .. 4,032 (64,512 bytes)             | maps: FREE, LIVE    |
 *     ^frame    ^frame + 16                                          ^frame + 64,528       ^+64 KiB
 *
 *   header: a tag (see Blocks' sizes) and the links of the list of regions. Two maps
 *   of a bit a unit, one after the other: FREE on the first unit of every free
 *   block, LIVE on the last unit of every live block. So the block after a block is
 *   free exactly when its first unit has a FREE bit, and the block before
 *   it is free exactly when the unit before it has no LIVE bit; and a live block's
 *   size is the distance to the next LIVE bit. The region on the heap's initial space
 *   may start later in its frame: its header lives in the instance (unit 0 may not be
 *   ours), a LIVE bit marks the unit before its first, and it is never given back.
 *   Blocks are whole units with no header. A free block holds { next, prev, units }
 *   at its start and its units again in its last 4 bytes; next and prev are offsets,
 *   in units, from the frame that holds the heap's start, so the layout is the same
 *   on wasm32 and x86_64 and reaches 64 GiB (pages beyond that serve large blocks).
 *
 *   Free blocks sit on 60 segregated, doubly linked lists with a bitmap of the
 *   non-empty ones: 1..32 units one list each, then four lists per power of two.
 *   alloc pops the head of the request's exact list when it can (no split, no
 *   search), else splits the smallest larger block; otherwise it takes the head of
 *   its own list if that fits, else the head of the first non-empty list whose every
 *   block fits, else tries the other heads from there down; and when the heap gives
 *   no page for a new region, it walks those lists for a block that fits behind
 *   their heads (a list of four sizes can hold one behind a smaller head: a full
 *   heap returned NULL with such a block free). What the block has to spare in front
 *   (alignment) and behind goes back as free blocks. free coalesces at once, with
 *   both neighbours, found through the maps (a free block before keeps its place on
 *   its list when its class stays). A new region is one free block of 4,032 units.
 *   A free block of more than 32 units, other than a whole region's, goes behind
 *   the blocks below it at its list's front, four at most, so the lists lean
 *   to low addresses: low regions fill up and high ones empty out, whole for
 *   requests of any size (the bench's mixed heap, as malloc: 54 -> 51 pages
 *   natively, 1.27x -> 1.20x its live bytes, and 1.19x in wasm, where three steps
 *   left it at 1.21x; for at most 5.3 instructions a call, 12 with a 1 GiB heap;
 *   sorting whole lists saves no more pages there, and sorting the exact lists
 *   saves none). A whole region's block goes first: a request whose alignment only
 *   a whole region can meet looks at that list's head alone, and would take region
 *   after region.
 *
 *   Quick lists (builds for speed only): a freed block of up to 64 units whose
 *   block before is live (else freeing it grows that block in place, cheaply) is
 *   kept whole, still marked live, on its size's quick list, and the next request
 *   of its size takes it back without touching a map or a list. A list holds as
 *   many as are freed. They are freed for real before a request would take a new
 *   region or grow the heap (for a small request a size at a time, the largest
 *   first, until it fits; a large block that grows in place at the heap's end grows
 *   it with blocks kept), before a resize would refuse for the block behind
 *   being one of them (one of the last 8 kept of its size: a resize looks no
 *   further), and when a phase ends (below); no block is kept by a free that
 *   leaves live_units below low_water (the last live small block's, or one of the
 *   last few: see Phases), so that such a free sees the end. live_units does not
 *   count them. Lists
 *   of at most 64 blocks each merged the rest of a burst of frees at once, and
 *   the next requests of that size split them again (callgrind, as malloc: lifo
 *   234 -> 170 instructions a call, the python trace 163 -> 133, medium 186 -> 158,
 *   small 104 -> 96, mixed 130 -> 125; under Node, lifo 312 -> 173 x86
 *   instructions a call, medium 241 -> 166, perl 240 -> 217; at most 255 a list:
 *   lifo 203, python 160, medium 160). No heap grew for it but big-heap's, by
 *   0.1%, and mixed's fell from 53 to 52 pages. The
 *   block after may be free: keeping the block rather than merging it saves the
 *   merge and the split of the next request of its size (callgrind, as malloc:
 *   python trace 199 -> 171 instructions a call, churn 131 -> 123), for 3 more
 *   pages on the bench's mixed heap (1.20x -> 1.27x its live bytes, before the lists
 *   leaned low). Keeping also the blocks whose block before is free: mixed went to
 *   1.71x. Up to 32 units
 *   only, blocks of 513 to 1,024 bytes freed and asked for at random (4,096 live)
 *   cost 284 instructions a call as malloc against glibc's 135, split and merged
 *   each time, 154 kept whole; the bench's medium workload (16..1,024 bytes) 225 ->
 *   187, its heap 1.10x -> 1.07x the live bytes, and big-heap's 1.08x -> 1.04x. The
 *   price is mixed's heap, 1.20x -> 1.24x its live bytes (the mean of 12 seeds, 1.197
 *   -> 1.227): its blocks of 513 to 1,024 bytes are rare, and wait long for a request
 *   of their size. Two at most of each of those sizes cost 1.205 and left medium at
 *   203; up to 128 units, mixed's heap went to 1.25x (1.33x, the mean of 12 seeds,
 *   once the lists held every block). Taking a block back
 *   and keeping one are inline in region_quick.h, which the malloc layer calls too,
 *   so that its malloc and free of such a block make no call into region. Its free
 *   finds the size of a block of up to 56 units in one load of the live map. (With
 *   the maps interleaved, a unit's two bits in one word, that load reached 28 units,
 *   and a branch chose a second window for longer blocks; it mispredicted on churn's
 *   sizes, 1 to 32 units, whose malloc and free took 10.4 ns a call against glibc's
 *   9.4, then 9.5. Apart, the maps also cost fewer instructions: as malloc, mixed
 *   126.0 -> 123.9 a call, realloc-grow 459.8 -> 436.7, big-heap 152.4 -> 147.2, and
 *   big-heap took 92 ns a call, not 110.)
 *
 *   The top (builds for speed only), as dlmalloc's top chunk: a whole empty region
 *   that a request of 16-byte alignment cuts becomes the top, and its units from
 *   top_first to its end stay on no list, with no bit in its maps. A request that
 *   finds no block of its size and no larger one on the lists (the heap is growing)
 *   takes the top's first units and sets one LIVE bit. Another whole region is cut
 *   only when the top is too short: it becomes the top, and the old one goes to the
 *   lists, merged with a free block before it; so does a top that a request cannot
 *   use (too long, or aligned further) before blocks kept whole are merged or a
 *   region is taken. A block before the top does not merge with it when freed: it
 *   would wait behind the top for requests of its size (the bench's mixed heap went
 *   from 1.22x to 1.24x its live bytes). But the free that leaves nothing live in
 *   the top's region makes it one free block again (so a large block finds its page
 *   once the blocks kept whole are merged: a top whose region holds a live block
 *   frees no page, and releasing it before a large block grew the heap cost the
 *   python trace as wasm's malloc, replayed a second time, 178.7 x86 instructions a
 *   call under Node against 163.6), and a small block grows into the top in place.
 *   Splitting a region's tail on its list moved the block's record and set and
 *   cleared three map bits (callgrind, sized: lifo 150.5 -> 120.2 instructions a
 *   call, fifo 197.2 -> 168.7, medium 143.9 -> 126.7, big-heap 138.9 -> 121.8,
 *   many-large 186.0 -> 154.8, the perl trace 139.4 -> 131.8, python 129.1 ->
 *   121.0; mixed 126.3 -> 126.7, realloc-grow 376.6 -> 378.4; no workload's heap
 *   changed).
 *
 * Phases
 *   When the last live small block is freed, a phase of the program has ended, and
 *   every region holds free blocks and blocks kept whole only. When there are
 *   several, they all start again as on a fresh heap: the quick lists and free lists
 *   are emptied, the initial region becomes one free block again, and every other
 *   region's page goes back to the pool. So the next phase fits what a fresh heap
 *   fits. Without this, on static heaps after random requests all freed, 44 of 300
 *   phases (7 in builds for size; tests/unit/region_test.c) fitted fewer blocks than
 *   a fresh heap, less phase_changes' tolerance (25 blocks instead of 41, say):
 *   blocks kept whole and empty regions stayed where the last phase left them, the
 *   next phase's small blocks took them, and the pages they pinned split the runs
 *   that large blocks needed. A single region stays (a fresh heap would set one up
 *   too, and a program that allocates a few blocks and frees them all, over and
 *   over, moves no page), and the blocks kept whole in it are merged: it is one
 *   free block again. A large block asked for while no region is left sets up
 *   none: a fresh heap's first allocation sets one up, as alloc_cat's does, but
 *   after a phase that region would cut a page out of the pool's runs (a 4 MiB
 *   static heap fits 15 blocks of 200 KiB fresh, and 16 after a phase of small
 *   blocks). The regions' pages go back as one batch, sorted by address (builds
 *   for speed), so that one walk of the list of runs puts them all in place. Cost:
 *   a phase that used several regions sets them up again (callgrind, as malloc:
 *   lifo, whose every round is a phase, 220.9 -> 231.0 instructions a call, fifo
 *   210.2 -> 226.2), and keeping blocks whole counts them out of live_units and
 *   checks for the last one (mixed 128.2 -> 130.3, small 101.0 -> 103.0, churn
 *   108.4 -> 110.8).
 *   A phase also ends beside blocks that stay (in wasm, as the program's malloc,
 *   the blocks wasi-libc allocates before main: three in the bench, of 2, 1 and
 *   105 bytes): when a free or a shrink leaves at most LOW_WATER (16) units live
 *   for each region but the first, 1/252 of their units (below low_water; with one
 *   region, only the last free ends a phase). When there is anything to merge or
 *   give back (blocks kept whole, the top, an empty region), it puts the quick
 *   lists aside (quick[64..127]); and no free keeps a block whole below low_water.
 *   The next allocation that misses the quick lists (empty now) turns the top into
 *   a free block, merges the blocks put aside, and gives every empty region back to
 *   the pool: all of them, as a fresh heap has no spare one (keeping the lowest,
 *   the next request aligned to 32 KiB took it rather than room beside the block
 *   that stays). BULK_KEPT (4) blocks kept a region or more are merged in bulk:
 *   they become free blocks, and each region's FREE map is walked once, merging
 *   the free blocks that touch and listing them again (replaying the perl trace
 *   again under Node, 35,000 of them merged a size at a time had cost 16.6 of its
 *   208.8 x86 instructions a call); fewer are merged one by one, so that a program
 *   whose live units hover at the mark pays for no walk of every region (a
 *   reviewer's loop of a 256-byte malloc and free across the mark, beside 4,000
 *   regions that each hold a block: 140 us a pair with the walk every time, 30-60
 *   ns now, and 4.4 ns before this, when the block was kept whole). A region that
 *   a free empties below low_water goes back at the next allocation too; so a block
 *   that needs a region of its own, allocated and freed across the mark, gives a
 *   page back and takes it again each time: 100-115 ns a pair (32,000 bytes beside
 *   150 regions that each hold a block; 13-31 ns before the mark), however many
 *   runs lie below the page, as the page goes back from the link below where it was
 *   taken (the finger, below). It was 200-225 ns, when each phase's end looked at
 *   all 128 quick lists though none held a block, and 29 us with 4,000 runs below
 *   the page, when it walked the runs from the first. Tried and dropped: parking the
 *   empty regions, off the lists, for the next new regions to take back before the
 *   pool's pages. A parked page in the middle of the pool split the run that a
 *   large block needed: on a static heap of 400 KiB, one of the 300 random phases
 *   fitted 1 block where a fresh heap fits 6 (which page a new region takes must be
 *   the pool's choice). When the last block is freed first, the restart drops what
 *   was put aside. Builds for size have nothing to merge: their next allocation
 *   gives the empty regions back.
 *   Before, one block that stayed kept every phase from ending: the next phase's
 *   small blocks took the blocks kept whole all over the heap, pinning the pages
 *   large blocks needed (phase_changes, with a 48-byte block kept live, fitted
 *   1,536 small blocks beside a doubling table after a phase of small ones where a
 *   fresh heap fits 15,806; random phases beside such a block, 58 of 300 fewer
 *   than a fresh heap, 5 in builds for size). Cost (callgrind, as malloc, reduced
 *   runs): lifo 131.9 -> 133.4 instructions a call, medium 132.1 -> 133.1, python
 *   trace 121.5 -> 122.4, fifo 190.9 -> 189.3, perl 134.8 -> 134.2, the others
 *   within 0.1; under Node, as malloc, the traces replayed again: perl 208.8 ->
 *   193.8 x86 instructions a call, python 163.6 -> 173.5 (the blocks one replay
 *   kept whole are merged, not reused by the next), sqlite 173.2 -> 175.6; 264
 *   bytes of instance (the lists put aside), and 197 of wasm code for malloc +
 *   free. Tried first: the same bound checked at every allocation and disarmed
 *   once it fired missed phases whose live units had dipped below it before (4 of
 *   the 300), and a bound of 1/64 of the regions' units cost lifo 13 instructions a
 *   call (its rounds cross it on the way to nothing live).
 *
 * Large blocks (over 32 KiB) and the pool of pages
 *   A large block takes a run of whole pages:
 *
 *     | header | block ...                       | unused | link: the next run |
 *     ^a frame  ^unit 1 (or aligned further)                                   ^a frame
 *
 *   The last bytes of every run hold an alloy_page_link describing the next run
 *   (page count, words its block leaves unused, address), so the list of runs is
 *   threaded through the pages themselves; the instance holds the link that describes
 *   the first, and the list is kept in address order. The first unit of every run
 *   holds its header: a tag that is not a region's and where the link that describes
 *   the run lies, so that a block's run is found from its pointer, and a link also
 *   says whether the run it ends is free, and its pages, so that a run reaches the
 *   run before it. Free runs are the pool. They sit on lists too, through their
 *   second unit: one per page count up to 31 pages and one for more (builds for size
 *   keep one list). alloc takes the free run that fits best (the head of the first
 *   list of runs large enough; on the last list, or for an alignment above 16, the
 *   best of a list's runs, the lowest of equals) and splits off what it does not
 *   need; a new region takes one page the same way, before the heap grows. free
 *   marks the run free. A region whose last block is freed while other small blocks
 *   live stays a region (one free block of all its units) and the free is O(1); the
 *   next large block gives every empty region but the lowest back to the pool as
 *   free pages, in one batch, before it looks for a run, and the lowest too when the
 *   heap will not grow. So a block allocated and freed over and over does not move a
 *   page each time, freeing a heap of any size walks no list of pages, and runs are
 *   cut from the pool merged. A run that goes free, or is cut, merges with the free
 *   runs that touch it, unless the merged run would pass 65,535 pages. When the heap
 *   will not grow by what a large block needs, it is asked for that less the free run
 *   that ends it, which the new pages join. Requests up to 32 KiB whose alignment
 *   leaves no room for them in a region are served as large blocks too. Before the
 *   headers and the lists, every large alloc and free walked the list of runs from
 *   its start, a cache line in another page at each step: with 1,024 large blocks
 *   live (40 to 200 KiB each, replaced at random) a replacement (free and alloc) cost
 *   13,156 instructions against glibc's 696, and now costs 350; with 4,096, 50,348
 *   and 395 (glibc 831); the bench's large workload as malloc, 434 -> 304 a call. The
 *   header costs a block 16 bytes of its run, and all of it 273 bytes of wasm code
 *   for malloc + free.
 *
 * Blocks' sizes (block_size and free_unsized, for the malloc layer's unsized free)
 *   A large block starts at unit 1 of its run, or, aligned further, beyond (a page
 *   into the run at most: then at the start of the next frame); unit 0 holds the
 *   run's header, whose tag is 0, and a region's unit 0 holds REGION_TAG. So a
 *   pointer inside a frame is a small block if the frame's unit 0 says region (or it
 *   is the initial region's frame), and one at a frame's start is a large block. In
 *   builds for speed the instance counts the large blocks that start beyond unit 1,
 *   and while there are none, the look at unit 0 is left to blocks at unit 1. A small
 *   block ends at its LIVE bit; a large block's size is in the link its run's header
 *   points at. free_unsized finds the block that way once and frees it as free would.
 *
 * Costs
 *   small alloc, free and resize: O(1), but for what follows. An alloc that finds
 *   no block at the lists' heads and no page for a new region walks the lists that
 *   may hold one, the last resort before out of memory: O(free blocks on them).
 *   Before a request takes a new region or grows the heap, blocks kept whole are
 *   merged (a small request: a size at a time, its search of the lists again after
 *   each, at most 64 times): O(blocks kept), O(1) amortised over the frees that kept them (one
 *   call after a million such frees merges a million blocks). The free that ends a
 *   phase: O(k log k + runs) for its k regions, given back in a batch (builds for
 *   size: O(k x runs) at worst, a walk for each page below the one before); with
 *   one region, a merge of each block kept whole (at most 4,032, a region's units).
 *   The free or shrink that crosses low_water: O(1) (64 heads put aside, when there
 *   are blocks kept; but the whole merge below when some were put aside already and
 *   not merged, as resizes alone lifted live_units over the mark since). The
 *   allocation after it: O(blocks put aside) merged one by one (O(1) amortised over
 *   the frees that kept them) or, when they are BULK_KEPT a region or more, O(blocks
 *   put aside + regions x 63 words + free blocks); then, when a region emptied (or
 *   a large block left one spare), O(blocks on the last list + k log k + runs) for
 *   the k given back (O(1) for the page a region took last: see the pool, below).
 *   large free and resize: O(1); large alloc: O(1) when one of the lists from its page
 *   count up to 31 pages holds a run and its alignment is 16 or less, else O(free
 *   runs on the lists it looks at: the last one, or for a larger alignment each
 *   list up to the first that serves it) (builds for size: O(free runs)). Pages
 *   that join the pool: O(1) when the heap grew by them (they follow the last run);
 *   the pages of k empty regions that a large alloc gives back, O(k log k + runs),
 *   a batch as at a phase's end; but O(1) for the page a region took last, while
 *   no run has left the lists of free runs since: the instance keeps the link below
 *   that page (r->finger; any link that stops being one, merged into a run or taken
 *   into a region, goes right after a runs_remove, which drops the finger), and the
 *   batch's walk starts there when the finger lies below its first page. Each page
 *   walked the list of runs on its own before: with 4,096 large blocks live, a
 *   phase of 33 regions (4,096 blocks of 16 to 1,024 bytes) cost 783,000
 *   instructions more than with 16 large blocks live, and costs 31,000 more now. A
 *   new region: O(1), but for pages beyond the offsets' reach (heaps over 64 GiB),
 *   set aside and put back in a batch.
 *   block_size and free_unsized: O(1) (a small block's: a scan as long as the
 *   block, at most 64 words).
 *   check: O(free blocks + blocks kept + regions x 4,032 + runs); stats: O(free
 *   blocks + blocks kept + regions + runs).
 *   Bookkeeping: 1,024 bytes per 64 KiB region (1.6%), 32 bytes (28 on wasm32) per
 *   run: its header and link, 16-byte minimum block. Single-threaded.
 */
#include "frontend.h"     /* the front end, for the calls through the handle */
#include "region_quick.h" /* the quick lists, inline, and the frames and maps they read */

#define REGION_UNITS (END_UNIT - FIRST_UNIT)
#define NO_REGION UINT32_MAX             /* ends the list of regions (offsets of frames) */
#define LINK_SIZE sizeof(alloy_page_link)
/* offsets are 32-bit counts of units from the origin */
#define MAX_SPAN ((uint64_t)UINT32_MAX * UNIT)
#define LOW_WATER 16u /* live units a region beyond the first, below which a phase ends (see Phases) */
#define BULK_KEPT 4u  /* blocks kept whole a region, from which a phase's end merges them in bulk */
#define LOWER_STEPS 4u /* how far list_push looks for a lower place (see Small blocks) */
/* Natively, the slow paths a fast path calls stay out of line (SLOW), so that the
 * fast path saves no registers for them. In wasm the engine inlines no call (V8) and
 * each costs a frame, so where speed is asked for they go inline, and so do the
 * steps of a free and a split (WASM_HOT). Under Node, x86 instructions a call as
 * malloc (callgrind, --no-liftoff): perl trace 255 -> 247, lifo 332 -> 308, mixed
 * 224 -> 218, small 191 -> 190. Inlined natively too, they cost small, mixed and
 * churn 4-5 instructions a call. */
#if defined(__wasm__) && FAST_PATHS
#define SLOW
#define WASM_HOT __attribute__((always_inline))
#else
#define SLOW __attribute__((noinline))
#define WASM_HOT
#endif

_Static_assert(REGION_UNITS * UNIT == 64512, "a region holds alloc_cat's 64,512 bytes");

typedef struct region_header {
    uint32_t tag;        /* REGION_TAG */
    uint32_t next, prev; /* the list of regions, in units from the origin */
    uint32_t unused;
} region_header;

_Static_assert(sizeof(region_header) <= UNIT, "a region header fits unit 0");

typedef struct free_block {
    uint32_t next, prev; /* NIL ends the list; prev NIL: first in its class */
    uint32_t units;
} free_block;

_Static_assert(sizeof(free_block) + sizeof(uint32_t) <= UNIT, "a free block's record and footer fit a unit");

static alloy_region *region_of(alloy_allocator *a)
{
    return (alloy_region *)a;
}

/* --- frames, units and maps ------------------------------------------------------------ */

/* The word of map `which` that holds unit's bit (bit (unit - 1) % 64). */
static uint64_t *map_word(uintptr_t frame, unsigned which, uint32_t unit)
{
    return maps(frame) + which * WORDS_A_MAP + (unit - 1) / 64;
}

static bool bit(uintptr_t frame, unsigned which, uint32_t unit)
{
    return (*map_word(frame, which, unit) >> ((unit - 1) % 64)) & 1;
}

static void set_bit(uintptr_t frame, unsigned which, uint32_t unit)
{
    *map_word(frame, which, unit) |= (uint64_t)1 << ((unit - 1) % 64);
}

static void clear_bit(uintptr_t frame, unsigned which, uint32_t unit)
{
    *map_word(frame, which, unit) &= ~((uint64_t)1 << ((unit - 1) % 64));
}

/* The first unit from `unit` on (before `end`) whose bit is set, or `end`. */
static uint32_t next_bit(uintptr_t frame, unsigned which, uint32_t unit, uint32_t end)
{
    while (unit < end) {
        uint64_t word = *map_word(frame, which, unit) >> ((unit - 1) % 64);
        if (word) {
            unit += (uint32_t)__builtin_ctzll(word);
            return unit < end ? unit : end;
        }
        unit += 64 - (unit - 1) % 64; /* on to the next word */
    }
    return end;
}

/* The last unit of the live block that holds unit `unit`: its next LIVE bit, a word
 * of the map (64 units) at a time; END_UNIT when there is none. next_bit does the
 * same for any bit and bound, for the check; written its way, or next_bit written
 * this way for both, realloc-grow as malloc takes 28 more instructions a call. */
static SLOW uint32_t live_end(uintptr_t frame, uint32_t unit)
{
    const uint64_t *map = maps(frame) + LIVE * WORDS_A_MAP;
    uint32_t w = (unit - 1) / 64;
    uint64_t word = map[w] & (~(uint64_t)0 << ((unit - 1) % 64));
    while (!word && ++w < WORDS_A_MAP)
        word = map[w];
    return word ? w * 64 + (uint32_t)__builtin_ctzll(word) + 1 : END_UNIT;
}

/* Whether a free block starts at unit `after` (the unit after a block), and whether
 * one ends at unit `first - 1` (the unit before a block that starts at `first`).
 * A region's first unit has nothing before it: the initial region marks its unit
 * first - 1 as the end of a live block. */
static bool free_after(uintptr_t frame, uint32_t after)
{
    return after < END_UNIT && bit(frame, FREE, after);
}

static bool free_before(uintptr_t frame, uint32_t first)
{
    return first > FIRST_UNIT && !bit(frame, LIVE, first - 1);
}

static free_block *block_at(const alloy_region *r, uint32_t offset)
{
    return (free_block *)address_of(r, offset);
}

static free_block *unit_block(uintptr_t frame, uint32_t unit)
{
    return (free_block *)(frame + (size_t)unit * UNIT);
}

/* The units of the free block whose last unit is `last`, from its footer. */
static uint32_t footer_before(uintptr_t frame, uint32_t unit)
{
    return *(const uint32_t *)(frame + (size_t)unit * UNIT - sizeof(uint32_t));
}

/* footer_before for the check, which must not fault on the damage it looks for: a
 * damaged record can point its footer inside a free block's hidden bytes. */
static uint32_t footer_before_exposed(uintptr_t frame, uint32_t unit)
{
    alloy_poison_expose((void *)(frame + (size_t)unit * UNIT - 8), 8); /* as list_push does */
    return footer_before(frame, unit);
}

/* Whether a request is served from a region: up to 32 KiB, and room for it in a
 * region whatever the alignment costs (else a run of pages serves it). */
static bool small_block(size_t size, size_t align)
{
    return size <= ALLOY_REGION_SMALL_MAX && units_for(size) + (align > UNIT ? align / UNIT - 1 : 0) <= REGION_UNITS;
}

/* The list a free block of `units` goes on (see Small blocks): the definition, which
 * builds for size use and alloy_check holds the lists to. */
static unsigned class_computed(uint32_t units)
{
    if (units <= EXACT_CLASSES)
        return units - 1;
    unsigned top = 31u - (unsigned)__builtin_clz(units); /* >= 5 */
    return EXACT_CLASSES + (top - 5) * 4 + ((units >> (top - 2)) & 3);
}

#if FAST_PATHS
/* The same as a table by units, in builds for speed: a free and an alloc that split
 * or merge look up classes three to five times, and the computation cost the
 * big-heap workload 21 instructions a call as malloc (250.7 -> 229.2), lifo 16,
 * mixed 4.5, for 4 KiB of constant data. Each line: the four classes of a doubling,
 * [2^top, 2^(top + 1)) units, a quarter of it each. */
#define TIMES7(c) c, c, c, c, c, c, c
#define TIMES8(c) TIMES7(c), c
#define TIMES16(c) TIMES8(c), TIMES8(c)
#define TIMES32(c) TIMES16(c), TIMES16(c)
#define TIMES64(c) TIMES32(c), TIMES32(c)
#define TIMES128(c) TIMES64(c), TIMES64(c)
#define TIMES256(c) TIMES128(c), TIMES128(c)
#define TIMES512(c) TIMES256(c), TIMES256(c)
#define NO_CLASS UINT8_MAX /* 0 units: as class_computed's, no list's class */
#define DOUBLING(times, first) times(first), times(first + 1), times(first + 2), times(first + 3)
static const uint8_t class_table[4096] = {
    NO_CLASS, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,     /* 0 and 1 .. 16 */
    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,     /* 17 .. 32: the exact classes */
    TIMES7(32), TIMES8(33), TIMES8(34), TIMES8(35),                     /* 33 .. 63 */
    DOUBLING(TIMES16, 36),                                              /* 64 .. 127 */
    DOUBLING(TIMES32, 40),
    DOUBLING(TIMES64, 44),
    DOUBLING(TIMES128, 48),
    DOUBLING(TIMES256, 52),
    DOUBLING(TIMES512, 56), /* 2,048 .. 4,095 */
};
_Static_assert(REGION_UNITS < sizeof class_table && ALLOY_REGION_CLASSES == 60, "the table covers every block");
#define class_of(units) ((unsigned)class_table[units])
#else
#define class_of(units) class_computed(units)
#endif

/* Whether [start, start + bytes) is within the offsets' reach: at most 64 GiB above
 * the origin, computed modulo the address space (the origin's frame may begin below
 * address 0, and on a 32-bit target every address is within reach). */
static bool fits_offsets(const alloy_region *r, uintptr_t start, size_t bytes)
{
    return (uint64_t)(uintptr_t)(start - r->origin) + bytes <= MAX_SPAN;
}

/* --- free lists ------------------------------------------------------------------------ */

/* Put `units` units from unit `first` of the region of `frame` on their list: first,
 * but for a block of more than EXACT_CLASSES units and less than a region, behind the
 * blocks below it at the list's front, LOWER_STEPS at most (see Small blocks). The
 * caller has set its bit in the free map. */
static HOT void list_push(alloy_region *r, uintptr_t frame, uint32_t first, uint32_t units)
{
    unsigned c = class_of(units);
    free_block *b = unit_block(frame, first);
    uint32_t offset = offset_of(r, (uintptr_t)b), next = r->class_heads[c];
    uint32_t *footer = (uint32_t *)((uintptr_t)b + (size_t)units * UNIT) - 1;
    alloy_poison_expose(b, UNIT);
    alloy_poison_expose(footer - 1, 8);
    b->units = units;
    *footer = units;
    if (c >= EXACT_CLASSES && units < REGION_UNITS && next != NIL && next < offset) { /* offsets grow with addresses */
        free_block *before = block_at(r, next);
        for (unsigned k = 1; k < LOWER_STEPS && before->next != NIL && before->next < offset; k++)
            before = block_at(r, next = before->next);
        b->next = before->next;
        b->prev = next;
        if (before->next != NIL)
            block_at(r, before->next)->prev = offset;
        before->next = offset;
    } else {
        b->next = next;
        b->prev = NIL;
        if (next != NIL)
            block_at(r, next)->prev = offset;
        r->class_heads[c] = offset;
        r->class_bitmap |= (uint64_t)1 << c;
    }
    if (units > 1) /* all but the record in front and the footer behind */
        alloy_poison_hide((char *)b + UNIT, units * UNIT - UNIT - 8);
}

static void list_remove(alloy_region *r, const free_block *b)
{
    uint32_t next = b->next, prev = b->prev;
    if (prev != NIL) {
        block_at(r, prev)->next = next;
    } else {
        unsigned c = class_of(b->units);
        if ((r->class_heads[c] = next) == NIL)
            r->class_bitmap &= ~((uint64_t)1 << c);
    }
    if (next != NIL)
        block_at(r, next)->prev = prev;
}

/* --- regions --------------------------------------------------------------------------- */

static region_header *header_of(uintptr_t frame)
{
    return (region_header *)frame;
}

/* live_units below this (LOW_WATER units for each region but one, and 1) ends a
 * phase beside blocks that stay (see Phases); at 0, it ends one in any case. */
static uint32_t low_water_mark(const alloy_region *r)
{
    return 1 + (r->region_count ? (r->region_count - 1) * LOW_WATER : 0);
}

/* (Builds for size keep no block whole: their low_water stays UINT32_MAX, and every
 * free goes to free_small_low.) */
static void set_low_water(alloy_region *r)
{
    if (FAST_PATHS)
        r->low_water = low_water_mark(r);
}

/* Set up a region in `frame` whose blocks start at unit `first`: its maps, one free
 * block of all its units, and (unless it is the initial region, whose unit 0 may not
 * be ours) its header, first in the list. */
static void start_region(alloy_region *r, uintptr_t frame, uint32_t first)
{
    alloy_poison_expose((void *)(frame + MAPS_OFFSET), PAGE - MAPS_OFFSET);
    memset(maps(frame), 0, MAP_WORDS * sizeof(uint64_t));
    if (!is_initial(r, frame)) {
        region_header *h = header_of(frame);
        alloy_poison_expose(h, UNIT);
        h->tag = REGION_TAG;
        h->prev = NO_REGION;
        h->next = r->regions;
        if (h->next != NO_REGION)
            header_of(address_of(r, h->next))->prev = offset_of(r, frame);
        r->regions = offset_of(r, frame);
    }
    r->region_count++;
    set_low_water(r);
    if (first > FIRST_UNIT)
        set_bit(frame, LIVE, first - 1); /* nothing free before the first unit */
    set_bit(frame, FREE, first);
    list_push(r, frame, first, END_UNIT - first);
}

/* New pages from the provider; NULL when it refuses, or when they break the frames
 * (they then stay unused: see alloy_region_init). */
static void *grow_heap(alloy_region *r, size_t pages)
{
    char *p = alloy_heap_grow(r->heap, pages);
    if (p)
        r->base.stats.heap_bytes += pages * PAGE;
    return p && (((uintptr_t)p - r->phase) & (PAGE - 1)) == 0 ? p : NULL;
}

static alloy_page_link *keep_free_run(alloy_region *r, alloy_page_link *from, char *pages, size_t count);
static char *pool_page(alloy_region *r);

/* Pages going back to the pool in one batch, chained through their first bytes:
 * empty regions', or pages set aside. */
static void chain_page(char **chain, char *page)
{
    alloy_poison_expose(page, sizeof(char *));
    *(char **)(void *)page = *chain;
    *chain = page;
}

static char *chained_after(const char *page)
{
    return *(char *const *)(const void *)page;
}

/* Two chains in address order, merged into one: when one ends, the rest of the
 * other is joined as it is. */
static char *merge_chains(char *a, char *b)
{
    char *head, **tail = &head;
    while (a && b) {
        char **least = (uintptr_t)a < (uintptr_t)b ? &a : &b;
        *tail = *least;
        tail = (char **)(void *)*least;
        *least = *tail; /* the next of the chain it came from */
    }
    *tail = a ? a : b;
    return head;
}

/* The first n (>= 1) pages of *chain in address order, *chain left at the rest: a
 * merge sort, O(n log n). */
static char *sort_chain(char **chain, size_t n)
{
    if (n == 1) {
        char *page = *chain;
        *chain = chained_after(page);
        *(char **)(void *)page = NULL;
        return page;
    }
    char *low = sort_chain(chain, n / 2);
    return merge_chains(low, sort_chain(chain, n - n / 2));
}

/* Give a chain of pages back to the pool as free runs, each insertion going on
 * from where the last one ended while the pages come in address order: sorted
 * first when they are not (builds for speed; a phase's regions, newest first, come
 * in order as a rule), the batch walks the list of runs once, however many pages
 * it holds. Builds for size save the sort's code, and walk again from the list's
 * start for each page below the one before. (The sort only saves time: a chain out
 * of order still lands right.) */
static void keep_pages(alloy_region *r, char *chain)
{
    size_t n = 0;
    bool in_order = true;
    for (const char *page = chain; FAST_PATHS && page; page = chained_after(page)) {
        n++;
        in_order &= !chained_after(page) || (uintptr_t)chained_after(page) > (uintptr_t)page;
    }
    if (!in_order)
        chain = sort_chain(&chain, n);
    alloy_page_link *from = r->finger ? r->finger : &r->large;
    for (char *page = chain, *next; page; page = next) {
        next = chained_after(page);
        if (from != &r->large && (uintptr_t)from > (uintptr_t)page)
            from = &r->large; /* a link above the page: the walk starts again */
        from = keep_free_run(r, from, page, 1);
    }
}

/* A new region on a page of the pool or a new one; false when there is none that a
 * region can use (the heap refuses, or hands out a page beyond the offsets' reach:
 * that page is kept as a free run for large blocks). The pool's pages beyond reach
 * are set aside, chained through their first bytes, until one within reach is found,
 * and then put back; when the pool holds only such pages, the heap, which grows
 * upwards, is not asked for more. */
static bool new_region(alloy_region *r)
{
    char *aside = NULL, *page;
    while ((page = pool_page(r)) != NULL && !fits_offsets(r, (uintptr_t)page, PAGE))
        chain_page(&aside, page);
    if (!page && !aside && (page = grow_heap(r, 1)) != NULL && !fits_offsets(r, (uintptr_t)page, PAGE)) {
        chain_page(&aside, page);
        page = NULL;
    }
    keep_pages(r, aside);
    if (page)
        start_region(r, (uintptr_t)page, FIRST_UNIT);
    return page != NULL;
}

/* Take an empty region off the list of regions, its page onto `chain` (for keep_pages). */
static void retire_region(alloy_region *r, uintptr_t frame, char **chain)
{
    region_header *h = header_of(frame);
    list_remove(r, unit_block(frame, FIRST_UNIT));
    if (h->prev != NO_REGION)
        header_of(address_of(r, h->prev))->next = h->next;
    else
        r->regions = h->next;
    if (h->next != NO_REGION)
        header_of(address_of(r, h->next))->prev = h->prev;
    r->region_count--;
    set_low_water(r);
    chain_page(chain, (char *)frame);
}

/* Whether the free block at offset b, in `frame`, is an empty region: one free block
 * of all its units (it is on the last list), not the initial region's, which is never
 * given back even when it starts at unit 1. */
static bool empty_region_block(const alloy_region *r, uint32_t b, uintptr_t frame)
{
    return block_at(r, b)->units == REGION_UNITS && !is_initial(r, frame);
}

/* Give empty regions' pages back to the pool, for a large block that finds no run:
 * all of them, or all but the lowest (the one the next small blocks take, as on a
 * fresh heap); false when none went. */
static bool retire_empty_regions(alloy_region *r, bool keep_one)
{
    char *chain = NULL;
    uint32_t kept = NO_REGION;
    for (uint32_t b = r->class_heads[ALLOY_REGION_CLASSES - 1], next; b != NIL; b = next) {
        uintptr_t frame = frame_of(r, address_of(r, b));
        uint32_t offset = offset_of(r, frame);
        next = block_at(r, b)->next;
        if (!empty_region_block(r, b, frame))
            continue;
        if (keep_one && (kept == NO_REGION || offset < kept)) {
            uint32_t higher = kept;
            kept = offset;
            if (higher == NO_REGION)
                continue;
            frame = address_of(r, higher);
        }
        retire_region(r, frame, &chain);
    }
    r->emptied = false;
    r->spare = kept != NO_REGION;
    keep_pages(r, chain);
    return chain != NULL;
}

/* The first region: on the heap's initial space when that holds one - a region
 * that starts later in its frame, and ordinary ones on the frames it covers whole -
 * else on a page. */
static bool first_region(alloy_region *r)
{
    size_t bytes;
    uintptr_t space = (uintptr_t)alloy_heap_claim_initial(r->heap, &bytes), end = space + bytes;
    if (space && fits_offsets(r, space, bytes) && ((end - r->phase) & (PAGE - 1)) == 0) {
        uintptr_t frame = frame_of(r, space);
        uint32_t first = unit_of(frame, space); /* 0 only when space starts its frame (it is 16-byte aligned) */
        if (first) { /* the frame is not all ours (its end is) */
            if (first <= END_UNIT - 64) { /* at least 1 KiB of blocks */
                r->initial_frame = frame;
                r->initial_first = first;
                start_region(r, frame, first);
            } else {
                space = frame + PAGE; /* too little for blocks: left unused, and not counted */
            }
            frame += PAGE;
        }
        r->base.stats.heap_bytes += end - space;
        for (; frame != end; frame += PAGE) { /* (modulo the address space: frame may begin below 0) */
            start_region(r, frame, FIRST_UNIT);
            r->emptied = true; /* (see retire_empty_regions) */
        }
    }
    return r->region_count || new_region(r);
}

/* --- small blocks ---------------------------------------------------------------------- */

static void free_merging(alloy_region *r, uintptr_t frame, uint32_t first, uint32_t units);

/* No top: room for nothing, in no frame. */
static void no_top(alloy_region *r)
{
    if (FAST_PATHS) {
        r->top_first = END_UNIT;
        r->top_frame = r->phase + 1;
    }
}

/* The top's units (builds for size have no top: 0). */
static HOT uint32_t top_room(const alloy_region *r)
{
    return FAST_PATHS ? END_UNIT - r->top_first : 0;
}

/* The top: units of the newest region, from top_first to its end, on no list
 * and with no bit in its maps, handed out front to back. */
static HOT void *top_take(alloy_region *r, uint32_t units)
{
    uintptr_t frame = r->top_frame;
    uint32_t first = r->top_first;
    set_bit(frame, LIVE, first + units - 1);
    r->top_first = first + units;
    r->live_units += units;
    return unit_block(frame, first);
}

/* The top back to the lists as a free block (merged with a free block before it);
 * false when there is none. */
static bool release_top(alloy_region *r)
{
    uintptr_t frame = r->top_frame;
    uint32_t first = r->top_first;
    if (!FAST_PATHS || first >= END_UNIT)
        return false;
    no_top(r);
    free_merging(r, frame, first, END_UNIT - first);
    return true;
}

/* Hand out `units` at unit `first + pad` of the free block of `have` units at unit
 * `first` of the region of `frame`, already off its list; the front and back it does
 * not need stay free. */
static void *carve(alloy_region *r, uintptr_t frame, uint32_t first, uint32_t have, uint32_t pad, uint32_t units)
{
    uint32_t rest = have - pad - units, start = first + pad;
    if (pad) /* it keeps the old block's start */
        list_push(r, frame, first, pad);
    else
        clear_bit(frame, FREE, first);
    if (rest) {
        set_bit(frame, FREE, start + units);
        list_push(r, frame, start + units, rest);
    }
    set_bit(frame, LIVE, start + units - 1);
    r->live_units += units;
    return unit_block(frame, start);
}

/* The free block b, off its list, for `units` at `align`: what it has to spare in
 * front and behind stays free. NULL when it cannot hold them. */
static void *take_block(alloy_region *r, free_block *b, size_t align, uint32_t units)
{
    uintptr_t p = (uintptr_t)b, frame = frame_of(r, p);
    uint32_t have = b->units, pad = (uint32_t)((-p & (align - 1)) / UNIT);
    if (pad > have || have - pad < units)
        return NULL;
    list_remove(r, b);
    return carve(r, frame, unit_of(frame, p), have, pad, units);
}

/* The same for the head of list c, which keeps its place on the list when what it
 * has to spare stays in its class. */
static WASM_HOT void *take_free(alloy_region *r, unsigned c, size_t align, uint32_t units)
{
    free_block *b = block_at(r, r->class_heads[c]);
    uintptr_t p = (uintptr_t)b, frame = frame_of(r, p);
    uint32_t have = b->units;
    if (FAST_PATHS && have == REGION_UNITS && align <= UNIT) { /* a whole region: the top first */
        if (units > top_room(r)) { /* it becomes the top */
            release_top(r);
            list_remove(r, b);
            clear_bit(frame, FREE, FIRST_UNIT);
            r->top_frame = frame;
            r->top_first = FIRST_UNIT;
        }
        return top_take(r, units);
    }
    if (FAST_PATHS && (p & (align - 1)) == 0 && have >= units && class_of(have - units) == c) {
        /* the rest stays first on the same list: move its record */
        free_block *rest = (free_block *)(p + (size_t)units * UNIT);
        uint32_t next = b->next, offset = offset_of(r, (uintptr_t)rest), first = unit_of(frame, p);
        alloy_poison_expose(rest, UNIT);
        rest->next = next;
        rest->prev = NIL;
        rest->units = have - units;
        *((uint32_t *)(p + (size_t)have * UNIT) - 1) = have - units;
        if (next != NIL)
            block_at(r, next)->prev = offset;
        r->class_heads[c] = offset;
        clear_bit(frame, FREE, first);
        set_bit(frame, FREE, first + units);
        set_bit(frame, LIVE, first + units - 1);
        r->live_units += units;
        return b;
    }
    return take_block(r, b, align, units);
}

/* The class of a block that holds `units` at `align` wherever it lies: every block
 * of a class above it fits. (Inline: a call cost 11 bytes of wasm code.) */
static inline __attribute__((always_inline)) unsigned worst_class(uint32_t units, size_t align)
{
    return class_of(units + (uint32_t)((align > UNIT ? align : UNIT) / UNIT) - 1);
}

static void *from_free_lists(alloy_region *r, uint32_t units, size_t align)
{
    unsigned c = class_of(units);
    if (r->class_bitmap & ((uint64_t)1 << c)) {
        void *p = take_free(r, c, align, units);
        if (p)
            return p;
    }
    /* every block of a class above the worst case's fits; below it, try the heads */
    unsigned worst = worst_class(units, align);
    uint64_t larger = r->class_bitmap & (~(uint64_t)0 << 1 << worst);
    if (larger)
        return take_free(r, (unsigned)__builtin_ctzll(larger), align, units);
    for (uint64_t maybe = r->class_bitmap & (~(uint64_t)0 << 1 << c); maybe; maybe &= maybe - 1) {
        void *p = take_free(r, (unsigned)__builtin_ctzll(maybe), align, units);
        if (p)
            return p;
    }
    return NULL;
}

static void free_small(alloy_region *r, void *ptr, uint32_t units);

/* The units of the blocks on quick list c: quick[c] and, put aside, quick[64 + c]
 * hold blocks of c % 64 + 1. */
static uint32_t quick_list_units(uint32_t c)
{
    return c % QUICK_UNITS + 1;
}

/* Give the blocks kept whole back to the free lists, merged, the largest size first:
 * all of them, or (!all) those of the largest size that has any. True when there were
 * any. A large request (whose pages come from the pool, which merged blocks reach
 * only as whole empty regions: retried after each size, its search of the free runs
 * ran up to 64 times for nothing) and a phase's end flush all. A small request that
 * no free block serves flushes one size, and tries again, until it fits or no block
 * is kept:
 * merging every list at once merged up to 43,512 blocks at one request of perl's
 * trace in wasm, most of which later requests of their sizes would have taken back
 * whole (under Node, region as malloc on python's trace 182.9 -> 163.7 x86
 * instructions a call, perl 213.1 -> 206.7; natively churn 106.7 -> 99.3, mixed
 * 123.9 -> 125.0; natively no workload's or trace's heap changed, in wasm as malloc
 * lifo's 1.21 -> 1.16 its live bytes, frame's 1.17 -> 1.11, medium's 1.07 -> 1.11
 * (141 -> 145 pages), the traces' none; smallest size first: python
 * 175.3, medium 160.0 against 150.7; only for requests of more than 64 units, python
 * kept 182.3). The price is the order: a request may now split a block merged from
 * the larger kept blocks where merging them all would have given it an exact fit of
 * smaller ones, which a later request then misses (a reviewer's one-page heap: kept
 * blocks of 64 units and three of 1 side by side, a request of 3 units, then one of
 * 64 fails, where it succeeded; on a growing heap, a region more). */
static bool flush_quick(alloy_region *r, bool all)
{
    bool any = false;
    if (!FAST_PATHS)
        return false;
    for (uint32_t c = all ? 2 * QUICK_UNITS : QUICK_UNITS; c-- > 0;) {
        if (r->quick[c] == NIL)
            continue;
        uint32_t units = quick_list_units(c);
        do {
            uint32_t *b = (uint32_t *)address_of(r, r->quick[c]);
            r->quick[c] = *b;
            r->live_units += units; /* (free_small takes them off) */
            free_small(r, b, units);
        } while (r->quick[c] != NIL);
        if (!all)
            return true;
        any = true;
    }
    return any;
}

/* The last resort before out of memory: the first free block that fits on the lists
 * from the request's own up to the worst case's (every list above is empty by then).
 * from_free_lists looks at heads only, and a list of several sizes (above
 * EXACT_CLASSES units), or one whose blocks an alignment may not suit, can hold one
 * behind a head that does not. O(free blocks on those lists). */
static void *behind_the_heads(alloy_region *r, uint32_t units, size_t align)
{
    unsigned worst = worst_class(units, align);
    for (unsigned c = class_of(units); c <= worst; c++)
        for (uint32_t o = r->class_heads[c]; o != NIL; o = block_at(r, o)->next) {
            void *p = take_block(r, block_at(r, o), align, units);
            if (p)
                return p;
        }
    return NULL;
}

/* A small block from the free lists, or a new region; when the heap gives no page,
 * from behind the lists' heads. */
static SLOW void *alloc_small(alloy_region *r, uint32_t units, size_t align)
{
    if (!r->region_count && !first_region(r))
        return NULL;
    for (;;) {
        void *p = from_free_lists(r, units, align);
        if (p)
            return p;
        if (FAST_PATHS && align <= UNIT && units <= top_room(r))
            return top_take(r, units);
        if (release_top(r) || flush_quick(r, false))
            continue;
        if (!new_region(r))
            return behind_the_heads(r, units, align);
    }
}

/* Give back `units` units from unit `first` of the region of `frame` (no longer
 * live), merging them with the free blocks they touch. A free block before them
 * keeps its place on its list when its class stays the same. */
static SLOW WASM_HOT void free_merging(alloy_region *r, uintptr_t frame, uint32_t first, uint32_t units)
{
    uint32_t after = first + units;
    if (free_after(frame, after)) {
        free_block *next = unit_block(frame, after);
        list_remove(r, next);
        clear_bit(frame, FREE, after);
        units += next->units;
    }
    uint32_t before = free_before(frame, first) ? footer_before(frame, first) : 0;
    if (FAST_PATHS && first - before == FIRST_UNIT && first + units == r->top_first && frame == r->top_frame) {
        units = END_UNIT - first; /* nothing lives before the top: the region is one free block again */
        no_top(r);
    }
    if (units + before == REGION_UNITS)
        r->emptied = true; /* see retire_empty_regions */
    if (before) {
        free_block *prev = unit_block(frame, first - before);
        first -= before;
        units += before;
        if (FAST_PATHS && class_of(units) == class_of(before)) { /* it stays where it is on its list */
            uint32_t *footer = (uint32_t *)((uintptr_t)prev + (size_t)units * UNIT) - 1;
            alloy_poison_expose(footer - 1, 8);
            prev->units = units;
            *footer = units;
            alloy_poison_hide((char *)prev + UNIT, units * UNIT - UNIT - 8);
            return;
        }
        list_remove(r, prev);
    } else {
        set_bit(frame, FREE, first);
    }
    list_push(r, frame, first, units);
}

/* The same, inline for the common case: both neighbours live (the top, which has no
 * bit, looks live: a block before it goes to free_merging, which sees whether the
 * region empties). */
static inline WASM_HOT void free_units(alloy_region *r, uintptr_t frame, uint32_t first, uint32_t units)
{
    if (!FAST_PATHS || free_after(frame, first + units) || free_before(frame, first) ||
        first + units == r->top_first) {
        free_merging(r, frame, first, units);
    } else {
        set_bit(frame, FREE, first);
        list_push(r, frame, first, units);
    }
}

static WASM_HOT void free_small(alloy_region *r, void *ptr, uint32_t units)
{
    uintptr_t p = (uintptr_t)ptr, frame = frame_of(r, p);
    uint32_t first = unit_of(frame, p);
    clear_bit(frame, LIVE, first + units - 1);
    r->live_units -= units;
    free_units(r, frame, first, units);
}

/* The size of the small block at p: up to its last unit, the next bit of the live
 * map (a scan as long as the block). */
static HOT size_t small_block_size(uintptr_t frame, uintptr_t p)
{
    uint32_t first = unit_of(frame, p);
    if (FAST_PATHS) { /* most blocks */
        uint32_t units = short_block_units(live_window(frame, first));
        if (units)
            return (size_t)units * UNIT;
    }
    return (size_t)(live_end(frame, first) + 1 - first) * UNIT;
}

/* How far down its quick list unquick looks, which keeps a resize O(1) whatever the
 * list's length: a resize that fails (the block behind is live) walked the whole
 * list, then up to 64 blocks, each time; realloc-grow as malloc 493 -> 485
 * instructions a call. */
#define UNQUICK_DEPTH 8u

/* If the block at unit `unit` of the region of `frame` is one of the last
 * UNQUICK_DEPTH kept whole for reuse of its size, give it back to the free lists
 * (merged); true then. */
static bool unquick(alloy_region *r, uintptr_t frame, uint32_t unit)
{
    uintptr_t p = frame + (size_t)unit * UNIT;
    size_t units = small_block_size(frame, p) / UNIT;
    if (!FAST_PATHS || units > QUICK_UNITS)
        return false;
    uint32_t offset = offset_of(r, p), looked = 0;
    for (uint32_t *link = &r->quick[units - 1]; *link != NIL && looked++ < UNQUICK_DEPTH;
         link = (uint32_t *)address_of(r, *link))
        if (*link == offset) {
            *link = *(uint32_t *)p;
            r->live_units += (uint32_t)units; /* (free_small takes them off) */
            free_small(r, (void *)p, (uint32_t)units);
            return true;
        }
    return false;
}

static SLOW void low_water_crossed(alloy_region *r);

/* `units` went back (a free or a shrink): whether that took live_units below the low
 * water mark. */
static bool crossed(const alloy_region *r, uint32_t units)
{
    uint32_t mark = low_water_mark(r);
    return r->live_units < mark && r->live_units + units >= mark;
}

static bool resize_small(alloy_region *r, void *ptr, size_t size, size_t new_size)
{
    uint32_t units = units_for(size), new_units = units_for(new_size);
    uintptr_t p = (uintptr_t)ptr, frame = frame_of(r, p);
    uint32_t first = unit_of(frame, p);
    if (new_units <= units) {
        if (new_units < units) { /* the tail goes back */
            clear_bit(frame, LIVE, first + units - 1);
            set_bit(frame, LIVE, first + new_units - 1);
            r->live_units -= units - new_units;
            free_units(r, frame, first + new_units, units - new_units);
            if (crossed(r, units - new_units))
                low_water_crossed(r);
        }
        return true;
    }
    /* into the top or the free block behind it (one kept whole for reuse counts as free) */
    uint32_t extra = new_units - units, after = first + units;
    if (FAST_PATHS && after == r->top_first && frame == r->top_frame) {
        if (extra > END_UNIT - after)
            return false;
        r->top_first = after + extra;
    } else {
        if (after >= END_UNIT || (!free_after(frame, after) && !unquick(r, frame, after)))
            return false;
        free_block *next = unit_block(frame, after);
        uint32_t have = next->units;
        if (have < extra)
            return false;
        list_remove(r, next);
        clear_bit(frame, FREE, after);
        if (have > extra) { /* the rest keeps the end */
            set_bit(frame, FREE, after + extra);
            list_push(r, frame, after + extra, have - extra);
        }
    }
    clear_bit(frame, LIVE, after - 1);
    set_bit(frame, LIVE, first + new_units - 1);
    r->live_units += extra;
    return true;
}

/* --- large blocks: runs of pages, in address order ------------------------------- */

/* Unit 0 of every run: a tag that is not a region's, and where the link that
 * describes the run lies (the trailer of the run before it, or the instance's). */
typedef struct run_header {
    uint32_t tag; /* 0 */
    alloy_page_link *desc;
} run_header;

/* Unit 1 of a free run: the links of its class's list of free runs. */
typedef struct free_run {
    char *next, *prev; /* NULL ends the list */
} free_run;

_Static_assert(sizeof(run_header) <= UNIT && sizeof(free_run) <= UNIT, "a run's records fit a unit each");
_Static_assert(ALLOY_REGION_RUN_CLASSES <= 32, "one 32-bit map of the lists of free runs");

static run_header *run_header_at(const char *pages)
{
    run_header *h = (run_header *)(void *)(uintptr_t)pages;
    alloy_poison_expose(h, UNIT);
    return h;
}

static free_run *free_run_at(const char *pages)
{
    free_run *f = (free_run *)(void *)(uintptr_t)(pages + UNIT);
    alloy_poison_expose(f, UNIT);
    return f;
}

static size_t max_words(const alloy_page_link *run)
{
    return ((size_t)run->page_count * PAGE - LINK_SIZE) / 4;
}

static bool run_in_use(const alloy_page_link *run)
{
    return run->unused_words != ALLOY_PAGES_FREE;
}

static char *run_end(const alloy_page_link *run)
{
    return run->pages + (size_t)run->page_count * PAGE;
}

/* The link at the end of a run: it describes the next run. */
static alloy_page_link *trailer(const alloy_page_link *run)
{
    alloy_page_link *link = (alloy_page_link *)(void *)(run_end(run) - LINK_SIZE);
    alloy_poison_expose(link, LINK_SIZE);
    return link;
}

static size_t run_pages_for_words(size_t words)
{
    return (words * 4 + PAGE - 1 + LINK_SIZE) / PAGE;
}

static void set_used(alloy_page_link *run, size_t words)
{
    run->unused_words = (uint16_t)(max_words(run) - words);
}

/* Where a block aligned to `align` starts in a run that starts at `pages`: after the
 * run's header. Never further than a page (64 KiB alignment on frames that are). */
static size_t large_pad(uintptr_t pages, size_t align)
{
    return UNIT + (size_t)(-(pages + UNIT) & (align - 1));
}

/* The link that describes the run of the large block at ptr: its header's (a block a
 * page into its run starts the frame after the header's). */
static alloy_page_link *run_of(const alloy_region *r, const void *ptr)
{
    uintptr_t frame = frame_of(r, (uintptr_t)ptr);
    return run_header_at((const char *)(frame == (uintptr_t)ptr ? frame - PAGE : frame))->desc;
}

/* Point the header of the run `link` describes, if any, at it. */
static void describe(alloy_page_link *link)
{
    if (link->pages) {
        run_header *h = run_header_at(link->pages);
        h->tag = 0;
        h->desc = link;
    }
}

/* Lists of free runs: one per page count up to 31 and one for more, and a map of the
 * lists that hold runs; builds for size keep them all on one, and no map (fitting_run
 * then looks at every free run). */
#define RUN_LISTS (FAST_PATHS ? ALLOY_REGION_RUN_CLASSES : 1u)

/* The list of free runs of `pages` pages. */
static unsigned run_class(size_t pages)
{
    return (unsigned)(pages < RUN_LISTS ? pages : RUN_LISTS) - 1;
}

/* Put the free run `run` describes on its list, and say in its trailer that it is free. */
static void runs_push(alloy_region *r, alloy_page_link *run)
{
    unsigned c = run_class(run->page_count);
    free_run *f = free_run_at(run->pages);
    f->next = r->free_runs[c];
    f->prev = NULL;
    if (f->next)
        free_run_at(f->next)->prev = run->pages;
    r->free_runs[c] = run->pages;
    r->run_bitmap |= (uint32_t)(RUN_LISTS > 1) << c;
    trailer(run)->own_free_pages = run->page_count;
}

/* Take the free run `run` describes off its list (before its page count changes).
 * Every link that stops being one (a run merged into the one before, or a page
 * taken for a region) goes right after this: so the finger goes too. */
static void runs_remove(alloy_region *r, alloy_page_link *run)
{
    r->finger = NULL;
    unsigned c = run_class(run->page_count);
    free_run *f = free_run_at(run->pages);
    if (f->prev)
        free_run_at(f->prev)->next = f->next;
    else if ((r->free_runs[c] = f->next) == NULL)
        r->run_bitmap &= ~((uint32_t)(RUN_LISTS > 1) << c);
    if (f->next)
        free_run_at(f->next)->prev = f->prev;
    trailer(run)->own_free_pages = 0;
}

/* Whether the free run `run` and the one after it in the list should be one: both
 * free, touching, and together within the 16-bit page count. */
static bool mergeable(const alloy_page_link *run, const alloy_page_link *next)
{
    return !run_in_use(run) && next->pages && !run_in_use(next) && run_end(run) == next->pages &&
           (size_t)run->page_count + next->page_count <= UINT16_MAX;
}

/* The free run `run` describes, on no list: merged with the free runs that touch it,
 * unless the merged run would pass 65,535 pages, and put on its list; the link that
 * describes the merged run. The run before is free and touching when the link that
 * describes this run ends it and says so. A run that absorbs the next one ends where
 * that one ended, with its trailer. */
static alloy_page_link *settle_free_run(alloy_region *r, alloy_page_link *run)
{
    alloy_page_link *next = trailer(run);
    if (mergeable(run, next)) {
        runs_remove(r, next);
        run->page_count = (uint16_t)(run->page_count + next->page_count);
    }
    if (run->own_free_pages && (char *)run + LINK_SIZE == run->pages) {
        alloy_page_link *before = run_header_at(run->pages - (size_t)run->own_free_pages * PAGE)->desc;
        if (mergeable(before, run)) {
            runs_remove(r, before);
            before->page_count = (uint16_t)(before->page_count + run->page_count);
            run = before;
        }
    }
    runs_push(r, run);
    return run;
}

/* Keep the first `pages` of the run `run` describes, which is on no list; the rest
 * becomes a free run right behind it (its trailer is the old one, so it describes
 * the old next run), merged and listed. */
static void split_run(alloy_region *r, alloy_page_link *run, size_t pages)
{
    alloy_page_link *rest = (alloy_page_link *)(void *)(run->pages + pages * PAGE - LINK_SIZE);
    alloy_poison_expose(rest, LINK_SIZE);
    rest->page_count = (uint16_t)(run->page_count - pages);
    rest->unused_words = ALLOY_PAGES_FREE;
    rest->own_free_pages = 0; /* the run it ends is on no list */
    rest->pages = run->pages + pages * PAGE;
    run->page_count = (uint16_t)pages;
    describe(rest);
    settle_free_run(r, rest);
}

/* The link that ends the list of runs: the last run's trailer, or the instance's. */
static alloy_page_link *end_link(alloy_region *r)
{
    return r->end_link ? r->end_link : &r->large;
}

/* Put pages in the list, in address order, as a free run merged with the free runs
 * they touch: at its end when they lie beyond the last run (pages the heap grew by,
 * as a rule), else where a walk from `from` finds their place (&r->large, or a link
 * that describes a run below them); the link that describes their run then. */
static alloy_page_link *keep_free_run(alloy_region *r, alloy_page_link *from, char *pages, size_t count)
{
    alloy_page_link *link = end_link(r);
    if (link != &r->large && (char *)link + LINK_SIZE > pages)
        for (link = from; link->pages && link->pages < pages;)
            link = trailer(link);
    alloy_page_link *end = (alloy_page_link *)(void *)(pages + count * PAGE - LINK_SIZE);
    alloy_poison_expose(end, LINK_SIZE);
    *end = (alloy_page_link){.page_count = link->page_count, .unused_words = link->unused_words, .pages = link->pages};
    describe(end); /* the run after it */
    if (!end->pages)
        r->end_link = end;
    link->page_count = (uint16_t)count;
    link->unused_words = ALLOY_PAGES_FREE;
    link->pages = pages; /* (its own_free_pages is the run before's) */
    describe(link);
    return settle_free_run(r, link);
}

/* The free run that fits best (the fewest pages to spare, the lowest of those),
 * off its list and cut to what is asked: `words` (and its alignment), or `need`
 * pages when words is 0. NULL when none fits. Without alignment, any run of a list
 * of one page count fits as well as its head; the last list, of runs of more
 * pages, and lists a larger alignment looks at, are searched. */
static alloy_page_link *fitting_run(alloy_region *r, size_t need, size_t align, size_t words)
{
    alloy_page_link *best = NULL;
    size_t best_pages = 0, least = words ? run_pages_for_words(words + UNIT / 4) : need;
    unsigned c = run_class(least);
    for (uint32_t lists = RUN_LISTS > 1 ? r->run_bitmap >> c << c : 1; lists && !best; lists &= lists - 1) {
        unsigned k = (unsigned)__builtin_ctz(lists);
        bool exact = k + 1 < RUN_LISTS && align <= UNIT;
        for (char *p = r->free_runs[k]; p; p = free_run_at(p)->next) {
            alloy_page_link *run = run_header_at(p)->desc;
            size_t pages = words ? run_pages_for_words(words + large_pad((uintptr_t)p, align) / 4) : need;
            if (run->page_count >= pages &&
                (!best || run->page_count - pages < best->page_count - best_pages ||
                 (run->page_count - pages == best->page_count - best_pages && p < best->pages))) {
                best = run;
                best_pages = pages;
                if (exact)
                    break;
            }
        }
    }
    if (best) {
        runs_remove(r, best);
        if (best->page_count > best_pages)
            split_run(r, best, best_pages);
    }
    return best;
}

/* A page of the pool for a region, out of the list of runs (dropping it leaves no
 * touching free neighbours: the region lies between them); NULL when the pool is
 * empty. */
static char *pool_page(alloy_region *r)
{
    alloy_page_link *run = fitting_run(r, 1, 1, 0);
    if (!run)
        return NULL;
    char *pages = run->pages;
    const alloy_page_link *next = trailer(run);
    run->page_count = next->page_count; /* (its own_free_pages is the run before's) */
    run->unused_words = next->unused_words;
    run->pages = next->pages;
    describe(run);
    if (!run->pages)
        r->end_link = run;
    r->finger = run;
    return pages;
}

/* The pages of the last run when it is free and ends the heap, else 0 (its trailer,
 * which ends the list, says). */
static size_t free_pages_at_end(alloy_region *r)
{
    const alloy_page_link *end = end_link(r);
    return end != &r->large && (char *)end + LINK_SIZE == r->heap->end ? end->own_free_pages : 0;
}

/* Use the run, off the lists, for `words` words at `pad` bytes into it. A large block
 * that does not start at unit 1 is counted (see Blocks' sizes). */
static void *place_large(alloy_region *r, alloy_page_link *run, size_t words, size_t pad)
{
    set_used(run, words + pad / 4);
    r->inner_large += FAST_PATHS && pad > UNIT;
    return run->pages + pad;
}

/* The largest block a run may hold: a run has 65,535 pages at most, and two of them
 * are left for the header, the alignment and the link, so that the page counts of
 * what is asked cannot wrap (on wasm32 neither). */
#define LARGE_MAX ((size_t)(UINT16_MAX - 2) * PAGE)

static __attribute__((noinline)) void *alloc_large(alloy_region *r, size_t size, size_t align)
{
    size_t words = (size + 3) / 4;
    if (size > LARGE_MAX)
        return NULL;
    if (r->emptied) /* their pages first, so that runs are cut from the pool merged */
        retire_empty_regions(r, true);
    for (;;) {
        alloy_page_link *run = fitting_run(r, 0, align, words);
        if (run)
            return place_large(r, run, words, large_pad((uintptr_t)run->pages, align));
        if (flush_quick(r, true))
            continue; /* merged, they may have emptied regions */
        if (retire_empty_regions(r, true))
            continue; /* their pages may join free runs */
        /* grow by what the block needs (new pages start frames: their padding is
         * known); when the heap refuses, by that less the free run that ends it,
         * which new pages join */
        size_t need = run_pages_for_words(words + large_pad(r->phase, align) / 4);
        char *pages = need <= UINT16_MAX ? grow_heap(r, need) : NULL;
        size_t tail = pages || need > UINT16_MAX ? 0 : free_pages_at_end(r);
        if (tail && tail < need && (pages = grow_heap(r, need - tail)) != NULL)
            need -= tail;
        if (!pages && retire_empty_regions(r, false))
            continue; /* the last one too */
        if (!pages)
            return NULL;
        keep_free_run(r, &r->large, pages, need);
    }
}

/* The size of the large block at p, in the run `run` describes. */
static size_t large_block_size(const alloy_page_link *run, uintptr_t p)
{
    return (max_words(run) - run->unused_words) * 4 - (size_t)(p - (uintptr_t)run->pages);
}

/* Give back the run of the large block at ptr, which `run` describes. */
static void give_back_run(alloy_region *r, alloy_page_link *run, const void *ptr)
{
    r->inner_large -= FAST_PATHS && (size_t)((const char *)ptr - run->pages) > UNIT;
    run->unused_words = ALLOY_PAGES_FREE;
    settle_free_run(r, run);
}

static __attribute__((noinline)) void free_large(alloy_region *r, void *ptr)
{
    give_back_run(r, run_of(r, ptr), ptr);
}

static bool resize_large(alloy_region *r, void *ptr, size_t new_size)
{
    if (new_size > LARGE_MAX)
        return false;
    alloy_page_link *run = run_of(r, ptr);
    size_t words = (new_size + 3) / 4 + (size_t)((char *)ptr - run->pages) / 4;
    size_t need = run_pages_for_words(words), more = need - run->page_count;
    if (need <= run->page_count) { /* shrink: the pages it no longer needs go free */
        if (need < run->page_count)
            split_run(r, run, need);
        set_used(run, words);
        return true;
    }
    if (need > UINT16_MAX)
        return false;
    /* grow: into the free run right behind it, or onto the end of the heap */
    alloy_page_link *next = trailer(run);
    if (!next->pages && run_end(run) == r->heap->end) {
        char *got = grow_heap(r, more);
        if (got)
            keep_free_run(r, &r->large, got, more); /* right behind it, if nobody took pages in between */
        next = trailer(run);
    }
    if (!next->pages || run_in_use(next) || next->pages != run_end(run) || next->page_count < more)
        return false;
    runs_remove(r, next);
    if (next->page_count > more)
        split_run(r, next, more);
    run->page_count = (uint16_t)need; /* its trailer is the one the pages it took had */
    set_used(run, words);
    return true;
}

/* Whether a block being freed is kept whole: up to 64 units, the block before it
 * live (else freeing it only grows that block, in place), and live_units left at
 * low_water or above (see Phases). (This instance keeps blocks whole: it is built
 * for speed, as this code.) */
static HOT bool kept_whole(const alloy_region *r, uintptr_t frame, uintptr_t p, uint32_t units)
{
    return FAST_PATHS && units <= QUICK_UNITS && r->live_units - units >= r->low_water && !free_before(frame, unit_of(frame, p));
}

/* The last live small block was freed: a phase of the program ended, and every
 * region holds free blocks and blocks kept whole alone. They start again as on a
 * fresh heap: the initial region as one free block, the others' pages back to the
 * pool. See "Phases". */
static SLOW void restart_regions(alloy_region *r)
{
    memset(r->class_heads, 0, sizeof r->class_heads); /* NIL */
    r->class_bitmap = 0;
    no_top(r);
    if (FAST_PATHS)
        memset(r->quick, 0, sizeof r->quick);
    char *chain = NULL;
    for (uint32_t o = r->regions, next; o != NO_REGION; o = next) {
        next = header_of(address_of(r, o))->next;
        chain_page(&chain, (char *)address_of(r, o));
    }
    keep_pages(r, chain);
    r->regions = NO_REGION;
    r->region_count = 0;
    r->emptied = false;
    r->spare = false;
    r->aside = false;
    set_low_water(r);
    if (r->initial_first)
        start_region(r, r->initial_frame, r->initial_first);
}

/* The free blocks of the region of `frame` from unit `first` on, merged where they
 * touch, back on the (emptied) lists. */
static void relist_region(alloy_region *r, uintptr_t frame, uint32_t first)
{
    for (uint32_t u = next_bit(frame, FREE, first, END_UNIT); u < END_UNIT; u = next_bit(frame, FREE, u, END_UNIT)) {
        free_block *b = unit_block(frame, u);
        alloy_poison_expose(b, UNIT);
        uint32_t end = u + b->units;
        while (end < END_UNIT && bit(frame, FREE, end)) {
            free_block *n = unit_block(frame, end);
            alloy_poison_expose(n, UNIT);
            clear_bit(frame, FREE, end);
            end += n->units;
        }
        if (u == FIRST_UNIT && end == END_UNIT && !is_initial(r, frame))
            r->emptied = true;
        list_push(r, frame, u, end - u);
        u = end;
    }
}

/* The blocks kept whole, and put aside. */
static size_t count_kept(const alloy_region *r)
{
    size_t n = 0;
    for (uint32_t c = 0; c < 2 * QUICK_UNITS; c++)
        for (uint32_t o = r->quick[c]; o != NIL; o = *(const uint32_t *)address_of(r, o))
            n++;
    return n;
}

/* Every block kept whole, and every region's free blocks, merged in bulk: the kept
 * blocks become free blocks, and each region's FREE map is walked once, merging the
 * free blocks that touch and listing them again. */
static void relist_all(alloy_region *r)
{
    for (uint32_t c = 0; c < 2 * QUICK_UNITS; c++) {
        for (uint32_t o = r->quick[c], next; o != NIL; o = next) {
            uintptr_t p = address_of(r, o), frame = frame_of(r, p);
            uint32_t first = unit_of(frame, p);
            alloy_poison_expose((void *)p, UNIT);
            next = *(uint32_t *)p;
            clear_bit(frame, LIVE, first + quick_list_units(c) - 1);
            set_bit(frame, FREE, first);
            ((free_block *)p)->units = quick_list_units(c);
        }
        r->quick[c] = NIL;
    }
    memset(r->class_heads, 0, sizeof r->class_heads); /* NIL */
    r->class_bitmap = 0;
    for (uint32_t o = r->regions; o != NO_REGION; o = header_of(address_of(r, o))->next)
        relist_region(r, address_of(r, o), FIRST_UNIT);
    if (r->initial_first)
        relist_region(r, r->initial_frame, r->initial_first);
}

/* Whether any block is kept whole. */
static bool any_kept(const alloy_region *r)
{
    uint64_t any = 0;
    for (unsigned i = 0; FAST_PATHS && i < 2 * QUICK_UNITS; i += 2) { /* (NIL is 0) */
        uint64_t word;
        memcpy(&word, r->quick + i, sizeof word);
        any |= word;
    }
    return any != 0;
}

/* A phase ended beside blocks that stay (live_units fell below low_water): the blocks
 * kept whole and the top become free blocks, merged, and empty regions go back to the
 * pool, all of them. Many blocks kept (BULK_KEPT a region or more) are merged in bulk,
 * cheaper than block by block; few, block by block, so that a walk of every region is
 * paid for by as many frees. */
static SLOW void low_water_reached(alloy_region *r)
{
    r->aside = false;
    if (FAST_PATHS) {
        release_top(r);
        if (any_kept(r)) {
            if (count_kept(r) >= (size_t)BULK_KEPT * r->region_count)
                relist_all(r);
            else
                flush_quick(r, true);
        }
    }
    if (r->emptied || r->spare)
        retire_empty_regions(r, false);
}

/* live_units fell below low_water: a phase ended beside blocks that stay. The quick
 * lists go aside, for the next allocation that misses them (they are empty) to merge
 * (low_water_reached); a phase that ends at nothing live first drops them in
 * restart_regions instead. Built for size, there is nothing to put aside. */
static SLOW void low_water_crossed(alloy_region *r)
{
    if (FAST_PATHS && r->aside) { /* (live_units rose by resizes alone since) */
        low_water_reached(r);
        return;
    }
    if (!r->emptied && !r->spare && !top_room(r) && !any_kept(r))
        return; /* nothing to merge or give back */
    if (FAST_PATHS) {
        memcpy(r->quick + QUICK_UNITS, r->quick, QUICK_UNITS * sizeof r->quick[0]);
        memset(r->quick, 0, QUICK_UNITS * sizeof r->quick[0]);
    }
    r->aside = true;
}

/* free_small for a free that leaves live_units below low_water: when it leaves
 * nothing live, or crosses low_water, a phase ends (see Phases). */
static SLOW void free_small_low(alloy_region *r, void *ptr, uint32_t units)
{
    free_small(r, ptr, units);
    if (r->live_units == 0) {
        if (r->region_count > 1)
            restart_regions(r);
        else if (release_top(r) || any_kept(r))
            flush_quick(r, true); /* the one region is one free block again */
    } else if (crossed(r, units)) {
        low_water_crossed(r);
    } else if (r->emptied && r->live_units < low_water_mark(r)) {
        r->aside = true; /* a region emptied after the phase ended: the next allocation gives it back */
    }
}

/* free_small, and the end of a phase (see "Phases") */
static WASM_HOT void free_small_last(alloy_region *r, void *ptr, uint32_t units)
{
    if (!FAST_PATHS || r->live_units - units < r->low_water)
        free_small_low(r, ptr, units);
    else
        free_small(r, ptr, units);
}

/* The same out of line natively, for alloy_region_free: there it would cost every
 * free a frame (callgrind, sized mixed: 4.6 instructions a call). */
static SLOW WASM_HOT void free_small_sized(alloy_region *r, void *ptr, uint32_t units)
{
    free_small_last(r, ptr, units);
}

/* --- the strategy table ------------------------------------------------------------ */

static SLOW void *alloc_after_a_phase(alloy_region *r, size_t size, size_t align);

/* alloy_region_alloc, but for taking a block kept whole when `quick` is false */
static inline __attribute__((always_inline)) void *alloc_sized(alloy_region *r, size_t size, size_t align,
                                                            bool quick)
{
    if (FAST_PATHS && size <= QUICK_UNITS * UNIT && align <= UNIT) {
        uint32_t units = units_for(size), offset;
        void *q;
        if (quick && quick_take(r, units, &q)) /* kept whole: still marked live */
            return q;
        if (r->aside)
            return alloc_after_a_phase(r, size, align);
        if (units > EXACT_CLASSES)
            return alloc_small(r, units, align);
        offset = r->class_heads[units - 1];
        if (offset == NIL) { /* split the smallest block that is larger */
            uint64_t larger = r->class_bitmap & (~(uint64_t)0 << units);
            if (larger)
                return take_free(r, (unsigned)__builtin_ctzll(larger), UNIT, units);
            return units <= top_room(r) ? top_take(r, units) : alloc_small(r, units, align);
        }
        /* the head of its exact list: no split, no search */
        free_block *b = block_at(r, offset);
        uint32_t next = b->next;
        if ((r->class_heads[units - 1] = next) != NIL)
            block_at(r, next)->prev = NIL;
        else
            r->class_bitmap &= ~((uint64_t)1 << (units - 1));
        uintptr_t p = (uintptr_t)b, frame = frame_of(r, p);
        uint32_t first = unit_of(frame, p);
        clear_bit(frame, FREE, first);
        set_bit(frame, LIVE, first + units - 1);
        r->live_units += units;
        return b;
    }
    if (r->aside) {
        if (FAST_PATHS)
            return alloc_after_a_phase(r, size, align);
        low_water_reached(r); /* (built for size: in line, not a second copy of this) */
    }
    if (small_block(size, align))
        return alloc_small(r, units_for(size), align);
    if (!r->region_count && !r->large.pages)
        first_region(r); /* as alloc_cat: the first allocation sets up a region; large blocks need none
                          * (nor, after a phase, one that would cut the pool: see Phases) */
    return alloc_large(r, size, align);
}

/* The first allocation after a phase ended beside blocks that stay (see Phases): the
 * blocks put aside are merged, and then it is served as any. */
static SLOW void *alloc_after_a_phase(alloy_region *r, size_t size, size_t align)
{
    low_water_reached(r);
    return alloc_sized(r, size, align, true);
}

void *alloy_region_alloc(alloy_allocator *a, size_t size, size_t align)
{
    return alloc_sized(region_of(a), size, align, true);
}

/* alloy_region_free for a block not kept whole */
static SLOW void free_not_kept(alloy_region *r, void *ptr, size_t size, size_t align)
{
    if (small_block(size, align))
        free_small_sized(r, ptr, units_for(size));
    else
        free_large(r, ptr);
}

/* alloy_region_free, inline for region_free_call too */
static inline __attribute__((always_inline)) void free_sized(alloy_region *r, void *ptr, size_t size,
                                                            size_t align)
{
    uintptr_t p = (uintptr_t)ptr;
    if (FAST_PATHS && size <= QUICK_UNITS * UNIT && align <= UNIT &&
        kept_whole(r, frame_of(r, p), p, units_for(size))) {
        keep_whole(r, ptr, units_for(size));
        return;
    }
    free_not_kept(r, ptr, size, align);
}

void alloy_region_free(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    free_sized(region_of(a), ptr, size, align);
}

/* alloy_region_free_unsized for a large block. */
static __attribute__((noinline)) size_t free_unsized_large(alloy_region *r, void *ptr)
{
    alloy_page_link *run = run_of(r, ptr);
    size_t size = large_block_size(run, (uintptr_t)ptr);
    alloy_poison_block_freed(ptr, size);
    give_back_run(r, run, ptr);
    return size;
}

/* alloy_region_free_unsized for a small block that quick_keep did not keep;
 * `units` is what that learnt of it (LONG_BLOCK, the block's units, or 0). */
static size_t free_unsized_small(alloy_region *r, void *ptr, uint32_t units)
{
    uintptr_t frame = frame_of(r, (uintptr_t)ptr);
    if (units == LONG_BLOCK) { /* its last unit: the next LIVE bit past quick_keep's window */
        uint32_t first = unit_of(frame, (uintptr_t)ptr);
        units = live_end(frame, first + KEEP_UNITS) + 1 - first;
    } else if (!units) {
        units = (uint32_t)(small_block_size(frame, (uintptr_t)ptr) / UNIT);
    }
    alloy_poison_block_freed(ptr, (size_t)units * UNIT);
    if (kept_whole(r, frame, (uintptr_t)ptr, units))
        keep_whole(r, ptr, units);
    else
        free_small_last(r, ptr, units);
    return (size_t)units * UNIT;
}

size_t alloy_region_free_unsized_rest(alloy_region *r, void *ptr, uint32_t units)
{
    /* (units is 0 when nothing is known: from a caller built for size too) */
    if (units == 0 && !in_region(r, frame_of(r, (uintptr_t)ptr), (uintptr_t)ptr))
        return free_unsized_large(r, ptr);
    return free_unsized_small(r, ptr, units);
}

size_t alloy_region_free_unsized(alloy_allocator *a, void *ptr)
{
    return region_quick_free_unsized(region_of(a), ptr);
}

bool alloy_region_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size)
{
    alloy_region *r = region_of(a);
    bool small = small_block(size, align);
    if (small != small_block(new_size, align))
        return false; /* the block would change kinds: realloc moves it */
    return small ? resize_small(r, ptr, size, new_size) : resize_large(r, ptr, new_size);
}

size_t alloy_region_block_size(const alloy_allocator *a, const void *ptr, size_t *align)
{
    alloy_region *r = region_of((alloy_allocator *)(uintptr_t)a);
    uintptr_t p = (uintptr_t)ptr, frame = frame_of(r, p);
    if (surely_in_region(r, frame, p) || in_region(r, frame, p)) {
        *align = UNIT; /* what small_block takes for a block in a region */
        return small_block_size(frame, p);
    }
    *align = ALLOY_MAX_ALIGN; /* what small_block never takes for a region: a large block */
    alloy_page_link *run = run_of(r, ptr);
    return run_in_use(run) ? large_block_size(run, p) : 0; /* (0: a block freed already) */
}

/* Calls fn for each region's frame and first unit, the initial region first, until
 * it returns false; false then. */
static bool each_region(const alloy_region *r, bool (*fn)(const alloy_region *, uintptr_t, uint32_t, void *),
                        void *arg)
{
    if (r->initial_first && !fn(r, r->initial_frame, r->initial_first, arg))
        return false;
    size_t seen = 0;
    for (uint32_t f = r->regions; f != NO_REGION; f = header_of(address_of(r, f))->next)
        if (++seen > r->region_count || !fn(r, address_of(r, f), FIRST_UNIT, arg))
            return false;
    return true;
}

/* The figures (alloy/region.h), in this order. */
static const char *const region_figures[] = {"regions", "total_words", "allocated_words", "unused_words",
                                             "fragment_words", "fragments", "total_large_pages",
                                             "unused_large_pages", "allocated_large_pages_words", NULL};
enum {
    REGIONS, TOTAL_WORDS, ALLOCATED_WORDS, UNUSED_WORDS, FRAGMENT_WORDS, FRAGMENTS, TOTAL_LARGE_PAGES,
    UNUSED_LARGE_PAGES, ALLOCATED_LARGE_PAGES_WORDS
};

static bool count_region(const alloy_region *r, uintptr_t frame, uint32_t first, void *arg)
{
    alloy_stat *s = arg;
    s[TOTAL_WORDS].value += (PAGE - (is_initial(r, frame) ? (size_t)first * UNIT : 0)) / 4;
    return true;
}

static void region_stats(const alloy_allocator *a, alloy_stats *out)
{
    const alloy_region *r = (const alloy_region *)a;
    alloy_stat *s = out->figures;
    s[REGIONS].value = r->region_count;
    each_region(r, count_region, s);
    for (unsigned c = 0; c < ALLOY_REGION_CLASSES; c++)
        for (uint32_t b = r->class_heads[c]; b != NIL; b = block_at(r, b)->next) {
            uint32_t units = block_at(r, b)->units;
            if (empty_region_block(r, b, frame_of(r, address_of(r, b)))) { /* room, not a fragment */
                s[UNUSED_WORDS].value += units * (UNIT / 4);
            } else {
                s[FRAGMENTS].value++;
                s[FRAGMENT_WORDS].value += units * (UNIT / 4);
            }
        }
    /* blocks kept whole are free space too; a list that a write after a free made a
     * cycle ends where the kept units would pass the heap's (stats still returns,
     * and check fails) */
    uint64_t most = r->base.stats.heap_bytes / UNIT, kept = 0;
    for (uint32_t c = 0; FAST_PATHS && c < 2 * QUICK_UNITS; c++)
        for (uint32_t b = r->quick[c]; b != NIL && (kept += quick_list_units(c)) <= most; b = *(const uint32_t *)address_of(r, b)) {
            s[FRAGMENTS].value++;
            s[FRAGMENT_WORDS].value += quick_list_units(c) * (UNIT / 4);
        }
    if (r->top_first <= END_UNIT) /* the top's units: room, as an empty region's */
        s[UNUSED_WORDS].value += top_room(r) * (UNIT / 4);
    s[ALLOCATED_WORDS].value = (uint64_t)r->live_units * (UNIT / 4);
    for (const alloy_page_link *run = &r->large; run->pages; run = trailer(run)) {
        s[TOTAL_LARGE_PAGES].value += run->page_count;
        if (run_in_use(run))
            s[ALLOCATED_LARGE_PAGES_WORDS].value += max_words(run) - run->unused_words - UNIT / 4; /* not its header */
        else
            s[UNUSED_LARGE_PAGES].value += run->page_count;
    }
}

/* --- check ----------------------------------------------------------------------------- */

typedef struct region_tally {
    uint64_t free_blocks, free_units, tops;
} region_tally;

/* A region read through its maps: every free block starts at a bit of the free map,
 * its record and footer agree, no map bit lies inside it, and no free block follows
 * it; every live block ends at a bit of the live map, with no free bit inside it;
 * no bit below its first unit but the initial region's mark before it. */
static bool region_sound(const alloy_region *r, uintptr_t frame, uint32_t first, void *arg)
{
    region_tally *t = arg;
    if (frame % UNIT || !alloy_heap_holds(r->heap, (void *)(frame + first * UNIT), PAGE - first * UNIT) ||
        !fits_offsets(r, frame, PAGE) || (!is_initial(r, frame) && header_of(frame)->tag != REGION_TAG))
        return false;
    uint32_t mark = first > FIRST_UNIT ? first - 1 : first;
    if (next_bit(frame, FREE, FIRST_UNIT, first) != first || next_bit(frame, LIVE, FIRST_UNIT, first) != mark)
        return false;
    /* the top, if it is here, ends the region with no bit in it */
    uint32_t end = END_UNIT;
    if (r->top_first <= END_UNIT && top_room(r) && frame == r->top_frame) {
        end = r->top_first;
        if (end < first || next_bit(frame, FREE, end, END_UNIT) != END_UNIT ||
            next_bit(frame, LIVE, end, END_UNIT) != END_UNIT)
            return false;
        t->tops++;
    }
    bool after_free = false;
    for (uint32_t u = first; u < end;) {
        if (bit(frame, FREE, u)) {
            uint32_t units = unit_block(frame, u)->units;
            if (after_free || units == 0 || units > end - u || footer_before_exposed(frame, u + units) != units ||
                next_bit(frame, FREE, u + 1, u + units) != u + units || next_bit(frame, LIVE, u, u + units) != u + units)
                return false;
            t->free_blocks++;
            t->free_units += units;
            u += units;
            after_free = true;
        } else {
            uint32_t last = next_bit(frame, LIVE, u, end);
            if (last == end || next_bit(frame, FREE, u + 1, last + 1) != last + 1)
                return false;
            u = last + 1;
            after_free = false;
        }
    }
    return true;
}

/* A free block on list c: in a region, of that class, marked in its free map. */
static bool listed_block_sound(const alloy_region *r, uint32_t b, unsigned c)
{
    const free_block *block = block_at(r, b);
    uintptr_t p = address_of(r, b), frame = frame_of(r, p);
    uint32_t first = unit_of(frame, p), lowest = is_initial(r, frame) ? r->initial_first : FIRST_UNIT;
    if ((!is_initial(r, frame) && header_of(frame)->tag != REGION_TAG) || first < lowest)
        return false;
    if (block->units == 0 || block->units > END_UNIT - first || class_computed(block->units) != c ||
        !bit(frame, FREE, first) || footer_before_exposed(frame, first + block->units) != block->units)
        return false;
    return block->next == NIL || block_at(r, block->next)->prev == b;
}

/* The blocks kept whole for reuse, of `most` units at most (the regions' units: the
 * walk also ends a list that a write after a free made a cycle), each a live-marked
 * block of its list's size in a region, and none in an instance that keeps none
 * (built for size: it would never merge them): their units in *units. */
static bool quick_sound(const alloy_region *r, uint64_t most, uint64_t *units)
{
    for (uint32_t c = 0; c < 2 * QUICK_UNITS; c++)
        for (uint32_t b = r->quick[c]; b != NIL; b = *(const uint32_t *)address_of(r, b)) {
            uintptr_t p = address_of(r, b), frame = frame_of(r, p);
            if (!fits_offsets(r, p, UNIT) || !alloy_heap_holds(r->heap, (void *)p, quick_list_units(c) * UNIT) ||
                (!is_initial(r, frame) && header_of(frame)->tag != REGION_TAG) || p == frame ||
                bit(frame, FREE, unit_of(frame, p)) || small_block_size(frame, p) != quick_list_units(c) * UNIT)
                return false;
            if ((*units += quick_list_units(c)) > most)
                return false;
        }
    return r->keeps_whole == FAST_PATHS && (r->keeps_whole || *units == 0);
}

static bool regions_sound(const alloy_region *r)
{
    region_tally t = {0, 0, 0};
    uint64_t kept = 0;
    /* every unit of a region is free, live or in a block kept whole */
    uint64_t region_units = (uint64_t)(r->region_count - (r->initial_first != 0)) * REGION_UNITS;
    if (r->initial_first)
        region_units += END_UNIT - r->initial_first;
    if (!each_region(r, region_sound, &t) || region_units > r->base.stats.heap_bytes / UNIT ||
        !quick_sound(r, region_units, &kept))
        return false; /* (the walk's bound, from region_count, must not pass the heap's) */
    uint64_t blocks = 0, units = 0;
    for (unsigned c = 0; c < ALLOY_REGION_CLASSES; c++) {
        bool listed = r->class_heads[c] != NIL;
        if (listed != ((r->class_bitmap >> c) & 1) || (listed && block_at(r, r->class_heads[c])->prev != NIL))
            return false;
        for (uint32_t b = r->class_heads[c]; b != NIL; b = block_at(r, b)->next) {
            if (++blocks > t.free_blocks || !listed_block_sound(r, b, c))
                return false;
            units += block_at(r, b)->units;
        }
    }
    /* the top lies in one region (or there is none); the free blocks the regions
     * hold are those on the lists */
    uint32_t top = r->top_first <= END_UNIT ? top_room(r) : 0;
    return (!FAST_PATHS || r->top_first <= END_UNIT) && t.tops == (top != 0) && t.free_blocks == blocks &&
           t.free_units == units && region_units == units + r->live_units + kept + top;
}

/* The list of runs: in address order, within the heap, on frames, each run's header
 * pointing at the link that describes it and its trailer saying whether it is free,
 * no two free runs touching unmerged; and the lists of free runs holding exactly the
 * free runs, each on its page count's list. */
static bool runs_sound(const alloy_region *r)
{
    size_t runs = 0, free_runs = 0, most = (size_t)(r->heap->end - r->heap->start) / PAGE;
    const alloy_page_link *last = &r->large;
    if (r->large.own_free_pages)
        return false;
    for (const alloy_page_link *run = &r->large; run->pages; run = trailer(run)) {
        if (++runs > most || run->page_count == 0 ||
            !alloy_heap_holds(r->heap, run->pages, (size_t)run->page_count * PAGE) ||
            (run_in_use(run) && run->unused_words >= PAGE / 4) || ((uintptr_t)run->pages - r->phase) % PAGE)
            return false;
        const run_header *h = run_header_at(run->pages);
        const alloy_page_link *next = trailer(run);
        if (h->tag == REGION_TAG || h->desc != run || next->own_free_pages != (run_in_use(run) ? 0 : run->page_count))
            return false;
        if (mergeable(run, next) || (next->pages && next->pages < run_end(run)))
            return false; /* touching free neighbours unmerged, or not in address order */
        free_runs += !run_in_use(run);
        last = next;
    }
    if (last != (r->end_link ? r->end_link : &r->large))
        return false; /* the list ends elsewhere than the instance says */
    size_t listed = 0;
    for (unsigned c = 0; c < ALLOY_REGION_RUN_CLASSES; c++) {
        if (RUN_LISTS > 1 && !r->free_runs[c] != !((r->run_bitmap >> c) & 1))
            return false; /* the map disagrees with the list */
        const char *prev = NULL;
        for (const char *p = r->free_runs[c]; p; prev = p, p = free_run_at(p)->next) {
            /* (a damaged list may point anywhere: read only what lies in the heap) */
            if (++listed > free_runs || ((uintptr_t)p - r->phase) % PAGE || !alloy_heap_holds(r->heap, p, 2 * UNIT))
                return false;
            const alloy_page_link *run = run_header_at(p)->desc;
            if (run != &r->large && !alloy_heap_holds(r->heap, run, LINK_SIZE))
                return false;
            if (run->pages != p || run_in_use(run) || run_class(run->page_count) != c || free_run_at(p)->prev != prev)
                return false;
        }
    }
    return listed == free_runs;
}

static bool region_check(const alloy_allocator *a)
{
    const alloy_region *r = (const alloy_region *)a;
    return regions_sound(r) && runs_sound(r);
}

const alloy_strategy alloy_region_strategy = {
    .name = "region",
    .alloc = alloy_region_alloc,
    .resize = alloy_region_resize,
    .free = alloy_region_free,
    .figures = region_figures,
    .stats = region_stats,
    .check = region_check,
    .block_size = alloy_region_block_size,
    .free_unsized = alloy_region_free_unsized,
};

void alloy_region_setup(alloy_region *r, alloy_heap *heap)
{
    memset(r, 0, sizeof *r);
    r->heap = heap;
    r->regions = NO_REGION;
    r->phase = (uintptr_t)heap->end & (PAGE - 1);
    r->origin = frame_of(r, (uintptr_t)heap->start);
    r->initial_frame = r->phase + 1; /* no frame: frames lie at phase + k * 64 KiB */
    r->keeps_whole = FAST_PATHS;
    /* (a malloc layer built for speed reads this too, in quick_keep: it keeps no
     * block for a region built for size, which would never take it back) */
    r->low_water = FAST_PATHS ? 1 : UINT32_MAX;
    no_top(r);
    /* (and this: builds for size do not count such blocks, and look at every frame) */
    r->inner_large = FAST_PATHS ? 0 : NOT_COUNTED;
}

#if FAST_PATHS
/* alloy_alloc and alloy_free on an instance made by alloy_region_init: the front
 * end's checks and figures around region's own operations, in one call (alloy.h,
 * alloy_allocator). Builds for size keep the front end's: a call more, no code twice. */
static void *region_alloc_call(alloy_allocator *a, size_t size, size_t align)
{
    void *p;
    /* the commonest case inline: an alignment of 1 .. 16 and a block kept whole (the
     * quick alloc takes sizes 1 .. QUICK_UNITS * UNIT only); else as alloy_region_alloc */
    if (align - 1 < UNIT && (align & (align - 1)) == 0 && region_quick_alloc(region_of(a), size, &p)) {
        frontend_served(a, p, size, true);
        return p;
    }
    if (!frontend_block_ok(size, align)) /* the front end's answer, counted */
        return frontend_alloc(a, &alloy_region_strategy, size, align, true);
    p = alloc_sized(region_of(a), size, align, false);
    if (p)
        frontend_served(a, p, size, true);
    else
        COUNT(frontend_failed(a, size));
    return p;
}

static void region_free_call(alloy_allocator *a, void *ptr, size_t size, size_t align)
{
    if (frontend_free_begin(a, ptr, size, align, true))
        free_sized(region_of(a), ptr, size, align);
}
#endif

alloy_allocator *alloy_region_init(alloy_region *r, alloy_heap *heap)
{
    if (!r || !heap)
        return NULL;
    alloy_region_setup(r, heap);
    r->base.strategy = &alloy_region_strategy;
#if FAST_PATHS
    r->base.alloc = region_alloc_call;
    r->base.free = region_free_call;
#else
    r->base.alloc = alloy_frontend_alloc; /* (setup left the handle's calls NULL) */
    r->base.free = alloy_frontend_free;
#endif
    return &r->base;
}
