/* SPDX-License-Identifier: MIT */
/* The shared statistics module on its own, and the report over real instances. */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "alloy/checked.h"
#include "alloy/region.h"
#include "alloy/static_heap.h"
#include "alloy/stats.h"

Test(stats, trip_meter_resets_to_what_is_in_use)
{
    alloy_shared_stats m = {0};
    alloy_stats_allocated(&m, 1000);
    alloy_stats_allocated(&m, 500);
    alloy_stats_freed(&m, 1000);
    cr_assert_eq(m.high_water, 1500);
    cr_assert_eq(m.trip_high_water, 1500);
    alloy_stats_reset_trip(&m);
    cr_assert_eq(m.trip_high_water, 500, "not zero: the bytes in use now");
    alloy_stats_resized(&m, 500, 800);
    cr_assert_eq(m.trip_high_water, 800);
    cr_assert_eq(m.high_water, 1500);
    cr_assert_eq(m.reallocs, 1);
    alloy_stats_failed(&m, 1u << 30);
    cr_assert_eq(m.failed_allocs, 1);
    cr_assert_eq(m.largest_request, 1u << 30);
    cr_assert_eq(m.allocs - m.frees, 1);
    cr_assert(alloy_stats_consistent(&m));
    m.trip_high_water = 10;
    cr_assert(!alloy_stats_consistent(&m), "a trip peak below what is in use is caught");
}

/* alloy_check holds the shared figures to their rules too: each broken alone fails it,
 * and it passes again once the figure is put back. */
Test(stats, check_fails_on_shared_figures_that_break_their_rules)
{
    static unsigned char space[256 * 1024];
    alloy_static_heap heap;
    alloy_region r;
    alloy_allocator *a = alloy_region_init(&r, alloy_static_heap_open(&heap, space, sizeof space));
    void *p = alloy_alloc(a, 1000, 16);
    alloy_free(a, alloy_alloc(a, 3000, 16), 3000, 16);
    cr_assert(p && alloy_check(a));
    alloy_shared_stats kept = a->stats;
    a->stats.frees = a->stats.allocs + 1;
    cr_assert(!alloy_check(a), "more frees than allocations");
    a->stats = kept;
    a->stats.bytes_in_use = a->stats.trip_high_water + 16;
    cr_assert(!alloy_check(a), "more in use than the trip's peak");
    a->stats = kept;
    a->stats.high_water = a->stats.trip_high_water - 16;
    cr_assert(!alloy_check(a), "a trip peak above the peak");
    a->stats = kept;
    cr_assert(alloy_check(a));
    alloy_free(a, p, 1000, 16);
}

Test(stats, counters_are_64_bit)
{
    alloy_shared_stats m = {0};
    cr_assert_eq(sizeof m.bytes_in_use, 8);
    cr_assert_eq(sizeof m.allocs, 8);
    m.allocs = UINT32_MAX;
    alloy_stats_allocated(&m, 1);
    cr_assert_eq(m.allocs, (uint64_t)UINT32_MAX + 1);
}

#if ALLOY_AUDIT_SIZES
Test(stats, audit_table_counts_per_size_class)
{
    alloy_shared_stats m = {0};
    alloy_stats_allocated(&m, 1);    /* class 0 */
    alloy_stats_allocated(&m, 100);  /* class 7: 65..128 */
    alloy_stats_allocated(&m, 128);  /* class 7 */
    alloy_stats_allocated(&m, 129);  /* class 8 */
    cr_assert_eq(m.audit[0].live, 1);
    cr_assert_eq(m.audit[7].live, 2);
    cr_assert_eq(m.audit[7].high_water, 2);
    cr_assert_eq(m.audit[8].live, 1);
    alloy_stats_freed(&m, 100);
    alloy_stats_reset_trip(&m);
    cr_assert_eq(m.audit[7].trip_high_water, 1);
    cr_assert_eq(m.audit[7].high_water, 2);
    alloy_stats_resized(&m, 128, 129);
    cr_assert_eq(m.audit[7].live, 0);
    cr_assert_eq(m.audit[8].live, 2);
    cr_assert_eq(m.audit[8].trip_high_water, 2);
    cr_assert(alloy_stats_consistent(&m));
}
#endif

/* The report (alloy_stats_print): what it prints, parsed back, is what
 * alloy_stats_get reports. */
typedef struct printed {
    char text[16384];
    size_t length;
    int lines;
} printed;

static void collect(void *context, const char *text, size_t length)
{
    printed *p = context;
    cr_assert(length >= 1 && length <= ALLOY_STATS_LINE_MAX, "one line per call, at most ALLOY_STATS_LINE_MAX");
    cr_assert_eq(text[length - 1], '\n');
    cr_assert(memchr(text, '\n', length - 1) == NULL, "one line per call");
    cr_assert(p->length + length < sizeof p->text);
    memcpy(p->text + p->length, text, length);
    p->length += length;
    p->text[p->length] = 0;
    p->lines++;
}

/* One parsed line: its section (the last heading), and a name with up to three
 * numbers. */
typedef struct parsed_line {
    char section[64];
    char name[64];
    unsigned long long values[3];
    int count;
} parsed_line;

static size_t parse(const char *text, char *title, size_t title_size, parsed_line *out, size_t most)
{
    size_t n = 0;
    char section[64] = "";
    const char *line = text;
    cr_assert(sscanf(line, "alloy statistics: %63[^\n]", title) == 1, "first line: %s", text);
    (void)title_size;
    while ((line = strchr(line, '\n')) && *++line) {
        char word[64];
        if (line[0] != ' ') { /* a heading: "NAME figures:", "shared figures:", "audit, ..." */
            cr_assert(sscanf(line, "%63[^ :,]", section) == 1);
            continue;
        }
        parsed_line *p = &out[n];
        cr_assert(n < most);
        p->count = sscanf(line, " %63s %llu %llu %llu", word, &p->values[0], &p->values[1], &p->values[2]) - 1;
        cr_assert(p->count >= 1, "a figure line holds a name and a value: %.40s", line);
        snprintf(p->name, sizeof p->name, "%s", word);
        snprintf(p->section, sizeof p->section, "%s", section);
        n++;
    }
    return n;
}

static const parsed_line *find_line(const parsed_line *lines, size_t n, const char *section, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(lines[i].section, section) && !strcmp(lines[i].name, name))
            return &lines[i];
    return NULL;
}

static void expect_shared(const parsed_line *lines, size_t n, const alloy_shared_stats *m)
{
    const struct {
        const char *name;
        uint64_t value;
    } shared[] = {
        {"bytes_in_use", m->bytes_in_use}, {"high_water", m->high_water}, {"trip_high_water", m->trip_high_water},
        {"allocs", m->allocs}, {"frees", m->frees}, {"reallocs", m->reallocs}, {"failed_allocs", m->failed_allocs},
        {"invalid_requests", m->invalid_requests}, {"largest_request", m->largest_request},
        {"heap_bytes", m->heap_bytes},
    };
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++) {
        const parsed_line *p = find_line(lines, n, "shared", shared[i].name);
        cr_assert(p, "the report holds %s", shared[i].name);
        cr_assert_eq(p->values[0], shared[i].value, "%s: printed %llu, is %llu", shared[i].name, p->values[0],
                     (unsigned long long)shared[i].value);
    }
}

/* Some of everything: live blocks, a freed one, a resize, a failed and a bad request,
 * a trip reset. */
static void exercise(alloy_allocator *a)
{
    void *keep[20];
    for (int i = 0; i < 20; i++)
        cr_assert(keep[i] = alloy_alloc(a, 10 + 100 * (size_t)i, 16));
    alloy_free(a, keep[3], 310, 16);
    cr_assert(alloy_realloc(a, keep[4], 410, 16, 5000));
    alloy_reset_trip(a);
    cr_assert_null(alloy_alloc(a, (size_t)1 << 30, 16), "more than the heap holds");
    cr_assert_null(alloy_alloc(a, 8, 3), "a bad alignment");
    cr_assert(alloy_alloc(a, 123, 8));
}

static unsigned char print_arena[1 << 20];

