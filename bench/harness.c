/* SPDX-License-Identifier: MIT */
/* bench/harness.c - runs one workload on one allocator and prints one result line.
 *
 *   bench_PROGRAM --allocator NAME (--workload NAME | --trace FILE --name NAME)
 *                 [--quick] [--runs N] [--max-ops N] [--samples FILE] [--callgrind]
 *
 * First a memory pass: the workload runs once on a fresh instance while the harness
 * samples the allocator's heap (adapter heap_bytes) every so many operations, keeps
 * the peak, and writes "ops live_bytes heap_bytes" lines to the samples file. Then
 * --runs timed runs (5 by default) on the same instance, without samples; the time
 * per operation (allocator call) of each is printed, and their median. Every run
 * does the workload's whole count of operations, however long it takes, so a
 * loaded machine makes a run slower, never shorter; --max-ops N cuts every run
 * (the memory pass too) after N allocator calls, the same cut for every allocator.
 * With --callgrind there is one run, and callgrind instruments and collects only
 * during it (run under valgrind --tool=callgrind --instr-atstart=no
 * --collect-atstart=no); nothing is timed.
 *
 * The line: "bench allocator=A workload=W status=ok|oom|damaged ops=N runs=T1,T2,..
 * median=T peak_heap=B peak_live=B [frames=N trip_max=B trip_mean=B
 * meter=ok|off|bad]" with times in ns per operation; ops counts the calls of a run
 * (of the memory pass, up to the failed request, when one ran out of memory).
 * bench/run.py reads it.
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#if defined(BENCH_CALLGRIND)
#include <valgrind/callgrind.h>
#endif

#define MAX_RUNS 15
#define CHECK_EVERY 4096

double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static const char *workload_name = "";

void bench_checkpoint(bench_run *r)
{
    uint64_t next = r->ops + CHECK_EVERY;
    if (r->sample_every) {
        if (r->ops >= r->next_sample) {
            uint64_t heap = r->a->heap_bytes();
            if (heap > r->peak_heap)
                r->peak_heap = heap;
            if (r->samples)
                fprintf(r->samples, "%llu %llu %llu\n", (unsigned long long)r->ops, (unsigned long long)r->live,
                        (unsigned long long)heap);
            r->next_sample = r->ops + r->sample_every;
        }
        if (r->next_sample < next)
            next = r->next_sample;
    }
    if (r->max_ops && r->ops >= r->max_ops)
        r->stopped = true;
    else if (r->max_ops && r->max_ops < next)
        next = r->max_ops;
    r->next_checkpoint = next;
}

/* Running out of memory is a result (a free list that never merges can outgrow
 * wasm's 4 GiB), not a failure of the bench: reported with the figures so far. */
_Noreturn void bench_out_of_memory(const bench_run *r, size_t size)
{
    printf("bench allocator=%s workload=%s status=oom ops=%llu runs=- median=0 size=%zu peak_heap=%llu "
           "peak_live=%llu\n",
           r->a->name, workload_name, (unsigned long long)r->ops, size,
           (unsigned long long)(r->peak_heap > r->a->heap_bytes() ? r->peak_heap : r->a->heap_bytes()),
           (unsigned long long)r->peak_live);
    exit(0);
}

void bench_frame_begin(bench_run *r)
{
    if (r->a->reset_trip)
        r->a->reset_trip();
    r->trip_live = r->live;
}

void bench_frame_end(bench_run *r)
{
    r->frames++;
    r->trip_sum += r->trip_live;
    if (r->trip_live > r->trip_max)
        r->trip_max = r->trip_live;
    if (r->a->trip_high_water) {
        uint64_t meter = r->a->trip_high_water();
        if (meter != r->trip_live)
            r->meter_mismatch = true;
        if (meter > r->meter_max)
            r->meter_max = meter;
    }
}

