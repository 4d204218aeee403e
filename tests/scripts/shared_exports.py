# SPDX-License-Identifier: MIT
"""shared_exports.py NM LIBRARY: the shared library exports alloy's names and nothing
else - every defined dynamic symbol starts with alloy_ - and among them the
functions of the interface (alloy_alloc ... alloy_version), so that a program linked
with it finds what it was compiled against and alloy never takes a name of the
program's."""
import subprocess
import sys

nm, library = sys.argv[1:3]
out = subprocess.run([nm, "-D", "--defined-only", library], capture_output=True, text=True, check=True).stdout
names = [line.split()[-1] for line in out.splitlines() if line.strip()]
# an AddressSanitizer build adds its own markers of alloy's globals
foreign = [n for n in names if not n.startswith(("alloy_", "__odr_asan.alloy_"))]
needed = ["alloy_alloc", "alloy_free", "alloy_resize", "alloy_realloc", "alloy_stats_get", "alloy_stats_print",
          "alloy_check", "alloy_version", "alloy_default_init", "alloy_checked_init", "alloy_malloc"]
missing = [n for n in needed if n not in names]
for n in foreign:
    print(f"exported without alloy_ in front: {n}")
for n in missing:
    print(f"not exported: {n}")
print(f"{library}: {len(names)} symbols exported")
print(f"alloy-tests: {int(not foreign) + int(not missing)} passed, {int(bool(foreign)) + int(bool(missing))} failed")
sys.exit(1 if foreign or missing else 0)
