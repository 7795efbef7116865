"""Render catalogued scenes to files: one Manim process per scene, each in its own media dir.

Two Manim processes sharing a media directory crash (a temporary SVG with a fixed name), so every
render gets a private work directory under `<out>/.work/`; results are moved into `<out>` only when
complete, so a killed or failed render never leaves a half-written file under its final name.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from model.trace import DEFAULT_SENTENCE
from scenes.catalog import SceneEntry

ROOT = Path(__file__).resolve().parent.parent
QUALITIES = {"low": ("l", "480p15"), "medium": ("m", "720p30"), "high": ("h", "1080p60"), "4k": ("k", "2160p60")}


@dataclass(frozen=True)
class RenderJob:
    scene: SceneEntry
    sentence: str = DEFAULT_SENTENCE
    model: str | None = None
    theme: str = "dark"
    quality: str = "high"
    out: Path = ROOT / "media"

    @property
    def stem(self) -> str:
        """Predictable, safe file name: scene key, then the sentence and theme when not the defaults."""
        parts = [self.scene.key]
        if self.sentence != DEFAULT_SENTENCE:
            parts.append(slug(self.sentence))
        if self.model:
            parts.append(self.model)
        if self.theme != "dark":
            parts.append(self.theme)
        return "--".join(parts)


def slug(text: str, limit: int = 48) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:limit].rstrip("-") or "sentence"


class RenderError(RuntimeError):
    pass


def render(job: RenderJob, verbose: bool = False) -> dict:
    """Render one scene; returns its manifest (also written as <stem>.json beside the video)."""
    flag, folder = QUALITIES[job.quality]
    job.out.mkdir(parents=True, exist_ok=True)
    work = job.out / ".work" / f"{job.stem}-{os.getpid()}-{time.monotonic_ns()}"
    work.mkdir(parents=True)
    env = {**os.environ, "ATTENTION_SENTENCE": job.sentence, "ATTENTION_THEME": job.theme}
    if job.model:
        env["ATTENTION_MODEL"] = job.model
    else:
        env.pop("ATTENTION_MODEL", None)
    cmd = [sys.executable, "-m", "manim", "render", f"-q{flag}", "--disable_caching",
           "--media_dir", str(work), str(job.scene.path), job.scene.cls]
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=not verbose, text=True)
        if proc.returncode != 0:
            tail = (proc.stderr or "")[-3000:] if not verbose else ""
            raise RenderError(f"{job.scene.key}: manim exited with {proc.returncode}\n{tail}")
        video_dir = work / "videos" / job.scene.module / folder
        video = video_dir / f"{job.scene.cls}.mp4"
        if not video.exists():
            raise RenderError(f"{job.scene.key}: manim produced no video in {video_dir}")
        seconds = time.perf_counter() - started
        final = {"video": job.out / f"{job.stem}.mp4", "subtitles": job.out / f"{job.stem}.srt"}
        srt = video.with_suffix(".srt")
        manifest = {
            "scene": job.scene.key, "sentence": job.sentence, "model": job.model, "theme": job.theme,
            "quality": job.quality, "render_seconds": round(seconds, 2),
            "video": final["video"].name, "subtitles": final["subtitles"].name if srt.exists() else None,
        }
        manifest.update(_video_facts(video))
        os.replace(video, final["video"])
        if srt.exists():
            os.replace(srt, final["subtitles"])
        manifest_path = job.out / f"{job.stem}.json"
        tmp = manifest_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, manifest_path)
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)
        try:
            (job.out / ".work").rmdir()
        except OSError:
            pass


def _video_facts(path: Path) -> dict:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = stream.frames or sum(1 for _ in container.decode(stream))
        duration = float(stream.duration * stream.time_base) if stream.duration else frames / float(stream.average_rate)
        return {"width": stream.width, "height": stream.height, "fps": float(stream.average_rate),
                "frames": frames, "duration": round(duration, 3)}


def extract_frames(video: Path, fractions=(0.02, 0.5, 0.999), out_dir: Path | None = None) -> list[Path]:
    """Save frames at the given fractions of the video as PNG (for looking at renders)."""
    import av

    out_dir = out_dir or video.parent
    frames = []
    with av.open(str(video)) as container:
        frames = [f.to_image() for f in container.decode(video=0)]
    paths = []
    for frac in fractions:
        idx = min(len(frames) - 1, int(frac * len(frames)))
        path = out_dir / f"{video.stem}-{int(frac * 100):03d}.png"
        frames[idx].save(path)
        paths.append(path)
    return paths
