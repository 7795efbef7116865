"""Render catalogued scenes to files a lecturer can use: video, subtitles, poster frame, manifest.

One Manim process per scene, each in its own media dir (two Manim processes sharing one crash on
a temporary SVG with a fixed name). Results are moved into the output folder only when complete,
so a killed or failed render never leaves a half-written file under its final name. A scene whose
source, trace and options are unchanged since its last render is not rendered again.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from model.trace import DEFAULT_SENTENCE, MODEL_NAMES, model_info
from scenes.catalog import SceneEntry

ROOT = Path(__file__).resolve().parent.parent
QUALITIES = {"low": ("l", "480p15"), "medium": ("m", "720p30"), "high": ("h", "1080p60"), "4k": ("k", "2160p60")}
FORMATS = ("mp4", "webm", "mov", "gif", "png")
TRANSPARENT_FORMATS = ("webm", "mov", "png")
WORK_DIR = ".work"
MANIM_CACHE = ROOT / ".cache" / "manim"  # one sub-folder per concurrent render slot
# Everything a scene's picture depends on besides its trace and options.
SOURCES = [ROOT / "scenes" / "kit", ROOT / "scenes" / "catalog.py", ROOT / "model" / "trace.py",
           ROOT / "model" / "corpus.py"]


class RenderError(RuntimeError):
    """A render that failed; the message names the scene."""


def slug(text: str, limit: int = 48) -> str:
    """A file-name-safe form of a sentence: ascii letters, digits and dashes only."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:limit].rstrip("-") or "sentence"


@dataclass(frozen=True)
class RenderJob:
    scene: SceneEntry
    sentence: str = DEFAULT_SENTENCE
    model: str | None = None
    theme: str = "dark"
    quality: str = "high"
    fmt: str = "mp4"
    transparent: bool = False
    sections: bool = False
    out: Path = field(default=ROOT / "media")

    @property
    def stem(self) -> str:
        """Predictable, safe name: the scene key, then sentence/model/theme when not the defaults."""
        parts = [self.scene.key]
        if self.sentence != DEFAULT_SENTENCE:
            parts.append(slug(self.sentence))
        if self.model and self.model != self.scene.model and self.model in self.scene.models:
            parts.append(self.model)
        if self.theme != "dark":
            parts.append(self.theme)
        if self.transparent:
            parts.append("transparent")
        return "--".join(parts)

    @property
    def outputs(self) -> dict[str, Path]:
        files = {"poster": self.out / f"{self.stem}.png", "manifest": self.out / f"{self.stem}.json"}
        if self.fmt != "png":
            files["video"] = self.out / f"{self.stem}.{self.fmt}"
            files["subtitles"] = self.out / f"{self.stem}.srt"
        return files

    def cache_key(self) -> str:
        """Hash of everything the output depends on: sources, weights, sentence, options, versions."""
        h = hashlib.sha256()
        paths = [self.scene.path]
        for src in SOURCES:
            paths += sorted(src.rglob("*.py")) if src.is_dir() else [src]
        for path in paths:
            h.update(path.read_bytes())
        shas = {name: model_info(name)["sha256"] for name in MODEL_NAMES if (ROOT / "assets" / "models" / f"{name}.json").exists()}
        options = [self.sentence, self.model, self.theme, self.quality, self.fmt, self.transparent, self.sections,
                   shas, tool_versions()]
        h.update(json.dumps(options, sort_keys=True, default=str).encode())
        return h.hexdigest()


