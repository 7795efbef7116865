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

import dataclasses
import errno
import json
import os
import shutil
import time
from pathlib import Path

from model.files import atomic_write_text
from output import voice, worker
from output.cache import cache_key, cached_manifest, file_check, tool_versions
from output.captions import write_vtt
from output.jobs import NARRATION_OUTPUTS, QUALITIES, RenderError, RenderJob, check
from output.manim_call import cache_slot, heal_manim_cache, manim_args, time_limit
from output.workdirs import prepare_out, work_dir
from scenes.catalog import Example, SceneEntry

SILENT_FORMATS = ("png", "gif")  # no sound track: a voice would change nothing
TIMEOUT_ENV = worker.TIMEOUT_ENV


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
    if err.errno in worker.FULL_DISK_ERRNOS:  # a full disk is said as such
        return f"{os.strerror(err.errno).lower()} while writing{where or ' the output'}"
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


def played_beats(media: Path, cls: str) -> list[dict]:
    """The beats as the scene base played them (name, narration, start, end, seconds of speech)."""
    beats = media / "beats" / f"{cls}.json"
    return json.loads(beats.read_text(encoding="utf-8")) if beats.exists() else []


def prepare(out: Path, entries: list[SceneEntry] | tuple[SceneEntry, ...], example: Example,
            voice_name: str | None = None) -> None:
    """Before render, slides, film or script: refuse, as bad input, an example some scene cannot draw
    (TraceInputError), a voice that cannot speak (VoiceError) and an `out` that cannot be written
    (OutFolderError); the traces the scenes will read are computed and cached on the way."""
    voice.check(voice_name)
    check(entries, example)
    prepare_out(out)


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
        for frame in container.decode(stream):  # noqa: B007 - the loop keeps the last frame
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
    models = job.example.model_set  # the job's set, not the process's default one
    manifest = {
        "scene": job.scene.key, "figure": job.scene.figure, "sentence": job.example.sentence,
        "model": {"name": model, "sha256": models.info(model)["sha256"]},
        "models": {name: models.info(name)["sha256"] for name in models.trained()},
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
