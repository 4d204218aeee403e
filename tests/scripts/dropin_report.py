# SPDX-License-Identifier: MIT
"""dropin_report.py PROGRAM STRATEGY: run a program with alloy as its malloc
(tests/programs/dropin_program.c) with ALLOY_STATS_AT_EXIT=1, and without it: only
with it must the malloc layer's instance print its report on stderr at exit, naming
the strategy, with the program's allocations counted."""
import re
import subprocess
import sys

program, strategy = sys.argv[1], sys.argv[2]
failed = []
for value in (None, "1"):
    env = {} if value is None else {"ALLOY_STATS_AT_EXIT": value}
    run = subprocess.run([program], env=env, capture_output=True, text=True, timeout=120)
    report = run.stderr[run.stderr.find("alloy statistics:"):] if "alloy statistics:" in run.stderr else ""
    if run.returncode != 0:
        failed.append(f"{env}: exit {run.returncode}")
    elif value is None and report:
        failed.append("a report without ALLOY_STATS_AT_EXIT")
    elif value == "1":
        allocs = re.search(r"^  allocs +(\d+)$", report, re.M)
        first = report.split("\n", 1)[0]
        if first not in (f"alloy statistics: {strategy}", f"alloy statistics: checked over {strategy}") \
                or not allocs or int(allocs[1]) == 0:
            failed.append(f"no report of the {strategy} instance with its allocations at exit:\n{run.stderr[-2000:]}")
for f in failed:
    print("FAIL:", f)
print(f"alloy-tests: {2 - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
