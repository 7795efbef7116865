"""Render one job to files a lecturer can use: video, subtitles, poster frame, manifest.

Results are moved into the output folder only when complete, so a killed or failed render never
leaves a half-written file under its final name. A job whose cache key (output.cache) matches its
last render, and whose files are intact, is not rendered again.

Paths are data, never templates: Manim formats its folder settings with str.format, so it only
ever sees a private work folder whose path holds no braces (under `<out>/.work/`, or under
`.cache/work/` when `--out` itself has braces), and finished files are moved into `--out`. Every
work folder is locked by the process that owns it, so the next command removes the folders of
dead runs (a `kill -9`) and leaves live ones alone. Manim's LaTeX/text caches are kept per slot, and
a slot is locked by the one process using it; damaged entries are removed before each render.
"""
from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import itertools
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

from model.files import atomic_write_text
from model.trace import MODEL_NAMES, MODELS_DIR, model_info
from output import voice, worker
from output.captions import write_vtt
from output.cache import cache_key, cached_manifest, file_check, tool_versions
from output.jobs import NARRATION_OUTPUTS, QUALITIES, ROOT, OutFolderError, RenderError, RenderJob, check, check_out_dir
from scenes.catalog import Example, SceneEntry

WORK_DIR = ".work"
SILENT_FORMATS = ("png", "gif")  # no sound track: a voice would change nothing
SAFE_WORK = ROOT / ".cache" / "work"  # Manim's work folders when --out has characters Manim would format
# one sub-folder per concurrent render slot; ATTENTION_MANIM_CACHE moves it (tests)
MANIM_CACHE = Path(os.environ.get("ATTENTION_MANIM_CACHE") or ROOT / ".cache" / "manim")
TIMEOUT_ENV = worker.TIMEOUT_ENV
# The time limit of one Manim process: a minute to start, plus this many seconds per second of the
# scene's typical length. Measured on 2 idle cores: 0.16 s per second at 480p15, 0.82 at 1080p60;
# the limits leave 15-25x for a loaded machine and a long sentence.
SECONDS_PER_SECOND = {"low": 4, "medium": 8, "high": 15, "4k": 40}
# Manim encodes an animation's frames while the next one is drawn when this is above 1 (its
# `max_inflight_encoders`; its default, 1, makes drawing wait for the encoder after every animation)
ENCODERS_IN_FLIGHT = 2


def render(job: RenderJob, force: bool = False, verbose: bool = False, slot: int | str = 0) -> dict:
    """Render one scene (or reuse an identical earlier render whose files are intact); returns its
    manifest. `slot`: where to start looking for a free Manim cache slot. OSErrors become a
    RenderError naming the scene, so a failed job is one line."""
    try:
        return _render(job, force, verbose, slot)
    except OSError as err:
        raise RenderError(f"{job.scene.key}: {describe_os_error(err)}") from err


def describe_os_error(err: OSError) -> str:
    where = f" '{err.filename2 or err.filename}'" if err.filename else ""
    return f"cannot write{where}: {err.strerror or err}"


def _render(job: RenderJob, force: bool, verbose: bool, slot: int | str) -> dict:
    for path in job.outputs.values():
        if path.is_dir():
            raise RenderError(f"{job.scene.key}: '{path}' is a folder, and this render writes a file of that name")
    key = cache_key(job)
    if not force and (manifest := cached_manifest(job, key)):
        return {**manifest, "cached": True}
    started = time.perf_counter()
    limit = time_limit(job)
    with cache_slot(slot) as cache_dir, work_dir(job, "render") as work:
        heal_manim_cache(cache_dir)
        example, voice_info = job.example, None
        if job.voice is not None and job.fmt not in SILENT_FORMATS:  # per-beat recordings, mixed in and waited for
            folder, voice_info = voice.prepare(job, work, verbose, slot)
            example = dataclasses.replace(example, voice=folder)
        worker.run(example, manim_args(job, work, cache_dir=cache_dir), what=job.scene.key, verbose=verbose,
                   limit=limit)
        if job.transparent and job.fmt != "png":
            # decoders drop a webm's alpha; a still render keeps it for the poster
            worker.run(job.example, manim_args(job, work / "poster", last_frame_only=True, cache_dir=cache_dir),
                       what=job.scene.key, verbose=verbose, limit=limit)
        produced = _collect(job, work)
        manifest = _manifest(job, produced, time.perf_counter() - started, key)
        manifest["beats"] = played_beats(work, job.scene.cls)
        if voice_info is not None:
            manifest["voice"] = voice.report(voice_info, manifest["beats"])
        _publish(job, produced, manifest)
        return {**manifest, "cached": False}


