"""The Manim worker: one process per render, in a folder of its own, with a time limit.

`run(example, args, cwd=..., verbose=..., limit=...)` starts `python -m output.worker <manim args>`.
Its environment is the one place where an Example leaves this process (`Example.environment`); the
scene base reads it back. Inside the worker, `main` installs the encoder speed-ups explicitly and
then runs Manim's own command line, so the worker renders exactly what `manim` would, only faster.
Each render gets its own media folder: two Manim processes sharing one crash on a temporary SVG
with a fixed name.

Every worker runs in a process group of its own, so that it and its children (LaTeX, dvisvgm) can
be ended together: when it passes its time limit, when the user interrupts the command
(`terminate_all`), and — on Linux — when the command itself is killed (the worker asks the kernel
for a signal when its parent dies), so a `kill -9` of render.py leaves no Manim running.
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

from output.jobs import ROOT, RenderError
from scenes.catalog import Example

PARENT_ENV = "ATTENTION_WORKER_PARENT"  # the pid the worker must outlive no longer than a moment
GRACE_SECONDS = 5  # between asking a timed-out worker to stop (SIGTERM) and killing it
TIMEOUT_ENV = "ATTENTION_RENDER_TIMEOUT"  # seconds; overrides the time limit of every Manim process
DEFAULT_LIMIT = 1800.0  # for a caller that names no limit (output.rendering derives one per scene)

_running: set[subprocess.Popen] = set()
_lock = threading.Lock()
_stopping = threading.Event()  # set by terminate_all: no new worker starts


def environment(example: Example) -> dict[str, str]:
    """The worker's environment: ours, with the example in it and the repository importable."""
    env = example.environment(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env[PARENT_ENV] = str(os.getpid())
    return env


def command(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "output.worker", *args]


def run(example: Example, args: list[str], *, what: str, cwd: Path = ROOT, verbose: bool = False,
        limit: float | None = None) -> None:
    """Run one Manim render in a worker; RenderError names `what` (the scene) and the log's last line.
    `limit`: seconds after which the worker and its children are ended (default: TIMEOUT_ENV, or
    DEFAULT_LIMIT)."""
    if limit is None:
        limit = override_limit() or DEFAULT_LIMIT
    media = args[args.index("--media_dir") + 1] if "--media_dir" in args[:-1] else None
    run_tool(command(args), example, what=what, tool="manim", cwd=cwd, verbose=verbose, limit=limit,
             writes=Path(media) if media else None)


def run_tool(cmd: list[str], example: Example, *, what: str, tool: str, cwd: Path = ROOT,
             verbose: bool = False, limit: float = DEFAULT_LIMIT,
             limit_reason: str = "for this scene at this quality", writes: Path | None = None) -> None:
    """Run a command with the worker's environment (Manim through `run`, or manim-slides' converter);
    past `limit` seconds it and its children are ended (RenderError). `writes`: the folder it writes
    to, so that a failure on a full disk says so."""
    if _stopping.is_set():
        raise RenderError(f"{what}: not started, the command was interrupted")
    proc = subprocess.Popen(cmd, cwd=cwd, env=environment(example), text=True, errors="replace",
                            stdout=None if verbose else subprocess.PIPE,
                            stderr=None if verbose else subprocess.STDOUT, start_new_session=True)
    with _lock:
        _running.add(proc)
    if _stopping.is_set():
        _end(proc)
    try:
        try:
            output, _ = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _end(proc)
            proc.communicate()
            raise RenderError(f"{what}: {tool} took longer than {limit:.0f} s, the time limit for this scene at "
                              f"this quality; it was stopped (set ATTENTION_RENDER_TIMEOUT=SECONDS to allow more)") from None
        except BaseException:  # an interrupt: the worker must not outlive us
            _end(proc)
            raise
    finally:
        with _lock:
            _running.discard(proc)
    if proc.returncode != 0:
        if full := disk_full(output or "", writes):
            raise RenderError(f"{what}: {full}")
        lines = [line.strip(" │╰╯─") for line in (output or "").splitlines()]
        last = next((line for line in reversed(lines) if line), "")
        tail = "" if verbose or not last else f": {last} (--verbose shows the whole log)"
        how = f"was stopped by signal {-proc.returncode}" if proc.returncode < 0 else \
            f"exited with code {proc.returncode}"
        raise RenderError(f"{what}: {tool} {how}{tail}")


FULL_DISK_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
MIN_FREE_BYTES = 1 << 20  # a failed worker whose folder's disk has less than this free failed for want of space


def disk_full(log: str, writes: Path | None) -> str | None:
    """Why a worker failed, if a full disk is why: its log names ENOSPC (with the file it was
    writing), or it died (a crash in a C library, a signal) while the disk it writes to is full."""
    for number in FULL_DISK_ERRNOS:
        reason = os.strerror(number)
        at = log.find(reason)
        if at >= 0:
            # Manim's log wraps long lines: the file name may run over several of them
            quoted = re.match(r"\s*:\s*'([^']*)'", log[at + len(reason):])
            where = quoted.group(1).replace("\n", "") if quoted else None
            return f"{reason.lower()} while writing {where or writes or 'its files'}"
    if writes is not None and free_bytes(writes) < MIN_FREE_BYTES:
        return f"{os.strerror(errno.ENOSPC).lower()} while writing {writes}"
    return None


def free_bytes(folder: Path) -> int:
    """Bytes this process may still write on the file system of `folder` (or its nearest existing parent)."""
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        info = os.statvfs(folder)
    except OSError:
        return MIN_FREE_BYTES
    blocks = info.f_bfree if os.geteuid() == 0 else info.f_bavail  # root may use the reserved blocks
    return blocks * info.f_frsize


def override_limit() -> float | None:
    """The time limit set by ATTENTION_RENDER_TIMEOUT, if any."""
    try:
        return max(1.0, float(os.environ.get(TIMEOUT_ENV, "")))
    except ValueError:
        return None


def _end(proc: subprocess.Popen) -> None:
    """End a worker and every process of its group: politely, then for sure."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(GRACE_SECONDS)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # children that outlived their leader


def terminate_all() -> None:
    """End every running worker (and its children) now, and start no other: the command is being
    interrupted."""
    _stopping.set()
    with _lock:
        procs = list(_running)
    for proc in procs:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


def stopping() -> bool:
    """Whether the command is being interrupted (nothing new should start)."""
    return _stopping.is_set()


def stop_on_signals() -> None:
    """Make SIGINT (Ctrl-C) and SIGTERM end every worker first, then raise KeyboardInterrupt here
    (the workers sit in their own process groups, so the terminal's signal does not reach them)."""
    def interrupted(signum, frame):
        terminate_all()
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, interrupted)


def _die_with_parent() -> None:
    """Ask Linux to send us SIGTERM when the process that started us dies (a `kill -9` of render.py)."""
    parent = os.environ.get(PARENT_ENV)
    if not parent or not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != int(parent):  # it died before we asked
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    _die_with_parent()
    from manim.__main__ import main as manim

    from output.speedups import install_all

    install_all()
    manim(args=sys.argv[1:] if argv is None else argv, prog_name="manim")


if __name__ == "__main__":
    main()
