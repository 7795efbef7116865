"""The only door from model to scenes: `trace(sentence, model)` → a `Trace` of numpy arrays.

A Trace is everything a scene may draw about one sentence passing through one trained model.
Traces are cached on disk under the weights' sha256, the normalised sentence and a hash of the model
code that computes them, so editing that code can never leave a stale trace, and a scene that finds
its trace cached never imports torch. The attention model also keeps checkpoints from along its
training: `trace(sentence, "attention", checkpoint=K)` runs the K-th of them.
"""
from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.corpus import detokenise, reference_translation, tokenise
from model.files import atomic_write_text
from model.names import DEFAULT_MODEL, MODEL_NAMES, words_of

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = Path(os.environ.get("ATTENTION_MODELS_DIR") or ROOT / "assets" / "models").resolve()
DEFAULT_SENTENCE = "the european economic area"
TOP_K = 5
TRACE_VERSION = 2  # bump when the fields or their meaning change: old cache entries are ignored
# The code that computes a trace: its hash is part of every cache key.
TRACE_SOURCES = ("names.py", "corpus.py", "networks.py", "trace.py")
GATE_NAMES = ("input", "forget", "candidate", "output")


class TraceInputError(ValueError):
    """A sentence or model the trace cannot take; the message is meant for the user as is."""


@dataclass(frozen=True, eq=False)
class Trace:
    """One sentence through one model. Rows of per-step arrays follow `target_tokens`.

    Shapes (S source tokens, T output tokens including a final "<eos>" when the model emitted
    one, H hidden size, k = TOP_K):
    source_embeddings [S,E]; encoder_states [S,H]: h_1..h_S of the (unidirectional) encoder;
    encoder_cells [S,H] and encoder_gates [S,4,H] (order GATE_NAMES) for `lstm` only;
    context [H]: h_T, the encoder's last state, which every decoder starts from — for
    `plain`/`lstm` also the one vector each decoder step reads (the bottleneck); influence [S]:
    ‖∂h_T/∂embedding_j‖, how much word j can still move that vector; decoder_states [T,H];
    attention [T,S], attention_scores [T,S] (e_ij) and step_contexts [T,H] (c_i, read by each
    step instead of h_T) for `attention` only; top_tokens [T][k], top_probs [T,k].
    checkpoint: the index of the training checkpoint whose weights made it (None: the final
    weights), training_step: the optimiser step of those weights (None: the final weights).
    """

    model: str
    sha256: str
    sentence: str
    source_tokens: tuple[str, ...]
    target_tokens: tuple[str, ...]
    reference_tokens: tuple[str, ...] | None
    source_embeddings: np.ndarray
    encoder_states: np.ndarray
    encoder_cells: np.ndarray | None
    encoder_gates: np.ndarray | None
    context: np.ndarray
    influence: np.ndarray
    decoder_states: np.ndarray
    attention: np.ndarray | None
    attention_scores: np.ndarray | None
    step_contexts: np.ndarray | None
    top_tokens: tuple[tuple[str, ...], ...]
    top_probs: np.ndarray
    checkpoint: int | None = None
    training_step: int | None = None

    @property
    def output_words(self) -> tuple[str, ...]:
        return tuple(t for t in self.target_tokens if t != "<eos>")

    @property
    def finished(self) -> bool:
        """Whether the model ended its output itself (False: decoding stopped at its length cap)."""
        return bool(self.target_tokens) and self.target_tokens[-1] == "<eos>"

    @property
    def translation(self) -> str:
        return detokenise(list(self.output_words))

    @property
    def exact(self) -> bool | None:
        """Whether the output equals the reference (None when no reference is known)."""
        return None if self.reference_tokens is None else self.output_words == self.reference_tokens

    @property
    def state_range(self) -> float:
        """One colour scale per trace: the largest |value| of any hidden state or context."""
        arrays = [self.encoder_states, self.decoder_states, self.context]
        arrays += [a for a in (self.encoder_cells, self.step_contexts) if a is not None]
        return float(max(np.abs(a).max() for a in arrays))

    def to_dict(self) -> dict:
        out: dict = {"version": TRACE_VERSION, "model": {"name": self.model, "sha256": self.sha256}}
        for f in dataclasses.fields(self):
            if f.name in ("model", "sha256"):
                continue
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value = value.tolist()
            elif isinstance(value, tuple):
                value = [list(v) if isinstance(v, tuple) else v for v in value]
            out[f.name] = value
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict) -> "Trace":
        kwargs: dict = {"model": data["model"]["name"], "sha256": data["model"]["sha256"]}
        for f in dataclasses.fields(cls):
            if f.name in kwargs:
                continue
            value = data.get(f.name) if f.default is None else data[f.name]
            if f.name in ("sentence", "checkpoint", "training_step"):
                kwargs[f.name] = value
            elif f.name.endswith("_tokens"):
                kwargs[f.name] = None if value is None else tuple(
                    tuple(v) if isinstance(v, list) else v for v in value)
            else:
                kwargs[f.name] = None if value is None else np.asarray(value, dtype=np.float32)
        return cls(**kwargs)

    @classmethod
    def from_json(cls, text: str) -> "Trace":
        return cls.from_dict(json.loads(text))


