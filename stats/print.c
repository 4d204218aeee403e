/* SPDX-License-Identifier: MIT */
/* The statistics report: alloy_stats_print (alloy/alloy.h) lays an instance's
 * figures out as text and hands it line by line to the caller's writer. No stdio
 * here, so that a wasm module can print a report through a host function without
 * linking printf; alloy_stats_file_writer (stats/print_file.c) is the writer for a
 * FILE. The layout is part of the contract in alloy/stats.h. */
#include <string.h>

#include "alloy/alloy.h"

/* Where a figure's value starts on its line: past the longest name alloy uses. */
#define VALUE_COLUMN 32

typedef struct line {
    char text[ALLOY_STATS_LINE_MAX];
    size_t length;
    alloy_stats_writer writer;
    void *context;
} line;

/* Append a name, cut short so that `after` more bytes still fit: what follows a
 * name (a value, " figures:") is what makes the line what it is. */
static void put_name(line *l, const char *name, size_t after)
{
    size_t room = sizeof l->text - 1 - l->length, n = strlen(name);
    if (n + after > room)
        n = room > after ? room - after : 0;
    memcpy(l->text + l->length, name, n);
    l->length += n;
}

/* Append text, cutting what the line has no room for (the '\n' always fits). */
static void put(line *l, const char *text)
{
    put_name(l, text, 0);
}

/* value's decimal digits, at the end of digits[21], and where they start */
static const char *decimal(char digits[21], uint64_t value)
{
    size_t n = 20;
    digits[n] = 0;
    do
        digits[--n] = (char)('0' + value % 10);
    while (value /= 10);
    return digits + n;
}

static void pad_to(line *l, size_t column)
{
    while (l->length < column && l->length < sizeof l->text - 1)
        l->text[l->length++] = ' ';
}

static void end_line(line *l)
{
    l->text[l->length++] = '\n';
    l->writer(l->context, l->text, l->length);
    l->length = 0;
}

/* "  NAME      VALUE" */
static void figure(line *l, const char *name, uint64_t value)
{
    char digits[21];
    const char *text = decimal(digits, value);
    put(l, "  ");
    put_name(l, name, 1 + strlen(text));
    pad_to(l, VALUE_COLUMN);
    put(l, " ");
    put(l, text);
    end_line(l);
}

/* "NAME figures:" */
static void heading(line *l, const char *name)
{
    put_name(l, name, sizeof " figures:" - 1);
    put(l, " figures:");
    end_line(l);
}

#if ALLOY_STATS && ALLOY_AUDIT_SIZES
static void audit(line *l, const alloy_shared_stats *s)
{
    put(l, "audit, blocks per size class (bytes: live high_water trip_high_water):");
    end_line(l);
    for (size_t k = 0; k < ALLOY_AUDIT_CLASSES; k++) {
        const alloy_size_audit *row = &s->audit[k];
        if (row->high_water == 0) /* never used: live and trip are 0 too */
            continue;
        uint64_t low = k == 0 ? 1 : ((uint64_t)1 << (k - 1)) + 1;
        uint64_t high = k >= 64 ? UINT64_MAX : (uint64_t)1 << k;
        char digits[21];
        put(l, "  ");
        put(l, decimal(digits, low));
        if (high != low) {
            put(l, "..");
            put(l, decimal(digits, high));
        }
        pad_to(l, VALUE_COLUMN);
        put(l, " ");
        put(l, decimal(digits, row->live));
        put(l, " ");
        put(l, decimal(digits, row->high_water));
        put(l, " ");
        put(l, decimal(digits, row->trip_high_water));
        end_line(l);
    }
}
#endif

bool alloy_stats_print(const alloy_allocator *a, alloy_stats_writer writer, void *context)
{
    if (!a || !writer)
        return false;
    alloy_stats s;
    alloy_stats_get(a, &s);
    line l = {.length = 0, .writer = writer, .context = context};

    /* the names: the strategy's, then each inner instance's; each is cut to leave the
     * rest of the line, less the " over "s, to the names after it in equal shares */
    const char *names[1 + ALLOY_STATS_INNER] = {s.strategy};
    size_t firsts[1 + ALLOY_STATS_INNER] = {0}, layers = 1;
    for (size_t i = 0; i < s.inner_count && i < ALLOY_STATS_INNER; i++, layers++) {
        names[layers] = s.inner[i].strategy;
        firsts[layers] = s.inner[i].first;
    }
    put(&l, "alloy statistics: ");
    for (size_t i = 0; i < layers; i++) {
        if (i > 0)
            put(&l, " over ");
        size_t later = layers - 1 - i, room = sizeof l.text - 1 - l.length;
        size_t for_names = room > later * (sizeof " over " - 1) ? room - later * (sizeof " over " - 1) : 0;
        put_name(&l, names[i], room - for_names / (later + 1));
    }
    end_line(&l);

    const alloy_shared_stats *m = &s.shared;
#if ALLOY_STATS
    put(&l, "shared figures:");
    end_line(&l);
    figure(&l, "bytes_in_use", m->bytes_in_use);
    figure(&l, "high_water", m->high_water);
    figure(&l, "trip_high_water", m->trip_high_water);
    figure(&l, "allocs", m->allocs);
    figure(&l, "frees", m->frees);
    figure(&l, "reallocs", m->reallocs);
    figure(&l, "failed_allocs", m->failed_allocs);
    figure(&l, "invalid_requests", m->invalid_requests);
    figure(&l, "largest_request", m->largest_request);
#else
    put(&l, "shared figures (built with -Dstats=false: only heap_bytes is kept):");
    end_line(&l);
#endif
    figure(&l, "heap_bytes", m->heap_bytes);

    /* the strategy's own figures, then (a wrapper's) each inner instance's, under the
     * heading of the last of them that starts at or before figure i */
    size_t count = s.count < ALLOY_STATS_FIGURES ? s.count : ALLOY_STATS_FIGURES;
    for (size_t i = 0, layer = 0; i < count; i++) {
        bool starts = i == 0;
        while (layer + 1 < layers && firsts[layer + 1] <= i)
            layer++, starts = true;
        if (starts)
            heading(&l, names[layer]);
        figure(&l, s.figures[i].name, s.figures[i].value);
    }
#if ALLOY_STATS && ALLOY_AUDIT_SIZES
    audit(&l, m);
#endif
    return true;
}
