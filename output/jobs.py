"""A render job and the names of what it writes.

Names are predictable and safe: `<scene>[--<sentence slug>][--<model set>][--<model>][--checkpoint-K]
[--light][--transparent][--<format>].<ext>`, each part only when it differs from the default, so the
article's example in the dark theme is simply `<scene>.mp4`. A model set other than the shipped one
is named by its folder and a hash of its weights (`my-models-1a2b3c4d`), so renders of two sets into
one folder never overwrite each other. The format is named when it is not mp4,
because every format also writes a poster, a manifest and subtitles that would otherwise collide.
A sentence slug longer than 48 characters, or one that lost letters outside ascii, ends in a short
hash of the sentence, so two long sentences never share a name.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from model import corpus
from model.files import read_bounded
from model.hints import retrain_command
from model.trace import DEFAULT_SENTENCE, MODELS_DIR, ModelSet, TraceInputError, model_info, model_set
from scenes.catalog import Example, SceneEntry, select

ROOT = Path(__file__).resolve().parent.parent
# quality name → (Manim's -q flag, the folder Manim writes it to)
QUALITIES = {"low": ("l", "480p15"), "medium": ("m", "720p30"), "high": ("h", "1080p60"), "4k": ("k", "2160p60")}
FORMATS = ("mp4", "webm", "mov", "gif", "png")
TRANSPARENT_FORMATS = ("webm", "mov", "png")


class RenderError(RuntimeError):
    """A render that failed; the message names the scene."""


class OutFolderError(ValueError):
    """An output folder that cannot be written: bad input, refused before anything renders."""


def slug(text: str, limit: int = 48) -> str:
    """A file-name-safe form of a sentence: ascii letters, digits and dashes only, at most `limit`
    characters; cut or lossy slugs end in 8 hex digits of the sentence's hash."""
    decomposed = unicodedata.normalize("NFKD", text)
    lossy = any(not c.isascii() and not unicodedata.combining(c) and c.isalnum() for c in decomposed)
    plain = re.sub(r"[^a-z0-9]+", "-", decomposed.encode("ascii", "ignore").decode().lower()).strip("-")
    if not lossy and plain and len(plain) <= limit:
        return plain
    digest = hashlib.sha256(" ".join(corpus.tokenise(text)).encode()).hexdigest()[:8]
    return "-".join(p for p in (plain[:limit - 9].rstrip("-"), digest) if p)


SHIPPED_MODELS_DIR = (ROOT / "assets" / "models").resolve()


def model_set_tag(models_dir: Path) -> str | None:
    """None for the shipped models; else the folder's name (file-name-safe, at most 24 characters)
    and 8 hex digits of a hash of its cards' weight digests: the same trained weights give the same
    tag wherever the folder is, other weights in a folder of the same name another tag."""
    folder = Path(models_dir).resolve()
    if folder == SHIPPED_MODELS_DIR:
        return None
    cards = sorted(folder.glob("*.json"))
    return _tag(folder, tuple((c.name, *_stat(c)) for c in cards))


def _stat(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_mtime_ns, info.st_size


@functools.lru_cache(maxsize=16)
def _tag(folder: Path, cards: tuple) -> str:
    """Cached on the cards' names, times and sizes, so a retrained set gets its new tag at once."""
    digest = hashlib.sha256()
    for name, *_ in cards:
        raw = read_bounded(folder / name, "model card")  # a regular file of bounded size
        try:
            weights = json.loads(raw).get("sha256")
        except (ValueError, AttributeError):
            weights = None
        digest.update(f"{name}\0{weights or hashlib.sha256(raw).hexdigest()}\n".encode())
    base = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", folder.name).encode("ascii", "ignore")
                  .decode().lower()).strip("-")[:24].rstrip("-")
    return f"{base or 'models'}-{digest.hexdigest()[:8]}"


