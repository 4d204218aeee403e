#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The bench driver: runs every workload on every allocator and writes the report.

  run.py [--native BUILD] [--wasm BUILD] [--out DIR] [--quick] [--callgrind]
         [--runs N] [--max-ops N] [--only W1,W2] [--trace FILE]...

BUILD is a meson build directory (build/native, build/wasm) holding bench/bench_*.
Each run is one process (bench/harness.c): one allocator, one workload, a memory
pass then --runs timed runs; it prints one "bench ..." line, read here. Workloads:
the synthetic ones (bench/workloads.c) and a replay of every trace in bench/traces/
(unpacked into DIR/traces); with --trace, only the traces given (recorded from your
program with bench/trace_recorder.c, plain or gzip'd). Allocators: natively every
strategy of alloy's on the mmap heap (bench_alloy --list names them), glibc malloc,
and jemalloc and mimalloc where their programs were built; in wasm (under Node, as
the cross file's exe_wrapper runs it) every strategy on the wasm heap and wasi-libc's
dlmalloc.

Figures: time per allocator call, the median of the timed runs (3; 1 with
--quick), as a ratio to the platform's malloc (glibc, dlmalloc) in the same run.
In wasm, Node compiles every function with V8's optimizing compiler before the
program starts (--no-liftoff --no-wasm-dynamic-tiering, as bench/wasm_callgrind.py
does), so every run times the code a long-running module settles into. By default
V8 starts with its baseline compiler and swaps in optimized code while the program
runs, at a moment that depends on each function's size and calls: the traces'
runs (5 to 7 ms each) took 20 ns a call before the swap and 12 after, so the
median of three could time either, differently for each allocator (sqlite: region
as malloc 1.49x dlmalloc in one run; 0.90x with optimized code in both).
Every run does its workload's whole count of operations (a quarter of a million to
two million calls; a sixteenth with --quick), whatever the time it takes, so a
loaded machine moves the times but cannot cut a run short; --max-ops N cuts every
run of every allocator after the same N calls. A program still running after
--timeout seconds (600) is killed and counted as failed.
Memory: the most bytes the allocator held from its heap provider or the system,
over the most bytes live. --callgrind counts instructions instead (natively, under
valgrind --tool=callgrind, reduced sizes), which machine noise does not move, and
estimates cycles from callgrind's simulation of a fixed cache and branch predictor.

Output: the tables on stdout and in DIR/report.md, with the wasm code-size table
(bench/code_size.py) when the wasm build has the size modules, and gnuplot charts
in DIR, each as PNG and SVG: time ratios per workload (time-native, time-wasm) and
heap bytes against live bytes over the run for mixed and frame
(memory-PLATFORM-WORKLOAD). A run first removes the charts and data an earlier run
left in DIR. Progress goes to stderr, a line per process with the count left.
Exits non-zero when a program failed (crashed, was killed, found its data damaged,
or its trip meter disagreed with the shadow count). Running out of memory is a
result, not a failure: a strategy that never merges can outgrow wasm's 4 GiB.
"""
import argparse
import glob
import gzip
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SYNTHETIC = ["mixed", "small", "churn", "lifo", "fifo", "realloc-grow", "large", "frame", "medium", "big-heap",
             "many-large"]
PLOTTED = ["mixed", "frame"]  # workloads whose heap/live samples are charted
# V8 compiles every wasm function with its optimizing compiler before the program
# starts (no Liftoff, no tier-up while it runs): see "Figures" above.
NODE = ["node", "--no-warnings", "--single-threaded", "--no-liftoff", "--no-wasm-dynamic-tiering",
        "--experimental-wasi-unstable-preview1", os.path.join(ROOT, "cross", "run-wasi.mjs")]


class Platform:
    def __init__(self, name, build, baseline, allocators, wasm):
        self.name, self.build, self.baseline, self.allocators, self.wasm = name, build, baseline, allocators, wasm


def alloy_strategies(build, wasm):
    """The allocators bench_alloy has: alloy's strategies, as it lists them; then each
    strategy as the program's malloc (bench_malloc_NAME), where built."""
    cmd = [os.path.join(build, "bench_alloy"), "--list"]
    proc = subprocess.run((NODE + cmd) if wasm else cmd, capture_output=True, text=True, check=True)
    names = proc.stdout.split()
    return [(name, "bench_alloy") for name in names] + \
        [(name + "-malloc", "bench_malloc_" + name) for name in names
         if os.path.exists(os.path.join(build, "bench_malloc_" + name))]


def platforms(args):
    found = []
    if args.native:
        b = os.path.abspath(os.path.join(args.native, "bench"))
        allocators = alloy_strategies(b, False) + [("glibc", "bench_glibc")]
        allocators += [(n, "bench_" + n) for n in ("jemalloc", "mimalloc") if os.path.exists(os.path.join(b, "bench_" + n))]
        found.append(Platform("native", b, "glibc", allocators, False))
    if args.wasm:
        b = os.path.abspath(os.path.join(args.wasm, "bench"))
        found.append(Platform("wasm", b, "dlmalloc", alloy_strategies(b, True) + [("dlmalloc", "bench_dlmalloc")], True))
    return found


def unpack_traces(out, paths):
    """Copy each trace into DIR/traces (the wasm programs see only the directory
    they run in), unpacked; returns {"trace:NAME": path relative to DIR}."""
    traces = {}
    os.makedirs(os.path.join(out, "traces"), exist_ok=True)
    for path in paths:
        name = os.path.basename(path).removesuffix(".gz").removesuffix(".trace")
        target = os.path.join(out, "traces", name + ".trace")
        if not os.path.exists(target) or os.path.getmtime(target) < os.path.getmtime(path):
            with (gzip.open if path.endswith(".gz") else open)(path, "rb") as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
        traces["trace:" + name] = os.path.join("traces", name + ".trace")
    return traces


LINE = re.compile(r"^bench (.*)$", re.M)


def parse(text):
    m = LINE.findall(text)
    if not m:
        return None
    return dict(field.split("=", 1) for field in m[-1].split())


# callgrind's cache and branch simulation, with one fixed machine (32 KiB 8-way L1s,
# an 8 MiB 16-way last level, 64-byte lines) so that every host reports the same
# figures; and KCachegrind's cycle estimate from them: an L1 miss costs 10
# instructions' time, a last-level miss 100, a mispredicted branch 10.
SIMULATION = ["--cache-sim=yes", "--branch-sim=yes", "--I1=32768,8,64", "--D1=32768,8,64", "--LL=8388608,16,64"]


def callgrind_figures(path):
    """(instructions, estimated cycles) from a callgrind output file."""
    events, totals = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith(("totals:", "summary:")):
                totals = [int(v) for v in line.split()[1:]]
    e = dict(zip(events, totals))
    l1 = e.get("I1mr", 0) + e.get("D1mr", 0) + e.get("D1mw", 0)
    ll = e.get("ILmr", 0) + e.get("DLmr", 0) + e.get("DLmw", 0)
    return e.get("Ir", 0), e.get("Ir", 0) + 10 * l1 + 100 * ll + 10 * (e.get("Bcm", 0) + e.get("Bim", 0))


def run_one(args, p, allocator, program, workload, traces):
    """Run one process; returns its fields, with 'error' set when it failed."""
    cmd = [os.path.join(p.build, program), "--allocator", allocator]
    cmd += ["--trace", traces[workload], "--name", workload] if workload in traces else ["--workload", workload]
    cmd += ["--runs", str(args.runs)] + (["--quick"] if args.quick else [])
    cmd += ["--max-ops", str(args.max_ops)] if args.max_ops else []
    callgrind_out = None
    if args.callgrind:
        callgrind_out = os.path.join(args.out, "callgrind", f"{allocator}-{workload.replace(':', '-')}.out")
        os.makedirs(os.path.dirname(callgrind_out), exist_ok=True)
        cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no", "-q", *SIMULATION,
               f"--callgrind-out-file={callgrind_out}"] + cmd + ["--callgrind"]
    elif workload in PLOTTED:
        cmd += ["--samples", os.path.join("samples", f"{p.name}-{workload}-{allocator}.dat")]
    if p.wasm:
        cmd = NODE + cmd
    try:
        proc = subprocess.run(cmd, cwd=args.out, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"allocator": allocator, "workload": workload, "status": "error",
                "error": f"killed after {args.timeout:g} s"}
    fields = parse(proc.stdout) or {"allocator": allocator, "workload": workload, "status": "error"}
    if proc.returncode != 0 or fields["status"] not in ("ok", "oom"):
        fields["error"] = f"exit {proc.returncode}: {proc.stdout.strip()} {proc.stderr.strip()}"[:500]
    if callgrind_out and fields["status"] == "ok" and os.path.exists(callgrind_out):
        fields["ir"], fields["cycles"] = callgrind_figures(callgrind_out)
    return fields


def fmt_ratio(r, base, key):
    if r.get("error"):
        return "failed"
    if r["status"] == "oom":
        done = int(r["ops"]) / int(base["ops"]) if base and base["status"] == "ok" else 0
        return f"out of memory ({done:.0%} of a run)" if done else "out of memory"
    if key in ("ir", "cycles"):
        v, b = r[key] / int(r["ops"]), (base[key] / int(base["ops"]) if base and base.get(key) else 0)
        return f"{v / b:.2f}x ({v:.0f})" if b else f"({v:.0f})"
    v, b = float(r["median"]), float(base["median"]) if base and base["status"] == "ok" else 0
    return f"{v / b:.2f}x ({v:.1f})" if b else f"({v:.1f})"


def fmt_memory(r):
    if r.get("error") or int(r.get("peak_live", 0)) == 0:
        return "-"
    text = f"{int(r['peak_heap']) / int(r['peak_live']):.2f}"
    return text + " (at the failed request)" if r["status"] == "oom" else text


def table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows])


def draw(args, name, body):
    """Render a gnuplot chart as DIR/name.png and DIR/name.svg; the files made, or []
    without gnuplot."""
    if not shutil.which("gnuplot"):
        return []
    made = []
    for terminal, ext in [("pngcairo size 1200,560 font 'DejaVu Sans,11'", "png"),
                          ("svg size 1200,560 dynamic font 'DejaVu Sans,11'", "svg")]:
        out = f"{name}.{ext}"
        subprocess.run(["gnuplot"], input=f"set terminal {terminal}\nset output '{os.path.join(args.out, out)}'\n"
                       + body, text=True, check=True)
        made.append(out)
    return made


