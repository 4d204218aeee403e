#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of the fuzz targets: a handful of small hand-made operation
sequences in the input format told in fuzz_alloy.c, one set shared by every target.
Run from anywhere: python3 tests/fuzz/make_corpus.py (it rewrites the seed-* files
under tests/fuzz/corpus/seeds/ and leaves whatever else is there). Inputs that once
crashed a target are kept apart, in tests/fuzz/corpus/<target>/."""
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

directory = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "seeds")
os.makedirs(directory, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(directory, "seed-" + name), "wb") as f:
        f.write(data)
