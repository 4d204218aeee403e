# SPDX-License-Identifier: MIT
"""stats_at_exit.py PROGRAM: run tests/programs/stats_at_exit.c without
ALLOY_STATS_AT_EXIT, with it set to 0 and to 1, and with 1 when the program closes
stderr in an exit handler of its own. Only with 1 must the program say it registered
the handler and print, at exit, on stderr (the one it started with), a report whose
figures are the program's: 3 allocations, 1 free, 400 bytes in use, a high water of
600. Last, with 1, the program closes descriptors 3 to 63 and opens a file of its own,
as a daemon does, and closes stderr at exit: the report must go nowhere, neither to
stderr nor into that file."""
import os
import re
import subprocess
import sys
import tempfile

program = sys.argv[1]
expected = {"allocs": 3, "frees": 1, "bytes_in_use": 400, "high_water": 600, "largest_request": 300}
failed = []
cases = ((None, []), ("0", []), ("1", []), ("1", ["close-stderr"]))
for value, args in cases:
    env = {} if value is None else {"ALLOY_STATS_AT_EXIT": value}
    run = subprocess.run([program, *args], env=env, capture_output=True, text=True, timeout=60)
    label = f"ALLOY_STATS_AT_EXIT={value}" if value is not None else "no ALLOY_STATS_AT_EXIT"
    label += " (the program closes stderr)" if args else ""
    wanted = "yes" if value == "1" else "no"
    if run.returncode != 0 or run.stdout.strip() != f"registered: {wanted}":
        failed.append(f"{label}: exit {run.returncode}, printed {run.stdout.strip()!r}, not 'registered: {wanted}'")
        continue
    if value != "1":
        if run.stderr:
            failed.append(f"{label}: printed on stderr:\n{run.stderr}")
        continue
    if not run.stderr.startswith("alloy statistics: region\n"):
        failed.append(f"{label}: no report on stderr:\n{run.stderr}")
        continue
    figures = dict((m[0], int(m[1])) for m in re.findall(r"^  (\w+) +(\d+)$", run.stderr, re.M))
    for name, number in expected.items():
        if figures.get(name) != number:
            failed.append(f"{label}: {name} is {figures.get(name)} in the report, not {number}:\n{run.stderr}")
    print(run.stderr, end="")
label = "ALLOY_STATS_AT_EXIT=1 (the program closes descriptors from 3 on, opens a file, closes stderr)"
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "data")
    run = subprocess.run([program, "close-all", path], env={"ALLOY_STATS_AT_EXIT": "1"}, capture_output=True,
                         text=True, timeout=60)
    with open(path, encoding="utf-8", errors="replace") as f:
        written = f.read()
    if run.returncode != 0 or run.stdout.strip() != "registered: yes":
        failed.append(f"{label}: exit {run.returncode}, printed {run.stdout.strip()!r}")
    elif written != "data" or run.stderr:
        failed.append(f"{label}: the file holds {written!r}, stderr {run.stderr!r}; wanted 'data' and nothing")
cases += (("1", ["close-all"]),)
for f in failed:
    print("FAIL:", f)
failed_cases = len({f.split(":")[0] for f in failed})
print(f"alloy-tests: {len(cases) - failed_cases} passed, {failed_cases} failed")
sys.exit(1 if failed else 0)