def log2_ticks(low, high):
    """gnuplot ytics at the powers of two from below low to above high, labelled as
    ratios ("0.25x"), and the range they span."""
    first, last = math.floor(math.log2(low)), math.ceil(math.log2(high))
    if first == last:
        first, last = first - 1, last + 1
    label = lambda k: f"{2 ** k}x" if k >= 0 else f"1/{2 ** -k}x"
    ticks = ", ".join(f'"{label(k)}" {2.0 ** k!r}' for k in range(first, last + 1))
    return ticks, 2.0 ** first, 2.0 ** last


def charts(args, p, workloads, results):
    """Time ratios per workload, and heap against live bytes for PLOTTED: every series
    of a chart's legend drawn within its range."""
    names = [a for a, _ in p.allocators]
    base = {w: results[(p.name, w, p.baseline)] for w in workloads}
    data = os.path.join(args.out, f"time-{p.name}.dat")
    ratios = []
    with open(data, "w", encoding="utf-8") as f:
        f.write("# workload " + " ".join(names) + "\n")
        for w in workloads:
            cells = []
            for a in names:
                r, b = results[(p.name, w, a)], base[w]
                ok = not r.get("error") and r["status"] == "ok" and b["status"] == "ok" and float(b["median"]) > 0
                ratio = float(r["median"]) / float(b["median"]) if ok else None
                if ratio:
                    ratios.append(ratio)
                cells.append(f"{ratio:.4f}" if ratio else "-")
            f.write(w + " " + " ".join(cells) + "\n")
    if not ratios:
        return []
    ticks, low, high = log2_ticks(min(ratios), max(ratios))
    plots = ", ".join(f"'{data}' using {i + 2}:xtic(1) title '{a}'" for i, a in enumerate(names))
    made = draw(args, f"time-{p.name}", f"""set title "time per allocator call, ratio to {p.baseline} ({p.name}{', quick' if args.quick else ''}; a missing bar: failed or out of memory)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set datafile missing '-'
set logscale y 2
set xrange [-0.6:{len(workloads) - 0.4}]
set yrange [{low!r}:{high!r}]
set ytics ({ticks})
set ylabel "time / {p.baseline}'s (log scale)"
set xtics rotate by 30 right nomirror
set bmargin 6
set grid ytics
set key outside right
plot {plots}, 1 with lines dt 2 lc rgb 'black' notitle
""")
    for w in PLOTTED:
        if w not in workloads:
            continue
        series = [(a, os.path.join(args.out, "samples", f"{p.name}-{w}-{a}.dat")) for a in names]
        series = [(a, s) for a, s in series if os.path.exists(s) and os.path.getsize(s) > 0]
        if not series:
            continue
        lines = [f"'{s}' using 1:($3/1048576) with lines lw 1.5 title '{a} heap'" for a, s in series]
        live = dict(series).get(p.baseline, series[0][1])
        lines.append(f"'{live}' using 1:($2/1048576) with lines lw 2.5 lc rgb 'black' title 'live (requested)'")
        made += draw(args, f"memory-{p.name}-{w}", f"""set title "{w}: bytes held from the heap or the system against bytes live ({p.name}, first run)"
set xlabel "allocator calls"
set ylabel "MiB"
set format x "%.1s%c"
set yrange [0:*]
set grid
set key outside right
plot {', '.join(lines)}
""")
    return made


