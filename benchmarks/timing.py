"""Wall and CPU time of commands run by the benchmarks (CPU seconds suffer less from a shared machine)."""
from __future__ import annotations

import resource
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], env: dict) -> tuple[float, float]:
    """Wall and CPU seconds of a command and its children."""
    wall, cpu = time.perf_counter(), children_cpu()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - wall, children_cpu() - cpu
