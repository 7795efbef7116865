"""Render one job to files a lecturer can use: video, subtitles, poster frame, manifest.

Results are moved into the output folder only when complete, so a killed or failed render never
leaves a half-written file under its final name. A job whose cache key (output.cache) matches its
last render is not rendered again.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import time
from pathlib import Path

from model.files import atomic_write_text
from model.trace import MODEL_NAMES, model_info
from output import voice, worker
from output.cache import cache_key, cached_manifest, tool_versions
from output.jobs import QUALITIES, ROOT, RenderError, RenderJob

WORK_DIR = ".work"
SILENT_FORMATS = ("png", "gif")  # no sound track: a voice would change nothing
MANIM_CACHE = ROOT / ".cache" / "manim"  # one sub-folder per concurrent render slot


def render(job: RenderJob, force: bool = False, verbose: bool = False, slot: int = 0) -> dict:
    """Render one scene (or reuse an identical earlier render); returns its manifest.

    `slot`: which of the runner's concurrent workers this is; each keeps its own LaTeX/text caches."""
    key = cache_key(job)
    if not force and (manifest := cached_manifest(job, key)):
        return {**manifest, "cached": True}
    started = time.perf_counter()
    cache_dir = MANIM_CACHE / f"slot-{slot}"
    with work_dir(job, "render") as work:
        example, voice_info = job.example, None
        if job.voice is not None and job.fmt not in SILENT_FORMATS:  # per-beat recordings, mixed in and waited for
            folder, voice_info = voice.prepare(job, work, verbose, slot)
            example = dataclasses.replace(example, voice=folder)
        worker.run(example, manim_args(job, work, cache_dir=cache_dir), what=job.scene.key, verbose=verbose)
        if job.transparent and job.fmt != "png":
            # decoders drop a webm's alpha; a still render keeps it for the poster
            worker.run(job.example, manim_args(job, work / "poster", last_frame_only=True, cache_dir=cache_dir),
                       what=job.scene.key, verbose=verbose)
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


def manim_args(job: RenderJob, work: Path, last_frame_only: bool = False, cache_dir: Path | None = None) -> list[str]:
    flag, _ = QUALITIES[job.quality]
    args = ["render", f"-q{flag}", "--disable_caching", "--silent", "--media_dir", str(work)]
    if cache_dir is not None:
        # LaTeX and text SVGs survive between renders (about 0.8 s saved per scene at 480p), in a
        # folder no other running Manim process shares
        work.mkdir(parents=True, exist_ok=True)
        cfg = work / "manim.cfg"
        cfg.write_text(f"[CLI]\ntex_dir = {cache_dir / 'Tex'}\ntext_dir = {cache_dir / 'texts'}\n", encoding="utf-8")
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


@contextlib.contextmanager
def work_dir(job: RenderJob, tag: str):
    """A private folder under <out>/.work for one render, removed afterwards whatever happens
    (and .work itself once empty), so nothing half-made is left in the output folder."""
    job.out.mkdir(parents=True, exist_ok=True)
    work = job.out / WORK_DIR / f"{job.stem}-{tag}-{os.getpid()}-{time.monotonic_ns()}"
    work.mkdir(parents=True)
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
        with contextlib.suppress(OSError):
            (job.out / WORK_DIR).rmdir()


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
        "models": {name: model_info(name)["sha256"] for name in MODEL_NAMES},
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
            staging = job.out / WORK_DIR / f"{job.stem}.sections.new"
            shutil.copytree(source, staging)
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
            continue
        os.replace(source, job.outputs[name])
    stale_srt = job.outputs.get("subtitles")
    if stale_srt and "subtitles" not in produced and stale_srt.exists():
        stale_srt.unlink()
    atomic_write_text(job.outputs["manifest"], json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
