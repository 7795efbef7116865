"""The only door from model to scenes: `trace(sentence, model)` → a `Trace` of numpy arrays.

A Trace is everything a scene may draw about one sentence passing through one trained model.
Traces are cached on disk under the weights' sha256, the normalised sentence and a hash of the model
code that computes them, so editing that code can never leave a stale trace, and a scene that finds
its trace cached never imports torch. The attention model also keeps checkpoints from along its
training: `trace(sentence, "attention", checkpoint=K)` runs the K-th of them.

Text is read the way the model card says its training pairs were (case kept unless the source was
lower-cased; elided words split off only for a language that elides), and the reference is the
pair file's own translation of a sentence in it (the built-in grammar: its rule-based French).
"""
from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.corpus import Tokeniser, reference_translation
from model.files import UnsafeFile, atomic_write_text, confined, read_bounded
from model.hints import retrain_command
from model.names import DEFAULT_MODEL, MODEL_NAMES, words_of

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_MODELS_DIR = (ROOT / "assets" / "models").resolve()
MODELS_DIR_ENV = "ATTENTION_MODELS_DIR"  # the one place the environment's model set is named


def env_models_dir(env: Mapping[str, str] = os.environ) -> Path:
    """The model set the environment names (ATTENTION_MODELS_DIR), else the shipped models. Only
    `Example.from_env` and the default set below ask; everything else takes a set as a value."""
    return Path(env.get(MODELS_DIR_ENV) or SHIPPED_MODELS_DIR).resolve()