def clear_old(out):
    """Remove what an earlier run left in DIR: charts, their data and samples (not
    the traces, nor the reports of other modes in subdirectories)."""
    for pattern in ("*.png", "*.svg", "*.dat", os.path.join("samples", "*.dat"), os.path.join("callgrind", "*.out")):
        for path in glob.glob(os.path.join(out, pattern)):
            os.remove(path)


def code_size_table(args):
    if not args.wasm:
        return None
    modules = sorted(glob.glob(os.path.join(args.wasm, "bench", "size_*")))
    modules = [m for m in modules if not m.endswith(".p") and os.path.isfile(m)]
    if not modules:
        return None
    proc = subprocess.run([sys.executable, os.path.join(HERE, "code_size.py"), "table",
                           os.path.join(HERE, "code-size.txt")] + modules, capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--native")
    ap.add_argument("--wasm")
    ap.add_argument("--out", default=os.path.join("build", "bench"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--runs", type=int)
    ap.add_argument("--max-ops", type=int)
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--only")
    ap.add_argument("--trace", action="append", default=[])
    args = ap.parse_args()
    if args.runs is None:
        args.runs = 1 if args.quick else 3
    if args.callgrind:
        # instruction counts: native, reduced sizes, one run
        args.quick, args.runs, args.wasm = True, 1, None
        if not shutil.which("valgrind"):
            sys.exit("--callgrind needs valgrind")
    if not args.native and not args.wasm:
        sys.exit("give --native BUILD, --wasm BUILD or both")
    args.out = os.path.abspath(args.out)
    os.makedirs(os.path.join(args.out, "samples"), exist_ok=True)
    clear_old(args.out)
    if args.trace:
        for path in args.trace:
            if not os.path.isfile(path):
                sys.exit(f"no trace at {path}")
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as f:
                if not any(line.strip() and not line.startswith("#") for line in f):
                    sys.exit(f"{path} holds no operation: was the recorder preloaded (docs/choosing-a-strategy.md)?")
        traces = unpack_traces(args.out, [os.path.abspath(t) for t in args.trace])
        workloads = sorted(traces)
    else:
        traces = unpack_traces(args.out, sorted(glob.glob(os.path.join(HERE, "traces", "*.trace.gz"))))
        workloads = SYNTHETIC + sorted(traces)
    if args.only:
        workloads = [w for w in workloads if w in args.only.split(",")]

    started = time.monotonic()
    results, failures = {}, []
    plats = platforms(args)
    total = sum(len(p.allocators) for p in plats) * len(workloads)
    done = 0
    for p in plats:
        for w in workloads:
            for a, program in p.allocators:
                r = run_one(args, p, a, program, w, traces)
                results[(p.name, w, a)] = r
                done += 1
                if r.get("error"):
                    failures.append(f"{p.name} {a} {w}: {r['error']}")
                figure = ""
                if r["status"] == "ok" and r.get("ir"):
                    figure = (f"{r['ir'] / int(r['ops']):9.1f} instructions/call, "
                              f"{r['cycles'] / int(r['ops']):.1f} estimated cycles")
                elif r["status"] == "ok" and r.get("median"):
                    figure = f"{float(r['median']):9.1f} ns/call"
                print(f"  [{done:>3}/{total}, {total - done:>3} left, {time.monotonic() - started:4.0f} s] "
                      f"{p.name:<6} {w:<14} {a:<9} {r['status']:<6} {figure}", file=sys.stderr, flush=True)

    key = "ir" if args.callgrind else "median"
    unit = "instructions or estimated cycles per call" if args.callgrind else "ns per call"
    mode = "callgrind, reduced sizes" if args.callgrind else ("QUICK: reduced sizes" if args.quick else "full size")
    runs = "one run" if args.runs == 1 else f"median of {args.runs} runs"
    out = [f"# alloy bench report ({mode})", "",
           f"Each cell: ratio to the platform's malloc measured in the same run ({unit}, {runs}). "
           "Every run does its workload's whole count of operations"
           + (f", cut at {args.max_ops} calls for every allocator" if args.max_ops else "")
           + ": none stops on a clock, so every cell is a finished run. 'out of memory': the allocator's heap "
           "could not grow further (the share of a run done then)."
           + (" Wasm programs run under Node, with alloy compiled with the build's own flags (-O2), not the wasm "
              "libraries' -Oz, and by V8's optimizing compiler before they start (no tier-up during a run)."
              if any(p.wasm for p in plats) else ""), ""]
    for p in plats:
        names = [a for a, _ in p.allocators]
        rows = [[w] + [fmt_ratio(results[(p.name, w, a)], results[(p.name, w, p.baseline)], key) for a in names]
                for w in workloads]
        out += [f"## {'Instructions' if args.callgrind else 'Time'}, {p.name} ({'Node ' + subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip() if p.wasm else 'x86_64'})",
                "", table(["workload"] + names, rows), ""]
        if args.callgrind:
            rows = [[w] + [fmt_ratio(results[(p.name, w, a)], results[(p.name, w, p.baseline)], "cycles")
                           for a in names] for w in workloads]
            out += [f"## Estimated cycles, {p.name}", "",
                    "Time without the machine's noise: instructions + 10 per L1 miss + 100 per last-level "
                    "miss + 10 per mispredicted branch, from callgrind's simulation of one fixed machine "
                    "(32 KiB 8-way L1 caches, an 8 MiB 16-way last level, 64-byte lines; KCachegrind's "
                    "estimate). It ranks allocators whose memory traffic differs, where instructions alone "
                    "do not; it is a model, not a clock, and it leaves out the kernel (page faults, and "
                    "the system calls of allocators that map and unmap memory).", "",
                    table(["workload"] + names, rows), ""]
    if not args.callgrind:
        for p in plats:
            names = [a for a, _ in p.allocators]
            rows = [[w] + [fmt_memory(results[(p.name, w, a)]) for a in names] for w in workloads]
            out += [f"## Memory, {p.name}: peak bytes held / peak bytes live", "",
                    table(["workload"] + names, rows), ""]
        out += ["Held: alloy's heap_bytes (from its provider); glibc mallinfo2 arena + mmapped; "
                "jemalloc stats.resident; mimalloc resident pages (only the first byte of a block is written, so "
                "its large blocks count a page each); dlmalloc wasm memory above __heap_base. "
                "Sampled during the first run; '(at the failed request)': a run that ran out of memory.", ""]
        frame_rows = []
        for p in plats:
            for a, _ in p.allocators:
                r = results.get((p.name, "frame", a))
                if r and r.get("frames"):
                    frame_rows.append([p.name, a, r["frames"], f"{int(r['trip_max']) / 1024:.0f} KiB",
                                       f"{int(r['trip_mean']) / 1024:.0f} KiB",
                                       {"ok": "agrees", "off": "-", "bad": "DISAGREES"}[r["meter"]],
                                       fmt_memory(r)])
        if frame_rows:
            out += ["## Frame workload: per-frame trip high water", "",
                    "alloy_reset_trip at each frame's start; the trip high water read at its end "
                    "(the shadow count of the bytes the workload holds, for allocators without a meter).", "",
                    table(["platform", "allocator", "frames", "max trip", "mean trip", "alloy's meter", "held / live"],
                          frame_rows), ""]
        images = []
        for p in plats:
            images += charts(args, p, workloads, results)
        if images:
            out += ["## Charts", "", "Each as PNG, shown here, and as SVG beside it.", ""]
            out += [f"![{i}]({i})" for i in images if i.endswith(".png")] + [""]
    sizes = code_size_table(args)
    if sizes:
        out += ["## Code size (wasm Code-section bytes, `make size`)", "", "```", sizes.rstrip(), "```", ""]
    if failures:
        out += ["## Failures", ""] + [f"- {f}" for f in failures] + [""]
    out.append(f"Bench wall time: {time.monotonic() - started:.0f} s.")
    report = "\n".join(out) + "\n"
    with open(os.path.join(args.out, "report.md"), "w", encoding="utf-8") as f:
        f.write(report)
    print(report)
    print(f"report: {os.path.join(args.out, 'report.md')}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
