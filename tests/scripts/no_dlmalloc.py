# SPDX-License-Identifier: MIT
"""Fail when a wasm link map shows wasi-libc's dlmalloc in the module."""
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    linked = f.read()
if "dlmalloc" in linked:
    sys.exit(f"{sys.argv[1]}: dlmalloc is linked")
if "program_malloc" not in linked:
    sys.exit(f"{sys.argv[1]}: alloy's malloc layer is not linked")
print("alloy-tests: 1 passed, 0 failed")
