"""Work folders and their locks: each render gets a private folder, locked by its owner and removed
afterwards; what a killed process left is removed by the next command (`clean_stale`)."""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import time
from pathlib import Path

from model.files import alive
from output.jobs import ROOT, OutFolderError, RenderJob, check_out_dir

WORK_DIR = ".work"
SAFE_WORK = ROOT / ".cache" / "work"  # Manim's work folders when --out has characters Manim would format


def is_safe_for_manim(path: Path) -> bool:
    """Manim runs str.format over its folder settings: a path with a brace is a template to it."""
    return not re.search(r"[{}]", str(path))


def work_root(out: Path) -> Path:
    """Where the work folders of renders into `out` live: `<out>/.work`, or `.cache/work` when
    Manim would read `out` as a template."""
    root = Path(os.path.abspath(out)) / WORK_DIR
    return root if is_safe_for_manim(root) else SAFE_WORK


def try_lock(path: Path):
    """An open file holding an exclusive lock on `path`, or None if another process holds it."""
    handle = open(path, "a+b")  # noqa: SIM115 - the lock lives as long as the handle
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


@contextlib.contextmanager
def work_dir(job: RenderJob, tag: str):
    """A private, locked folder for one render, removed afterwards whatever happens (and its parent
    once empty); if the process is killed instead, the next command removes it (`clean_stale`)."""
    job.out.mkdir(parents=True, exist_ok=True)
    root = work_root(job.out)
    name = f"{job.stem}-{tag}-{os.getpid()}-{time.monotonic_ns()}"
    for attempt in range(3):  # another command may remove the empty root between our two mkdirs
        try:
            root.mkdir(parents=True, exist_ok=True)
            lock = try_lock(root / f"{name}.lock")
            break
        except FileNotFoundError:
            if attempt == 2:
                raise
    work = root / name
    try:
        work.mkdir()
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
        with contextlib.suppress(OSError):
            (root / f"{name}.lock").unlink()
        if lock:
            lock.close()
        with contextlib.suppress(OSError):
            root.rmdir()


_PART = re.compile(r"^\..+\.(\d+)-\d+\.part(\.[^.]*)?$")  # model.files.atomic_path's temporary names


def clean_stale(out: Path, max_age: float = 60.0) -> list[Path]:
    """Remove what dead runs left: work folders whose lock no process holds (older ones without a
    lock after `max_age` seconds) under `out`'s work root and `.cache/work`, and temporary `.part`
    files in `out` whose writer is gone. Returns what was removed."""
    removed: list[Path] = []
    for root in dict.fromkeys((work_root(out), SAFE_WORK)):
        if not root.is_dir():
            continue
        for lock_path in root.glob("*.lock"):
            handle = try_lock(lock_path)
            if handle is None:
                continue  # its owner is alive
            with handle:
                folder = lock_path.with_suffix("")
                if folder.exists():
                    shutil.rmtree(folder, ignore_errors=True)
                    removed.append(folder)
                with contextlib.suppress(OSError):
                    lock_path.unlink()
        for folder in root.iterdir():
            if folder.is_dir() and not folder.with_name(folder.name + ".lock").exists() \
                    and time.time() - folder.stat().st_mtime > max_age:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        with contextlib.suppress(OSError):
            root.rmdir()
    if out.is_dir():
        for path in out.iterdir():
            match = _PART.match(path.name)
            if match and not alive(int(match.group(1))):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def prepare_out(out: Path) -> None:
    """Before a command writes into `out`: create it and prove it writable (OutFolderError), and
    remove what dead runs left there."""
    try:
        check_out_dir(out)
    except OSError as err:
        raise OutFolderError(f"cannot write to the output folder '{out}': {err.strerror or err}") from None
    clean_stale(out)



