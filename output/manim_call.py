"""The one seam between a job and Manim: its command-line arguments (a worker process, output.worker),
its config (the warm preview, in process), the LaTeX/text cache slot it may use and its time limit.
Whatever process runs Manim installs the speed-ups first with `output.speedups.install_all()`.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import sys
from pathlib import Path
from xml.etree import ElementTree

from output import worker
from output.jobs import QUALITIES, ROOT, RenderJob
from output.workdirs import try_lock

# one sub-folder per concurrent render slot; ATTENTION_MANIM_CACHE moves it (tests)
MANIM_CACHE = Path(os.environ.get("ATTENTION_MANIM_CACHE") or ROOT / ".cache" / "manim")
# The time limit of one Manim process: a minute to start, plus this many seconds per second of the
# scene's typical length. Measured on 2 idle cores: 0.16 s per second at 480p15, 0.82 at 1080p60;
# the limits leave 15-25x for a loaded machine and a long sentence.
SECONDS_PER_SECOND = {"low": 4, "medium": 8, "high": 15, "4k": 40}
# Manim encodes an animation's frames while the next one is drawn when this is above 1 (its
# `max_inflight_encoders`; its default, 1, makes drawing wait for the encoder after every animation)
ENCODERS_IN_FLIGHT = 2


def time_limit(job: RenderJob) -> float:
    """Seconds one Manim process of `job` may run (ATTENTION_RENDER_TIMEOUT overrides)."""
    return worker.override_limit() or 60.0 + job.scene.typical_seconds * SECONDS_PER_SECOND.get(job.quality, 40)


def manim_args(job: RenderJob, work: Path, last_frame_only: bool = False, cache_dir: Path | None = None) -> list[str]:
    flag, _ = QUALITIES[job.quality]
    args = ["render", f"-q{flag}", "--disable_caching", "--silent", "--media_dir", str(work)]
    if cache_dir is not None:
        # LaTeX and text SVGs survive between renders (about 0.8 s saved per scene at 480p), in a
        # folder no other running Manim process shares
        work.mkdir(parents=True, exist_ok=True)
        cfg = work / "manim.cfg"
        cfg.write_text(f"[CLI]\ntex_dir = {cache_dir / 'Tex'}\ntext_dir = {cache_dir / 'texts'}\n"
                       f"max_inflight_encoders = {ENCODERS_IN_FLIGHT}\n", encoding="utf-8")
        args += ["-c", str(cfg)]
    if job.fmt == "png" or last_frame_only:
        args.append("-s")  # the last frame only: the poster
    else:
        args += ["--format", job.fmt]
    if job.transparent:
        args.append("-t")
    if job.sections and not last_frame_only:
        args.append("--save_sections")
    return [*args, str(job.scene.path), job.scene.cls]


def preview_options(job: RenderJob, work: Path, poster_only: bool) -> dict:
    """Manim's config for rendering `job` in process (the warm preview): the same settings as
    `manim_args`, with one LaTeX/text cache for the preview, which renders one step at a time
    (Manim's temporary SVG names are fixed: two renders at once must not share a folder)."""
    caches = MANIM_CACHE / "preview"
    quality = {"low": "low_quality", "medium": "medium_quality", "high": "high_quality", "4k": "fourk_quality"}
    return {"media_dir": str(work), "tex_dir": str(caches / "Tex"), "text_dir": str(caches / "texts"),
            "input_file": str(job.scene.path), "disable_caching": True,
            "verbosity": "ERROR", "progress_bar": "none", "save_last_frame": poster_only,
            "write_to_movie": not poster_only, "output_file": job.scene.cls,
            "max_inflight_encoders": ENCODERS_IN_FLIGHT, "quality": quality[job.quality],
            "format": None if poster_only else "mp4"}


# --- LaTeX/text caches: one per slot, a slot held by one process, damaged entries removed ------------
@contextlib.contextmanager
def cache_slot(start: int | str = 0):
    """The first Manim cache folder (`.cache/manim/slot-N`, from N = `start`; for a named slot
    `slot-NAME`, then `slot-NAME-1`, ...) that no other render, in this process or another, is
    using; held until the block ends."""
    MANIM_CACHE.mkdir(parents=True, exist_ok=True)
    names = (f"slot-{n}" for n in itertools.count(start)) if isinstance(start, int) else \
        (f"slot-{start}" + (f"-{n}" if n else "") for n in itertools.count())
    for name in names:
        handle = try_lock(MANIM_CACHE / f"{name}.lock")
        if handle is not None:
            break
    with handle:
        yield MANIM_CACHE / name


def damaged_cache_files(cache_dir: Path) -> list[Path]:
    """Entries of a Manim cache that Manim would reuse although they cannot be read: SVGs that are
    empty or not XML, DVI/XDV files without their format's first byte, LaTeX sources cut short."""
    bad = []
    for path in sorted(cache_dir.rglob("*")) if cache_dir.is_dir() else ():
        if not path.is_file():
            continue
        suffix = path.suffix.lower()
        try:
            data = path.read_bytes()
            if suffix == ".svg":
                ok = bool(data) and ElementTree.fromstring(data) is not None
            elif suffix in (".dvi", ".xdv"):
                ok = data[:1] == b"\xf7" and data[-1:] == b"\xdf"
            elif suffix == ".tex":
                ok = data.rstrip().endswith(b"\\end{document}")
            else:
                continue
        except (ElementTree.ParseError, ValueError):
            ok = False
        if not ok:
            bad.append(path)
    return bad


def heal_manim_cache(cache_dir: Path) -> list[Path]:
    """Delete damaged cache entries (Manim then rebuilds them), with one warning line."""
    bad = damaged_cache_files(cache_dir)
    for path in bad:
        path.unlink(missing_ok=True)
    if bad:
        names = ", ".join(p.name for p in bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        sys.stderr.write(f"warning: removed {len(bad)} damaged file(s) from Manim's cache {cache_dir} "
                         f"({names}); they are made again\n")
    return bad


