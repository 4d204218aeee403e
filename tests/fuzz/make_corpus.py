#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of the fuzz targets: a handful of small hand-made operation
sequences per input format, shared by every target that reads it: the alloy API's
(fuzz_alloy.c: fuzz_NAME, fuzz_checked_NAME) in tests/fuzz/corpus/seeds/, the malloc
layer's (fuzz_malloc.c: fuzz_malloc_NAME) in tests/fuzz/corpus/seeds-malloc/.
Run from anywhere: python3 tests/fuzz/make_corpus.py (it rewrites the seed-* files
there and leaves whatever else is there). What fuzzing found is kept apart, in
tests/fuzz/corpus/<target>/ (README.md)."""
import os

ALLOC, FREE, RESIZE, REALLOC, RESET = range(5)
TINY, SMALL, MEDIUM, UP_TO_32K, AROUND_32K, PAGES, LARGE, SPECIAL = range(8)


def op(kind, slot, size=None, align=None):
    """One operation on slot 0..31: b = kind + 8 * slot keeps both (b % 5, b >> 3)."""
    b = slot << 3
    b += (kind - b % 5) % 5  # raise the low 3 bits until b % 5 == kind
    assert b % 5 == kind and b >> 3 == slot and b < 256
    out = bytes([b])
    if size is not None:
        size_kind, v = size
        out += bytes([size_kind, v & 0xFF, v >> 8])
    if align is not None:
        out += bytes([align])  # 1 << (align % 17); 31 is a bad alignment
    return out


SEEDS = {
    # allocate a few small blocks and free them in another order
    "small": op(ALLOC, 0, (SMALL, 100), 3) + op(ALLOC, 1, (TINY, 5), 0) +
             op(ALLOC, 2, (MEDIUM, 3000), 4) + op(FREE, 1) + op(FREE, 0) + op(FREE, 2),
    # grow and shrink in place and by moving, reset the trip meter in between
    "resize": op(ALLOC, 3, (SMALL, 40), 4) + op(RESIZE, 3, (SMALL, 200)) + op(RESET, 0) +
              op(REALLOC, 3, (MEDIUM, 2000), 0) + op(RESIZE, 3, (TINY, 3)) +
              op(REALLOC, 3, (SMALL, 0), 0),
    # large blocks: runs of pages, page-sized requests, the 32 KiB boundary
    "large": op(ALLOC, 4, (PAGES, 0), 4) + op(ALLOC, 5, (AROUND_32K, 3), 4) +
             op(ALLOC, 6, (LARGE, 2000), 16) + op(FREE, 4) + op(REALLOC, 5, (PAGES, 7), 0) +
             op(RESIZE, 6, (LARGE, 100)) + op(FREE, 6),
    # run out of memory: the heap has 5 pages and a 40,000-byte initial space
    "exhaust": b"".join(op(ALLOC, i, (PAGES, 1), 4) for i in range(8)) +
               op(FREE, 2) + op(ALLOC, 9, (UP_TO_32K, 30000), 12),
    # big alignments, a bad alignment, impossible and zero sizes
    "edges": op(ALLOC, 7, (TINY, 1), 16) + op(ALLOC, 8, (SMALL, 17), 12) +
             op(ALLOC, 10, (SMALL, 9), 31) + op(ALLOC, 11, (SPECIAL, 0), 4) +
             op(ALLOC, 12, (SPECIAL, 2), 4) + op(RESIZE, 7, (SPECIAL, 3)) +
             op(REALLOC, 8, (SPECIAL, 1), 0) + op(RESIZE, 8, (SPECIAL, 0)),
    # many small blocks in every slot, then realloc them all larger
    "churn": b"".join(op(ALLOC, i, (MEDIUM, 50 * i + 1), i % 9) for i in range(32)) +
             b"".join(op(REALLOC, i, (MEDIUM, 70 * i + 9), 0) for i in range(0, 32, 3)) +
             b"".join(op(FREE, i) for i in range(0, 32, 2)),
}

# the checked target's misuse: reset_trip's operation on slots 24..31, and a byte
# naming the slot (or the recent free) it is done to
def misuse(kind, slot):
    return op(RESET, 24 + kind) + bytes([slot])


SEEDS["misuse"] = (op(ALLOC, 0, (SMALL, 100), 3) + op(ALLOC, 1, (PAGES, 1), 16) + op(FREE, 1) +
                   b"".join(misuse(k, 0) for k in range(8)) + misuse(3, 0) + misuse(5, 1))

# the malloc layer's format (fuzz_malloc.c)
MALLOC, MFREE, CALLOC, MREALLOC, ALIGNED, USE_ALL = range(6)


def mop(kind, slot, size=None, extra=None):
    """One operation of fuzz_malloc.c on slot 0..31: b % 6 == kind, b >> 3 == slot."""
    b = slot << 3
    b += (kind - b % 6) % 6
    assert b % 6 == kind and b >> 3 == slot and b < 256
    out = bytes([b])
    if extra is not None:
        out += bytes([extra])  # calloc's count, aligned_alloc's alignment
    if size is not None:
        size_kind, v = size
        out += bytes([size_kind, v & 0xFF, v >> 8])
    return out


MALLOC_SEEDS = {
    # malloc, calloc and aligned blocks of every kind of size, freed in another order
    "mixed": mop(MALLOC, 0, (SMALL, 100)) + mop(CALLOC, 1, (TINY, 7), 9) +
             mop(ALIGNED, 2, (MEDIUM, 3000), 12) + mop(MALLOC, 3, (LARGE, 900)) +
             mop(USE_ALL, 0) + mop(MFREE, 1) + mop(MFREE, 0) + mop(MFREE, 3) + mop(MFREE, 2),
    # realloc up and down, from NULL and to 0
    "realloc": mop(MREALLOC, 4, (TINY, 3)) + mop(MREALLOC, 4, (MEDIUM, 2000)) +
               mop(MREALLOC, 4, (PAGES, 2)) + mop(MREALLOC, 4, (SMALL, 10)) +
               mop(ALIGNED, 5, (SMALL, 40), 16) + mop(MREALLOC, 5, (MEDIUM, 4000)) +
               mop(MREALLOC, 4, (SPECIAL, 0)),
    # zero sizes, counts that overflow, impossible sizes, bad and large alignments
    "edges": mop(MALLOC, 6, (SPECIAL, 0)) + mop(MALLOC, 7, (SPECIAL, 0)) + mop(CALLOC, 8, (SMALL, 5), 0) +
             mop(CALLOC, 9, (SMALL, 200), 200) + mop(MALLOC, 10, (SPECIAL, 1)) +
             mop(MALLOC, 11, (SPECIAL, 2)) + mop(ALIGNED, 12, (SMALL, 1), 31) +
             mop(ALIGNED, 13, (SMALL, 1), 30) + mop(ALIGNED, 14, (TINY, 1), 16) +
             mop(MREALLOC, 6, (SPECIAL, 3)) + mop(MREALLOC, 14, (SPECIAL, 4)),
    # run out of memory with pages and calloc
    "exhaust": b"".join(mop(MALLOC, i, (PAGES, 1)) for i in range(8)) + mop(MFREE, 2) +
               mop(CALLOC, 9, (UP_TO_32K, 30000), 3),
}

here = os.path.dirname(os.path.abspath(__file__))
for folder, seeds in (("seeds", SEEDS), ("seeds-malloc", MALLOC_SEEDS)):
    directory = os.path.join(here, "corpus", folder)
    os.makedirs(directory, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(directory, "seed-" + name), "wb") as f:
            f.write(data)
