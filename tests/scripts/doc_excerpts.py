# SPDX-License-Identifier: MIT
"""Check that a guide quotes its example code faithfully: every ```c block of the
page, cut into pieces at lines that are just "..." (the page's elisions), must occur
verbatim in one of the named source files. A guide whose code drifted from the
example that make test builds fails here.
Usage: doc_excerpts.py PAGE.md SOURCE.c [SOURCE.h ...]"""
import re
import sys

page, sources = sys.argv[1], sys.argv[2:]
with open(page, encoding="utf-8") as f:
    blocks = re.findall(r"```c\n(.*?)```", f.read(), re.S)
texts = []
for path in sources:
    with open(path, encoding="utf-8") as f:
        texts.append(f.read())
if not blocks:
    sys.exit(f"{page} has no ```c block to check")

missing = 0
for number, block in enumerate(blocks, 1):
    pieces = re.split(r"^[ \t]*\.\.\.[ \t]*\n", block, flags=re.M)
    for piece in pieces:
        if piece.strip() and not any(piece in text for text in texts):
            missing += 1
            print(f"{page}: block {number} quotes code that no example contains:\n{piece}")
print(f"{len(blocks)} blocks checked against {len(sources)} files, {missing} not found")
sys.exit(1 if missing else 0)
