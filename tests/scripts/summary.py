# SPDX-License-Identifier: MIT
"""Count every test that ran in the given meson build directories and print the one
line CI reads: "N passed, N failed". A test program that prints its own count
("alloy-tests: N passed, N failed") contributes that count; any other meson test
counts as one. A program that failed without counting itself counts as one failure
more. A skipped test (exit status 77) ran nothing and counts as neither. A
directory's logs are meson-logs/testlog*.json (meson test --logbase names the
others). Exits non-zero when anything failed or nothing ran."""
import glob
import json
import os
import re
import sys

COUNT = re.compile(r"^alloy-tests: (\d+) passed, (\d+) failed$", re.M)

passed = failed = 0
for build_dir in sys.argv[1:]:
    logs = sorted(glob.glob(os.path.join(build_dir, "meson-logs", "testlog*.json")))
    if not logs:
        print(f"{build_dir}: no test log", file=sys.stderr)
        failed += 1
    for log in logs:
        with open(log, encoding="utf-8") as f:
            for line in f:
                test = json.loads(line)
                if test["result"] == "SKIP":
                    continue
                ok = test["result"] in ("OK", "EXPECTEDFAIL")
                counts = COUNT.findall((test.get("stdout") or "") + (test.get("stderr") or ""))
                if counts:
                    p, fl = map(int, counts[-1])
                    passed += p
                    failed += fl
                    if not ok and fl == 0:
                        failed += 1
                elif ok:
                    passed += 1
                else:
                    failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
