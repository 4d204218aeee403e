/* Each strategy's operations under their own names, for the one caller that knows
 * its strategy at build time: the malloc layer (libc_malloc.c) calls them directly
 * rather than through the instance's table, so that a module links only the
 * operations it uses. Internal: not installed. The front end's guarantees
 * (alloy/alloy.h, alloy_strategy) hold for every call. */
#ifndef ALLOY_DIRECT_H
#define ALLOY_DIRECT_H

#include "alloy/bumpfree.h"
#include "alloy/region.h"

/* Make *r / *bf an instance over `heap` as the public init does, but leave its table
 * unset (NULL): whoever hands the instance to code that calls through the table
 * must set it first, from the strategy's table below. Neither argument may be NULL. */
void alloy_region_setup(alloy_region *r, alloy_heap *heap);
void alloy_bumpfree_setup(alloy_bumpfree *bf, alloy_heap *heap);

extern const alloy_strategy alloy_region_strategy;
void *alloy_region_alloc(alloy_allocator *a, size_t size, size_t align);
bool alloy_region_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size);
void alloy_region_free(alloy_allocator *a, void *ptr, size_t size, size_t align);
size_t alloy_region_block_size(const alloy_allocator *a, const void *ptr);

extern const alloy_strategy alloy_bumpfree_strategy;
void *alloy_bumpfree_alloc(alloy_allocator *a, size_t size, size_t align);
bool alloy_bumpfree_resize(alloy_allocator *a, void *ptr, size_t size, size_t align, size_t new_size);
void alloy_bumpfree_free(alloy_allocator *a, void *ptr, size_t size, size_t align);

#endif