def stem(name: str, example: Example, *, story_model: str, models: tuple[str, ...],
         transparent: bool = False, fmt: str = "mp4") -> str:
    """`name`, then the example's sentence/model set/model/checkpoint/theme where they are not the
    defaults. The model is named only where it changes the picture: it differs from the story's own and the
    scene (or film) can show it."""
    parts = [name]
    if example.sentence != DEFAULT_SENTENCE:
        parts.append(slug(example.sentence))
    tag = model_set_tag(example.models_dir)
    if tag:
        parts.append(tag)
    if example.model and example.model != story_model and example.model in models:
        parts.append(example.model)
    if example.checkpoint is not None:
        parts.append(f"checkpoint-{example.checkpoint}")
    if example.theme != "dark":
        parts.append(example.theme)
    if example.beat is not None:  # one beat's preview clip
        parts.append(f"beat-{slug(example.beat)}")
    if transparent:
        parts.append("transparent")
    if fmt != "mp4":
        parts.append(fmt)
    return "--".join(parts)


# Outputs a render makes only when the scene narrates: a clip without narration has no subtitles.
NARRATION_OUTPUTS = ("subtitles", "captions")


@dataclass(frozen=True, kw_only=True)
class RenderJob:
    """One scene of one example, at one quality and format, written to `out`."""

    scene: SceneEntry
    example: Example = field(default_factory=Example)  # not at import: a broken model card is one error line
    quality: str = "high"
    fmt: str = "mp4"
    transparent: bool = False
    sections: bool = False  # also one clip per beat, <stem>.sections/
    voice: str | None = None  # "synth", or a folder of the lecturer's recordings <folder>/<scene>/<beat>.wav
    out: Path = ROOT / "media"

    @property
    def stem(self) -> str:
        return stem(self.scene.key, self.example, story_model=self.scene.model, models=self.scene.models,
                    transparent=self.transparent, fmt=self.fmt)

    @property
    def outputs(self) -> dict[str, Path]:
        files = {"poster": self.out / f"{self.stem}.png", "manifest": self.out / f"{self.stem}.json"}
        if self.fmt != "png":
            files["video"] = self.out / f"{self.stem}.{self.fmt}"
            files["subtitles"] = self.out / f"{self.stem}.srt"
            files["captions"] = self.out / f"{self.stem}.vtt"  # the same cues as WebVTT, for HTML5 <track>
        return files


def select_scenes(keys) -> list[SceneEntry]:
    """The scenes named (case ignored: ALL is all); a typo next to `all` is an error too (UnknownScene)."""
    keys = tuple(key.lower() for key in keys)
    if set(keys) - {"all"}:
        select([key for key in keys if key != "all"])
    return select(keys)


def check(entries: list[SceneEntry], example: Example, *, traces: bool = True) -> None:
    """Refuse up front, with one clear TraceInputError, an example that some scene cannot draw: the
    one refusal the CLI and the preview call (batch's planning shares its parts: missing_models and
    the set's check_sentence). All against the example's own model set. With `traces`, also computes
    (and caches) the traces the scenes will read; without, nothing imports torch (the preview's client)."""
    check_models(entries, example.model, example.models_dir)
    for entry in entries:
        entry.check(example.sentence, example.model, example.model_set)
    if not traces:
        return
    for model in sorted({entry.model_for(example.model) for entry in entries}):
        check_known(example.sentence, model, example.model_set)
        warn_once(font_warnings(example.trace(model)))


def missing_models(entry: SceneEntry, requested: str | None = None, folder: Path = MODELS_DIR) -> dict[str, list[str]]:
    """What `entry` would read that the models `folder` lacks: {"the plain model": [its absent files]}
    for each model it draws (card and weights), and the shown model's training checkpoints if it
    draws them."""
    missing = {}
    for model in entry.models_needed(requested):
        absent = [name for name in (f"{model}.json", f"{model}.safetensors") if not (folder / name).exists()]
        if absent:
            missing[f"the {model} model"] = absent
    shown = entry.model_for(requested)
    if entry.reads_checkpoints and f"the {shown} model" not in missing:
        absent = [c["file"] for c in _listed_checkpoints(folder / f"{shown}.json") if not (folder / c["file"]).exists()]
        if absent:
            missing[f"the {shown} model's training checkpoints"] = absent
    return missing


def _listed_checkpoints(card: Path) -> list[dict]:
    try:
        kept = json.loads(read_bounded(card, "model card").decode("utf-8")).get("checkpoints", [])
    except (OSError, ValueError, AttributeError):
        return []  # an unreadable card is refused where it is read, with its own message
    return [c for c in kept if isinstance(c, dict) and isinstance(c.get("file"), str)]


