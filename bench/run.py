#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The bench driver: runs every workload on every allocator and writes the report.

  run.py [--native BUILD] [--wasm BUILD] [--out DIR] [--quick] [--callgrind]
         [--runs N] [--limit SECONDS] [--only W1,W2] [--trace FILE]...

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

Figures: time per allocator call, the median of the timed runs, as a ratio to the
platform's malloc (glibc, dlmalloc) in the same run; a run past --limit seconds
(2, or 0.4 with --quick) did not finish (DNF).
Memory: the most bytes the allocator held from its heap provider or the system,
over the most bytes live. --callgrind counts instructions instead (natively, under
valgrind --tool=callgrind, reduced sizes), which machine noise does not move.

Output: the tables on stdout and in DIR/report.md, with the wasm code-size table
(bench/code_size.py) when the wasm build has the size modules, and gnuplot charts
in DIR: time ratios per workload (time-native.png, time-wasm.png) and heap bytes
against live bytes over the run for mixed and frame (memory-PLATFORM-WORKLOAD.png).
Exits non-zero when a program failed (crashed, ran out of memory, found its data
damaged, or its trip meter disagreed with the shadow count); DNF is not a failure.
"""
import argparse
import glob
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SYNTHETIC = ["mixed", "small", "churn", "lifo", "fifo", "realloc-grow", "large", "frame"]
PLOTTED = ["mixed", "frame"]  # workloads whose heap/live samples are charted
NODE = ["node", "--no-warnings", "--single-threaded", "--experimental-wasi-unstable-preview1",
        os.path.join(ROOT, "cross", "run-wasi.mjs")]


class Platform:
    def __init__(self, name, build, baseline, allocators, wasm):
        self.name, self.build, self.baseline, self.allocators, self.wasm = name, build, baseline, allocators, wasm


def alloy_strategies(build, wasm):
    """The allocators bench_alloy has: alloy's strategies, as it lists them."""
    cmd = [os.path.join(build, "bench_alloy"), "--list"]
    proc = subprocess.run((NODE + cmd) if wasm else cmd, capture_output=True, text=True, check=True)
    return [(name, "bench_alloy") for name in proc.stdout.split()]


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


def callgrind_ir(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1])
    return 0


def run_one(args, p, allocator, program, workload, traces):
    """Run one process; returns its fields, with 'error' set when it failed."""
    cmd = [os.path.join(p.build, program), "--allocator", allocator]
    cmd += ["--trace", traces[workload], "--name", workload] if workload in traces else ["--workload", workload]
    limit = args.limit
    cmd += ["--runs", str(args.runs), "--limit", str(limit)] + (["--quick"] if args.quick else [])
    callgrind_out = None
    if args.callgrind:
        callgrind_out = os.path.join(args.out, "callgrind", f"{allocator}-{workload.replace(':', '-')}.out")
        os.makedirs(os.path.dirname(callgrind_out), exist_ok=True)
        cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no", "-q",
               f"--callgrind-out-file={callgrind_out}"] + cmd + ["--callgrind"]
    elif workload in PLOTTED:
        cmd += ["--samples", os.path.join("samples", f"{p.name}-{workload}-{allocator}.dat")]
    if p.wasm:
        cmd = NODE + cmd
    proc = subprocess.run(cmd, cwd=args.out, capture_output=True, text=True)
    fields = parse(proc.stdout) or {"allocator": allocator, "workload": workload, "status": "error"}
    if proc.returncode != 0 or fields["status"] not in ("ok", "dnf", "oom"):
        fields["error"] = f"exit {proc.returncode}: {proc.stdout.strip()} {proc.stderr.strip()}"[:500]
    if callgrind_out and fields["status"] == "ok" and os.path.exists(callgrind_out):
        fields["ir"] = callgrind_ir(callgrind_out)
    return fields


def fmt_ratio(r, base, key):
    if r.get("error"):
        return "failed"
    if r["status"] in ("dnf", "oom"):
        done = int(r["done"]) / int(base["ops"]) if base and base["status"] == "ok" else 0
        what = "DNF" if r["status"] == "dnf" else "out of memory"
        return f"{what} ({done:.0%} of a run)" if done else what
    if key == "ir":
        v, b = r["ir"] / int(r["ops"]), (base["ir"] / int(base["ops"]) if base and base.get("ir") else 0)
        return f"{v / b:.2f}x ({v:.0f})" if b else f"({v:.0f})"
    v, b = float(r["median"]), float(base["median"]) if base and base["status"] == "ok" else 0
    return f"{v / b:.2f}x ({v:.1f})" if b else f"({v:.1f})"


def fmt_memory(r):
    if r.get("error") or int(r.get("peak_live", 0)) == 0:
        return "-"
    text = f"{int(r['peak_heap']) / int(r['peak_live']):.2f}"
    return text + " (at stop)" if r["status"] in ("dnf", "oom") else text


def table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows])


def gnuplot(script):
    if not shutil.which("gnuplot"):
        return False
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return True


