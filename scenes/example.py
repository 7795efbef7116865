"""What to draw: `Example`, the one value every scene of one command shares.

Sentence, model set, model, checkpoint, theme, and the voice (a folder of per-beat recordings the
scene plays and waits for). The CLI builds it once; the output package hands it to a Manim worker as
environment variables (`to_env`, each field's variable named in its metadata), to the preview
server and batch's child process as JSON (`to_json`), and the scene base reads it back
(`from_env`). Both directions are derived from the dataclass's fields: a new field is one line
here (with its variable's name). So `ATTENTION_SENTENCE=... manim scenes/x.py X` works as well as
`render.py`. Refusals: output.jobs.check.
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.trace import MODELS_DIR_ENV, ModelSet, Trace, default_sentence, env_models_dir, model_set

THEME_NAMES = ("dark", "light")  # the themes of scenes.kit.theme, named here for the CLI (no Manim import)

# The environment variables that carry an Example into a Manim process (the models folder's name,
# MODELS_DIR_ENV, is model.trace's, whose env_models_dir is its one reader).
SENTENCE_ENV = "ATTENTION_SENTENCE"
MODEL_ENV = "ATTENTION_MODEL"
CHECKPOINT_ENV = "ATTENTION_CHECKPOINT"
THEME_ENV = "ATTENTION_THEME"
CHECK_LAYOUT_ENV = "ATTENTION_CHECK_LAYOUT"  # 1: fail a render on text off frame or overlapping (tests)
VOICE_ENV = "ATTENTION_VOICE"  # a folder of per-beat recordings: <folder>/<scene key>/<beat>.<extension>
BEAT_ENV = "ATTENTION_BEAT"  # one beat only: earlier animations skipped, the scene ends after it (preview --beat)
RECORDING_EXTENSIONS = ("wav", "mp3", "m4a", "flac", "ogg")  # what a recording of one beat may be


def _default_set() -> Path:
    """The default set's folder when the Example is made (read then, so a test may point it elsewhere)."""
    from model import trace

    return trace.MODELS_DIR


def _env(name: str) -> dict[str, str]:
    return {"env": name}


@dataclass(frozen=True, kw_only=True)
class Example:
    """What to draw: the same for every scene of one command."""

    sentence: str = field(default_factory=default_sentence, metadata=_env(SENTENCE_ENV))  # the default set's example
    models_dir: Path = field(default_factory=_default_set, metadata=_env(MODELS_DIR_ENV))  # the model set
    model: str | None = field(default=None, metadata=_env(MODEL_ENV))  # None: each scene shows its story's model
    checkpoint: int | None = field(default=None, metadata=_env(CHECKPOINT_ENV))  # K: the K-th training checkpoint
    theme: str = field(default="dark", metadata=_env(THEME_ENV))
    voice: Path | None = field(default=None, metadata=_env(VOICE_ENV))  # per-beat recordings (None: silent)
    beat: str | None = field(default=None, metadata=_env(BEAT_ENV))  # a beat's name: that beat only (preview --beat)

    @property
    def model_set(self) -> ModelSet:
        """The example's model set as a value (one per folder in a process)."""
        return model_set(self.models_dir)

    def trace(self, model: str, sentence: str | None = None) -> Trace:
        """The trace of this example's sentence (or another one) through `model` of the example's own
        model set, at the example's checkpoint where that model keeps checkpoints."""
        models = self.model_set
        checkpoint = self.checkpoint if models.checkpoints(model) else None
        return models.trace(sentence or self.sentence, model, checkpoint=checkpoint)

    # --- (de)serialisation, derived from the fields ---------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """Plain JSON values: paths as strings, None kept."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Example:
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"an example with unknown fields: {', '.join(sorted(unknown))}")
        return cls(**{f.name: _typed(f, data[f.name]) for f in dataclasses.fields(cls) if f.name in data})

    def to_env(self) -> dict[str, str]:
        """The environment variables a worker reads back with `from_env` (None fields are left out)."""
        return {f.metadata["env"]: str(_plain(getattr(self, f.name))) for f in dataclasses.fields(self)
                if getattr(self, f.name) is not None}

    def environment(self, base: Mapping[str, str] = os.environ) -> dict[str, str]:
        """`base` with this example in place of any example it held: a worker's whole environment."""
        ours = {f.metadata["env"] for f in dataclasses.fields(self)}
        return {**{k: v for k, v in base.items() if k not in ours}, **self.to_env()}

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Example:
        """The example a worker was given; the model set's default example in the dark theme when
        nothing was. The one place (with the default set) where the environment names a model set."""
        given = {f.name: env[f.metadata["env"]] for f in dataclasses.fields(cls)
                 if env.get(f.metadata["env"]) and f.name != "models_dir"}
        models_dir = env_models_dir(env)
        given.setdefault("sentence", model_set(models_dir).default_sentence())
        return cls.from_json({**given, "models_dir": models_dir})


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Path) else value


def _typed(f: dataclasses.Field, value: Any) -> Any:
    """A JSON or environment value as the field's type (its annotation is a string here)."""
    kind = str(f.type)
    if value is None:
        return None
    if "Path" in kind:
        return Path(value)
    if "int" in kind:
        return int(value)
    return value