def check_models(entries: list[SceneEntry], requested: str | None = None, folder: Path = MODELS_DIR) -> None:
    """Refuse scenes that would read a model or training checkpoints the models `folder` lacks, with
    one TraceInputError naming what is missing and which scenes need it (before Manim starts)."""
    needed_by: dict[str, list[str]] = {}  # what is missing → the scenes that need it
    files: dict[str, list[str]] = {}
    for entry in entries:
        for what, absent in missing_models(entry, requested, folder).items():
            files[what] = absent
            needed_by.setdefault(what, []).append(entry.key)
    if needed_by:
        models = dict.fromkeys(what.split()[1] for what in files)  # "the plain model", "the attention model's ..."
        how = " and ".join(retrain_command(folder, model) for model in models)
        raise TraceInputError(f"the models folder {folder} lacks {describe_missing(files, needed_by)}; train what "
                              f"is missing ({how}) or leave those scenes out")


def describe_missing(files: dict[str, list[str]], needed_by: dict[str, list[str]] | None = None) -> str:
    """"the plain model (plain.json, plain.safetensors), which length-curve needs; and ..."."""
    def some(names: list[str], most: int = 2) -> str:
        return ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most else "")

    def who(what: str) -> str:
        scenes = (needed_by or {}).get(what)
        return f", which {', '.join(scenes)} need{'s' if len(scenes) == 1 else ''}" if scenes else ""

    return "; and ".join(f"{what} ({some(absent)}){who(what)}" for what, absent in files.items())


def check_known(sentence: str, model: str, models: ModelSet | None = None) -> None:
    """Refuse a sentence the model never learned to translate, before any render starts: for the
    built-in grammar, one the grammar cannot make (its output would be a guess that runs to the
    length cap, and narration about it would be false), with a similar sentence it knows; for a
    user's own pairs, one whose translation the final model does not end (no end token)."""
    models = models or model_set()  # default: the default set
    tokens = models.check_sentence(sentence, model)
    if models.info(model)["corpus"].get("kind") == "grammar":
        if not corpus.in_grammar(tokens):
            raise TraceInputError(
                f"\"{' '.join(tokens)}\" is not a sentence of the grammar the models learned (noun phrases "
                f"joined by and/or/with, or clauses like \"the cat sees a dog\"), so their output would be a "
                f"guess; a similar sentence they know: \"{corpus.known_sentence(tokens)}\"")
        return
    result = models.trace(sentence, model)
    if not result.finished:
        raise TraceInputError(
            f"the {model} model did not finish its translation of \"{' '.join(tokens)}\" (no end token after "
            f"{len(result.output_words)} words): the sentence is too far from its training pairs; "
            f"try one closer to them")


_WARNED: set[str] = set()


def warn_once(lines: list[str]) -> None:
    """Each warning on stderr once per process (a batch checks many examples of one model)."""
    import click
    for line in lines:
        if line not in _WARNED:
            _WARNED.add(line)
            click.echo(f"warning: {line}", err=True)


def font_warnings(result) -> list[str]:
    """A line per script of the example's words (source, output, reference) that no installed font
    draws (the scenes would show empty boxes), naming the Debian package to install."""
    from model import fonts
    words = dict.fromkeys([*result.source_tokens, *result.output_words, *(result.reference_tokens or ())])
    return fonts.warnings(words, "words of this example")


def trace_warnings(result) -> list[str]:
    """What `trace` says about a result it cannot vouch for (render refuses these: `check_known`)."""
    notes = []
    if model_info(result.model)["corpus"].get("kind") == "grammar" and not corpus.in_grammar(result.source_tokens):
        notes.append(f"\"{result.sentence}\" is not a sentence of the grammar the model learned; its output is a "
                     f"guess (render refuses it); a similar sentence it knows: "
                     f"\"{corpus.known_sentence(result.source_tokens)}\"")
    if not result.finished:
        notes.append(f"the model did not end its output (no end token): decoding stopped at its cap of "
                     f"{len(result.output_words)} words")
    return notes + font_warnings(result)


def check_out_dir(out: Path) -> None:
    """Create `out` if needed and prove it writable (OSError if not) before any render starts."""
    out.mkdir(parents=True, exist_ok=True)
    probe = out / f".write-test-{os.getpid()}"
    probe.write_bytes(b"")
    probe.unlink()
