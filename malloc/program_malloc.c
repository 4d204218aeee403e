/* SPDX-License-Identifier: MIT */
/* alloy as the program's malloc: the C allocation family over one instance of the
 * build-time default strategy (or the one -DALLOY_MALLOC_STRATEGY=NAME names) on the
 * default heap, behind the checked wrapper when the meson option `checked` is on
 * (ALLOY_DEFAULT_CHECKED: every call then goes through the wrapper's table, and free
 * reports a pointer that names no live block, even before the first malloc).
 * Natively, ALLOY_STATS_AT_EXIT=1 in the environment prints the instance's report at
 * exit (stats/malloc_at_exit.c, registered as the program starts). On wasm32-wasi it
 * also defines the __libc_ names that other libc objects call, so wasi-libc's
 * dlmalloc is not linked at all, and the wasm provider is the sole allocator: it
 * starts at __heap_base. This file holds alloy's one piece of mutable global state:
 * that instance. Not thread-safe. Linked only by programs that ask for it (the
 * alloy_malloc library). */
#include <errno.h>
#if !defined(__wasi__)
#include <unistd.h> /* sysconf: valloc's page */
#endif

#include "alloy/default.h"
#include "alloy/malloc.h"
#include "layer.h"

#ifndef ALLOY_MALLOC_STRATEGY
#define ALLOY_MALLOC_STRATEGY ALLOY_DEFAULT_STRATEGY
#endif
/* The instance's type, and its strategy's table, setup and operations by name
 * (ALLOY_STRATEGY_OPERATIONS in alloy/alloy.h): CHOSEN(alloc) is alloy_NAME_alloc. */
typedef ALLOY_PASTE(alloy_, ALLOY_MALLOC_STRATEGY, ) malloc_strategy;
#define CHOSEN(op) ALLOY_PASTE(alloy_, ALLOY_MALLOC_STRATEGY, _##op)

/* The operations malloc and friends call. The compiler sees this table whole, so
 * every call through it becomes a direct call, and the linker keeps only the
 * operations a program uses (-DALLOY_MALLOC_DISPATCH measures the difference: the
 * instance's own table, through which every operation stays linked). With the direct
 * table, the instance gets its real table when alloy_malloc_instance hands it out. */
#if defined(ALLOY_MALLOC_DISPATCH) || ALLOY_DEFAULT_CHECKED
#define TABLE(a) ((a)->strategy)
#else
static const alloy_strategy direct = {
    .alloc = CHOSEN(alloc), .resize = CHOSEN(resize), .free = CHOSEN(free), .block_size = CHOSEN(block_size),
    .fit = CHOSEN(fit), .free_unsized = CHOSEN(free_unsized),
};
#define TABLE(a) (&direct)
#endif

/* A strategy may serve malloc's and free's commonest cases inline, with no call into
 * it, in builds for speed (docs/writing-a-strategy.md): strategies/NAME_quick.h then
 * defines NAME_quick_alloc(instance, size, &block), which serves alloc(size, 16) or
 * says false (always for size 0 or above ALLOY_MAX_SIZE), and either
 * NAME_quick_free_unsized(instance, ptr), all of free_unsized, with
 * QUICK_FREE_UNSIZED defined (a strategy that tells sizes: region, tlsf), or
 * NAME_quick_free(instance, ptr, size, align), all of free (bumpfree). Not behind the
 * checked wrapper or with -DALLOY_MALLOC_DISPATCH, where every call goes through a
 * table. */
#define STRING_(x) #x
#define STRING(x) STRING_(x)
#define QUICK_HEADER STRING(ALLOY_PASTE(, ALLOY_MALLOC_STRATEGY, _quick).h)
#if !defined(ALLOY_MALLOC_DISPATCH) && !ALLOY_DEFAULT_CHECKED && !defined(__OPTIMIZE_SIZE__) && \
    __has_include(QUICK_HEADER)
#include QUICK_HEADER
#define QUICK(op) ALLOY_PASTE(, ALLOY_MALLOC_STRATEGY, _quick_##op)
#define HAS_QUICK 1
#else
#define HAS_QUICK 0
#endif