def time_limit(job: RenderJob) -> float:
    """Seconds one Manim process of `job` may run (ATTENTION_RENDER_TIMEOUT overrides)."""
    return worker.override_limit() or 60.0 + job.scene.typical_seconds * SECONDS_PER_SECOND.get(job.quality, 40)


def played_beats(media: Path, cls: str) -> list[dict]:
    """The beats as the scene base played them (name, narration, start, end, seconds of speech)."""
    beats = media / "beats" / f"{cls}.json"
    return json.loads(beats.read_text(encoding="utf-8")) if beats.exists() else []


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
    return args + [str(job.scene.path), job.scene.cls]


# --- work folders: private, locked by their owner, removed by the next command when their owner died --
def is_safe_for_manim(path: Path) -> bool:
    """Manim runs str.format over its folder settings: a path with a brace is a template to it."""
    return not re.search(r"[{}]", str(path))


def work_root(out: Path) -> Path:
    """Where the work folders of renders into `out` live: `<out>/.work`, or `.cache/work` when
    Manim would read `out` as a template."""
    root = Path(os.path.abspath(out)) / WORK_DIR
    return root if is_safe_for_manim(root) else SAFE_WORK


def _try_lock(path: Path):
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
            lock = _try_lock(root / f"{name}.lock")
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
            handle = _try_lock(lock_path)
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
            if match and not _alive(int(match.group(1))):
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


def prepare(out: Path, entries: list[SceneEntry] | tuple[SceneEntry, ...], example: Example,
            voice_name: str | None = None) -> None:
    """Before render, slides, film or script: refuse, as bad input, an example some scene cannot draw
    (TraceInputError), a voice that cannot speak (VoiceError) and an `out` that cannot be written
    (OutFolderError); the traces the scenes will read are computed and cached on the way."""
    voice.check(voice_name)
    check(entries, example)
    prepare_out(out)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- Manim's LaTeX/text caches: one per slot, a slot held by one process, damaged entries removed ---
@contextlib.contextmanager
def cache_slot(start: int | str = 0):
    """The first Manim cache folder (`.cache/manim/slot-N`, from N = `start`; for a named slot
    `slot-NAME`, then `slot-NAME-1`, ...) that no other render, in this process or another, is
    using; held until the block ends."""
    MANIM_CACHE.mkdir(parents=True, exist_ok=True)
    names = (f"slot-{n}" for n in itertools.count(start)) if isinstance(start, int) else \
        (f"slot-{start}" + (f"-{n}" if n else "") for n in itertools.count())
    for name in names:
        handle = _try_lock(MANIM_CACHE / f"{name}.lock")
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


def _collect(job: RenderJob, work: Path) -> dict[str, Path]:
    """Find what Manim wrote in the work dir; make the poster frame."""
    produced: dict[str, Path] = {}
    if job.fmt == "png":
        produced["poster"] = _still(job, work)
        return produced
    _, folder = QUALITIES[job.quality]
    videos = sorted((work / "videos" / job.scene.module / folder).glob(f"{job.scene.cls}*.{job.fmt}"))
    if not videos:
        raise RenderError(f"{job.scene.key}: manim wrote no {job.fmt} video")
    produced["video"] = videos[0]
    srts = sorted(videos[0].parent.glob(f"{job.scene.cls}*.srt"))
    if srts:
        produced["subtitles"] = srts[0]
        produced["captions"] = write_vtt(srts[0])
    if job.transparent:
        produced["poster"] = _still(job, work / "poster")
    else:
        produced["poster"] = work / "poster.png"
        last_frame(videos[0], produced["poster"])
    if job.sections:
        produced["sections"] = videos[0].parent / "sections"
    return produced


