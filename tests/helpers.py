"""What several test files share: running the CLI as a user does."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, check=True):
    """`python render.py ARGS` from the repository root; with `check`, it must exit 0."""
    proc = subprocess.run([sys.executable, "render.py", *args], cwd=ROOT, capture_output=True, text=True)
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc
