#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Code-section bytes of the size modules (bench/size_module.c).

  code_size.py table BUDGET MODULE... print the table, with ratios to dlmalloc, and
                                      how the modules fare against BUDGET's targets
  code_size.py check BUDGET [--shipped-as STRATEGY] MODULE...
                                      fail when a module is more than 2% over the
                                      figure recorded in BUDGET, or when statistics
                                      cost more than 600 bytes; with --shipped-as,
                                      when a shipped module's code is not exactly
                                      that of STRATEGY's module of the same set

BUDGET (bench/code-size.txt) is data: a line "MODULE BYTES" records a module's
figure, a line "target MODULE BYTES" a size the module aims at (after wasm-opt -Oz
when it is installed), "#" starts a comment.

Module file names are size_<allocator>_<set>[_nostats|_dispatch] (_nostats:
built with ALLOY_STATS 0; _dispatch: malloc calls the strategy through the
instance's table), built from alloy's sources with -Oz, and size_shipped_<set>:
the module linked with the build's own liballoy_malloc.a and liballoy.a, as
docs/wasm.md's command links a program (the build's default strategy, compiled as
the build compiles its libraries: -Oz with the meson option optimize_for=size,
wasm's default). The recorded figures are clang -Oz's. With
binaryen's wasm-opt installed, the table also shows the size after wasm-opt -Oz."""
import os
import shutil
import subprocess
import sys
import tempfile


def leb128(data, at):
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def code_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\0asm":
        sys.exit(f"{path}: not a wasm module")
    at = 8
    while at < len(data):
        section, at = data[at], at + 1
        size, at = leb128(data, at)
        if section == 10:
            return size
        at += size
    return 0


def optimized_bytes(path):
    wasm_opt = shutil.which("wasm-opt")
    if not wasm_opt:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.wasm")
        subprocess.run([wasm_opt, "-Oz", path, "-o", out], check=True)
        return code_bytes(out)


def name_of(path):
    return os.path.basename(path).removeprefix("size_").removesuffix(".wasm")


STATS_COST_LIMIT = 600


def read_budget(path):
    """The recorded figures {module: bytes} and the targets [(module, bytes)]."""
    figures, targets = {}, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            if fields[0] == "target":
                targets.append((fields[1], int(fields[2])))
            else:
                figures[fields[0]] = int(fields[1])
    return figures, targets


def peer_of(name):
    """The dlmalloc module that exports the same functions as `name`."""
    for s in ("full", "malloc_free"):
        if f"_{s}" in name:
            return "dlmalloc_" + s
    return None


def table(budget_path, paths):
    sizes = {name_of(p): (code_bytes(p), optimized_bytes(p)) for p in paths}
    print(f"{'module':<30} {'clang -Oz':>10} {'vs dlmalloc':>12} {'+ wasm-opt -Oz':>15} {'vs dlmalloc':>12}")
    for name, (raw, opt) in sorted(sizes.items()):
        peer = sizes.get(peer_of(name)) if not name.startswith("dlmalloc") else None
        ratio = f"{raw / peer[0]:.2f}x" if peer else ""
        opt_ratio = f"{opt / peer[1]:.2f}x" if peer and opt is not None else ""
        print(f"{name:<30} {raw:>10} {ratio:>12} {opt if opt is not None else '-':>15} {opt_ratio:>12}")

    def final(name):
        raw, opt = sizes[name]
        return opt if opt is not None else raw

    print("\nextra bytes (after wasm-opt when installed):")
    for name in sorted(sizes):
        if name.endswith("_dispatch"):
            direct = name.removesuffix("_dispatch")
            print(f"  calls through the instance's table, {direct}: {final(name) - final(direct):+d}")
    for name in sorted(sizes):
        if name + "_nostats" in sizes:
            print(f"  statistics, {name}: {final(name) - final(name + '_nostats'):+d} (limit {STATS_COST_LIMIT})")
    print("\ntargets:")
    for name, limit in read_budget(budget_path)[1]:
        if name in sizes:
            size = final(name)
            print(f"  {name}: {size} bytes, target {limit}: {'met' if size <= limit else 'missed'}")


def check(budget_path, paths, shipped_as=None):
    budget = read_budget(budget_path)[0]
    passed = failed = 0
    sizes = {name_of(p): code_bytes(p) for p in paths}
    for path in paths:
        name, size = name_of(path), code_bytes(path)
        limit = budget.get(name)
        if name.startswith("shipped_"):
            if shipped_as is None:
                continue  # the libraries are compiled for speed: nothing to hold them to
            twin = shipped_as + name.removeprefix("shipped")
            ok = size == sizes.get(twin)
            print(f"[{' ok ' if ok else 'FAIL'}] code_size::{name}: {size} bytes, {twin} {sizes.get(twin)}"
                  + ("" if ok else ": the archives a user links are not what make size measures"))
            passed, failed = passed + ok, failed + (not ok)
        elif limit is None:
            print(f"[FAIL] code_size::{name}: {size} bytes, no figure recorded in {budget_path}")
            failed += 1
        elif size > limit * 1.02:
            print(f"[FAIL] code_size::{name}: {size} bytes, more than 2% over the recorded {limit}")
            failed += 1
        else:
            print(f"[ ok ] code_size::{name}: {size} bytes (recorded {limit})")
            passed += 1
    for name in sorted(sizes):
        if name + "_nostats" in sizes:
            cost = sizes[name] - sizes[name + "_nostats"]
            ok = 0 <= cost <= STATS_COST_LIMIT
            print(f"[{' ok ' if ok else 'FAIL'}] code_size::{name}_stats_cost: {cost} bytes (limit {STATS_COST_LIMIT})")
            passed, failed = passed + ok, failed + (not ok)
    print(f"alloy-tests: {passed} passed, {failed} failed")
    return failed == 0


if __name__ == "__main__":
    if sys.argv[1] == "table":
        table(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "check":
        rest = sys.argv[3:]
        shipped = rest[1] if rest[:1] == ["--shipped-as"] else None
        sys.exit(0 if check(sys.argv[2], rest[2:] if shipped else rest, shipped) else 1)
    else:
        sys.exit(__doc__)
