"""Writing a file so that readers see the old version or the new one, never half of it.

The one place where "write beside the target, then rename over it" is spelled out: traces, manifests,
films, subtitles and slide pages all go through it. A rename within one folder is atomic on POSIX.
"""
from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` for a writer that wants a file name (PyAV, a converter);
    it becomes `target` when the block ends without error and is removed otherwise. The temporary
    name keeps the target's suffix, so writers that guess the format from it still can."""
    target = Path(target)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}-{threading.get_ident()}.part{target.suffix}")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
