# SPDX-License-Identifier: MIT
"""Build the programs in tests/programs/consumer/ against alloy from outside alloy's
tree, run them and compare the line each prints. Everything happens in a temporary
directory, removed afterwards.

    packaging.py subproject STRATEGIES SOURCE MESON PKG_CONFIG CC...
        tests/programs/consumer/subproject with SOURCE as its subprojects/alloy; it
        asks the subproject for the last of STRATEGIES (meson.build's list, comma
        separated): another than the default when there are two or more.
    packaging.py pkgconfig STRATEGIES SOURCE MESON PKG_CONFIG CC...
        alloy configured from SOURCE with its default options (the first of
        STRATEGIES) and installed into a temporary prefix, then found through
        pkg-config by tests/programs/consumer/pkgconfig (meson) and by plain compiler
        calls, linked with the shared library and with the static one.
    packaging.py install STRATEGIES SOURCE MESON PKG_CONFIG CC...
        README.md's install recipe (the ```sh block of "Use alloy from another
        project"), run as it is written, by sh, in a copy of SOURCE (its files
        linked) with HOME a scratch directory and the README's example as app.c; both
        programs must print the example's line, the first linked with
        liballoy.so, the second without it. Then that installed alloy shadows the
        subproject of tests/programs/consumer/subproject configured without
        --force-fallback-for: asked for another strategy (the last of STRATEGIES),
        its configure log must carry the README's warning, and asked for the same,
        not.

CC is the compiler command of the build that runs the test: every build here uses
it, with warnings as errors."""
import glob
import json
import os
import re
import shlex
import shutil
import sys
import tempfile

from steps import Failed, run


def expect_output(program, expected, env=None):
    got = run([program], env=env).strip()
    print(got)
    if got != expected:
        raise Failed(f"{os.path.basename(program)} printed\n  {got}\nexpected\n  {expected}")


def app_line(strategy):
    return f"{strategy}: 100 blocks intact, 100 allocs, 5050 bytes in use, 0 after free, check ok"


def malloc_line(strategy):
    # the bytes asked of the instance: 1000 as the strategy fits them, or with the
    # malloc layer's 16-byte header (malloc_app.c)
    return f"malloc by {strategy}: bytes held for 1000 as asked, 0 after free"


def expect_linked(program, library, env):
    """The program needs `library` (a shared library's name up to its version) among
    the shared libraries ldd lists, or, for None, no alloy library at all."""
    listed = run(["ldd", program], env=env)
    alloy = [line.split()[0] for line in listed.splitlines() if "liballoy" in line]
    if (library and not any(name.startswith(library) for name in alloy)) or (not library and alloy):
        raise Failed(f"{os.path.basename(program)} links {alloy or 'no alloy library'}, "
                     f"not {library or 'alloy statically'}:\n{listed}")


