# SPDX-License-Identifier: MIT
"""malloc_misuse.py PROGRAM: run tests/programs/malloc_misuse.c (a double free, with
alloy as malloc behind the checked wrapper: the meson option `checked`) and expect
the wrapper's report on stderr and an abort."""
import signal
import subprocess
import sys

run = subprocess.run([sys.argv[1]], capture_output=True, text=True, timeout=60)
aborted = run.returncode in (-signal.SIGABRT, 128 + signal.SIGABRT)
reported = "double free" in run.stderr
print(run.stdout, end="")
print(run.stderr, end="")
if not (aborted and reported):
    print(f"FAIL: exit {run.returncode}, stderr {run.stderr.strip()!r}: wanted a 'double free' report and an abort")
print(f"alloy-tests: {int(aborted and reported)} passed, {int(not (aborted and reported))} failed")
sys.exit(0 if aborted and reported else 1)
