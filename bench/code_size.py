#!/usr/bin/env python3
"""Code-section bytes of the size modules (bench/size_module.c).

  code_size.py table MODULE...        print the table, with ratios to dlmalloc
  code_size.py check BUDGET MODULE... fail when a module is more than 2% over the
                                      figure recorded in BUDGET

Module file names are size_<allocator>_<set>[_nostats] (_nostats: built with
ALLOY_STATS 0); the figures are clang -Oz's. With
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


def table(paths):
    sizes = {name_of(p): (code_bytes(p), optimized_bytes(p)) for p in paths}
    print(f"{'module':<28} {'clang -Oz':>10} {'vs dlmalloc':>12} {'+ wasm-opt -Oz':>15}")
    for name, (raw, opt) in sorted(sizes.items()):
        peer = sizes.get("dlmalloc_" + name.split("_", 1)[1].removesuffix("_nostats"), (None,))[0]
        ratio = f"{raw / peer:.2f}x" if peer else ""
        print(f"{name:<28} {raw:>10} {ratio:>12} {opt if opt is not None else '-':>15}")


def check(budget_path, paths):
    budget = {}
    with open(budget_path, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, size = line.split()
                budget[name] = int(size)
    passed = failed = 0
    for path in paths:
        name, size = name_of(path), code_bytes(path)
        limit = budget.get(name)
        if limit is None:
            print(f"[FAIL] code_size::{name}: {size} bytes, no figure recorded in {budget_path}")
            failed += 1
        elif size > limit * 1.02:
            print(f"[FAIL] code_size::{name}: {size} bytes, more than 2% over the recorded {limit}")
            failed += 1
        else:
            print(f"[ ok ] code_size::{name}: {size} bytes (recorded {limit})")
            passed += 1
    print(f"alloy-tests: {passed} passed, {failed} failed")
    return failed == 0


if __name__ == "__main__":
    if sys.argv[1] == "table":
        table(sys.argv[2:])
    elif sys.argv[1] == "check":
        sys.exit(0 if check(sys.argv[2], sys.argv[3:]) else 1)
    else:
        sys.exit(__doc__)