@functools.lru_cache(maxsize=None)
def model_info(name: str) -> dict:
    """The JSON written beside the weights (architecture, vocabularies, sha256, evaluation)."""
    if name not in MODEL_NAMES:
        raise TraceInputError(f"unknown model '{name}'; choose one of: {', '.join(MODEL_NAMES)}")
    path = MODELS_DIR / f"{name}.json"
    if not path.exists():
        raise TraceInputError(f"model '{name}' is not trained yet ({path} is missing); "
                              f"run: python -m model.train --model {name}")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise TraceInputError(f"the card of model '{name}' ({path}) cannot be read ({err.__class__.__name__}); "
                              f"retrain with: python -m model.train --model {name}") from None
    if not isinstance(info, dict) or not {"sha256", "vocab", "architecture"} <= set(info):
        raise TraceInputError(f"the card of model '{name}' ({path}) is not a model card; "
                              f"retrain with: python -m model.train --model {name}")
    return info


def languages(model: str) -> tuple[str, str]:
    """The names of the model's source and target languages, for labels on screen."""
    names = model_info(model).get("languages", {})
    return names.get("source", "source"), names.get("target", "target")


def check_sentence(sentence: str, model: str = DEFAULT_MODEL) -> list[str]:
    """Normalise and validate a sentence; returns its tokens or raises TraceInputError."""
    if not sentence or not sentence.strip():
        raise TraceInputError("the sentence is empty; give a few English words, e.g. "
                              f"\"{DEFAULT_SENTENCE}\"")
    tokens = tokenise(sentence)
    if not tokens:
        raise TraceInputError(f"\"{sentence.strip()}\" has no words once punctuation is removed")
    info = model_info(model)
    known = words_of(info["vocab"]["source"])
    unknown = list(dict.fromkeys(t for t in tokens if t not in known))
    if unknown:
        parts = []
        for word in unknown:
            close = difflib.get_close_matches(word, known, n=3, cutoff=0.0)
            parts.append(f"'{word}' (closest known: {', '.join(close)})")
        noun = "word" if len(unknown) == 1 else "words"
        raise TraceInputError(f"the {model} model does not know the {noun} {'; '.join(parts)}. "
                              "See every known word with: python render.py vocab")
    limit = info["max_source_len"]
    if len(tokens) > limit:
        raise TraceInputError(f"the sentence has {len(tokens)} words; the model reads at most {limit}")
    return tokens


def cache_dir() -> Path:
    return Path(os.environ.get("ATTENTION_TRACE_CACHE", ROOT / ".cache" / "traces"))


