"""The Manim worker: one process per render, in a folder of its own.

`run(example, args, cwd=..., verbose=...)` starts `python -m output.worker <manim args>`. Its
environment is the one place where an Example leaves this process (`Example.environment`); the
scene base reads it back. Inside the worker, `main` installs the encoder speed-ups explicitly and
then runs Manim's own command line, so the worker renders exactly what `manim` would, only faster.
Each render gets its own media folder: two Manim processes sharing one crash on a temporary SVG
with a fixed name.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from output.jobs import ROOT, RenderError
from scenes.catalog import Example


def environment(example: Example) -> dict[str, str]:
    """The worker's environment: ours, with the example in it and the repository importable."""
    env = example.environment(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return env


def command(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "output.worker", *args]


def run(example: Example, args: list[str], *, what: str, cwd: Path = ROOT, verbose: bool = False) -> None:
    """Run one Manim render in a worker; RenderError names `what` (the scene) and shows the log's tail."""
    run_tool(command(args), example, what=what, tool="manim", cwd=cwd, verbose=verbose)


def run_tool(cmd: list[str], example: Example, *, what: str, tool: str, cwd: Path = ROOT,
             verbose: bool = False) -> None:
    """Run a command with the worker's environment (Manim through `run`, or manim-slides' converter)."""
    proc = subprocess.run(cmd, cwd=cwd, env=environment(example), text=True,
                          stdout=None if verbose else subprocess.PIPE,
                          stderr=None if verbose else subprocess.STDOUT)
    if proc.returncode != 0:
        lines = [line for line in (proc.stdout or "").splitlines() if line.strip()]
        tail = "" if verbose else "\n" + "\n".join(lines[-12:])
        raise RenderError(f"{what}: {tool} exited with code {proc.returncode}{tail}")


def main(argv: list[str] | None = None) -> None:
    from manim.__main__ import main as manim

    from output import encoding

    encoding.install()
    manim(args=sys.argv[1:] if argv is None else argv, prog_name="manim")


if __name__ == "__main__":
    main()
