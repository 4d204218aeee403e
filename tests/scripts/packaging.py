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
        calls.

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


def expect_output(program, expected):
    got = run([program]).strip()
    print(got)
    if got != expected:
        raise Failed(f"{os.path.basename(program)} printed\n  {got}\nexpected\n  {expected}")


def app_line(strategy):
    return f"{strategy}: 100 blocks intact, 100 allocs, 5050 bytes in use, 0 after free, check ok"


def malloc_line(strategy):
    # 1000 bytes and the malloc layer's 16-byte header
    return f"malloc by {strategy}: 1016 bytes held for 1000, 0 after free"


CONSUMER = os.path.join("tests", "programs", "consumer")


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

    # and without meson: the compiler and pkg-config's flags alone
    warnings = ["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]
    for package, program, define, line in [
        ("alloy", "app", [f'-DWANT_STRATEGY="{strategy}"', "-DWANT_TYPE=alloy_" + strategy], app_line(strategy)),
        ("alloy-malloc", "malloc_app", [], malloc_line(strategy)),
    ]:
        flags = shlex.split(run([pkg_config, "--cflags", "--libs", package], env=env))
        out = os.path.join(tmp, program + "_cc")
        run(cc + warnings + define + [os.path.join(consumer, program + ".c"), "-o", out] + flags, env=env)
        expect_output(out, line)


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
