# SPDX-License-Identifier: MIT
"""trace_recorder.py RECORDER PROGRAM BENCH: run tests/programs/recorded_program.c
under the trace recorder (bench/trace_recorder.c, LD_PRELOAD) and check the trace:
one operation per call, in order, each with the size and alignment of the block
glibc gave (memalign's alignment rounded up to a power of two, valloc's and
pvalloc's the page's, pvalloc's size whole pages), every block freed with its own
figures; then the bench's replay (BENCH, glibc's) must take the trace."""
import os
import subprocess
import sys
import tempfile

recorder, program, bench = sys.argv[1:4]
page = os.sysconf("SC_PAGESIZE")
blocks = [  # (size, alignment) of each block, as the program allocates them
    (100, 16), (120, 16), (500, 16), (128, 64), (100, 32), (300, 256), (1000, page), (2 * page, page)]
expected = [("a", 100, 16), ("a", 120, 16), ("a", 50, 16), ("r", 500, 16)]
expected += [("a", size, align) for size, align in blocks[3:]]
expected += [("f", size, align) for size, align in blocks]

checks, failed = 0, []


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failed.append(what)


with tempfile.TemporaryDirectory() as tmp:
    trace = os.path.join(tmp, "recorded.trace")
    env = dict(os.environ, LD_PRELOAD=os.path.abspath(recorder), ALLOY_TRACE=trace)
    run = subprocess.run([program], env=env, capture_output=True, text=True, timeout=60)
    check(run.returncode == 0, f"the program failed: exit {run.returncode}\n{run.stderr}")
    lines = open(trace, encoding="utf-8").read().splitlines() if os.path.exists(trace) else []
    ops = [line.split() for line in lines if line and not line.startswith("#")]
    got = [(op[0], int(op[2]), int(op[3])) for op in ops]
    check(len(got) == len(expected), f"{len(got)} operations recorded, not {len(expected)}:\n" + "\n".join(lines))
    for i, (g, e) in enumerate(zip(got, expected)):
        check(g == e, f"operation {i + 1} is {g}, not {e} (op, size, alignment)")
    replay = subprocess.run([bench, "--allocator", "glibc", "--trace", trace, "--name", "recorded"],
                            capture_output=True, text=True, timeout=60)
    check(replay.returncode == 0 and "status=ok" in replay.stdout,
          f"the replay refused the trace: exit {replay.returncode}\n{replay.stdout}{replay.stderr}")

for f in failed:
    print("FAIL:", f)
print(f"alloy-tests: {checks - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
