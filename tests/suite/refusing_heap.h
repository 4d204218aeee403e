/* SPDX-License-Identifier: MIT */
/* A test heap provider that wraps another and refuses some of its grows, so that
 * tests can make growth fail exactly where they want: the n-th grow, every grow from
 * the n-th on, every k-th grow, or any grow past a budget of pages. Refused grows
 * never reach the wrapped provider; accepted ones are passed on unchanged.
 *
 * The wrapper takes over the wrapped provider's initial space (if nobody claimed it
 * yet) and mirrors its start and end, so strategies see the same addresses they
 * would see on the wrapped provider alone. Instances must be built on the wrapper,
 * and nothing else may grow the wrapped provider directly. */
#ifndef ALLOY_TEST_REFUSING_HEAP_H
#define ALLOY_TEST_REFUSING_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloy/heap.h"

/* When to refuse. Grows are numbered from 1 (every call that reaches the wrapper
 * counts, refused or not). A field of 0 is off; a grow is refused when any rule
 * that is on says so. */
typedef struct refusing_policy {
    uint64_t refuse_nth;   /* refuse grow number n, once */
    uint64_t refuse_from;  /* refuse grow number n and every later one */
    uint64_t refuse_every; /* refuse every k-th grow: k, 2k, 3k, ... */
    size_t page_budget;    /* refuse a grow that would take the pages handed out past this */
    bool refuse_all;       /* refuse everything */
} refusing_policy;

typedef struct refusing_heap {
    alloy_heap heap; /* first: the handle strategies use */
    alloy_heap *inner;
    refusing_policy policy;
    uint64_t grows;    /* calls so far */
    uint64_t refused;  /* of those, refused by the policy */
    uint64_t failed;   /* of those, passed on but refused by the wrapped provider */
    size_t pages;      /* pages handed out */
} refusing_heap;

/* Wrap `inner` with the given policy (all off: accept everything). Returns &h->heap,
 * or NULL when h or inner is NULL. */
alloy_heap *refusing_heap_init(refusing_heap *h, alloy_heap *inner, refusing_policy policy);

/* Change the policy from now on; the grow count goes on. */
void refusing_heap_set_policy(refusing_heap *h, refusing_policy policy);

#endif