def tool_versions() -> dict:
    versions = {"python": platform.python_version()}
    for package in ("manim", "manim-slides", "numpy", "av", "torch"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def cached_manifest(job: RenderJob, key: str) -> dict | None:
    """The manifest of a previous identical render (same cache `key`) whose files all still exist."""
    try:
        manifest = json.loads(job.outputs["manifest"].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("cache_key") != key:
        return None
    if not all(path.exists() for key, path in job.outputs.items() if key != "subtitles"):
        return None
    return manifest


def manim_command(job: RenderJob, work: Path, last_frame_only: bool = False,
                  cache_dir: Path | None = None) -> list[str]:
    flag, _ = QUALITIES[job.quality]
    cmd = [sys.executable, "-m", "manim", "render", f"-q{flag}", "--disable_caching", "--silent",
           "--media_dir", str(work)]
    if cache_dir is not None:
        # LaTeX and text SVGs survive between renders (about 0.8 s saved per scene at 480p), in a
        # folder no other running Manim process shares
        work.mkdir(parents=True, exist_ok=True)
        cfg = work / "manim.cfg"
        cfg.write_text(f"[CLI]\ntex_dir = {cache_dir / 'Tex'}\ntext_dir = {cache_dir / 'texts'}\n", encoding="utf-8")
        cmd += ["-c", str(cfg)]
    if job.fmt == "png" or last_frame_only:
        cmd.append("-s")  # the last frame only: the poster
    else:
        cmd += ["--format", job.fmt]
    if job.transparent:
        cmd.append("-t")
    if job.sections and not last_frame_only:
        cmd.append("--save_sections")
    return cmd + [str(job.scene.path), job.scene.cls]


def scene_env(job: RenderJob) -> dict:
    env = {**os.environ, "ATTENTION_SENTENCE": job.sentence, "ATTENTION_THEME": job.theme}
    env.pop("ATTENTION_MODEL", None)
    if job.model:
        env["ATTENTION_MODEL"] = job.model
    return env


def render(job: RenderJob, force: bool = False, verbose: bool = False, cache_dir: Path | None = None) -> dict:
    """Render one scene (or reuse an identical earlier render); returns its manifest.

    `cache_dir`: a folder for Manim's LaTeX/text caches that no concurrent render uses."""
    key = job.cache_key()  # hashes the scene, kit and model sources: once per render
    if not force and (manifest := cached_manifest(job, key)):
        return {**manifest, "cached": True}
    started = time.perf_counter()
    with work_dir(job, "render") as work:
        _run_manim(job, manim_command(job, work, cache_dir=cache_dir), verbose)
        if job.transparent and job.fmt != "png":
            # decoders drop a webm's alpha; a still render keeps it for the poster
            _run_manim(job, manim_command(job, work / "poster", last_frame_only=True, cache_dir=cache_dir), verbose)
        produced = _collect(job, work)
        manifest = _manifest(job, produced, time.perf_counter() - started, key)
        _publish(job, produced, manifest)
        return {**manifest, "cached": False}


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
        try:
            (job.out / WORK_DIR).rmdir()
        except OSError:
            pass


def _run_manim(job: RenderJob, cmd: list[str], verbose: bool) -> None:
    proc = subprocess.run(cmd, cwd=ROOT, env=scene_env(job), stdout=None if verbose else subprocess.PIPE,
                          stderr=None if verbose else subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        detail = "" if verbose else "\n" + _error_summary(proc.stdout or "")
        raise RenderError(f"{job.scene.key}: manim exited with code {proc.returncode}{detail}")


def _error_summary(log: str, lines: int = 12) -> str:
    tail = [line for line in log.splitlines() if line.strip()]
    return "\n".join(tail[-lines:])


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


def last_frame(video: Path, target: Path) -> None:
    """The final frame of a video as PNG (alpha kept for transparent renders)."""
    import av

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        frame = None
        for frame in container.decode(stream):
            pass
    if frame is None:
        raise RenderError(f"{video.name} has no frames")
    has_alpha = frame.format.name.startswith(("yuva", "rgba", "argb", "bgra", "abgr"))
    image = frame.to_ndarray(format="rgba" if has_alpha else "rgb24")
    from PIL import Image

    Image.fromarray(image).save(target)


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
    model = job.scene.model_for(job.model)
    manifest = {
        "scene": job.scene.key, "figure": job.scene.figure, "sentence": job.sentence,
        "model": {"name": model, "sha256": model_info(model)["sha256"]},
        "models": {name: model_info(name)["sha256"] for name in MODEL_NAMES},
        "theme": job.theme, "quality": job.quality, "format": job.fmt, "transparent": job.transparent,
        "render_seconds": round(seconds, 2), "tools": tool_versions(), "cache_key": key,
        "files": {key: path.name for key, path in job.outputs.items()
                  if key in produced or key == "manifest"},
    }
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
    for key, source in produced.items():
        if key == "sections":
            target = job.out / f"{job.stem}.sections"
            staging = job.out / WORK_DIR / f"{job.stem}.sections.new"
            shutil.copytree(source, staging)
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
            continue
        os.replace(source, job.outputs[key])
    stale_srt = job.outputs.get("subtitles")
    if stale_srt and "subtitles" not in produced and stale_srt.exists():
        stale_srt.unlink()
    tmp = job.outputs["manifest"].with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, job.outputs["manifest"])