MODELS_DIR = env_models_dir()  # the default set of the module-level functions (thin wrappers)
DEFAULT_SENTENCE = "the european economic area"  # the built-in models' example (the article's)
TOP_K = 5
TRACE_VERSION = 4  # bump when the fields or their meaning change: old cache entries are ignored
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
    step instead of h_T) for `attention` only, with score_terms [T,S,A] (A = the attention layer's
    size): the terms v_k·tanh(W s_{i-1} + U h_j)_k whose sum is e_ij, and their parts score_query
    [T,A] (W s_{i-1}), score_keys [S,A] (U h_j, with U's bias) and score_v [A]; top_tokens [T][k], top_probs [T,k].
    checkpoint: the index of the training checkpoint whose weights made it (None: the final
    weights), training_step: the optimiser step of those weights (None: the final weights).
    reference_tokens: the correct translation when one is known (the pair file's own for a sentence
    in it, the grammar's rule for the built-in models), else None: then nothing is right or wrong.
    target_elided: the target language's elided words ("l" for l'arbre), written against the next
    word (None: a trace of a model from before, any word ending in an apostrophe is);
    exact_ignores_case: whether the model was trained to be judged regardless of case.

    The `transformer` model has no recurrence: encoder_states are its last encoder layer's outputs,
    context is the last word's output (no decoder starts from it; influence is measured on it),
    decoder_states [T,D] the last decoder layer's outputs, `attention` None, and instead, per layer
    L and head (A heads): encoder_self_attention [L,A,S,S] (row: the word that looks, column: the
    word looked at), decoder_self_attention [L,A,T,T] (row i: the position that predicts output i,
    reading <sos> and outputs 1..i-1; exact zeros above the diagonal, from the causal mask) and
    cross_attention [L,A,T,S] (decoder position → source word). Every row sums to 1. The decoder's
    weights and states are those of decoding's last step, which ran the decoder over the whole
    output (each step re-reads its prefix); the None of the recurrent models.
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
    target_elided: tuple[str, ...] | None = None
    exact_ignores_case: bool = False
    encoder_self_attention: np.ndarray | None = None
    decoder_self_attention: np.ndarray | None = None
    cross_attention: np.ndarray | None = None
    score_terms: np.ndarray | None = None
    score_query: np.ndarray | None = None
    score_keys: np.ndarray | None = None
    score_v: np.ndarray | None = None

    @property
    def output_words(self) -> tuple[str, ...]:
        return tuple(t for t in self.target_tokens if t != "<eos>")

    @property
    def finished(self) -> bool:
        """Whether the model ended its output itself (False: decoding stopped at its length cap)."""
        return bool(self.target_tokens) and self.target_tokens[-1] == "<eos>"

    @property
    def translation(self) -> str:
        return self.text(self.output_words)

    def text(self, tokens) -> str:
        """Target-language tokens (the output, the reference) as a reader writes them: l'arbre."""
        if self.target_elided is None:
            return Tokeniser(frozenset(), legacy=True).text(tokens)
        return Tokeniser(frozenset(self.target_elided)).text(tokens)

    def same_word(self, a: str, b: str) -> bool:
        """Whether an output word matches a reference word (ignoring case only if trained so)."""
        return a.casefold() == b.casefold() if self.exact_ignores_case else a == b

    @property
    def exact(self) -> bool | None:
        """Whether the output equals the reference (None when no reference is known)."""
        if self.reference_tokens is None:
            return None
        return len(self.output_words) == len(self.reference_tokens) and all(
            self.same_word(a, b) for a, b in zip(self.output_words, self.reference_tokens))

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
    def from_dict(cls, data: dict) -> Trace:
        kwargs: dict = {"model": data["model"]["name"], "sha256": data["model"]["sha256"]}
        for f in dataclasses.fields(cls):
            if f.name in kwargs:
                continue
            value = data[f.name] if f.default is dataclasses.MISSING else data.get(f.name, f.default)
            if f.name in ("sentence", "checkpoint", "training_step", "exact_ignores_case"):
                kwargs[f.name] = value
            elif f.name == "target_elided":
                kwargs[f.name] = None if value is None else tuple(value)
            elif f.name.endswith("_tokens"):
                kwargs[f.name] = None if value is None else tuple(
                    tuple(v) if isinstance(v, list) else v for v in value)
            else:
                kwargs[f.name] = None if value is None else np.asarray(value, dtype=np.float32)
        return cls(**kwargs)

    @classmethod
    def from_json(cls, text: str) -> Trace:
        return cls.from_dict(json.loads(text))


def cache_dir() -> Path:
    return Path(os.environ.get("ATTENTION_TRACE_CACHE", ROOT / ".cache" / "traces"))


@functools.cache
def code_hash() -> str:
    """sha256 of the source files that compute a trace."""
    digest = hashlib.sha256()
    for name in TRACE_SOURCES:
        digest.update(name.encode() + b"\0" + (Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


def _cache_path(sha256: str, sentence: str, info: dict) -> Path:
    # what else in the card shapes a trace: how text is read and judged, where references come from
    rules = json.dumps([info["corpus"].get("tokens"), info.get("references")], sort_keys=True)
    key = hashlib.sha256(f"{TRACE_VERSION}\n{code_hash()}\n{sha256}\n{sentence}\n{rules}".encode()).hexdigest()[:24]
    return cache_dir() / f"{sha256[:12]}-{key}.json"


@functools.cache
def _warn(message: str) -> None:
    """One warning line on stderr, once per process."""
    import sys

    sys.stderr.write(f"warning: {message}\n")


def decode_limit(source_len: int, info: dict) -> int:
    """The most output words decoding may produce before it stops without an end token: enough
    for any translation of this length (2× + 5), never more than the longest training target allows."""
    return min(info["max_target_len"], 2 * source_len + 5)


class ModelSet:
    """One folder of trained models as a value: its cards, checkpoints, loaded networks and traces.

    Everything a folder's models answer is cached on the set; `model_set(folder)` hands out one set
    per resolved folder, so two sets (the shipped models and a user's pair) live side by side in one
    process. The module-level functions below are the default set's (`MODELS_DIR`)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder).resolve()
        self._info: dict[str, dict] = {}
        self._nets: dict[tuple[str, int | None], object] = {}
        self._refs: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}

    def __repr__(self) -> str:
        return f"ModelSet({str(self.folder)!r})"

    def clear(self) -> None:
        """Forget what was read (a card edited on disk is read again)."""
        self._info.clear()
        self._nets.clear()
        self._refs.clear()

    def trained(self) -> list[str]:
        """The models of this set that have a card, in MODEL_NAMES order."""
        return [name for name in MODEL_NAMES if (self.folder / f"{name}.json").exists()]

    def info(self, name: str) -> dict:
        """The JSON written beside the weights (architecture, vocabularies, sha256, evaluation)."""
        if name in self._info:
            return self._info[name]
        folder = self.folder
        if name not in MODEL_NAMES:
            raise TraceInputError(f"unknown model '{name}'; choose one of: {', '.join(MODEL_NAMES)}")
        path = folder / f"{name}.json"
        if not path.exists():
            raise TraceInputError(f"model '{name}' is not trained yet ({path} is missing); "
                                  f"run: {retrain_command(folder, name)}")
        try:
            info = json.loads(read_bounded(path, "model card").decode("utf-8"))
        except UnsafeFile as err:
            raise TraceInputError(f"{err}; retrain with: {retrain_command(folder, name)}") from None
        except (OSError, ValueError) as err:
            raise TraceInputError(f"the card of model '{name}' ({path}) cannot be read ({err.__class__.__name__}); "
                                  f"retrain with: {retrain_command(folder, name)}") from None
        if not isinstance(info, dict) or not {"sha256", "vocab", "architecture"} <= set(info):
            raise TraceInputError(f"the card of model '{name}' ({path}) is not a model card; "
                                  f"retrain with: {retrain_command(folder, name)}")
        self._info[name] = info
        return info

    def languages(self, model: str) -> tuple[str, str]:
        """The names of the model's source and target languages, for labels on screen."""
        names = self.info(model).get("languages", {})
        return names.get("source", "source"), names.get("target", "target")

    def tokenisers(self, model: str) -> tuple[Tokeniser, Tokeniser]:
        """How the model's training pairs became tokens, source and target, as its card records it
        (a card from before records nothing: both sides lower-cased, split after every apostrophe)."""
        tokens = self.info(model)["corpus"].get("tokens", {})
        return Tokeniser.from_card(tokens.get("source")), Tokeniser.from_card(tokens.get("target"))

    def default_sentence(self, model: str = DEFAULT_MODEL) -> str:
        """The example every command uses when given none: chosen when the models were trained (a short
        test sentence the attention model translates exactly) and stored in the card of `model`, or
        else of the attention model; the built-in models' is the article's "the european economic area"."""
        own_pairs = False
        for name in dict.fromkeys((model, DEFAULT_MODEL)):
            if name in MODEL_NAMES and (self.folder / f"{name}.json").exists():
                info = self.info(name)
                if info.get("default_example", {}).get("sentence"):
                    return info["default_example"]["sentence"]
                own_pairs |= info["corpus"]["kind"] != "grammar"
        if own_pairs:
            raise TraceInputError(f"the models in {self.folder} store no default example (they were trained "
                                  "by an earlier version); give a sentence, or retrain them")
        return DEFAULT_SENTENCE

    def _example_hint(self, model: str) -> str:
        try:
            return f", e.g. \"{self.default_sentence(model)}\""
        except TraceInputError:
            return ""

    def check_sentence(self, sentence: str, model: str = DEFAULT_MODEL) -> list[str]:
        """Tokenise and validate a sentence as the model's training pairs were; returns its tokens or
        raises TraceInputError."""
        try:
            source_language = self.languages(model)[0]
        except TraceInputError:
            source_language = "source"
        if not sentence or not sentence.strip():
            raise TraceInputError(f"the sentence is empty; give a few {source_language} words{self._example_hint(model)}")
        info = self.info(model)
        tokens = self.tokenisers(model)[0].tokens(sentence)
        if not tokens:
            raise TraceInputError(f"\"{sentence.strip()}\" has no words once punctuation is removed")
        known = words_of(info["vocab"]["source"])
        unknown = list(dict.fromkeys(t for t in tokens if t not in known))
        if unknown:
            parts = []
            for word in unknown:
                same_but_case = [k for k in known if k.casefold() == word.casefold()]
                close = same_but_case + [w for w in difflib.get_close_matches(word, known, n=3, cutoff=0.0)
                                         if w not in same_but_case]
                parts.append(f"'{word}' (closest known: {', '.join(close[:3])})")
            noun = "word" if len(unknown) == 1 else "words"
            raise TraceInputError(f"the {model} model does not know the {noun} {'; '.join(parts)}. "
                                  "See every known word with: python render.py vocab")
        limit = info["max_source_len"]
        if len(tokens) > limit:
            raise TraceInputError(f"the sentence has {len(tokens)} words; the model reads at most {limit}")
        return tokens

    def card_file(self, name, what: str) -> Path:
        """A file a model card names (a checkpoint, the pair file): inside the models folder, else one
        TraceInputError line (model.files.confined)."""
        try:
            return confined(self.folder, name, what)
        except UnsafeFile as err:
            raise TraceInputError(f"a model card names a file outside the models folder: {err}") from None

    def file_references(self, name: str, sha256: str) -> dict[str, tuple[str, ...]]:
        """The pair file's translations stored beside the models: source tokens → target tokens."""
        if (name, sha256) in self._refs:
            return self._refs[name, sha256]
        path = self.card_file(name, "pair file")
        if not path.exists():
            raise TraceInputError(f"{path} is missing; retrain the models in {path.parent}")
        try:
            data = read_bounded(path, "pair file")
        except UnsafeFile as err:
            raise TraceInputError(str(err)) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise TraceInputError(f"{path} does not match the sha256 in the model card; retrain the models")
        table = {}
        for line in data.decode("utf-8").splitlines():
            source, target = line.split("\t")
            table[source] = tuple(target.split(" "))
        self._refs[name, sha256] = table
        return table

    def file_sentences(self, model: str) -> list[str]:
        """The source sentences of the pair file `model` was trained on (both splits), each as its tokens
        joined by spaces; [] for the built-in grammar and for cards without stored references."""
        refs = self.info(model).get("references") or {}
        if refs.get("kind") != "file":
            return []
        return list(self.file_references(refs["file"], refs["sha256"]))

    def reference_of(self, tokens: list[str], model: str) -> tuple[str, ...] | None:
        """The correct translation of a tokenised sentence: for models trained on a pair file, the file's
        own translation when the sentence is in it (any split), else None; for the built-in grammar,
        its rule-based French of any sentence it can parse."""
        info = self.info(model)
        refs = info.get("references") or {"kind": "grammar" if info["corpus"]["kind"] == "grammar" else "none"}
        if refs["kind"] == "grammar":
            found = reference_translation(tokens)
            return None if found is None else tuple(found)
        if refs["kind"] == "file":
            return self.file_references(refs["file"], refs["sha256"]).get(" ".join(tokens))
        return None

    def checkpoints(self, model: str) -> list[dict]:
        """The model's training checkpoints (step, file, sha256, evaluation), oldest first; the last
        one holds the final weights. Empty for a model trained without them."""
        return self.info(model).get("checkpoints", [])

    def checkpoint_info(self, model: str, checkpoint: int | None) -> dict | None:
        """The card entry of checkpoint K, or TraceInputError naming the ones that exist."""
        if checkpoint is None:
            return None
        kept = self.checkpoints(model)
        if not kept:
            with_ckpt = [m for m in self.trained() if self.checkpoints(m)]
            hint = f"; use --model {with_ckpt[0]}" if with_ckpt else ""
            raise TraceInputError(f"the {model} model was trained without checkpoints{hint}")
        if not 0 <= checkpoint < len(kept):
            steps = ", ".join(f"{k}: step {c['step']}" for k, c in enumerate(kept))
            raise TraceInputError(f"checkpoint {checkpoint} does not exist; the {model} model keeps "
                                  f"{len(kept)} checkpoints ({steps})")
        return kept[checkpoint]

    def trace(self, sentence: str | None = None, model: str = DEFAULT_MODEL, use_cache: bool = True,
              checkpoint: int | None = None) -> Trace:
        """Run `sentence` (default: the set's default example) through the trained `model` (or its
        training checkpoint number `checkpoint`) and keep every intermediate quantity."""
        tokens = self.check_sentence(self.default_sentence(model) if sentence is None else sentence, model)
        info = self.info(model)
        ckpt = self.checkpoint_info(model, checkpoint)
        sha256 = ckpt["sha256"] if ckpt else info["sha256"]
        normalised = " ".join(tokens)
        path = _cache_path(sha256, normalised, info)
        if use_cache and path.exists():
            try:
                cached = Trace.from_json(path.read_text(encoding="utf-8"))
                if cached.checkpoint == checkpoint:
                    return cached
            except (ValueError, KeyError, TypeError, AttributeError, OSError):
                _warn(f"the cached trace {path} was damaged; computing it again")  # then overwritten
        result = self._compute(tokens, model, info, checkpoint, ckpt)
        if use_cache:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_text(path, result.to_json())
            except OSError as err:
                _warn(f"cannot keep the trace in {path.parent} ({err.strerror or err}); it is computed again next time")
        return result

    def load_model(self, name: str, checkpoint: int | None = None):
        """The torch module with its shipped weights (or checkpoint K's), checked against the sha256
        recorded in its card."""
        if (name, checkpoint) in self._nets:
            return self._nets[name, checkpoint]
        import torch
        from safetensors.torch import load

        from model.networks import Architecture, build

        folder = self.folder
        info = self.info(name)
        ckpt = self.checkpoint_info(name, checkpoint)
        # a checkpoint's file is named by the card: it must stay inside the models folder
        weights = self.card_file(ckpt["file"], "weights file") if ckpt else folder / f"{name}.safetensors"
        expected = ckpt["sha256"] if ckpt else info["sha256"]
        if not weights.exists():
            raise TraceInputError(f"{weights} is missing; retrain with: {retrain_command(folder, name)}")
        try:
            data = read_bounded(weights, "weights file")  # a regular file of bounded size: never /dev/zero
        except UnsafeFile as err:
            raise TraceInputError(f"{err}; retrain with: {retrain_command(folder, name)}") from None
        digest = hashlib.sha256(data).hexdigest()
        if digest != expected:
            raise TraceInputError(f"{weights} does not match the sha256 in {name}.json; "
                                  f"retrain with: {retrain_command(folder, name)}")
        try:
            net = build(Architecture(**info["architecture"]))
            net.load_state_dict(load(data))  # the very bytes whose digest was checked
        except (TypeError, KeyError, RuntimeError) as err:
            raise TraceInputError(f"{weights} was trained by another version of this project ({err.__class__.__name__}); "
                                  f"retrain with: {retrain_command(folder, name)}") from None
        net.eval()
        torch.set_num_threads(1)
        self._nets[name, checkpoint] = net
        return net

    def _compute(self, tokens: list[str], model: str, info: dict, checkpoint: int | None, ckpt: dict | None) -> Trace:
        from model.networks import run_trace

        net = self.load_model(model, checkpoint)
        src_vocab, tgt_vocab = info["vocab"]["source"], info["vocab"]["target"]
        index = {t: i for i, t in enumerate(src_vocab)}
        rec = run_trace(net, [index[t] for t in tokens], decode_limit(len(tokens), info), TOP_K)
        reference = self.reference_of(tokens, model)
        target = self.tokenisers(model)[1]
        return Trace(
            model=model, sha256=ckpt["sha256"] if ckpt else info["sha256"], sentence=" ".join(tokens),
            source_tokens=tuple(tokens),
            target_tokens=tuple(tgt_vocab[i] for i in rec["output_ids"]),
            reference_tokens=None if reference is None else tuple(reference),
            source_embeddings=rec["source_embeddings"], encoder_states=rec["encoder_states"],
            encoder_cells=rec.get("encoder_cells"), encoder_gates=rec.get("encoder_gates"),
            context=rec["context"], influence=rec["influence"], decoder_states=rec["decoder_states"],
            attention=rec.get("attention"), attention_scores=rec.get("attention_scores"),
            score_terms=rec.get("score_terms"), score_query=rec.get("score_query"),
            score_keys=rec.get("score_keys"), score_v=rec.get("score_v"),
            step_contexts=rec.get("step_contexts"),
            top_tokens=tuple(tuple(tgt_vocab[i] for i in row) for row in rec["top_ids"]),
            top_probs=rec["top_probs"],
            checkpoint=checkpoint, training_step=ckpt["step"] if ckpt else None,
            target_elided=None if target.legacy else tuple(sorted(target.elided)),
            exact_ignores_case=bool(info["corpus"].get("tokens", {}).get("exact_ignores_case", False)),
            encoder_self_attention=rec.get("encoder_self_attention"),
            decoder_self_attention=rec.get("decoder_self_attention"),
            cross_attention=rec.get("cross_attention"),
        )


_SETS: dict[Path, ModelSet] = {}


def model_set(folder: Path | str | None = None) -> ModelSet:
    """The one ModelSet of `folder` (resolved) in this process; None: the default set, MODELS_DIR."""
    resolved = Path(MODELS_DIR if folder is None else folder).resolve()
    if resolved not in _SETS:
        _SETS[resolved] = ModelSet(resolved)
    return _SETS[resolved]


def clear_caches() -> None:
    """Forget every set's cards, networks and pair files (tests edit them on disk)."""
    for models in _SETS.values():
        models.clear()


# The default set's answers, for callers that read one set (the module's MODELS_DIR, looked up at
# each call, so a test may point it elsewhere). `cache_clear` clears every set's caches.
def model_info(name: str) -> dict:
    return model_set().info(name)


def languages(model: str) -> tuple[str, str]:
    return model_set().languages(model)


def tokenisers(model: str) -> tuple[Tokeniser, Tokeniser]:
    return model_set().tokenisers(model)


def default_sentence(model: str = DEFAULT_MODEL) -> str:
    return model_set().default_sentence(model)


def check_sentence(sentence: str, model: str = DEFAULT_MODEL) -> list[str]:
    return model_set().check_sentence(sentence, model)


def _file_references(name: str, sha256: str) -> dict[str, tuple[str, ...]]:
    return model_set().file_references(name, sha256)


def file_sentences(model: str) -> list[str]:
    return model_set().file_sentences(model)


def reference_of(tokens: list[str], model: str) -> tuple[str, ...] | None:
    return model_set().reference_of(tokens, model)


def checkpoints(model: str) -> list[dict]:
    return model_set().checkpoints(model)


def checkpoint_info(model: str, checkpoint: int | None) -> dict | None:
    return model_set().checkpoint_info(model, checkpoint)


def trace(sentence: str | None = None, model: str = DEFAULT_MODEL, use_cache: bool = True,
          checkpoint: int | None = None) -> Trace:
    """`ModelSet.trace` of the default set."""
    return model_set().trace(sentence, model, use_cache=use_cache, checkpoint=checkpoint)


def load_model(name: str, checkpoint: int | None = None):
    return model_set().load_model(name, checkpoint)


for _cached in (model_info, _file_references, load_model):
    setattr(_cached, "cache_clear", clear_caches)  # noqa: B010 (tests clear them as they did functools caches)
