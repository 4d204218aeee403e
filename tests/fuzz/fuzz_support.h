/* SPDX-License-Identifier: MIT */
/* What the fuzz targets share (fuzz_alloy.c, fuzz_malloc.c): reading operations from
 * the input, reporting a broken property, and the pattern blocks hold.
 *
 * Cheap checks are what let libFuzzer search: a target checks what an operation
 * touched right after it (the block, the live blocks on either side of it in memory,
 * the statistics) and everything (every block, alloy_check) every FUZZ_FULL_EVERY
 * operations and at the end of the input. A block holds its pattern only in its
 * probes: every byte of a block of up to PROBE_WHOLE bytes; of a larger one the first
 * and the last PROBE_EDGE bytes, and PROBE_BYTES bytes every PROBE_STRIDE bytes from
 * an offset its tag picks, so that the same input always probes the same bytes while
 * different blocks, and so different inputs, probe different ones. A large block
 * then costs a few hundred words to fill and to verify, not its size.
 *
 * The checking code is left out of the fuzzer's coverage (FUZZ_UNCOVERED): its loops
 * and comparisons say nothing about alloy, and instrumenting them cost most of the
 * time of every execution. */
#ifndef ALLOY_FUZZ_SUPPORT_H
#define ALLOY_FUZZ_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__clang__)
#define FUZZ_UNCOVERED __attribute__((no_sanitize("coverage")))
#else
#define FUZZ_UNCOVERED
#endif

/* Check everything after this many operations (and at the end of every input). */
#define FUZZ_FULL_EVERY 64

#define PROBE_WHOLE ((size_t)1024)
#define PROBE_EDGE ((size_t)256)
#define PROBE_STRIDE ((size_t)4096)
#define PROBE_BYTES ((size_t)32)

/* The input, read from the front. */
typedef struct reader {
    const uint8_t *p;
    size_t left;
} reader;

/* The next n bytes in *out, or false when fewer are left (the input ends there). */
bool take(reader *r, size_t n, const uint8_t **out);

/* The target's name and the operation under way, for the report. */
extern const char *fuzz_target;
extern size_t fuzz_op;

/* Print "fuzz_TARGET: operation N: " and the message, and abort: libFuzzer saves the
 * input as a crash. */
void broken(const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

/* A block as a target knows it: what it asked for, and what its pattern is. */
typedef struct fuzz_block {
    unsigned char *p; /* NULL: the slot is empty */
    size_t size;      /* the bytes that hold the pattern (asked for, or usable) */
    size_t align;
    uint32_t tag;
} fuzz_block;

/* Write the pattern into the block's probes. */
void probe_fill(const fuzz_block *b);
/* Whether the probes of the block's first `limit` bytes hold its pattern. */
bool probe_intact(const fuzz_block *b, size_t limit);
/* Whether the block's probes hold zeros (calloc). */
bool probe_zero(const fuzz_block *b);

/* The index of a live block among the n that shares a byte with [p, p + size), other
 * than `self` (an index, or n for none); n when none does. */
size_t overlapping(const fuzz_block *blocks, size_t n, size_t self, const void *p, size_t size);

/* The live blocks nearest below and above [p, p + size) in memory, other than `self`
 * (an index, or n for none), still hold their probes; broken() otherwise: they are
 * where a strategy that wrote past what the operation touched would show. */
void neighbours_intact(const fuzz_block *blocks, size_t n, size_t self, const void *p, size_t size);

/* Whether n live blocks are pairwise disjoint (sorted by address: O(n log n)). */
bool all_disjoint(const fuzz_block *blocks, size_t n);

#endif