def charts(args, p, workloads, results):
    """Time ratios per workload, and heap against live bytes for PLOTTED."""
    names = [a for a, _ in p.allocators]
    base = {w: results[(p.name, w, p.baseline)] for w in workloads}
    data = os.path.join(args.out, f"time-{p.name}.dat")
    with open(data, "w", encoding="utf-8") as f:
        f.write("workload " + " ".join(names) + "\n")
        for w in workloads:
            cells = []
            for a in names:
                r, b = results[(p.name, w, a)], base[w]
                ok = not r.get("error") and r["status"] == "ok" and b["status"] == "ok" and float(b["median"]) > 0
                cells.append(f"{float(r['median']) / float(b['median']):.4f}" if ok else "-")
            f.write(w + " " + " ".join(cells) + "\n")
    terminal = "set terminal pngcairo size 1100,500 font ',10'\n"
    plots = ", ".join(f"'{data}' using {i + 2}:xtic(1) title '{a}'" for i, a in enumerate(names))
    drawn = gnuplot(terminal + f"""set output '{os.path.join(args.out, f'time-{p.name}.png')}'
set title "time per operation, ratio to {p.baseline} ({p.name}{', quick' if args.quick else ''}; missing bars: did not finish)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set datafile missing '-'
set logscale y 2
set yrange [0.0625:*]
set ylabel "time / {p.baseline}'s"
set xtics rotate by -30
set grid ytics
set key outside right
plot {plots}, 1 with lines dt 2 lc rgb 'black' notitle
""")
    if not drawn:
        return []
    made = [f"time-{p.name}.png"]
    for w in PLOTTED:
        if w not in workloads:
            continue
        series = [(a, os.path.join(args.out, "samples", f"{p.name}-{w}-{a}.dat")) for a in names]
        series = [(a, s) for a, s in series if os.path.exists(s) and os.path.getsize(s) > 0]
        if not series:
            continue
        lines = [f"'{s}' using 1:($3/1048576) with lines title '{a} heap'" for a, s in series]
        live = dict(series).get(p.baseline, series[0][1])
        lines.append(f"'{live}' using 1:($2/1048576) with lines lw 2 lc rgb 'black' title 'live (requested)'")
        out = f"memory-{p.name}-{w}.png"
        gnuplot(terminal + f"""set output '{os.path.join(args.out, out)}'
set title "{w}: bytes held from the heap or system against bytes live ({p.name}, first run)"
set xlabel "allocator calls"
set ylabel "MiB (clipped at 3x the live peak)"
stats '{live}' using 2 nooutput
set yrange [0:STATS_max * 3 / 1048576]
set grid
set key outside right
plot {', '.join(lines)}
""")
        made.append(out)
    return made


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
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--limit", type=float)
    ap.add_argument("--only")
    ap.add_argument("--trace", action="append", default=[])
    args = ap.parse_args()
    if args.limit is None:
        args.limit = 0.4 if args.quick else 2.0
    if args.callgrind:
        # instruction counts: native, reduced sizes, and time for valgrind's slowness
        args.quick, args.runs, args.wasm, args.limit = True, 1, None, 60.0
        if not shutil.which("valgrind"):
            sys.exit("--callgrind needs valgrind")
    if not args.native and not args.wasm:
        sys.exit("give --native BUILD, --wasm BUILD or both")
    args.out = os.path.abspath(args.out)
    os.makedirs(os.path.join(args.out, "samples"), exist_ok=True)
    if args.trace:
        for path in args.trace:
            if not os.path.isfile(path):
                sys.exit(f"no trace at {path}")
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
    for p in plats:
        for w in workloads:
            for a, program in p.allocators:
                r = run_one(args, p, a, program, w, traces)
                results[(p.name, w, a)] = r
                if r.get("error"):
                    failures.append(f"{p.name} {a} {w}: {r['error']}")
                print(f"  {p.name:<6} {w:<14} {a:<9} {r['status']:<6} {r.get('median', '-'):>9} ns/op", file=sys.stderr)

    key = "ir" if args.callgrind else "median"
    unit = "instructions per call" if args.callgrind else "ns per call"
    mode = "callgrind, reduced sizes" if args.callgrind else ("QUICK: reduced sizes" if args.quick else "full size")
    out = [f"# alloy bench report ({mode})", "",
           f"Each cell: ratio to the platform's malloc measured in the same run ({unit}, "
           + ("one run" if args.callgrind else f"median of {args.runs} runs") + "). "
           + f"DNF: a run did not finish within {args.limit:g} s (the share of a run done by then). "
           "Wasm programs run under Node.", ""]
    for p in plats:
        names = [a for a, _ in p.allocators]
        rows = [[w] + [fmt_ratio(results[(p.name, w, a)], results[(p.name, w, p.baseline)], key) for a in names]
                for w in workloads]
        out += [f"## {'Instructions' if args.callgrind else 'Time'}, {p.name} ({'Node ' + subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip() if p.wasm else 'x86_64'})",
                "", table(["workload"] + names, rows), ""]
    if not args.callgrind:
        for p in plats:
            names = [a for a, _ in p.allocators]
            rows = [[w] + [fmt_memory(results[(p.name, w, a)]) for a in names] for w in workloads]
            out += [f"## Memory, {p.name}: peak bytes held / peak bytes live", "",
                    table(["workload"] + names, rows), ""]
        out += ["Held: alloy's heap_bytes (from its provider); glibc mallinfo2 arena + mmapped; "
                "jemalloc stats.resident; mimalloc resident pages (only the first byte of a block is written, so "
                "its large blocks count a page each); dlmalloc wasm memory above __heap_base. "
                "Sampled during the first run; '(at stop)': a run that did not finish.", ""]
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
            out += ["## Charts", ""] + [f"![{i}]({i})" for i in images] + [""]
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