def readme_blocks(source, section):
    """README.md's example (its first ```c block) and the ```sh block of `section`."""
    with open(os.path.join(source, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    example = re.search(r"```c\n(.*?)```", readme, re.S)
    part = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    recipe = re.search(r"```sh\n(.*?)```", part.group(1), re.S) if part else None
    if not example or not recipe:
        raise Failed(f"README.md lost its example or the ```sh block of '{section}'")
    return example.group(1), recipe.group(1)


CONSUMER = os.path.join("tests", "programs", "consumer")
README_LINE = "frame 1: render holds 8000 bytes, parser ok"


def subproject(tmp, strategy, source, meson, env):
    consumer = os.path.join(tmp, "consumer")
    shutil.copytree(os.path.join(source, CONSUMER), consumer)
    project = os.path.join(consumer, "subproject")
    os.makedirs(os.path.join(project, "subprojects"))
    os.symlink(source, os.path.join(project, "subprojects", "alloy"))
    build = os.path.join(tmp, "build")
    # fallback forced: an alloy installed on this machine must not stand in
    log = run([meson, "setup", build, project, "-Dwerror=true", "--force-fallback-for=alloy",
               "-Dalloy_strategy=" + strategy], env=env)
    # alloy's summary reports the parent's choice, and no tests or benchmarks
    for line in ["default strategy", strategy], ["tests", "False"], ["bench", "False"]:
        if not re.search(rf"^\s*{line[0]}\s*: {line[1]}$", log, re.M):
            raise Failed(f"alloy's summary lacks '{line[0]}: {line[1]}'\n{log}")
    targets = {t["name"] for t in json.loads(run([meson, "introspect", "--targets", build]))}
    if targets & {"conformance", strategy + "_test", "bench_alloy"}:
        raise Failed(f"alloy's tests or benchmarks are built in a parent project: {sorted(targets)}")
    run([meson, "compile", "-C", build], env=env)
    expect_output(os.path.join(build, "app"), app_line(strategy))
    expect_output(os.path.join(build, "malloc_app"), malloc_line(strategy))


def pkgconfig(tmp, strategy, source, meson, pkg_config, env, cc):
    prefix = os.path.join(tmp, "prefix")
    alloy_build = os.path.join(tmp, "alloy")
    run([meson, "setup", alloy_build, source, "--prefix=" + prefix, "-Dwerror=true",
         "-Dtests=disabled", "-Dbench=disabled"], env=env)
    run([meson, "install", "-C", alloy_build, "--quiet"], env=env)
    # where the .pc files went depends on meson's libdir (lib, lib64, lib/<triplet>)
    found = glob.glob(os.path.join(prefix, "**", "pkgconfig", "alloy.pc"), recursive=True)
    if len(found) != 1:
        raise Failed(f"expected one alloy.pc under {prefix}, found {found}")
    env = dict(env, PKG_CONFIG_PATH=os.path.dirname(found[0]))

    consumer = os.path.join(tmp, "consumer")
    shutil.copytree(os.path.join(source, CONSUMER), consumer)
    build = os.path.join(tmp, "build")
    run([meson, "setup", build, os.path.join(consumer, "pkgconfig"), "-Dwerror=true",
         "-Dalloy_strategy=" + strategy], env=env)
    run([meson, "compile", "-C", build], env=env)
    expect_output(os.path.join(build, "app"), app_line(strategy))
    expect_output(os.path.join(build, "malloc_app"), malloc_line(strategy))

    # and without meson: the compiler and pkg-config's flags alone (-lalloy: the
    # shared library, which the program finds through LD_LIBRARY_PATH), and the
    # static library named instead of -lalloy
    warnings = ["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]
    libdir = run([pkg_config, "--variable=libdir", "alloy"], env=env).strip()
    run_env = dict(env, LD_LIBRARY_PATH=libdir)
    for package, program, define, line in [
        ("alloy", "app", [f'-DWANT_STRATEGY="{strategy}"', "-DWANT_TYPE=alloy_" + strategy], app_line(strategy)),
        ("alloy-malloc", "malloc_app", [], malloc_line(strategy)),
    ]:
        for kind in "shared", "static":
            flags = shlex.split(run([pkg_config, "--cflags", "--libs", package], env=env))
            if kind == "static":
                flags = [os.path.join(libdir, "liballoy.a") if f == "-lalloy" else f for f in flags] + ["-pthread"]
            out = os.path.join(tmp, f"{program}_cc_{kind}")
            run(cc + warnings + define + [os.path.join(consumer, program + ".c"), "-o", out] + flags, env=env)
            expect_linked(out, "liballoy.so" if kind == "shared" else None, run_env)
            expect_output(out, line, run_env)


def install(tmp, strategies, source, meson, env):
    example, recipe = readme_blocks(source, "Use alloy from another project")
    tree, home = os.path.join(tmp, "alloy"), os.path.join(tmp, "home")
    os.makedirs(tree)
    os.makedirs(home)
    for name in os.listdir(source):  # the source, but a build directory of its own
        if name not in ("build", ".git"):
            os.symlink(os.path.join(source, name), os.path.join(tree, name))
    with open(os.path.join(tree, "app.c"), "w", encoding="utf-8") as f:
        f.write(example)
    # the recipe must set what it needs: nothing of the caller's
    clean = {k: v for k, v in env.items() if k not in ("PKG_CONFIG_PATH", "LD_LIBRARY_PATH", "LIBRARY_PATH")}
    clean["HOME"] = home
    printed = run(["sh", "-ec", recipe], env=clean, cwd=tree)
    print(printed)
    if printed.split("\n")[-3:] != [README_LINE, README_LINE, ""]:
        raise Failed(f"the recipe's programs printed\n{printed}\nnot twice\n  {README_LINE}")
    lib = os.path.join(home, ".local", "lib")
    found = dict(clean, LD_LIBRARY_PATH=lib)
    expect_linked(os.path.join(tree, "app"), "liballoy.so", found)
    expect_linked(os.path.join(tree, "app-static"), None, found)

    # the installed alloy shadows a subproject's options, and the consumer says so
    if len(strategies) < 2:
        print("one strategy: no other to ask the subproject for")
        return
    consumer = os.path.join(tmp, "consumer")
    shutil.copytree(os.path.join(source, CONSUMER), consumer)
    project = os.path.join(consumer, "subproject")
    os.makedirs(os.path.join(project, "subprojects"))
    os.symlink(source, os.path.join(project, "subprojects", "alloy"))
    shadowed = dict(clean, PKG_CONFIG_PATH=os.path.join(lib, "pkgconfig"))
    for asked in strategies[-1], strategies[0]:
        build = os.path.join(tmp, "shadowed-" + asked)
        log = run([meson, "setup", build, project, "-Dalloy_strategy=" + asked], env=shadowed)
        warned = f"the alloy found on this system uses strategy={strategies[0]}, not {asked}" in log
        if warned != (asked != strategies[0]):
            raise Failed(f"asked for {asked} with an installed {strategies[0]}: "
                         f"{'a' if warned else 'no'} warning\n{log}")
        print(f"asked for {asked}, installed {strategies[0]}: {'warned' if warned else 'no warning'}")


def main():
    mode, strategies, source, meson, pkg_config, cc = (sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4],
                                                       sys.argv[5], sys.argv[6:])
    source = os.path.abspath(source)
    env = dict(os.environ, CC=shlex.join(cc))
    tmp = tempfile.mkdtemp(prefix=f"alloy-{mode}-")
    try:
        if mode == "subproject":
            subproject(tmp, strategies[-1], source, meson, env)
        elif mode == "pkgconfig":
            pkgconfig(tmp, strategies[0], source, meson, pkg_config, env, cc)
        elif mode == "install":
            install(tmp, strategies, source, meson, env)
        else:
            raise Failed(f"unknown mode {mode}")
    except Failed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{mode}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
