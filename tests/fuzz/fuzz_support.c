/* SPDX-License-Identifier: MIT */
/* What the fuzz targets share (fuzz_support.h). */
#include "fuzz_support.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fuzz_target = "fuzz";
size_t fuzz_op;

bool take(reader *r, size_t n, const uint8_t **out)
{
    if (r->left < n)
        return false;
    *out = r->p;
    r->p += n;
    r->left -= n;
    return true;
}

void broken(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "%s: operation %zu: ", fuzz_target, fuzz_op);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    abort();
}

/* The pattern: 8-byte words that depend on the block's tag and on their offset, so
 * that a block overwritten by another, moved without its contents, or shifted,
 * shows. Byte i of the block is byte i % 8 of word i / 8 as memory holds it. */
FUZZ_UNCOVERED static uint64_t pattern_word(uint32_t tag, size_t k)
{
    return ((uint64_t)tag + 1) * UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)k * UINT64_C(0x100000001b3);
}

FUZZ_UNCOVERED static unsigned char pattern_byte(uint32_t tag, size_t i)
{
    uint64_t w = pattern_word(tag, i / 8);
    unsigned char bytes[8];
    memcpy(bytes, &w, 8);
    return bytes[i % 8];
}

typedef enum mode { WRITE, COMPARE, ZERO } mode;

/* One byte of a span: write or compare the pattern, or compare with 0. */
FUZZ_UNCOVERED static bool one_byte(const fuzz_block *b, size_t i, mode m)
{
    unsigned char c = m == ZERO ? 0 : pattern_byte(b->tag, i);
    if (m == WRITE)
        b->p[i] = c;
    return b->p[i] == c;
}

/* Do what m says over bytes lo .. hi of the block; false when a byte differs. */
FUZZ_UNCOVERED static bool span(const fuzz_block *b, size_t lo, size_t hi, mode m)
{
    for (; lo < hi && lo % 8; lo++)
        if (!one_byte(b, lo, m))
            return false;
    for (; lo + 8 <= hi; lo += 8) {
        uint64_t w = m == ZERO ? 0 : pattern_word(b->tag, lo / 8), v;
        if (m == WRITE) {
            memcpy(b->p + lo, &w, 8);
        } else {
            memcpy(&v, b->p + lo, 8);
            if (v != w)
                return false;
        }
    }
    for (; lo < hi; lo++)
        if (!one_byte(b, lo, m))
            return false;
    return true;
}

FUZZ_UNCOVERED static bool clipped(const fuzz_block *b, size_t lo, size_t hi, size_t limit, mode m)
{
    if (hi > limit)
        hi = limit;
    return lo >= hi || span(b, lo, hi, m);
}

/* Every probe of the block below `limit`. */
FUZZ_UNCOVERED static bool probes(const fuzz_block *b, size_t limit, mode m)
{
    if (limit > b->size)
        limit = b->size;
    if (b->size <= PROBE_WHOLE)
        return clipped(b, 0, b->size, limit, m);
    if (!clipped(b, 0, PROBE_EDGE, limit, m))
        return false;
    /* whole words (offsets from the block's start), but for the block's last bytes */
    size_t first = PROBE_EDGE + ((size_t)(b->tag * UINT32_C(2654435761)) % PROBE_STRIDE & ~(size_t)15);
    size_t tail = (b->size - PROBE_EDGE) & ~(size_t)7;
    for (size_t at = first; at + PROBE_BYTES <= tail; at += PROBE_STRIDE)
        if (!clipped(b, at, at + PROBE_BYTES, limit, m))
            return false;
    return clipped(b, tail, b->size, limit, m);
}

void probe_fill(const fuzz_block *b)
{
    probes(b, b->size, WRITE);
}

bool probe_intact(const fuzz_block *b, size_t limit)
{
    return probes(b, limit, COMPARE);
}

bool probe_zero(const fuzz_block *b)
{
    return probes(b, b->size, ZERO);
}

FUZZ_UNCOVERED size_t overlapping(const fuzz_block *blocks, size_t n, size_t self, const void *p, size_t size)
{
    uintptr_t lo = (uintptr_t)p, hi = lo + size;
    for (size_t i = 0; i < n; i++) {
        const fuzz_block *o = &blocks[i];
        if (i != self && o->p && (uintptr_t)o->p < hi && lo < (uintptr_t)o->p + o->size)
            return i;
    }
    return n;
}

FUZZ_UNCOVERED void neighbours_intact(const fuzz_block *blocks, size_t n, size_t self, const void *p, size_t size)
{
    uintptr_t lo = (uintptr_t)p, hi = lo + size;
    size_t below = n, above = n;
    for (size_t i = 0; i < n; i++) {
        uintptr_t q = (uintptr_t)blocks[i].p;
        if (i == self || !q)
            continue;
        if (q < lo && (below == n || q > (uintptr_t)blocks[below].p))
            below = i;
        if (q >= hi && (above == n || q < (uintptr_t)blocks[above].p))
            above = i;
    }
    if (below < n && !probe_intact(&blocks[below], SIZE_MAX))
        broken("slot %zu, the block before the one operated on, was overwritten", below);
    if (above < n && !probe_intact(&blocks[above], SIZE_MAX))
        broken("slot %zu, the block after the one operated on, was overwritten", above);
}

/* each block against the ones before it */
FUZZ_UNCOVERED bool all_disjoint(const fuzz_block *blocks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (blocks[i].p && overlapping(blocks, i, i, blocks[i].p, blocks[i].size) != i)
            return false;
    return true;
}
