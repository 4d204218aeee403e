# SPDX-License-Identifier: MIT
"""Prove the recipes of docs/writing-a-strategy.md and docs/writing-a-heap-provider.md.

    recipe.py SOURCE MESON CC...

In a copy of alloy's tree (SOURCE), add the pool strategy and the bank provider of
docs/examples by exactly the steps each guide's section "Adding it to alloy" gives,
read from the guide itself: the files its table copies, the line its ```meson block
adds to the registry's list in meson.build, and (for a strategy) the row its
```markdown block adds to the table of strategies in docs/architecture.md. Then:

- the copy differs from SOURCE in those files and nothing else, which is the count
  the guides promise: a strategy touches its .c, its public header, its unit test,
  one line of meson.build and its row in the docs; a provider its .c, its public
  header and one line of meson.build;
- the copy configures natively (warnings as errors, CC the build's compiler), and
  builds only what the checks below need;
- over the new strategy and the new provider, every case of both conformance suites
  passes (the framework-free runner, filtered to the kinds they are part of, with
  fewer random operations), the strategy's unit test passes, and its fuzz target
  replays the seed corpus.

Everything happens in a temporary directory, removed afterwards. Prints the counts
of what ran, and "alloy-tests: N passed, N failed" for the top-level summary."""
import filecmp
import os
import re
import shlex
import shutil
import sys
import tempfile

from steps import Failed, run

STRATEGY, PROVIDER = "pool", "bank"
COUNT = re.compile(r"^alloy-tests: (\d+) passed, (\d+) failed$", re.M)


def section(guide, title):
    """The text of the guide's section `title`, up to the next section of its level."""
    with open(guide, encoding="utf-8") as f:
        page = f.read()
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", page, re.M | re.S)
    if not m:
        raise Failed(f"{guide} has no section '{title}'")
    return m.group(1)


def steps(guide):
    """What the guide's recipe does: [(from, to)] copies, the line for meson.build's
    list, and the row for docs/architecture.md (or None)."""
    text = section(guide, "Adding it to alloy")
    copies = re.findall(r"^\| `(docs/examples/[^`]+)` \| `([^`]+)` \|", text, re.M)
    meson = re.findall(r"```meson\n(.*?)```", text, re.S)
    rows = re.findall(r"```markdown\n(.*?)```", text, re.S)
    if not copies or len(meson) != 1 or len(rows) > 1:
        raise Failed(f"{guide}: the recipe needs a table of copies and one ```meson block")
    return copies, meson[0], rows[0] if rows else None


def add_to_list(path, list_name, line):
    """Add `line` at the end of the meson list `list_name = [ ... ]`."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(rf"^{list_name} = \[\n(?:.*\n)*?(?=^\]\n)", text, re.M)
    if not m:
        raise Failed(f"{path}: no list {list_name}")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text[:m.end()] + line + text[m.end():])


def add_row(path, row):
    """Add `row` at the end of the first table of the section "## Strategies"."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    start = lines.index(next(l for l in lines if l.startswith("## Strategies")))
    first = next(i for i in range(start, len(lines)) if lines[i].startswith("|"))
    last = next(i for i in range(first, len(lines)) if not lines[i].startswith("|"))
    lines.insert(last, row.rstrip("\n"))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def follow(tree, guide, list_name):
    copies, line, row = steps(os.path.join(tree, "docs", guide))
    for source, target in copies:
        os.makedirs(os.path.dirname(os.path.join(tree, target)), exist_ok=True)
        shutil.copyfile(os.path.join(tree, source), os.path.join(tree, target))
    add_to_list(os.path.join(tree, "meson.build"), list_name, line)
    touched = [target for _, target in copies] + ["meson.build"]
    if row:
        add_row(os.path.join(tree, "docs", "architecture.md"), row)
        touched.append("docs/architecture.md")
    return touched


def changed(source, tree):
    """The files of `tree` that are new or differ from `source`'s."""
    out = []
    for root, dirs, files in os.walk(tree):
        dirs[:] = [d for d in dirs if not (root == tree and d == "build")]
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), tree)
            theirs = os.path.join(source, rel)
            if not os.path.exists(theirs) or not filecmp.cmp(theirs, os.path.join(root, name), shallow=False):
                out.append(rel)
    return sorted(out)


def counted(output):
    m = COUNT.findall(output)
    if not m:
        raise Failed(f"no count in\n{output[-3000:]}")
    return tuple(map(int, m[-1]))


def main():
    source, meson, cc = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3:]
    tmp = tempfile.mkdtemp(prefix="alloy-recipe-")
    passed = failed = 0
    try:
        tree = os.path.join(tmp, "alloy")
        shutil.copytree(source, tree, symlinks=True,
                        ignore=lambda d, names: [n for n in names if n in (".git", "build") and d == source])
        touched = follow(tree, "writing-a-strategy.md", "strategies")
        touched_provider = follow(tree, "writing-a-heap-provider.md", "heap_providers")
        expected = sorted(set(touched + touched_provider))
        got = changed(source, tree)
        if got != expected:
            raise Failed(f"the recipes changed {got}, not {expected}")
        print(f"a strategy touches {len(touched)} files, a provider {len(touched_provider)}: {', '.join(got)}")

        build = os.path.join(tmp, "build")
        env = dict(os.environ, CC=shlex.join(cc))
        run([meson, "setup", build, tree, "-Dwerror=true", "-Dbench=disabled", "-Dfuzz=disabled"], env=env)
        runner, unit, replay = "tests/conformance_runner", f"tests/{STRATEGY}_test", f"tests/fuzz/fuzz_replay_{STRATEGY}"
        run([meson, "compile", "-C", build, runner, unit, replay], env=env)

        # both suites, on every kind the new strategy or provider is part of
        out = run([os.path.join(build, runner), f"{STRATEGY} on", f"on {PROVIDER})", f"({PROVIDER})"],
                  env=dict(env, ALLOY_RANDOM_OPS="20000"))
        for kind in [f"({STRATEGY} on {PROVIDER})", f"(checked {STRATEGY} on ", f"heap_conformance::"]:
            if kind not in out:
                raise Failed(f"the suites did not run on {kind}\n{out[-3000:]}")
        p, f = counted(out)
        print(f"conformance over {STRATEGY} and {PROVIDER}: {p} passed, {f} failed")
        passed, failed = passed + p, failed + f
        for program, args in [(unit, []), (replay, [os.path.join(tree, "tests", "fuzz", "corpus", "seeds")])]:
            p, f = counted(run([os.path.join(build, program)] + args, env=env))
            print(f"{program}: {p} passed, {f} failed")
            passed, failed = passed + p, failed + f
    except Failed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        failed += 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"alloy-tests: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
