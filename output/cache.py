"""The render cache: a render is reused only when what it draws and the code that draws it are unchanged.

The key hashes
- what is drawn: the content of the scene's trace (every number on screen comes from it; the trace
  cache itself is model.trace's business, keyed on what computes it) and the model cards of the model
  set (names, sha256s, stored evaluations, languages, which some scenes show);
- the code that draws it: every .py file of the scenes package (scenes, catalog, kit) and of this
  output package, found by walking the folders, so no hand-kept list can leave one out; plus the
  scene's own file when it lives elsewhere;
- the options and tool versions.
"""
from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

from output.jobs import ROOT, RenderJob
from output.voice import cache_part as voice_cache_part

SOURCE_ROOTS = (ROOT / "scenes", ROOT / "output")


def sources_digest(roots: tuple[Path, ...] = SOURCE_ROOTS) -> str:
    """One hash of every .py file under `roots`, by relative path and content."""
    h = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            h.update(f"{path.relative_to(root.parent)}\n".encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def models_digest(models_dir: Path) -> str:
    """One hash of the model set's cards (<name>.json: sha256 of the weights, vocabularies, evaluation)."""
    h = hashlib.sha256()
    for card in sorted(Path(models_dir).glob("*.json")):
        h.update(f"{card.name}\n".encode())
        h.update(card.read_bytes())
    return h.hexdigest()


def tool_versions() -> dict:
    versions = {"python": platform.python_version()}
    for package in ("manim", "manim-slides", "numpy", "av", "torch"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def cache_key(job: RenderJob, roots: tuple[Path, ...] = SOURCE_ROOTS) -> str:
    """Hash of everything the output depends on. Computes the trace if it is not cached yet."""
    example = job.example
    drawn = example.trace(job.scene.model_for(example.model)).to_json()
    parts = {
        "trace": hashlib.sha256(drawn.encode()).hexdigest(),
        "models": models_digest(example.models_dir),
        "sources": sources_digest(roots),
        "scene": hashlib.sha256(job.scene.path.read_bytes()).hexdigest(),
        "scene_class": [job.scene.module, job.scene.cls],
        "example": [example.sentence, example.model, example.checkpoint, example.theme],
        "options": [job.quality, job.fmt, job.transparent, job.sections],
        "voice": voice_cache_part(job),
        "tools": tool_versions(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def cached_manifest(job: RenderJob, key: str) -> dict | None:
    """The manifest of a previous identical render (same cache `key`) whose files all still exist."""
    try:
        manifest = json.loads(job.outputs["manifest"].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("cache_key") != key:
        return None
    if not all(path.exists() for name, path in job.outputs.items() if name != "subtitles"):
        return None
    return manifest