static struct {
    malloc_strategy strategy;
#if ALLOY_DEFAULT_CHECKED
    alloy_checked checked;
#endif
    alloy_default_heap heap;
    bool ready;
} the;

/* The strategy instance's handle: its first member, whatever the strategy calls it;
 * and the handle malloc calls: the checked wrapper's when on. */
#define INNER ((alloy_allocator *)(void *)&the.strategy)
#if ALLOY_DEFAULT_CHECKED
#define HANDLE (&the.checked.base)
#else
#define HANDLE INNER
#endif

#if ALLOY_DEFAULT_HEAP_WASM
/* alloy_wasm_heap_init(h, true), without the code for a provider beside a malloc
 * (heaps/wasm.c; not part of the interface). */
alloy_heap *alloy_wasm_heap_init_sole(alloy_wasm_heap *h);
#endif

/* The instance, made on the first call. */
static alloy_allocator *make_instance(void)
{
#if ALLOY_DEFAULT_HEAP_WASM
    /* alloy is the program's allocator: the memory from __heap_base on is its own
     * (given storage, this cannot fail) */
    alloy_heap *heap = alloy_wasm_heap_init_sole(&the.heap);
#else
    alloy_heap *heap = alloy_default_heap_init(&the.heap);
    if (!heap)
        return NULL;
#endif
    CHOSEN(setup)(&the.strategy, heap);
#if defined(ALLOY_MALLOC_DISPATCH) || ALLOY_DEFAULT_CHECKED
    INNER->strategy = &CHOSEN(strategy);
#endif
#if ALLOY_DEFAULT_CHECKED
    alloy_checked_init(&the.checked, INNER);
#endif
    the.ready = true;
    return HANDLE;
}

#if !defined(__wasi__)
/* The report at exit, when asked, is registered as the program starts: atexit may
 * call malloc, so it must not be called from inside malloc. */
__attribute__((constructor)) static void register_report(void)
{
    alloy_malloc_stats_at_exit();
}
#endif

static alloy_allocator *instance(void)
{
    return the.ready ? HANDLE : make_instance();
}

/* The handle free and friends use: the one made by whoever allocated the block; in
 * a checked build made now if need be, since the wrapper reports a pointer that
 * names no block, before the first malloc too. */
#if ALLOY_DEFAULT_CHECKED
#define BLOCK_OWNER() instance()
#else
#define BLOCK_OWNER() HANDLE
#endif

/* For the wasm provider (heaps/wasm.c), as it makes a provider beside this one: the
 * instance made now, before that provider grows memory, since this one's provider
 * takes __heap_base .. the end of memory as it is made. Not part of the interface
 * (alloy_malloc_instance would link the strategy's whole table). */
void alloy_malloc_set_up(void);

void alloy_malloc_set_up(void)
{
    (void)instance();
}

alloy_allocator *alloy_malloc_instance(void)
{
    alloy_allocator *a = instance();
    if (a) { /* the strategy's setup left the handle's table and calls to this */
        INNER->strategy = &CHOSEN(strategy);
        INNER->alloc = alloy_frontend_alloc;
        INNER->free = alloy_frontend_free;
    }
    return a;
}

static void *or_enomem(void *p)
{
    if (!p)
        errno = ENOMEM;
    return p;
}

/* align is a power of two from 1 to ALLOY_MAX_ALIGN. */
static inline ALLOCATE_INLINE void *allocate(size_t align, size_t size)
{
    alloy_allocator *a = instance();
    return or_enomem(a ? malloc_alloc(a, TABLE(a), align, size) : NULL);
}

#if HAS_QUICK
/* malloc but for what the strategy serves inline: a call of its own, which malloc's
 * quick case does not pay for (saving registers, a frame) */
static __attribute__((noinline)) void *malloc_rest(size_t size)
{
    return allocate(HEADER, size);
}