/* The first checkpoint of a run: one CHECK_EVERY in, or at the limit if sooner. */
static uint64_t first_checkpoint(uint64_t max_ops)
{
    return max_ops && max_ops < CHECK_EVERY ? max_ops : CHECK_EVERY;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static _Noreturn void usage(const char *message)
{
    fprintf(stderr, "bench: %s\nusage: bench --allocator NAME (--workload NAME | --trace FILE --name NAME)\n"
                    "       [--quick] [--runs N] [--max-ops N] [--samples FILE] [--callgrind]\n"
                    "       bench --list    (the allocators this program has, one a line)\n", message);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *allocator = NULL, *trace = NULL, *samples_path = NULL;
    bool quick = false, callgrind = false;
    int runs = 5;
    uint64_t max_ops = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(arg, "--list")) {
            for (const bench_allocator *x = bench_allocators; x->name; x++)
                printf("%s\n", x->name);
            return 0;
        }
        if (!strcmp(arg, "--quick"))
            quick = true;
        else if (!strcmp(arg, "--callgrind"))
            callgrind = true;
        else if (!value)
            usage("missing value");
        else if (!strcmp(arg, "--allocator"))
            allocator = argv[++i];
        else if (!strcmp(arg, "--workload") || !strcmp(arg, "--name"))
            workload_name = argv[++i];
        else if (!strcmp(arg, "--trace"))
            trace = argv[++i];
        else if (!strcmp(arg, "--samples"))
            samples_path = argv[++i];
        else if (!strcmp(arg, "--runs"))
            runs = atoi(argv[++i]);
        else if (!strcmp(arg, "--max-ops"))
            max_ops = strtoull(argv[++i], NULL, 10);
        else
            usage("unknown argument");
    }
    if (runs < 1 || runs > MAX_RUNS)
        usage("--runs is 1..15");

    const bench_allocator *a = NULL;
    for (const bench_allocator *x = bench_allocators; x->name; x++)
        if (allocator && !strcmp(x->name, allocator))
            a = x;
    if (!a)
        usage("unknown allocator");
    bench_workload w = {workload_name, bench_trace_replay, 1024};
    if (trace) {
        size_t ops = bench_trace_load(trace);
        if (!ops)
            return 1;
        /* a short trace is sampled more often, so its peak is not missed */
        if (ops / 256 < w.sample_every)
            w.sample_every = ops / 256 ? ops / 256 : 1;
    } else {
        const bench_workload *found = NULL;
        for (const bench_workload *x = bench_workloads; x->name; x++)
            if (!strcmp(x->name, workload_name))
                found = x;
        if (!found)
            usage("unknown workload");
        w = *found;
    }

    /* opened before the allocator, and buffered statically, so that the samples
     * cost the allocator under test nothing */
    static char samples_buffer[1 << 16];
    FILE *samples = NULL;
    if (samples_path && !callgrind) {
        if (!(samples = fopen(samples_path, "w"))) {
            perror(samples_path);
            return 1;
        }
        setvbuf(samples, samples_buffer, _IOFBF, sizeof samples_buffer);
    }
    if (!a->open()) {
        fprintf(stderr, "bench: cannot set up %s\n", a->name);
        return 1;
    }

    bench_run r = {0};
    r.a = a;
    r.quick = quick;
    r.max_ops = max_ops;
    r.next_checkpoint = first_checkpoint(max_ops);
    const char *status = "ok";
    double times[MAX_RUNS];
    int timed = 0;
    bench_run memory;

    if (callgrind) {
#if defined(BENCH_CALLGRIND)
        CALLGRIND_START_INSTRUMENTATION; /* what came before (loading a trace) ran unsimulated */
        CALLGRIND_TOGGLE_COLLECT;
#endif
        bool ok = w.run(&r);
#if defined(BENCH_CALLGRIND)
        CALLGRIND_TOGGLE_COLLECT;
#endif
        status = ok ? "ok" : "damaged";
        r.peak_heap = a->heap_bytes();
    } else {
        /* the memory pass */
        r.sample_every = quick ? (w.sample_every + 15) / 16 : w.sample_every;
        r.next_sample = 0;
        r.next_checkpoint = 1;
        r.samples = samples;
        bool ok = w.run(&r);
        r.sample_every = 0;
        r.samples = NULL;
        uint64_t heap = a->heap_bytes();
        if (heap > r.peak_heap)
            r.peak_heap = heap;
        if (samples) {
            fprintf(samples, "%llu %llu %llu\n", (unsigned long long)r.ops, (unsigned long long)r.live,
                    (unsigned long long)heap);
            fclose(samples);
        }
        status = ok ? "ok" : "damaged";
        memory = r; /* the frames' figures */
        /* the timed runs */
        for (int i = 0; i < runs && ok; i++) {
            r.ops = 0;
            r.stopped = false;
            r.next_checkpoint = first_checkpoint(max_ops);
            double start = bench_now();
            ok = w.run(&r);
            double elapsed = bench_now() - start;
            if (!ok)
                status = "damaged";
            else
                times[timed++] = elapsed * 1e9 / (double)r.ops;
        }
        if (timed == 0)
            r.ops = memory.ops;
    }
    if (callgrind)
        memory = r;

    printf("bench allocator=%s workload=%s status=%s ops=%llu runs=", a->name, w.name, status,
           (unsigned long long)r.ops);
    for (int i = 0; i < timed; i++)
        printf("%s%.3f", i ? "," : "", times[i]);
    if (timed == 0)
        printf("-");
    double median = 0;
    if (timed) {
        qsort(times, (size_t)timed, sizeof times[0], by_value);
        median = timed % 2 ? times[timed / 2] : (times[timed / 2 - 1] + times[timed / 2]) / 2;
    }
    printf(" median=%.3f peak_heap=%llu peak_live=%llu", median, (unsigned long long)r.peak_heap,
           (unsigned long long)r.peak_live);
    if (memory.frames)
        printf(" frames=%llu trip_max=%llu trip_mean=%llu meter=%s", (unsigned long long)memory.frames,
               (unsigned long long)memory.trip_max, (unsigned long long)(memory.trip_sum / memory.frames),
               !a->trip_high_water ? "off" : r.meter_mismatch ? "bad" : "ok");
    printf("\n");
    return strcmp(status, "damaged") == 0 || r.meter_mismatch;
}
