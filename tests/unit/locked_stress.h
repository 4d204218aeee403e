/* SPDX-License-Identifier: MIT */
/* The multi-threaded stress of alloy_locked, shared by the Criterion test
 * (locked_test.c) and the framework-free ThreadSanitizer program (locked_tsan.c). */
#ifndef ALLOY_TEST_LOCKED_STRESS_H
#define ALLOY_TEST_LOCKED_STRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fixture.h"

typedef enum stress_path {
    /* Each operation between alloy_locked_enter and alloy_locked_leave, on the inner
     * instance, with the statistics checked against a shared shadow count inside the
     * same critical section. Race-free: what threads should do. */
    THROUGH_ENTER,
    /* Each operation through the handle (alloy_alloc on the wrapper, ...), which
     * takes the mutex around the inner instance's front end; the handle keeps no
     * figures of its own (see alloy/locked.h). */
    THROUGH_HANDLE,
} stress_path;

typedef struct stress_config {
    const strategy_kind *strategy; /* the inner instance's, on an mmap heap */
    stress_path path;
    unsigned threads;     /* 1 .. STRESS_MAX_THREADS */
    unsigned ops;         /* operations per thread */
    bool large;           /* some requests over 32 KiB (large blocks, where a strategy
                             serves them apart) */
    uint64_t seed;
} stress_config;

#define STRESS_MAX_THREADS 16

/* Run the stress. True when every check held; otherwise false with the first failure
 * described in why. */
bool locked_stress(const stress_config *c, char *why, size_t why_size);

#endif
