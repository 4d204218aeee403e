# SPDX-License-Identifier: MIT
"""Every source file of alloy names its license: an SPDX-License-Identifier line
(alloy is MIT, LICENSE) as its first line, or its second after a #! line.

    spdx.py SOURCE_ROOT            check; exit 1 naming every file without it
    spdx.py SOURCE_ROOT --add PATH...  add the line to the files below PATH that lack it

Source files: C and headers, meson (meson.build, meson_options.txt), Python, shell,
JavaScript, the Makefile, cross files (.ini), templates (.in) and any file starting
with #!. Data files (documentation, traces, the fuzz corpus, the code-size record)
carry none. The files are git's (tracked, and untracked ones it does not ignore)
in a git checkout, else every file outside meson build directories."""
import os
import subprocess
import sys

LICENSE = "MIT"
LINE_TEXT = "SPDX-License-Identifier: " + LICENSE
SOURCE_SUFFIXES = (".c", ".h", ".py", ".sh", ".mjs", ".js", ".build", ".ini", ".in")
SOURCE_NAMES = ("Makefile", "meson_options.txt", "meson.options")


def files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, text=True, check=True).stdout
        return sorted(set(out.split("\n")) - {""})
    except (OSError, subprocess.CalledProcessError):
        found = []
        for top, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d != ".git" and not os.path.isdir(os.path.join(top, d, "meson-private"))]
            found += [os.path.relpath(os.path.join(top, n), root) for n in names]
        return sorted(found)


def is_source(root, path):
    name = os.path.basename(path)
    if name.endswith(SOURCE_SUFFIXES) or name in SOURCE_NAMES:
        return True
    try:
        with open(os.path.join(root, path), "rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return False


def comment(path, first_line):
    """The line in the comment syntax of the file's language."""
    if path.endswith((".c", ".h")) or (path.endswith(".in") and "/*" in first_line):
        return f"/* {LINE_TEXT} */"
    if path.endswith((".mjs", ".js")):
        return f"// {LINE_TEXT}"
    return f"# {LINE_TEXT}"


def head(root, path):
    with open(os.path.join(root, path), encoding="utf-8") as f:
        return f.read()


def has_line(text):
    lines = text.split("\n")
    top = lines[:2] if lines and lines[0].startswith("#!") else lines[:1]
    return any(LINE_TEXT in line for line in top)


def add(root, path):
    text = head(root, path)
    if has_line(text):
        return False
    first = text.split("\n", 1)[0]
    line = comment(path, first) + "\n"
    if first.startswith("#!"):
        text = first + "\n" + line + text[len(first) + 1:]
    else:
        text = line + text
    with open(os.path.join(root, path), "w", encoding="utf-8") as f:
        f.write(text)
    return True


def main():
    root = os.path.abspath(sys.argv[1])
    sources = [p for p in files(root) if is_source(root, p)]
    if sys.argv[2:3] == ["--add"]:
        below = [os.path.normpath(p) for p in sys.argv[3:]]
        chosen = [p for p in sources if any(p == b or p.startswith(b + "/") for b in below)]
        added = [p for p in chosen if add(root, p)]
        print(f"added the line to {len(added)} of {len(chosen)} files")
        return 0
    missing = [p for p in sources if not has_line(head(root, p))]
    for p in missing:
        print(f"{p}: no '{LINE_TEXT}' line at its top")
    print(f"{len(sources) - len(missing)} source files name their license, {len(missing)} do not")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
