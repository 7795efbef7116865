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

from model.files import read_bounded
from output.jobs import NARRATION_OUTPUTS, ROOT, RenderJob, font_warnings
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
        h.update(read_bounded(card, "model card"))  # a regular file of bounded size
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
    shown = example.trace(job.scene.model_for(example.model))
    drawn = shown.to_json()
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
    if missing := font_warnings(shown):
        parts["fonts"] = missing  # drawn as empty boxes: not reused once a font for them is installed
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def file_check(path: Path) -> dict:
    """What a later run compares before it reuses a file: its size and sha256."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": h.hexdigest()}


def cached_manifest(job: RenderJob, key: str) -> dict | None:
    """The manifest of a previous identical render (same cache `key`) whose files are all complete:
    each file's size and sha256 equal those recorded when it was made (a 0-byte or cut clip, a
    poster overwritten by another render, a missing file: rendered again)."""
    try:
        manifest = json.loads(job.outputs["manifest"].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("cache_key") != key:
        return None
    checks = manifest.get("checks")
    if not isinstance(checks, dict):
        return None
    for name, path in job.outputs.items():
        if name == "manifest" or (name in NARRATION_OUTPUTS and name not in checks):
            continue
        expected = checks.get(name)
        try:
            if not isinstance(expected, dict) or path.stat().st_size != expected.get("bytes") \
                    or file_check(path) != expected:
                return None
        except OSError:
            return None
    sections = manifest.get("files", {}).get("sections")
    if job.sections and not (sections and (job.out / sections).is_dir()):
        return None
    return manifest