void *malloc(size_t size)
{
    /* what malloc_alloc asks of the instance, but for its corners, which the quick
     * alloc refuses: 0 (size 0, or a rounding that wraps) and sizes past ALLOY_MAX_SIZE
     * (fitted's and with_header's SIZE_MAX) */
    const alloy_strategy *s = TABLE(INNER);
    size_t ask = !s->block_size ? with_header(size, HEADER) : s->fit ? fitted(s, size) : UP_TO_16(size);
    bool sizes = s->block_size;
    void *block;
    /* (before the instance is made, it serves nothing) */
    if (QUICK(alloc)(&the.strategy, ask, &block)) {
        frontend_served(INNER, block, ask, true);
        return sizes ? block : header_put(block, size, HEADER);
    }
    return malloc_rest(size);
}
#else
void *malloc(size_t size)
{
    return allocate(HEADER, size);
}
#endif

void free(void *p)
{
    alloy_allocator *a = BLOCK_OWNER();
    if (!p || !a)
        return;
#if HAS_QUICK && defined(QUICK_FREE_UNSIZED)
    size_t size = QUICK(free_unsized)(&the.strategy, p);
    (void)size; /* with ALLOY_STATS 0, nothing is counted */
    COUNT(counting_freed(&INNER->stats, size));
#elif HAS_QUICK
    header h = *header_of(p); /* as malloc_free */
    size_t front = h.align;
    alloy_poison_block_freed((char *)p - front, h.size + front);
    COUNT(counting_freed(&INNER->stats, h.size + front)); /* first, as frontend.h's serve_free */
    QUICK(free)(&the.strategy, (char *)p - front, h.size + front, h.align);
#else
    malloc_free(a, TABLE(a), p);
#endif
}

void *calloc(size_t n, size_t size)
{
    size = array_bytes(n, size); /* SIZE_MAX when n * size overflows: it fails */
    void *p = allocate(HEADER, size);
    if (p)
        memset(p, 0, size);
    return p;
}

void *realloc(void *p, size_t size)
{
    if (!p)
        return allocate(HEADER, size);
    alloy_allocator *a = BLOCK_OWNER();
    if (!a)
        return NULL;
    void *moved = malloc_realloc(a, TABLE(a), p, size);
    return size == 0 ? moved : or_enomem(moved); /* freeing is no failure */
}

void *aligned_alloc(size_t align, size_t size)
{
    if (!frontend_align_ok(align)) {
        errno = EINVAL;
        return NULL;
    }
    return allocate(align, size);
}

/* EINVAL only for what POSIX calls a bad alignment (no power of two, or below a
 * pointer's size); above ALLOY_MAX_ALIGN no memory has the alignment: ENOMEM. */
int posix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = align <= ALLOY_MAX_ALIGN ? allocate(align, size) : NULL;
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

/* glibc's older aligned allocators, whose blocks its free takes: without them, a
 * program's memalign got glibc's block and alloy's free was handed a pointer it never
 * gave out. As glibc's: an alignment below 16 gives 16, one that is no power of two
 * is rounded up to one; but above ALLOY_MAX_ALIGN it fails with EINVAL, as
 * aligned_alloc does. */
void *memalign(size_t align, size_t size);
void *valloc(size_t size);
void *pvalloc(size_t size);

void *memalign(size_t align, size_t size)
{
    size_t power = HEADER;
    while (power < align && power <= ALLOY_MAX_ALIGN)
        power *= 2;
    if (power > ALLOY_MAX_ALIGN) {
        errno = EINVAL;
        return NULL;
    }
    return allocate(power, size);
}

/* the page valloc and pvalloc align to: the system's natively, memory's in wasm */
static size_t system_page(void)
{
#if defined(__wasi__)
    return ALLOY_PAGE_SIZE;
#else
    return (size_t)sysconf(_SC_PAGESIZE);
#endif
}

void *valloc(size_t size)
{
    return memalign(system_page(), size);
}

/* whole pages, one for size 0 (a size whose pages wrap is out of memory) */
void *pvalloc(size_t size)
{
    size_t page = system_page(), pages = size / page + (size % page != 0 || size == 0);
    return memalign(page, pages <= SIZE_MAX / page ? pages * page : SIZE_MAX);
}

size_t malloc_usable_size(void *p)
{
    alloy_allocator *a = BLOCK_OWNER();
    return a ? malloc_usable_size_of(a, TABLE(a), p) : 0;
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
