"""A render job and the names of what it writes.

Names are predictable and safe: `<scene>[--<sentence slug>][--<model>][--checkpoint-K][--light]
[--transparent].<ext>`, each part only when it differs from the default, so the article's example
in the dark theme is simply `<scene>.mp4`.
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from model.trace import DEFAULT_SENTENCE
from scenes.catalog import Example, SceneEntry

ROOT = Path(__file__).resolve().parent.parent
# quality name → (Manim's -q flag, the folder Manim writes it to)
QUALITIES = {"low": ("l", "480p15"), "medium": ("m", "720p30"), "high": ("h", "1080p60"), "4k": ("k", "2160p60")}
FORMATS = ("mp4", "webm", "mov", "gif", "png")
TRANSPARENT_FORMATS = ("webm", "mov", "png")


class RenderError(RuntimeError):
    """A render that failed; the message names the scene."""


def slug(text: str, limit: int = 48) -> str:
    """A file-name-safe form of a sentence: ascii letters, digits and dashes only."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:limit].rstrip("-") or "sentence"


def stem(name: str, example: Example, *, story_model: str, models: tuple[str, ...],
         transparent: bool = False) -> str:
    """`name`, then the example's sentence/model/checkpoint/theme where they are not the defaults.
    The model is named only where it changes the picture: it differs from the story's own and the
    scene (or film) can show it."""
    parts = [name]
    if example.sentence != DEFAULT_SENTENCE:
        parts.append(slug(example.sentence))
    if example.model and example.model != story_model and example.model in models:
        parts.append(example.model)
    if example.checkpoint is not None:
        parts.append(f"checkpoint-{example.checkpoint}")
    if example.theme != "dark":
        parts.append(example.theme)
    if transparent:
        parts.append("transparent")
    return "--".join(parts)


@dataclass(frozen=True, kw_only=True)
class RenderJob:
    """One scene of one example, at one quality and format, written to `out`."""

    scene: SceneEntry
    example: Example = Example()
    quality: str = "high"
    fmt: str = "mp4"
    transparent: bool = False
    sections: bool = False  # also one clip per beat, <stem>.sections/
    voice: str | None = None  # "synth", or a folder of the lecturer's recordings <folder>/<scene>/<beat>.wav
    out: Path = ROOT / "media"

    @property
    def stem(self) -> str:
        return stem(self.scene.key, self.example, story_model=self.scene.model, models=self.scene.models,
                    transparent=self.transparent)

    @property
    def outputs(self) -> dict[str, Path]:
        files = {"poster": self.out / f"{self.stem}.png", "manifest": self.out / f"{self.stem}.json"}
        if self.fmt != "png":
            files["video"] = self.out / f"{self.stem}.{self.fmt}"
            files["subtitles"] = self.out / f"{self.stem}.srt"
        return files


def check(entries: list[SceneEntry], example: Example) -> None:
    """Refuse up front, with one clear TraceInputError, an example that some scene cannot draw;
    computes (and caches) the traces the scenes will read."""
    for entry in entries:
        entry.check(example.sentence, example.model)
    for model in {entry.model_for(example.model) for entry in entries}:
        example.trace(model)


def check_out_dir(out: Path) -> None:
    """Create `out` if needed and prove it writable (OSError if not) before any render starts."""
    out.mkdir(parents=True, exist_ok=True)
    probe = out / f".write-test-{os.getpid()}"
    probe.write_bytes(b"")
    probe.unlink()