def _still(job: RenderJob, media: Path) -> Path:
    images = sorted((media / "images").rglob("*.png"))
    if not images:
        raise RenderError(f"{job.scene.key}: manim wrote no image")
    return images[-1]


# PyAV and Pillow are imported where they are used: a cache hit needs neither.
def last_frame(video: Path, target: Path) -> None:
    """The final frame of a video as PNG (alpha kept for transparent renders)."""
    import av
    from PIL import Image

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        frame = None
        for frame in container.decode(stream):
            pass
    if frame is None:
        raise RenderError(f"{video.name} has no frames")
    has_alpha = frame.format.name.startswith(("yuva", "rgba", "argb", "bgra", "abgr"))
    Image.fromarray(frame.to_ndarray(format="rgba" if has_alpha else "rgb24")).save(target)


def video_facts(path: Path) -> dict:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        rate = float(stream.average_rate or stream.guessed_rate or 0)
        duration = float(container.duration / 1e6) if container.duration else (frames / rate if rate else 0.0)
        return {"width": stream.width, "height": stream.height, "fps": round(rate, 3), "frames": frames,
                "duration": round(duration, 3)}


def _manifest(job: RenderJob, produced: dict[str, Path], seconds: float, key: str) -> dict:
    model = job.scene.model_for(job.example.model)
    manifest = {
        "scene": job.scene.key, "figure": job.scene.figure, "sentence": job.example.sentence,
        "model": {"name": model, "sha256": model_info(model)["sha256"]},
        "models": {name: model_info(name)["sha256"] for name in MODEL_NAMES
                   if (MODELS_DIR / f"{name}.json").exists()},
        "theme": job.example.theme, "quality": job.quality, "format": job.fmt, "transparent": job.transparent,
        "render_seconds": round(seconds, 2), "tools": tool_versions(), "cache_key": key,
        "files": {name: path.name for name, path in job.outputs.items() if name in produced or name == "manifest"},
    }
    if job.example.checkpoint is not None:
        manifest["checkpoint"] = job.example.checkpoint
    if "video" in produced:
        manifest.update(video_facts(produced["video"]))
    else:
        from PIL import Image

        with Image.open(produced["poster"]) as im:
            manifest.update(width=im.width, height=im.height, frames=1, duration=0.0)
    if "sections" in produced:
        manifest["sections"] = _section_names(produced["sections"])
        manifest["files"]["sections"] = f"{job.stem}.sections"
    # what a later run checks before it reuses these files (output.cache.cached_manifest)
    manifest["checks"] = {name: file_check(path) for name, path in produced.items() if name != "sections"}
    return manifest


def _section_names(folder: Path) -> list[dict]:
    index = next(folder.glob("*.json"), None)
    if index is None:
        return []
    return [{"name": s["name"], "video": s["video"]} for s in json.loads(index.read_text(encoding="utf-8"))]


def _publish(job: RenderJob, produced: dict[str, Path], manifest: dict) -> None:
    """Move results to their final names, each atomically; the manifest goes last."""
    for name, source in produced.items():
        if name == "sections":
            target = job.out / f"{job.stem}.sections"
            staging = job.out / f".{job.stem}.sections.{os.getpid()}-{time.monotonic_ns()}.part"
            try:
                shutil.copytree(source, staging)
                if target.exists():
                    shutil.rmtree(target)
                os.replace(staging, target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            continue
        move(source, job.outputs[name])
    for name in NARRATION_OUTPUTS:  # a scene that no longer narrates leaves no old subtitles behind
        stale = job.outputs.get(name)
        if stale and name not in produced and stale.exists():
            stale.unlink()
    atomic_write_text(job.outputs["manifest"], json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")


def move(source: Path, target: Path) -> None:
    """Rename `source` to `target` atomically, across file systems too (copied beside the target first)."""
    try:
        os.replace(source, target)
    except OSError as err:
        if err.errno != errno.EXDEV:
            raise
        tmp = target.with_name(f".{target.stem}.{os.getpid()}-0.part{target.suffix}")
        try:
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