Test(stats, report_holds_every_figure)
{
    alloy_static_heap h;
    alloy_region r;
    alloy_allocator *a = alloy_region_init(&r, alloy_static_heap_init(&h, print_arena, sizeof print_arena));
    cr_assert(a);
    exercise(a);
    printed out = {0};
    cr_assert(alloy_stats_print(a, collect, &out));
    alloy_stats s;
    alloy_stats_get(a, &s);

    char title[64];
    parsed_line lines[200];
    size_t n = parse(out.text, title, sizeof title, lines, 200);
    cr_assert_str_eq(title, "region");
    expect_shared(lines, n, &s.shared);
    cr_assert(s.count > 0);
    for (size_t i = 0; i < s.count; i++) {
        const parsed_line *p = find_line(lines, n, "region", s.figures[i].name);
        cr_assert(p, "the report holds region's %s", s.figures[i].name);
        cr_assert_eq(p->values[0], s.figures[i].value, "%s", s.figures[i].name);
    }
#if ALLOY_AUDIT_SIZES
    size_t rows = 0;
    for (size_t i = 0; i < n; i++)
        rows += !strcmp(lines[i].section, "audit");
    size_t used = 0;
    for (size_t k = 0; k < ALLOY_AUDIT_CLASSES; k++) {
        const alloy_size_audit *row = &s.shared.audit[k];
        if (!row->high_water)
            continue;
        used++;
        char range[48];
        if (k < 2)
            snprintf(range, sizeof range, "%zu", k + 1);
        else
            snprintf(range, sizeof range, "%llu..%llu", (1ull << (k - 1)) + 1, 1ull << k);
        const parsed_line *p = find_line(lines, n, "audit", range);
        cr_assert(p && p->count == 3, "an audit line for %s", range);
        cr_assert(p->values[0] == row->live && p->values[1] == row->high_water && p->values[2] == row->trip_high_water,
                  "audit %s", range);
    }
    cr_assert(used > 3);
    cr_assert_eq(rows, used, "one audit line per size class that was ever used");
#else
    cr_assert_null(strstr(out.text, "audit"));
#endif
}

Test(stats, report_of_a_wrapper_names_both_instances)
{
    alloy_static_heap h;
    alloy_region b;
    alloy_checked c;
    alloy_allocator *a =
        alloy_checked_init(&c, alloy_region_init(&b, alloy_static_heap_init(&h, print_arena, sizeof print_arena)));
    cr_assert(a);
    exercise(a);
    printed out = {0};
    cr_assert(alloy_stats_print(a, collect, &out));
    alloy_stats s;
    alloy_stats_get(a, &s);
    char title[64];
    parsed_line lines[200];
    size_t n = parse(out.text, title, sizeof title, lines, 200);
    cr_assert_str_eq(title, "checked over region");
    expect_shared(lines, n, &s.shared);
    cr_assert(s.inner_count == 1 && s.inner[0].first > 0 && s.inner[0].first < s.count);
    for (size_t i = 0; i < s.count; i++) {
        const char *section = i < s.inner[0].first ? "checked" : "region";
        const parsed_line *p = find_line(lines, n, section, s.figures[i].name);
        cr_assert(p, "%s's %s is under its heading", section, s.figures[i].name);
        cr_assert_eq(p->values[0], s.figures[i].value);
    }
    cr_assert_eq(find_line(lines, n, "checked", "live_blocks")->values[0], 20);
}

/* The figure lines of a report, those of the shared and audit sections left out: in
 * the order of alloy_stats's figures. */
static size_t own_lines(const parsed_line *lines, size_t n, const parsed_line **out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(lines[i].section, "shared") && strcmp(lines[i].section, "audit"))
            out[k++] = &lines[i];
    return k;
}

/* A checked wrapper over another over region: each instance's figures under its own
 * heading, in order, with the values of that instance's own report. */
