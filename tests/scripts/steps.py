# SPDX-License-Identifier: MIT
"""What the scripts that build alloy from outside (packaging.py, recipe.py) share: a
step that runs a command and fails with everything it printed."""
import shlex
import subprocess


class Failed(Exception):
    pass


def run(cmd, env=None, cwd=None):
    """Run cmd, printing it; its stdout, or Failed with everything it printed."""
    print("$", shlex.join(cmd), flush=True)
    r = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise Failed(f"exit status {r.returncode}\n{r.stdout[-6000:]}{r.stderr[-6000:]}")
    return r.stdout
