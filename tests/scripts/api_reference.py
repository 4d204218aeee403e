# SPDX-License-Identifier: MIT
"""Keep the API reference complete: run Doxygen with the configured docs/Doxyfile
into a temporary directory, with every warning an error and undocumented
declarations warned about, and fail on any warning it prints. A public function,
type, member or macro added to include/alloy/ without a doc comment fails here.
Doxygen only reports the undocumented functions of a header that is itself
documented, so every header must have its @file comment too.

usage: api_reference.py DOXYGEN DOXYFILE HEADER_DIR"""
import glob
import os
import re
import subprocess
import sys
import tempfile

doxygen, doxyfile, header_dir = sys.argv[1:4]

failed = False
for header in sorted(glob.glob(os.path.join(header_dir, "*.h"))):
    with open(header, encoding="utf-8") as f:
        if not re.search(r"/\*\*[\s*]*[@\\]file\b", f.read()):
            print(f"{header}: no /** @file comment, so Doxygen would skip what it declares")
            failed = True

with tempfile.TemporaryDirectory() as out:
    # Doxygen reads the configuration from stdin ("-"): make docs' settings, then
    # the test's own
    config = (f'@INCLUDE = "{doxyfile}"\n'
              f'OUTPUT_DIRECTORY = "{out}"\n'
              "WARN_IF_UNDOCUMENTED = YES\n"
              "WARN_AS_ERROR = FAIL_ON_WARNINGS\n")
    run = subprocess.run([doxygen, "-"], input=config, capture_output=True, text=True)
    printed = (run.stdout + run.stderr).strip()
    if printed:
        print(printed)
    index = os.path.join(out, "html", "index.html")
    if run.returncode != 0 or printed or not os.path.isfile(index):
        print(f"doxygen exited with {run.returncode}, {'an' if os.path.isfile(index) else 'no'} "
              f"index, {len(printed.splitlines())} lines of warnings")
        failed = True

if failed:
    sys.exit(1)
print("api_reference: every public declaration is documented, no warnings")
