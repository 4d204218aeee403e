/* SPDX-License-Identifier: MIT */
/* bench/trace_recorder.c - records a native program's allocations as a bench trace.
 *
 *   ALLOY_TRACE=out.trace [ALLOY_TRACE_MAX=ops] LD_PRELOAD=.../libtrace_recorder.so program ...
 *
 * A shared module that defines malloc, calloc, realloc, free, aligned_alloc,
 * posix_memalign, memalign, valloc and pvalloc: each calls glibc's own implementation
 * (__libc_malloc, ...: exported by glibc, so no dlsym, which may itself allocate)
 * and writes the operation to the file named by ALLOY_TRACE, in the format that
 * bench/trace_replay.c documents. Blocks get small ids, reused after their free, so
 * a replayer's table of ids is as long as the most blocks live at once. Recording
 * stops after ALLOY_TRACE_MAX operations (default 300,000); blocks then still live
 * are never freed in the trace. The file is created exclusively, never overwritten,
 * and its second line names the process recording it. A program that finds the file
 * made by its own process (before an exec: a wrapper script such as a pyenv shim, or
 * env, that execs the real program) records afresh, so the trace is the final
 * program's; one that finds it made by an ancestor (a program the recorded one
 * started) records nothing, quietly; one that finds any other file says so on
 * stderr and records nothing. A process that recorded no operation removes its file
 * at exit and says so. Frees of blocks
 * the recorder never saw (allocated before it was loaded) are not recorded. A spin
 * lock around each call keeps the record in order across threads. Nothing here
 * calls malloc: the table lives in its own mapping, output goes through write(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* glibc's malloc, under the names it exports for this purpose */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);
extern void __libc_free(void *p);

#define TABLE_SLOTS ((size_t)1 << 22) /* live blocks recorded at most: 3/4 of this */

typedef struct entry {
    uintptr_t ptr; /* 0: empty */
    uint32_t id;
    uint32_t align;
    uint64_t size;
} entry;

static atomic_flag lock = ATOMIC_FLAG_INIT;
static int state; /* 0: not started, 1: recording, 2: off */
static int fd = -1;
static unsigned long long ops, max_ops = 300000;
static entry *table;
static size_t live;
static uint32_t *free_ids; /* a stack of ids given back */
static size_t free_id_count;
static uint32_t next_id;
static char out[1 << 16];
static size_t out_len;
static const char *trace_path;

/* A message on stderr, without stdio (which may call malloc). */
static void say(const char *a, const char *b, const char *c)
{
    const char *parts[] = {"alloy trace recorder: ", a, b, c, "\n"};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        if (write(2, parts[i], strlen(parts[i])) < 0)
            return;
}

