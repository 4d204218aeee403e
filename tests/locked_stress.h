/* The multi-threaded stress of alloy_locked, shared by the Criterion test
 * (locked_test.c) and the framework-free ThreadSanitizer program (locked_tsan.c). */
#ifndef ALLOY_TEST_LOCKED_STRESS_H
#define ALLOY_TEST_LOCKED_STRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum stress_path {
    /* Each operation between alloy_locked_enter and alloy_locked_leave, on the inner
     * instance, with the statistics checked against a shared shadow count inside the
     * same critical section. Race-free: what threads should do. */
    THROUGH_ENTER,
    /* Each operation through the handle (alloy_alloc on the wrapper, ...). The inner
     * instance is guarded, but the front end counts the handle's own figures outside
     * the lock: ThreadSanitizer reports that race (see alloy/locked.h). */
    THROUGH_HANDLE,
} stress_path;

typedef struct stress_config {
    const char *strategy; /* "region" or "bumpfree", on an mmap heap */
    stress_path path;
    unsigned threads;     /* 1 .. STRESS_MAX_THREADS */
    unsigned ops;         /* operations per thread */
    bool large;           /* some requests over 32 KiB (region's runs of pages) */
    uint64_t seed;
} stress_config;

#define STRESS_MAX_THREADS 16

/* Run the stress. True when every check held; otherwise false with the first failure
 * described in why. */
bool locked_stress(const stress_config *c, char *why, size_t why_size);

#endif
