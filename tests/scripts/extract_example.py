# SPDX-License-Identifier: MIT
"""Write the C example of README.md (the first ```c block) to a file, so that the
build compiles and runs exactly what the README shows."""
import re
import sys

readme, out = sys.argv[1], sys.argv[2]
with open(readme, encoding="utf-8") as f:
    match = re.search(r"```c\n(.*?)```", f.read(), re.S)
if not match:
    sys.exit("README.md has no ```c block")
with open(out, "w", encoding="utf-8") as f:
    f.write(match.group(1))
