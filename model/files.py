"""Writing a file so that readers see the old version or the new one, never half of it.

The one place where "write beside the target, then rename over it" is spelled out: traces, manifests,
films, subtitles and slide pages all go through it. A rename within one folder is atomic on POSIX.

And the one place for the other direction, reading what comes from outside (model cards, the weights
and pair files they name, a lecturer's recordings): `confined` keeps a named file inside its folder,
`check_file` / `read_bounded` accept only regular files of a bounded size (SIZE_LIMITS).
"""
from __future__ import annotations

import contextlib
import os
import stat
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


# --- reading what comes from outside: confined to its folder, a regular file, bounded in size --------
MiB = 2**20
SIZE_LIMITS = {  # the most a file of each kind may hold (the shipped ones are far below)
    "model card": 8 * MiB,
    "weights file": 256 * MiB,
    "pair file": 128 * MiB,
    "recording": 256 * MiB,
}


class UnsafeFile(ValueError):
    """A file that is not read: outside its folder, not a regular file, or too large. The message is
    one line naming the file and why."""


def confined(folder: Path, name: str | Path, what: str) -> Path:
    """`folder / name` with links resolved, if it stays inside `folder` (resolved too); else
    UnsafeFile. For names that come from a file (a model card's checkpoint) or a listing."""
    base = Path(folder).resolve()
    if not isinstance(name, str | Path) or str(name) == "":
        raise UnsafeFile(f"the {what} {name!r} is not a file name")
    path = (base / name).resolve()
    if not path.is_relative_to(base) or path == base:
        raise UnsafeFile(f"the {what} '{name}' is outside its folder {base}; only files inside it are read")
    return path


def check_file(path: Path, what: str, limit: int | None = None) -> os.stat_result:
    """The status of `path` (links followed) if it is a regular file of at most `limit` bytes (the
    kind's SIZE_LIMITS by default); else UnsafeFile at once: a device such as /dev/zero, a FIFO or a
    folder is refused without being opened. FileNotFoundError if it does not exist."""
    limit = SIZE_LIMITS[what] if limit is None else limit
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFile(f"the {what} {path} is not a regular file ({_kind(st.st_mode)}); it is not read")
    if st.st_size > limit:
        raise UnsafeFile(f"the {what} {path} holds {st.st_size / MiB:.0f} MiB, more than a {what} may "
                         f"({limit / MiB:.0f} MiB); it is not read")
    return st


def read_bounded(path: Path, what: str, limit: int | None = None) -> bytes:
    """The bytes of `path` under check_file's rules, checked on the open file itself (opened without
    blocking, so a FIFO swapped in after the check cannot hang the reader) and never more than `limit`."""
    limit = SIZE_LIMITS[what] if limit is None else limit
    check_file(path, what, limit)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as source:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            raise UnsafeFile(f"the {what} {path} changed into something that is not read")
        data = source.read(limit + 1)
    if len(data) > limit:
        raise UnsafeFile(f"the {what} {path} grew beyond {limit / MiB:.0f} MiB while it was read")
    return data


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def alive(pid: int) -> bool:
    """Whether process `pid` still runs (one of another user's counts as running): whose leftovers may go."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