@functools.lru_cache(maxsize=None)
def code_hash() -> str:
    """sha256 of the source files that compute a trace."""
    digest = hashlib.sha256()
    for name in TRACE_SOURCES:
        digest.update(name.encode() + b"\0" + (Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


def _cache_path(sha256: str, sentence: str) -> Path:
    key = hashlib.sha256(f"{TRACE_VERSION}\n{code_hash()}\n{sha256}\n{sentence}".encode()).hexdigest()[:24]
    return cache_dir() / f"{sha256[:12]}-{key}.json"


def checkpoints(model: str) -> list[dict]:
    """The model's training checkpoints (step, file, sha256, evaluation), oldest first; the last
    one holds the final weights. Empty for a model trained without them."""
    return model_info(model).get("checkpoints", [])


def checkpoint_info(model: str, checkpoint: int | None) -> dict | None:
    """The card entry of checkpoint K, or TraceInputError naming the ones that exist."""
    if checkpoint is None:
        return None
    kept = checkpoints(model)
    if not kept:
        with_ckpt = [m for m in MODEL_NAMES if (MODELS_DIR / f"{m}.json").exists() and checkpoints(m)]
        hint = f"; use --model {with_ckpt[0]}" if with_ckpt else ""
        raise TraceInputError(f"the {model} model was trained without checkpoints{hint}")
    if not 0 <= checkpoint < len(kept):
        steps = ", ".join(f"{k}: step {c['step']}" for k, c in enumerate(kept))
        raise TraceInputError(f"checkpoint {checkpoint} does not exist; the {model} model keeps "
                              f"{len(kept)} checkpoints ({steps})")
    return kept[checkpoint]


def trace(sentence: str = DEFAULT_SENTENCE, model: str = DEFAULT_MODEL, use_cache: bool = True,
          checkpoint: int | None = None) -> Trace:
    """Run `sentence` through the trained `model` (or its training checkpoint number `checkpoint`)
    and keep every intermediate quantity."""
    tokens = check_sentence(sentence, model)
    info = model_info(model)
    ckpt = checkpoint_info(model, checkpoint)
    sha256 = ckpt["sha256"] if ckpt else info["sha256"]
    normalised = " ".join(tokens)
    path = _cache_path(sha256, normalised)
    if use_cache and path.exists():
        try:
            cached = Trace.from_json(path.read_text(encoding="utf-8"))
            if cached.checkpoint == checkpoint:
                return cached
        except (ValueError, KeyError, TypeError, AttributeError, OSError):
            _warn(f"the cached trace {path} was damaged; computing it again")  # then overwritten
    result = _compute(tokens, model, info, checkpoint, ckpt)
    if use_cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, result.to_json())
        except OSError as err:
            _warn(f"cannot keep the trace in {path.parent} ({err.strerror or err}); it is computed again next time")
    return result


@functools.lru_cache(maxsize=None)
def _warn(message: str) -> None:
    """One warning line on stderr, once per process."""
    import sys

    sys.stderr.write(f"warning: {message}\n")


@functools.lru_cache(maxsize=None)
def load_model(name: str, checkpoint: int | None = None):
    """The torch module with its shipped weights (or checkpoint K's), checked against the sha256
    recorded in its card."""
    import torch
    from safetensors.torch import load_file

    from model.networks import Architecture, build

    info = model_info(name)
    ckpt = checkpoint_info(name, checkpoint)
    weights = MODELS_DIR / (ckpt["file"] if ckpt else f"{name}.safetensors")
    expected = ckpt["sha256"] if ckpt else info["sha256"]
    if not weights.exists():
        raise TraceInputError(f"{weights} is missing; retrain with: python -m model.train --model {name}")
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    if digest != expected:
        raise TraceInputError(f"{weights} does not match the sha256 in {name}.json; "
                              f"retrain with: python -m model.train --model {name}")
    try:
        net = build(Architecture(**info["architecture"]))
        net.load_state_dict(load_file(str(weights)))
    except (TypeError, KeyError, RuntimeError) as err:
        raise TraceInputError(f"{weights} was trained by another version of this project ({err.__class__.__name__}); "
                              f"retrain with: python -m model.train --model {name}") from None
    net.eval()
    torch.set_num_threads(1)
    return net


def decode_limit(source_len: int, info: dict) -> int:
    """The most output words decoding may produce before it stops without an end token: enough
    for any translation of this length (2× + 5), never more than the longest training target allows."""
    return min(info["max_target_len"], 2 * source_len + 5)


def _compute(tokens: list[str], model: str, info: dict, checkpoint: int | None, ckpt: dict | None) -> Trace:
    from model.networks import run_trace

    net = load_model(model, checkpoint)
    src_vocab, tgt_vocab = info["vocab"]["source"], info["vocab"]["target"]
    index = {t: i for i, t in enumerate(src_vocab)}
    rec = run_trace(net, [index[t] for t in tokens], decode_limit(len(tokens), info), TOP_K)
    reference = reference_translation(tokens) if info["corpus"]["kind"] == "grammar" else None
    return Trace(
        model=model, sha256=ckpt["sha256"] if ckpt else info["sha256"], sentence=" ".join(tokens),
        source_tokens=tuple(tokens),
        target_tokens=tuple(tgt_vocab[i] for i in rec["output_ids"]),
        reference_tokens=None if reference is None else tuple(reference),
        source_embeddings=rec["source_embeddings"], encoder_states=rec["encoder_states"],
        encoder_cells=rec.get("encoder_cells"), encoder_gates=rec.get("encoder_gates"),
        context=rec["context"], influence=rec["influence"], decoder_states=rec["decoder_states"],
        attention=rec.get("attention"), attention_scores=rec.get("attention_scores"),
        step_contexts=rec.get("step_contexts"),
        top_tokens=tuple(tuple(tgt_vocab[i] for i in row) for row in rec["top_ids"]),
        top_probs=rec["top_probs"],
        checkpoint=checkpoint, training_step=ckpt["step"] if ckpt else None,
    )
