# SPDX-License-Identifier: MIT
"""Build and run the example of docs/wasm.md exactly as the page says: its ```c block
becomes app.c, its ```sh block is run as written in a scratch directory that has
alloy's include/ and the wasm build where the page expects them, and the module runs
under Node. The module must be a release module: no debug sections, its
target_features kept, and at most MAX_BYTES bytes in all (about 25 KB with clang 14
and Debian's wasi-libc, most of it printf; 150 KB when alloy and wasi-libc carried
their DWARF), or twice that with libraries built for speed (-Doptimize_for=speed:
47 KB). Usage: wasm_guide.py SOURCE_ROOT WASM_BUILD_DIR [size|speed]"""
import os
import re
import subprocess
import sys
import tempfile

MAX_BYTES = 32 * 1024


def leb128(data, at):
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def custom_sections(path):
    """The names of the module's custom sections."""
    with open(path, "rb") as f:
        data = f.read()
    names, at = [], 8
    while at < len(data):
        section, at = data[at], at + 1
        size, at = leb128(data, at)
        if section == 0:
            length, name_at = leb128(data, at)
            names.append(data[name_at:name_at + length].decode("utf-8", "replace"))
        at += size
    return names


source, build = (os.path.abspath(a) for a in sys.argv[1:3])
if sys.argv[3:] == ["speed"]:
    MAX_BYTES *= 2
with open(os.path.join(source, "docs", "wasm.md"), encoding="utf-8") as f:
    page = f.read()
program = re.search(r"```c\n(.*?)```", page, re.S)
command = re.search(r"```sh\n(.*?)```", page, re.S)
if not program or not command:
    sys.exit("docs/wasm.md lost its ```c or ```sh block")

with tempfile.TemporaryDirectory() as work:
    os.symlink(os.path.join(source, "include"), os.path.join(work, "include"))
    os.makedirs(os.path.join(work, "build"))
    os.symlink(build, os.path.join(work, "build", "wasm"))
    with open(os.path.join(work, "app.c"), "w", encoding="utf-8") as f:
        f.write(program.group(1))
    subprocess.run(["sh", "-ec", command.group(1)], cwd=work, check=True)
    run = subprocess.run(["node", "--no-warnings", "--single-threaded", "--experimental-wasi-unstable-preview1",
                          os.path.join(source, "cross", "run-wasi.mjs"), "app.wasm"],
                         cwd=work, capture_output=True, text=True)
    print(run.stdout, end="")
    print(run.stderr, end="", file=sys.stderr)
    if run.returncode != 0:
        sys.exit(f"app.wasm exited with {run.returncode}")
    if not re.match(r"1000 names, last item-999, \d+ bytes in use", run.stdout):
        sys.exit("app.wasm did not print what the page's program prints")
    size, sections = os.path.getsize(os.path.join(work, "app.wasm")), custom_sections(os.path.join(work, "app.wasm"))
    print(f"app.wasm: {size} bytes, custom sections {', '.join(sections)}")
    debug = [name for name in sections if name.startswith(".debug")]
    if debug or "target_features" not in sections or size > MAX_BYTES:
        sys.exit(f"app.wasm is no release module: {size} bytes (at most {MAX_BYTES}), debug sections {debug}, "
                 f"target_features {'kept' if 'target_features' in sections else 'lost'}")
