# SPDX-License-Identifier: MIT
"""malloc_misuse.py PROGRAM: run tests/programs/malloc_misuse.c (with alloy as malloc
behind the checked wrapper: the meson option `checked`) twice, once freeing a block
twice and once reallocating a freed block, and expect the wrapper's double free
report on stderr and an abort from each."""
import signal
import subprocess
import sys

passed = failed = 0
for case in ("free", "realloc"):
    run = subprocess.run([sys.argv[1], case], capture_output=True, text=True, timeout=60)
    aborted = run.returncode in (-signal.SIGABRT, 128 + signal.SIGABRT)
    reported = "double free" in run.stderr
    print(run.stdout, end="")
    print(run.stderr, end="")
    if aborted and reported:
        passed += 1
    else:
        failed += 1
        print(f"FAIL ({case}): exit {run.returncode}, stderr {run.stderr.strip()!r}: wanted a 'double free' report and an abort")
print(f"alloy-tests: {passed} passed, {failed} failed")
sys.exit(0 if failed == 0 else 1)
