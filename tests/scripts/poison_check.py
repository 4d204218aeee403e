#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""poison_check.py valgrind|asan PROGRAM CASE plain|checked TEXT...

Run tests/programs/poison_program.c's CASE (a program built for one strategy), on
the strategy or under the checked wrapper, under valgrind's memcheck or (asan) as it
is, and pass when the checker reported the bug: the program failed and every TEXT
appears in what it printed."""
import os
import subprocess
import sys

checker, program, case, wrapping, *expected = sys.argv[1:]
command = [program, case, wrapping]
if checker == "valgrind":
    command = ["valgrind", "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite"] + command
run = subprocess.run(command, capture_output=True, text=True, timeout=300)
output = run.stdout + run.stderr
missing = [text for text in expected if text not in output]
# memcheck's own failure (its leak check aborts on a block announced inside another)
# also exits non-zero, so it must not count as the report
broken = "the 'impossible' happened" in output or "overlaps with block" in output
if run.returncode == 0 or missing or broken:
    print(output)
    print(f"FAIL: exit status {run.returncode}; not reported: {missing}" + ("; memcheck failed" if broken else ""))
    sys.exit(1)
print(f"{checker} reported {case} in {os.path.basename(program)}, {wrapping}")