Test(stats, report_of_a_wrapper_over_a_wrapper_names_all_three)
{
    alloy_static_heap h;
    alloy_region b;
    alloy_checked inner, outer;
    alloy_allocator *r = alloy_region_init(&b, alloy_static_heap_init(&h, print_arena, sizeof print_arena));
    alloy_allocator *mid = alloy_checked_init(&inner, r), *a = alloy_checked_init(&outer, mid);
    cr_assert(a);
    exercise(a);
    printed out = {0};
    cr_assert(alloy_stats_print(a, collect, &out));
    alloy_stats s, s_mid, s_region;
    alloy_stats_get(a, &s);
    alloy_stats_get(mid, &s_mid);
    alloy_stats_get(r, &s_region);
    cr_assert_eq(s.inner_count, 2);
    cr_assert_str_eq(s.inner[0].strategy, "checked");
    cr_assert_str_eq(s.inner[1].strategy, "region");
    cr_assert_eq(s.count, 6 + s_mid.count);
    cr_assert(s.inner[0].first == 6 && s.inner[1].first == 12 && s_region.count > 0);
    char title[100];
    parsed_line lines[200];
    const parsed_line *own[200];
    size_t n = parse(out.text, title, sizeof title, lines, 200);
    cr_assert_str_eq(title, "checked over checked over region");
    cr_assert_eq(own_lines(lines, n, own), s.count, "a line for each figure");
    for (size_t i = 0; i < s.count; i++) {
        const alloy_stat *expected = i < 6 ? &s.figures[i] : i < 12 ? &s_mid.figures[i - 6] : &s_region.figures[i - 12];
        cr_assert_str_eq(own[i]->section, i < 12 ? "checked" : "region", "figure %zu's heading", i);
        cr_assert_str_eq(own[i]->name, expected->name);
        cr_assert_eq(own[i]->values[0], expected->value, "%s", expected->name);
    }
    /* two headings of "checked": the middle instance's figures have one of their own */
    cr_assert(strstr(strstr(out.text, "checked figures:") + 1, "checked figures:"));
    cr_assert_eq(own[0]->values[0], 20, "the top's live_blocks");
    cr_assert_eq(own[6]->values[0], 21, "the middle one's live_blocks: the top's blocks and its table");
    cr_assert_neq(own[1]->values[0], own[7]->values[0], "each guard_bytes is its own instance's");
}

/* Three checked wrappers over region: the report names two instances below the top and
 * leaves out the figures of the deepest one. */
Test(stats, report_of_deeper_wrappers_leaves_out_the_deepest_figures)
{
    alloy_static_heap h;
    alloy_region b;
    alloy_checked c1, c2, c3;
    alloy_allocator *a = alloy_checked_init(
        &c3, alloy_checked_init(
                 &c2, alloy_checked_init(
                          &c1, alloy_region_init(&b, alloy_static_heap_init(&h, print_arena, sizeof print_arena)))));
    cr_assert(a);
    exercise(a);
    alloy_stats s;
    alloy_stats_get(a, &s);
    cr_assert_eq(s.inner_count, 2);
    cr_assert(s.inner[0].first == 6 && s.inner[1].first == 12 && s.count == 18);
    cr_assert_null(alloy_stats_find(&s, "regions"), "region's figures are left out");
    printed out = {0};
    cr_assert(alloy_stats_print(a, collect, &out));
    char title[100];
    parsed_line lines[200];
    const parsed_line *own[200];
    size_t n = parse(out.text, title, sizeof title, lines, 200);
    cr_assert_str_eq(title, "checked over checked over checked");
    cr_assert_eq(own_lines(lines, n, own), 18);
    cr_assert(alloy_check(a));
}

/* A strategy of names too long for a line: what the report cuts is the names. */
#define LONG_NAME(c) c c c c c c c c c c c c c c c c c c c c c c c c c /* 150 characters */
static const char *const long_figures[] = {LONG_NAME("figure"), NULL};

static void *refuse_alloc(alloy_allocator *self, size_t size, size_t align)
{
    (void)self, (void)size, (void)align;
    return NULL;
}

static bool refuse_resize(alloy_allocator *self, void *ptr, size_t size, size_t align, size_t new_size)
{
    (void)self, (void)ptr, (void)size, (void)align, (void)new_size;
    return false;
}

static void ignore_free(alloy_allocator *self, void *ptr, size_t size, size_t align)
{
    (void)self, (void)ptr, (void)size, (void)align;
}

static void largest_value(const alloy_allocator *self, alloy_stats *out)
{
    (void)self;
    out->figures[0].value = UINT64_MAX;
}

static bool always_sound(const alloy_allocator *self)
{
    (void)self;
    return true;
}

/* its table, with one of the two stats below */
#define LONG_NAMES(stats_of)                                                                    \
    {                                                                                           \
        .name = LONG_NAME("strategy"), .alloc = refuse_alloc, .resize = refuse_resize,          \
        .free = ignore_free, .figures = long_figures, .stats = stats_of, .check = always_sound, \
    }
static const alloy_strategy long_names = LONG_NAMES(largest_value);

/* The report of an instance of such a table, whose title must keep its words */
static void print_long_names(const alloy_strategy *table, printed *out)
{
    alloy_allocator a;
    alloy_allocator_init(&a, table);
    cr_assert(alloy_stats_print(&a, collect, out));
    cr_assert(!strncmp(out->text, "alloy statistics: strategystrategy", 34), "the title keeps its words");
}