static void flush(void)
{
    size_t done = 0;
    while (done < out_len) {
        ssize_t n = write(fd, out + done, out_len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    out_len = 0;
}

static void put_number(unsigned long long v)
{
    char digits[24];
    int n = 0;
    do
        digits[n++] = (char)('0' + v % 10);
    while (v /= 10);
    while (n)
        out[out_len++] = digits[--n];
}

static void put_op(char op, uint32_t id, uint64_t size, uint32_t align)
{
    if (out_len > sizeof out - 80)
        flush();
    out[out_len++] = op;
    out[out_len++] = ' ';
    put_number(id);
    out[out_len++] = ' ';
    put_number(size);
    out[out_len++] = ' ';
    put_number(align);
    out[out_len++] = '\n';
    if (++ops >= max_ops) {
        flush();
        state = 2;
    }
}

/* The parent of process pid, from /proc (0 when unknown). */
static unsigned long long parent_of(unsigned long long pid)
{
    char path[48] = "/proc/", stat[512];
    size_t n = 6, digits = 0;
    for (unsigned long long v = pid; v; v /= 10)
        digits++;
    for (size_t i = digits; i; i--, pid /= 10)
        path[n + i - 1] = (char)('0' + pid % 10);
    memcpy(path + n + digits, "/stat", 6);
    int in = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t got = in < 0 ? -1 : read(in, stat, sizeof stat - 1);
    if (in >= 0)
        close(in);
    if (got <= 0)
        return 0;
    stat[got] = 0;
    const char *after_name = strrchr(stat, ')'); /* "pid (name) state ppid ..." */
    return after_name && after_name[1] && after_name[2] ? strtoull(after_name + 4, NULL, 10) : 0;
}

static bool is_ancestor(unsigned long long pid)
{
    unsigned long long p = (unsigned long long)getppid();
    for (int depth = 0; p > 1 && depth < 64; depth++, p = parent_of(p))
        if (p == pid)
            return true;
    return false;
}

/* The process id on an existing trace's "# recorder" line, or 0. */
static unsigned long long recorder_of(const char *path)
{
    char head[160];
    int in = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = in < 0 ? -1 : read(in, head, sizeof head - 1);
    if (in >= 0)
        close(in);
    if (n <= 0)
        return 0;
    head[n] = 0;
    static const char line[] = "\n# recorder ";
    const char *at = strstr(head, line);
    return at ? strtoull(at + sizeof line - 1, NULL, 10) : 0;
}

static void start(void)
{
    state = 2;
    const char *path = getenv("ALLOY_TRACE"), *max = getenv("ALLOY_TRACE_MAX");
    if (!path || !*path)
        return;
    if (max && *max)
        max_ops = strtoull(max, NULL, 10);
    void *t = mmap(NULL, TABLE_SLOTS * (sizeof(entry) + sizeof(uint32_t)), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (t == MAP_FAILED)
        return;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    int error = errno;
    if (fd < 0 && error == EEXIST) {
        unsigned long long recorder = recorder_of(path);
        if (recorder == (unsigned long long)getpid()) /* made before this process's exec */
            fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        else if (!is_ancestor(recorder))
            say(path, " exists: nothing recorded (remove it first)", "");
    } else if (fd < 0)
        say(path, ": cannot create it: ", strerror(error));
    if (fd < 0) {
        munmap(t, TABLE_SLOTS * (sizeof(entry) + sizeof(uint32_t)));
        return;
    }
    trace_path = path;
    table = t;
    free_ids = (uint32_t *)(table + TABLE_SLOTS);
    static const char header[] = "# alloy trace 1: op id size align (see bench/trace_replay.c)\n# recorder ";
    memcpy(out, header, sizeof header - 1);
    out_len = sizeof header - 1;
    put_number((unsigned long long)getpid());
    out[out_len++] = '\n';
    flush(); /* the header at once: the programs this one starts read it */
    state = 1;
}

static size_t home(uintptr_t p)
{
    return (size_t)((p >> 4) * 0x9e3779b97f4a7c15u >> 42) & (TABLE_SLOTS - 1);
}

static entry *find(uintptr_t p)
{
    for (size_t i = home(p);; i = (i + 1) & (TABLE_SLOTS - 1)) {
        if (table[i].ptr == p)
            return &table[i];
        if (table[i].ptr == 0)
            return NULL;
    }
}

static void insert(void *p, uint64_t size, uint32_t align)
{
    if (live >= TABLE_SLOTS / 4 * 3) {
        flush();
        state = 2;
        return;
    }
    uint32_t id = free_id_count ? free_ids[--free_id_count] : next_id++;
    size_t i = home((uintptr_t)p);
    while (table[i].ptr)
        i = (i + 1) & (TABLE_SLOTS - 1);
    table[i] = (entry){(uintptr_t)p, id, align, size};
    live++;
    put_op('a', id, size, align);
}

/* Remove an entry, shifting later ones of its probe run back (no tombstones). */
static void erase(entry *e)
{
    size_t i = (size_t)(e - table), j = i;
    for (;;) {
        j = (j + 1) & (TABLE_SLOTS - 1);
        if (table[j].ptr == 0)
            break;
        size_t h = home(table[j].ptr);
        /* move j back to i unless its home lies cyclically in (i, j] */
        if ((i <= j) ? (i < h && h <= j) : (i < h || h <= j))
            continue;
        table[i] = table[j];
        i = j;
    }
    table[i].ptr = 0;
    live--;
}

static void record_free(void *p)
{
    entry *e = find((uintptr_t)p);
    if (!e)
        return;
    free_ids[free_id_count++] = e->id;
    put_op('f', e->id, e->size, e->align);
    erase(e);
}

static void record_realloc(void *old, void *p, uint64_t size)
{
    entry *e = find((uintptr_t)old);
    if (!e) {
        insert(p, size, 16);
        return;
    }
    entry moved = *e;
    erase(e);
    moved.ptr = (uintptr_t)p;
    moved.size = size;
    size_t i = home((uintptr_t)p);
    while (table[i].ptr)
        i = (i + 1) & (TABLE_SLOTS - 1);
    table[i] = moved;
    live++;
    put_op('r', moved.id, size, moved.align);
}

static bool enter(void)
{
    while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire))
        ;
    if (state == 0)
        start();
    return state == 1;
}

static void leave(void)
{
    atomic_flag_clear_explicit(&lock, memory_order_release);
}

void *malloc(size_t size)
{
    bool on = enter();
    void *p = __libc_malloc(size);
    if (on && p)
        insert(p, size, 16);
    leave();
    return p;
}

void *calloc(size_t count, size_t size)
{
    bool on = enter();
    void *p = __libc_calloc(count, size);
    if (on && p)
        insert(p, (uint64_t)count * size, 16);
    leave();
    return p;
}

void *realloc(void *old, size_t size)
{
    bool on = enter();
    void *p = __libc_realloc(old, size);
    if (on) {
        if (!old && p)
            insert(p, size, 16);
        else if (old && size == 0)
            record_free(old); /* glibc frees and returns NULL */
        else if (old && p)
            record_realloc(old, p, size);
    }
    leave();
    return p;
}

void free(void *p)
{
    bool on = enter();
    if (on && p)
        record_free(p);
    __libc_free(p);
    leave();
}

/* The alignment a block of glibc's memalign(align, ...) has, as a trace says it: at
 * least 16, and rounded up to a power of two, as glibc rounds it (replay takes powers
 * of two only). One above 2^31 stays 0, which replay refuses, as it does any above
 * 64 KiB. */
static uint32_t alignment_of(size_t align)
{
    uint32_t a = 16;
    while (a && a < align)
        a <<= 1;
    return a;
}

static void *aligned(size_t align, size_t size)
{
    bool on = enter();
    void *p = __libc_memalign(align, size);
    if (on && p)
        insert(p, size, alignment_of(align));
    leave();
    return p;
}

void *memalign(size_t align, size_t size)
{
    return aligned(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
    return aligned(align, size);
}

int posix_memalign(void **result, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = aligned(align, size);
    if (!p)
        return ENOMEM;
    *result = p;
    return 0;
}

/* glibc's page-aligned blocks: valloc's of `size`, pvalloc's of size rounded up to
 * whole pages (what the program may use: 0 stays 0, as glibc computes it) */
void *valloc(size_t size)
{
    bool on = enter();
    void *p = __libc_valloc(size);
    if (on && p)
        insert(p, size, alignment_of((size_t)sysconf(_SC_PAGESIZE)));
    leave();
    return p;
}

void *pvalloc(size_t size)
{
    bool on = enter();
    void *p = __libc_pvalloc(size);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (on && p)
        insert(p, (size + page - 1) / page * page, alignment_of(page));
    leave();
    return p;
}

/* Claim the file as the program starts, before it can start others. */
__attribute__((constructor)) static void begin(void)
{
    enter();
    leave();
}

__attribute__((destructor)) static void finish(void)
{
    enter();
    if (state == 1) {
        flush();
        state = 2;
    }
    if (trace_path && ops == 0) {
        unlink(trace_path);
        say("the program made no allocator call: nothing recorded, ", trace_path, " removed");
    }
    leave();
}
