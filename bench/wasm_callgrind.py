#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Instructions per allocator call of a wasm bench program under Node, by function.

    bench/wasm_callgrind.py BUILD/bench/PROGRAM ALLOCATOR (--workload W | --trace F --name N) [--quick]

Wall times of wasm under Node vary by up to 30% from run to run on a shared machine,
so they cannot decide a change of a few percent. This counts instead: Node runs the
program under callgrind with every function compiled by its optimizing compiler
(TurboFan: --no-liftoff --no-wasm-dynamic-tiering) and prints that code
(--print-wasm-code), which says where each wasm function's machine code lies; the x86
instructions executed in it are summed by function. The program runs twice, with one
timed run and with two, and the difference is one run's cost, divided by its
allocator calls. The figures are exact and repeat to the instruction; they leave out
what the engine does outside the compiled code (memory.grow, memory.copy's runtime
call, the collector), and like callgrind natively, they count instructions, not
cache misses. Needs valgrind and node; run from the folder the program's paths are
relative to (Node's WASI sees the current folder).
"""
import bisect
import collections
import re
import subprocess
import sys
import tempfile

NODE = ['node', '--no-warnings', '--single-threaded', '--no-liftoff', '--no-wasm-dynamic-tiering',
        '--print-wasm-code']
RUNNER = __file__.rsplit('/', 2)[0] + '/cross/run-wasi.mjs'


def code_spans(listing):
    """[start, last instruction, function name] of each compiled wasm function."""
    spans, name = [], None
    for line in listing.splitlines():
        m = re.match(r'name: (\S+)', line)
        if m:
            name = m.group(1)
            continue
        m = re.match(r'(0x[0-9a-f]+)\s+[0-9a-f]+\s', line)
        if m and name:
            at = int(m.group(1), 16)
            if spans and spans[-1][2] == name and at >= spans[-1][0]:
                spans[-1][1] = max(spans[-1][1], at)
            else:
                spans.append([at, at, name])
    return sorted(spans)


def self_costs(profile, spans):
    """Instructions executed in each function, from callgrind's per-instruction costs
    of the code that belongs to no file (what the engine compiled)."""
    starts = [s[0] for s in spans]
    costs = collections.Counter()
    in_jit = after_call = False
    with open(profile) as f:
        for line in f:
            if line.startswith('ob='):
                in_jit = '???' in line
            elif line.startswith('calls='):
                after_call = True  # the next line is the call's inclusive cost
            elif line[:2] == '0x':
                if after_call:
                    after_call = False
                elif in_jit:
                    fields = line.split()
                    at = int(fields[0], 16)
                    i = bisect.bisect_right(starts, at) - 1
                    inside = i >= 0 and at <= spans[i][1] + 16
                    costs[spans[i][2] if inside else '(engine code)'] += int(fields[-1])
    return costs


def run(args, runs):
    with tempfile.NamedTemporaryFile(suffix='.callgrind') as out:
        listing = subprocess.run(
            ['valgrind', '--tool=callgrind', '--smc-check=all', '--dump-instr=yes', '--compress-pos=no',
             '--compress-strings=no', '--callgrind-out-file=' + out.name] + NODE + [RUNNER] + args +
            ['--runs', str(runs)], capture_output=True, text=True, check=True).stdout
        ops = int(re.findall(r' ops=(\d+)', listing)[-1])
        return self_costs(out.name, code_spans(listing)), ops


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    program, allocator, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    args = [program, '--allocator', allocator] + rest
    (one, _), (two, ops) = run(args, 1), run(args, 2)
    per_call = {name: (two[name] - one[name]) / ops for name in set(one) | set(two)}
    print(f'{allocator}: {sum(per_call.values()):.1f} instructions a call ({ops} calls a run)')
    for name, cost in sorted(per_call.items(), key=lambda kv: -kv[1]):
        if cost >= 0.5:
            print(f'{cost:8.1f}  {name}')


if __name__ == '__main__':
    main()
