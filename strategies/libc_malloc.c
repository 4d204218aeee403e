/* alloy as the program's malloc: the C allocation family over one instance of the
 * build-time default strategy (or the one ALLOY_MALLOC_USE_REGION /
 * ALLOY_MALLOC_USE_BUMPFREE names) on the default heap. On wasm32-wasi it also
 * defines the __libc_ names that other libc objects call, so wasi-libc's dlmalloc is
 * not linked at all, and the wasm provider is the sole allocator: it starts at
 * __heap_base. This file holds alloy's one piece of mutable global state: that
 * instance. Not thread-safe. Linked only by programs that ask for it
 * (the alloy_malloc library). */
#include <errno.h>

#include "alloy/default.h"
#include "alloy/malloc.h"

#if defined(ALLOY_MALLOC_USE_REGION)
typedef alloy_region malloc_strategy;
#define malloc_strategy_init alloy_region_init
#elif defined(ALLOY_MALLOC_USE_BUMPFREE)
typedef alloy_bumpfree malloc_strategy;
#define malloc_strategy_init alloy_bumpfree_init
#else
typedef alloy_default_strategy malloc_strategy;
#define malloc_strategy_init alloy_default_init
#endif

alloy_allocator *alloy_malloc_instance(void)
{
    static malloc_strategy storage;
    static alloy_default_heap heap_storage;
    static alloy_allocator *instance;
    if (!instance) {
#if ALLOY_DEFAULT_HEAP_WASM
        alloy_heap *heap = alloy_wasm_heap_init(&heap_storage, true);
#else
        alloy_heap *heap = alloy_default_heap_init(&heap_storage);
#endif
        instance = malloc_strategy_init(&storage, heap);
    }
    return instance;
}

static void *or_enomem(void *p)
{
    if (!p)
        errno = ENOMEM;
    return p;
}

void *malloc(size_t size)
{
    return or_enomem(alloy_malloc(alloy_malloc_instance(), size));
}

void free(void *p)
{
    alloy_malloc_free(alloy_malloc_instance(), p);
}

void *calloc(size_t n, size_t size)
{
    return or_enomem(alloy_malloc_calloc(alloy_malloc_instance(), n, size));
}

void *realloc(void *p, size_t size)
{
    void *moved = alloy_malloc_realloc(alloy_malloc_instance(), p, size);
    return p && size == 0 ? moved : or_enomem(moved); /* freeing is no failure */
}

void *aligned_alloc(size_t align, size_t size)
{
    if (align == 0 || (align & (align - 1)) || align > ALLOY_MAX_ALIGN) {
        errno = EINVAL;
        return NULL;
    }
    return or_enomem(alloy_malloc_aligned(alloy_malloc_instance(), align, size));
}

int posix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)) || align > ALLOY_MAX_ALIGN)
        return EINVAL;
    void *p = alloy_malloc_aligned(alloy_malloc_instance(), align, size);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

size_t malloc_usable_size(void *p)
{
    return alloy_malloc_usable_size(p);
}

#if defined(__wasi__)
void *__libc_malloc(size_t size);
void __libc_free(void *p);
void *__libc_calloc(size_t n, size_t size);

void *__libc_malloc(size_t size)
{
    return malloc(size);
}

void __libc_free(void *p)
{
    free(p);
}

void *__libc_calloc(size_t n, size_t size)
{
    return calloc(n, size);
}
#endif