Test(stats, report_cuts_long_names_and_keeps_what_follows_them)
{
    printed out = {0};
    print_long_names(&long_names, &out);
    const char *heading = strstr(out.text, "\nstrategystrategy");
    cr_assert(heading && !strncmp(strchr(heading + 1, '\n') - 9, " figures:", 9),
              "the heading keeps \" figures:\" after the name cut short");
    const char *figure = strstr(out.text, "\n  figurefigure");
    cr_assert(figure && !strncmp(strchr(figure + 1, '\n') - 21, " 18446744073709551615", 21),
              "the figure line keeps its whole value after the name cut short");
}

/* The same as a wrapper's report would say it, over an inner instance of a long name */
static void largest_value_over_inner(const alloy_allocator *self, alloy_stats *out)
{
    largest_value(self, out);
    out->inner[0] = (alloy_stats_inner){LONG_NAME("inner"), out->count};
    out->inner_count = 1;
}

static const alloy_strategy long_names_over_inner = LONG_NAMES(largest_value_over_inner);

Test(stats, report_title_keeps_room_for_the_inner_instance)
{
    printed out = {0};
    print_long_names(&long_names_over_inner, &out);
    const char *end = strchr(out.text, '\n'), *over = strstr(out.text, " over innerinner");
    cr_assert(over && over < end, "the title keeps \" over \" and the start of the inner name: %.*s",
              (int)(end - out.text), out.text);
}

/* Over two inner instances of long names: the title's three names get equal shares */
static void largest_value_over_two(const alloy_allocator *self, alloy_stats *out)
{
    largest_value_over_inner(self, out);
    out->inner[1] = (alloy_stats_inner){LONG_NAME("inner"), out->count};
    out->inner_count = 2;
}

static const alloy_strategy long_names_over_two = LONG_NAMES(largest_value_over_two);

Test(stats, report_title_shares_the_line_among_three_names)
{
    printed out = {0};
    print_long_names(&long_names_over_two, &out);
    const char *title = out.text + sizeof "alloy statistics: " - 1, *end = strchr(out.text, '\n');
    const char *first = strstr(title, " over "), *second = first ? strstr(first + 6, " over ") : NULL;
    cr_assert(second && second < end, "the title keeps both \" over \"s: %.*s", (int)(end - out.text), out.text);
    size_t a = (size_t)(first - title), b = (size_t)(second - first - 6), c = (size_t)(end - second - 6);
    cr_assert(a + b + c + 12 == (size_t)(end - title), "the title is the names and the \" over \"s");
    size_t most = a > b ? (a > c ? a : c) : (b > c ? b : c), least = a < b ? (a < c ? a : c) : (b < c ? b : c);
    cr_assert(most - least <= 1 && least > 30, "equal shares: %zu, %zu, %zu", a, b, c);
    cr_assert_eq(end - out.text + 1, ALLOY_STATS_LINE_MAX, "the title fills its line");
}

Test(stats, report_needs_an_instance_and_a_writer)
{
    printed out = {0};
    alloy_static_heap h;
    alloy_region r;
    alloy_allocator *a = alloy_region_init(&r, alloy_static_heap_init(&h, print_arena, sizeof print_arena));
    cr_assert(!alloy_stats_print(NULL, collect, &out));
    cr_assert(!alloy_stats_print(a, NULL, &out));
    cr_assert_eq(out.lines, 0, "nothing written");
    cr_assert(alloy_stats_print(a, collect, &out));
    cr_assert(out.lines >= 12, "a fresh instance's report: title, shared figures, region's");
}

/* alloy_stats_file_writer writes the lines unchanged. */
Test(stats, file_writer_writes_the_report)
{
    alloy_static_heap h;
    alloy_region r;
    alloy_allocator *a = alloy_region_init(&r, alloy_static_heap_init(&h, print_arena, sizeof print_arena));
    exercise(a);
    char buffer[16384] = {0};
    FILE *f = fmemopen(buffer, sizeof buffer - 1, "w");
    cr_assert(f);
    cr_assert(alloy_stats_print(a, alloy_stats_file_writer, f));
    fclose(f);
    printed out = {0};
    cr_assert(alloy_stats_print(a, collect, &out));
    cr_assert_str_eq(buffer, out.text);
}
